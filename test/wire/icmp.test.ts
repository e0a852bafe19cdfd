import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as icmp from '../../src/wire/icmp.js';
import { ERR_CHECKSUM, ERR_TRUNCATED, OK } from '../../src/wire/err.js';

function hex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '');
  const b = new Uint8Array(t.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(t.substr(i * 2, 2), 16);
  return b;
}

// Echo request, ident 0x1234, seq 1, data "abcdefgh"; checksum 0x5435 computed independently (Python).
const ECHO = '0800 5435 1234 0001 6162636465666768';

describe('ICMP golden bytes', () => {
  it('deconstruct: accessors read the known fields', () => {
    const b = hex(ECHO);
    expect(icmp.type(b, 0)).toBe(icmp.ECHO_REQUEST);
    expect(icmp.code(b, 0)).toBe(0);
    expect(icmp.checksumField(b, 0)).toBe(0x5435);
    expect(icmp.ident(b, 0)).toBe(0x1234);
    expect(icmp.seqNo(b, 0)).toBe(1);
    expect(icmp.verifyChecksum(b, 0, 16)).toBe(true);
  });

  it('construct: emit writes exactly the golden message', () => {
    const r = new icmp.IcmpRepr();
    r.type = icmp.ECHO_REQUEST;
    r.code = 0;
    r.ident = 0x1234;
    r.seqNo = 1;
    r.dataLen = 8;
    expect(icmp.headerLen(r)).toBe(8);
    const b = new Uint8Array(16);
    b.set(hex('6162636465666768'), 8);
    expect(icmp.emit(r, b, 0)).toBe(16);
    expect(Array.from(b)).toEqual(Array.from(hex(ECHO)));
  });

  it('construct at an offset (behind an IP header)', () => {
    const r = new icmp.IcmpRepr();
    r.type = icmp.ECHO_REQUEST;
    r.ident = 0x1234;
    r.seqNo = 1;
    r.dataLen = 8;
    const b = new Uint8Array(40).fill(0x77);
    b.set(hex('6162636465666768'), 28);
    expect(icmp.emit(r, b, 20)).toBe(16);
    expect(Array.from(b.subarray(20, 36))).toEqual(Array.from(hex(ECHO)));
    expect(b[19]).toBe(0x77);
    expect(b[36]).toBe(0x77);
  });

  it('parse: parseInto fills the repr and returns OK', () => {
    const r = new icmp.IcmpRepr();
    expect(icmp.parseInto(r, hex(ECHO), 0, 16)).toBe(OK);
    expect({ ...r }).toEqual({ type: 8, code: 0, ident: 0x1234, seqNo: 1, dataLen: 8 });
  });

  it('echo reply: same message with type 0 has checksum 0x5435 + 0x0800 (RFC 1624 arithmetic)', () => {
    const b = hex(ECHO);
    const r = new icmp.IcmpRepr();
    icmp.parseInto(r, b, 0, 16);
    r.type = icmp.ECHO_REPLY;
    expect(icmp.emit(r, b, 0)).toBe(16);
    expect(icmp.checksumField(b, 0)).toBe(0x5c35);
    expect(icmp.parseInto(r, b, 0, 16)).toBe(OK);
    expect(r.type).toBe(0);
  });

  it('emit then parse round-trips an error message (port unreachable quoting a datagram)', () => {
    const quoted = hex('4500 001c 0001 0000 4011 0000 c0000202 c0000201 14e9 0007 0008 0000');
    const b = new Uint8Array(8 + quoted.length);
    b.set(quoted, 8);
    const r = new icmp.IcmpRepr();
    r.type = icmp.DEST_UNREACH;
    r.code = icmp.PORT_UNREACH;
    r.dataLen = quoted.length;
    expect(icmp.emit(r, b, 0)).toBe(36);
    expect(Array.from(b.subarray(0, 8)).slice(4)).toEqual([0, 0, 0, 0]); // "unused" word
    const r2 = new icmp.IcmpRepr();
    expect(icmp.parseInto(r2, b, 0, 36)).toBe(OK);
    expect({ ...r2 }).toEqual({ type: 3, code: 3, ident: 0, seqNo: 0, dataLen: 28 });
  });

  it('odd-length data is checksummed with a zero pad', () => {
    const b = new Uint8Array(8 + 3);
    b.set([1, 2, 3], 8);
    const r = new icmp.IcmpRepr();
    r.type = icmp.ECHO_REQUEST;
    r.dataLen = 3;
    icmp.emit(r, b, 0);
    // independent: 0x0800 + 0x0102 + 0x0300 = 0x0c02 -> ~ = 0xf3fd
    expect(icmp.checksumField(b, 0)).toBe(0xf3fd);
    expect(icmp.parseInto(r, b, 0, 11)).toBe(OK);
  });
});

describe('ICMP malformed input', () => {
  const r = new icmp.IcmpRepr();

  it('truncated: fewer than 8 octets', () => {
    const b = hex(ECHO);
    for (let len = 0; len < 8; len++) {
      expect(icmp.checkLen(b, 0, len)).toBe(ERR_TRUNCATED);
      expect(icmp.parseInto(r, b, 0, len)).toBe(ERR_TRUNCATED);
    }
    expect(icmp.checkLen(b, 0, 8)).toBe(OK);
  });

  it('bad checksum anywhere in header or data', () => {
    for (let i = 0; i < 16; i++) {
      const b = hex(ECHO);
      b[i] ^= 0x10;
      expect(icmp.parseInto(r, b, 0, 16)).toBe(ERR_CHECKSUM);
    }
  });

  it('the checksum covers exactly len octets', () => {
    // dropping the last data octet breaks the checksum
    expect(icmp.parseInto(r, hex(ECHO), 0, 15)).toBe(ERR_CHECKSUM);
  });

  it('isError: destination unreachable, source quench, redirect, time exceeded, parameter problem', () => {
    for (const t of [3, 4, 5, 11, 12]) expect(icmp.isError(t)).toBe(true);
    for (const t of [0, 8, 13, 14, 255]) expect(icmp.isError(t)).toBe(false);
  });
});

describe('ICMP properties', () => {
  it('emit then parse round-trips arbitrary field values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 100 }), fc.nat(8),
        (type, code, ident, seqNo, data, off) => {
          const r = new icmp.IcmpRepr();
          r.type = type;
          r.code = code;
          r.ident = ident;
          r.seqNo = seqNo;
          r.dataLen = data.length;
          const b = new Uint8Array(off + 8 + data.length);
          b.set(data, off + 8);
          expect(icmp.emit(r, b, off)).toBe(8 + data.length);
          const r2 = new icmp.IcmpRepr();
          expect(icmp.parseInto(r2, b, off, 8 + data.length)).toBe(OK);
          expect({ ...r2 }).toEqual({ type, code, ident, seqNo, dataLen: data.length });
        },
      ),
    );
  });

  it('random bytes into parseInto never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.nat(), (b, o, l) => {
        const off = o % (b.length + 1);
        const len = l % (b.length - off + 1);
        const r = new icmp.IcmpRepr();
        const e = icmp.parseInto(r, b, off, len);
        expect([OK, ERR_TRUNCATED, ERR_CHECKSUM]).toContain(e);
        if (e === OK) expect(r.dataLen).toBe(len - 8);
      }),
    );
  });
});
