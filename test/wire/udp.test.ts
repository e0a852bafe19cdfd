import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as udp from '../../src/wire/udp.js';
import { ERR_CHECKSUM, ERR_LENGTH, ERR_TRUNCATED, OK } from '../../src/wire/err.js';

function hex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '');
  const b = new Uint8Array(t.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(t.substr(i * 2, 2), 16);
  return b;
}

// 192.0.2.1:5353 -> 192.0.2.2:7, "hello"; checksum 0x230e computed independently (Python, with pseudo-header).
const SRC = 0xc0000201 | 0;
const DST = 0xc0000202 | 0;
const GOLDEN = '14e9 0007 000d 230e 68656c6c6f';

describe('UDP golden bytes', () => {
  it('deconstruct: accessors read the known fields', () => {
    const b = hex(GOLDEN);
    expect(udp.srcPort(b, 0)).toBe(5353);
    expect(udp.dstPort(b, 0)).toBe(7);
    expect(udp.length(b, 0)).toBe(13);
    expect(udp.checksumField(b, 0)).toBe(0x230e);
    expect(udp.verifyChecksum(b, 0, 13, SRC, DST)).toBe(true);
  });

  it('construct: emit writes exactly the golden datagram', () => {
    const r = new udp.UdpRepr();
    r.srcPort = 5353;
    r.dstPort = 7;
    r.payloadLen = 5;
    expect(udp.headerLen(r)).toBe(8);
    const b = new Uint8Array(13);
    b.set(hex('68656c6c6f'), 8);
    expect(udp.emit(r, b, 0, SRC, DST)).toBe(13);
    expect(Array.from(b)).toEqual(Array.from(hex(GOLDEN)));
  });

  it('construct at an offset', () => {
    const r = new udp.UdpRepr();
    r.srcPort = 5353;
    r.dstPort = 7;
    r.payloadLen = 5;
    const b = new Uint8Array(40).fill(0x55);
    b.set(hex('68656c6c6f'), 28);
    expect(udp.emit(r, b, 20, SRC, DST)).toBe(13);
    expect(Array.from(b.subarray(20, 33))).toEqual(Array.from(hex(GOLDEN)));
    expect(b[33]).toBe(0x55);
  });

  it('parse: parseInto fills the repr and returns OK', () => {
    const r = new udp.UdpRepr();
    expect(udp.parseInto(r, hex(GOLDEN), 0, 13, SRC, DST)).toBe(OK);
    expect({ ...r }).toEqual({ srcPort: 5353, dstPort: 7, payloadLen: 5 });
  });

  it('emit then parse round-trips the golden repr', () => {
    const r = new udp.UdpRepr();
    udp.parseInto(r, hex(GOLDEN), 0, 13, SRC, DST);
    const b = new Uint8Array(13);
    b.set(hex('68656c6c6f'), 8);
    udp.emit(r, b, 0, SRC, DST);
    const r2 = new udp.UdpRepr();
    expect(udp.parseInto(r2, b, 0, 13, SRC, DST)).toBe(OK);
    expect({ ...r2 }).toEqual({ ...r });
  });

  it('a zero checksum field means "no checksum" and is accepted', () => {
    const b = hex(GOLDEN);
    b[6] = 0;
    b[7] = 0;
    b[9] ^= 0xff; // even with damaged data: nothing to verify
    expect(udp.verifyChecksum(b, 0, 13, SRC, DST)).toBe(true);
    const r = new udp.UdpRepr();
    expect(udp.parseInto(r, b, 0, 13, SRC, DST)).toBe(OK);
  });

  it('a computed checksum of 0 is sent as 0xffff (RFC 768) and verifies', () => {
    const r = new udp.UdpRepr();
    r.srcPort = 1000;
    r.dstPort = 2000;
    r.payloadLen = 2;
    const b = new Uint8Array(10);
    udp.emit(r, b, 0, SRC, DST);
    // choose the payload word equal to that checksum: the new sum is then -0, its complement 0
    const w = udp.checksumField(b, 0);
    b[8] = w >> 8;
    b[9] = w & 0xff;
    udp.emit(r, b, 0, SRC, DST);
    expect(udp.checksumField(b, 0)).toBe(0xffff);
    expect(udp.parseInto(r, b, 0, 10, SRC, DST)).toBe(OK);
  });

  it('the checksum uses the UDP length field, not the IP payload length', () => {
    const b = new Uint8Array(20).fill(0xab);
    b.set(hex(GOLDEN));
    const r = new udp.UdpRepr();
    expect(udp.parseInto(r, b, 0, 20, SRC, DST)).toBe(OK);
    expect(r.payloadLen).toBe(5);
  });
});

describe('UDP malformed input', () => {
  const r = new udp.UdpRepr();

  it('truncated: fewer than 8 octets', () => {
    const b = hex(GOLDEN);
    for (let len = 0; len < 8; len++) {
      expect(udp.checkLen(b, 0, len)).toBe(ERR_TRUNCATED);
      expect(udp.parseInto(r, b, 0, len, SRC, DST)).toBe(ERR_TRUNCATED);
    }
  });

  it('length field < 8', () => {
    for (let l = 0; l < 8; l++) {
      const b = hex(GOLDEN);
      b[4] = 0;
      b[5] = l;
      expect(udp.parseInto(r, b, 0, 13, SRC, DST)).toBe(ERR_LENGTH);
    }
  });

  it('length field > IP payload', () => {
    expect(udp.parseInto(r, hex(GOLDEN), 0, 12, SRC, DST)).toBe(ERR_LENGTH);
    const b = hex(GOLDEN);
    b[4] = 0xff;
    b[5] = 0xff;
    expect(udp.parseInto(r, b, 0, 13, SRC, DST)).toBe(ERR_LENGTH);
  });

  it('a length field of exactly 8 is an empty datagram', () => {
    const b = new Uint8Array(8);
    const e = new udp.UdpRepr();
    e.srcPort = 1;
    e.dstPort = 2;
    expect(udp.emit(e, b, 0, SRC, DST)).toBe(8);
    expect(udp.parseInto(r, b, 0, 8, SRC, DST)).toBe(OK);
    expect(r.payloadLen).toBe(0);
  });

  it('bad checksum: damaged data, header, or pseudo-header addresses', () => {
    for (let i = 0; i < 13; i++) {
      if (i === 4 || i === 5) continue; // length field: changes the checks instead
      const b = hex(GOLDEN);
      b[i] ^= 0x04;
      expect(udp.parseInto(r, b, 0, 13, SRC, DST)).toBe(ERR_CHECKSUM);
    }
    expect(udp.parseInto(r, hex(GOLDEN), 0, 13, SRC, (DST + 1) | 0)).toBe(ERR_CHECKSUM);
    expect(udp.parseInto(r, hex(GOLDEN), 0, 13, 0, DST)).toBe(ERR_CHECKSUM);
  });
});

describe('UDP properties', () => {
  const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });

  it('emit then parse round-trips arbitrary field values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 100 }),
        int32, int32, fc.nat(8),
        (sp, dp, data, src, dst, off) => {
          const r = new udp.UdpRepr();
          r.srcPort = sp;
          r.dstPort = dp;
          r.payloadLen = data.length;
          const b = new Uint8Array(off + 8 + data.length);
          b.set(data, off + 8);
          expect(udp.emit(r, b, off, src, dst)).toBe(8 + data.length);
          expect(udp.checksumField(b, off)).not.toBe(0);
          const r2 = new udp.UdpRepr();
          expect(udp.parseInto(r2, b, off, 8 + data.length, src, dst)).toBe(OK);
          expect({ ...r2 }).toEqual({ srcPort: sp, dstPort: dp, payloadLen: data.length });
        },
      ),
    );
  });

  it('random bytes into parseInto never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.nat(), int32, int32, (b, o, l, src, dst) => {
        const off = o % (b.length + 1);
        const len = l % (b.length - off + 1);
        const r = new udp.UdpRepr();
        const e = udp.parseInto(r, b, off, len, src, dst);
        expect([OK, ERR_TRUNCATED, ERR_LENGTH, ERR_CHECKSUM]).toContain(e);
        if (e === OK) expect(8 + r.payloadLen).toBeLessThanOrEqual(len);
      }),
    );
  });
});
