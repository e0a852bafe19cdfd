import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as ip from '../../src/wire/ipv4.js';
import { ERR_CHECKSUM, ERR_HEADER_LEN, ERR_LENGTH, ERR_TRUNCATED, ERR_VERSION, OK } from '../../src/wire/err.js';

function hex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '');
  const b = new Uint8Array(t.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(t.substr(i * 2, 2), 16);
  return b;
}

// Golden packets; checksums computed independently (Python, RFC 1071 loop).
// 1. ICMP echo request 192.0.2.1 -> 192.0.2.2, ident 0xabcd, DF, TTL 64, total 36.
const ECHO_HDR = '4500 0024 abcd 4000 4001 0b08 c0000201 c0000202';
const ECHO_DATA = '0800 5435 1234 0001 6162636465666768';
// 2. A UDP non-first fragment 10.0.0.1 -> 255.255.255.255: TOS 0x10, MF, offset 1480, TTL 255, total 48.
const FRAG_HDR = '4510 0030 0102 20b9 ff11 8ff1 0a000001 ffffffff';
// 3. The widely published example header (Wikipedia "Internet checksum"): checksum 0xb861, total 115.
const WIKI_HDR = '4500 0073 0000 4000 4011 b861 c0a80001 c0a800c7';

const A1 = ip.addr(192, 0, 2, 1);
const A2 = ip.addr(192, 0, 2, 2);

function echoPacket(): Uint8Array {
  return hex(ECHO_HDR + ECHO_DATA);
}
function fragPacket(): Uint8Array {
  const b = new Uint8Array(48);
  b.set(hex(FRAG_HDR));
  for (let i = 20; i < 48; i++) b[i] = i;
  return b;
}

describe('IPv4 golden bytes', () => {
  it('deconstruct: accessors read the known fields', () => {
    const b = echoPacket();
    expect(ip.version(b, 0)).toBe(4);
    expect(ip.ihl(b, 0)).toBe(5);
    expect(ip.tos(b, 0)).toBe(0);
    expect(ip.totalLen(b, 0)).toBe(36);
    expect(ip.ident(b, 0)).toBe(0xabcd);
    expect(ip.dontFrag(b, 0)).toBe(true);
    expect(ip.moreFrags(b, 0)).toBe(false);
    expect(ip.fragOffset(b, 0)).toBe(0);
    expect(ip.ttl(b, 0)).toBe(64);
    expect(ip.protocol(b, 0)).toBe(ip.PROTO_ICMP);
    expect(ip.checksumField(b, 0)).toBe(0x0b08);
    expect(ip.srcAddr(b, 0)).toBe(0xc0000201 | 0);
    expect(ip.dstAddr(b, 0)).toBe(0xc0000202 | 0);
    expect(ip.srcAddr(b, 0)).toBeLessThan(0); // int32, not a heap number above 2^31

    const f = fragPacket();
    expect(ip.tos(f, 0)).toBe(0x10);
    expect(ip.dontFrag(f, 0)).toBe(false);
    expect(ip.moreFrags(f, 0)).toBe(true);
    expect(ip.fragOffset(f, 0)).toBe(1480);
    expect(ip.ttl(f, 0)).toBe(255);
    expect(ip.protocol(f, 0)).toBe(ip.PROTO_UDP);
    expect(ip.srcAddr(f, 0)).toBe(ip.addr(10, 0, 0, 1));
    expect(ip.dstAddr(f, 0)).toBe(-1);

    const w = hex(WIKI_HDR);
    expect(ip.totalLen(w, 0)).toBe(115);
    expect(ip.checksumField(w, 0)).toBe(0xb861);
    expect(ip.verifyChecksum(w, 0)).toBe(true);
    expect(ip.formatAddr(ip.dstAddr(w, 0))).toBe('192.168.0.199');
  });

  it('deconstruct at a non-zero offset', () => {
    const b = new Uint8Array(40);
    b.set(echoPacket(), 4);
    expect(ip.totalLen(b, 4)).toBe(36);
    expect(ip.srcAddr(b, 4)).toBe(A1);
    expect(ip.verifyChecksum(b, 4)).toBe(true);
  });

  it('construct: emit writes exactly the golden header', () => {
    const r = new ip.Ipv4Repr();
    r.src = A1;
    r.dst = A2;
    r.protocol = ip.PROTO_ICMP;
    r.ttl = 64;
    r.ident = 0xabcd;
    r.dontFrag = true;
    r.payloadLen = 16;
    expect(ip.headerLen(r)).toBe(20);
    const b = new Uint8Array(36);
    b.set(hex(ECHO_DATA), 20);
    expect(ip.emit(r, b, 0)).toBe(36);
    expect(Array.from(b)).toEqual(Array.from(echoPacket()));

    const f = new ip.Ipv4Repr();
    f.src = ip.addr(10, 0, 0, 1);
    f.dst = ip.addr(255, 255, 255, 255);
    f.protocol = ip.PROTO_UDP;
    f.ttl = 255;
    f.tos = 0x10;
    f.ident = 0x0102;
    f.moreFrags = true;
    f.fragOffset = 1480;
    f.payloadLen = 28;
    const fb = fragPacket();
    fb.fill(0, 0, 20);
    expect(ip.emit(f, fb, 0)).toBe(48);
    expect(Array.from(fb)).toEqual(Array.from(fragPacket()));
  });

  it('construct at a non-zero offset leaves the surrounding bytes alone', () => {
    const r = new ip.Ipv4Repr();
    r.src = A1;
    r.dst = A2;
    r.protocol = ip.PROTO_ICMP;
    r.ident = 0xabcd;
    r.dontFrag = true;
    r.payloadLen = 16;
    const b = new Uint8Array(42).fill(0xee);
    b.set(hex(ECHO_DATA), 23);
    expect(ip.emit(r, b, 3)).toBe(36);
    expect(Array.from(b.subarray(3, 39))).toEqual(Array.from(echoPacket()));
    expect(Array.from(b.subarray(0, 3))).toEqual([0xee, 0xee, 0xee]);
    expect(Array.from(b.subarray(39))).toEqual([0xee, 0xee, 0xee]);
  });

  it('parse: parseInto fills the repr and returns OK', () => {
    const r = new ip.Ipv4Repr();
    expect(ip.parseInto(r, echoPacket(), 0, 36)).toBe(OK);
    expect({ ...r }).toEqual({
      src: A1, dst: A2, protocol: 1, ttl: 64, tos: 0, ident: 0xabcd, dontFrag: true, moreFrags: false,
      fragOffset: 0, headerLen: 20, payloadLen: 16,
    });
    expect(ip.parseInto(r, fragPacket(), 0, 48)).toBe(OK);
    expect({ ...r }).toEqual({
      src: ip.addr(10, 0, 0, 1), dst: -1, protocol: 17, ttl: 255, tos: 0x10, ident: 0x0102, dontFrag: false,
      moreFrags: true, fragOffset: 1480, headerLen: 20, payloadLen: 28,
    });
  });

  it('emit then parse round-trips the golden repr', () => {
    const r = new ip.Ipv4Repr();
    ip.parseInto(r, fragPacket(), 0, 48);
    const b = new Uint8Array(48);
    expect(ip.emit(r, b, 0)).toBe(48);
    const r2 = new ip.Ipv4Repr();
    expect(ip.parseInto(r2, b, 0, 48)).toBe(OK);
    expect({ ...r2 }).toEqual({ ...r });
  });

  it('trailing bytes after the total length are ignored (e.g. link padding)', () => {
    const b = new Uint8Array(60);
    b.set(echoPacket());
    b.fill(0x99, 36);
    const r = new ip.Ipv4Repr();
    expect(ip.parseInto(r, b, 0, 60)).toBe(OK);
    expect(r.payloadLen).toBe(16);
  });

  it('options are skipped: IHL 6 with a Router Alert option', () => {
    const b = hex('4600 0018 0001 0000 4011 0000 c0000201 c0000202 94040000');
    ip.fillChecksum(b, 0);
    expect(ip.verifyChecksum(b, 0)).toBe(true);
    const r = new ip.Ipv4Repr();
    expect(ip.parseInto(r, b, 0, 24)).toBe(OK);
    expect(r.headerLen).toBe(24);
    expect(r.payloadLen).toBe(0);
    // the checksum covers the options too
    b[21] ^= 1;
    expect(ip.parseInto(r, b, 0, 24)).toBe(ERR_CHECKSUM);
  });
});

describe('IPv4 malformed input', () => {
  const r = new ip.Ipv4Repr();

  function withFix(mut: (b: Uint8Array) => void): Uint8Array {
    const b = echoPacket();
    mut(b);
    ip.fillChecksum(b, 0);
    return b;
  }

  it('truncated: fewer than 20 octets', () => {
    const b = echoPacket();
    for (let len = 0; len < 20; len++) {
      expect(ip.checkLen(b, 0, len)).toBe(ERR_TRUNCATED);
      expect(ip.parseInto(r, b, 0, len)).toBe(ERR_TRUNCATED);
    }
  });

  it('version != 4', () => {
    for (const v of [0, 6, 15]) {
      const b = withFix((x) => (x[0] = (v << 4) | 5));
      expect(ip.parseInto(r, b, 0, 36)).toBe(ERR_VERSION);
    }
  });

  it('IHL < 5', () => {
    for (let h = 0; h < 5; h++) {
      const b = echoPacket();
      b[0] = 0x40 | h;
      expect(ip.checkLen(b, 0, 36)).toBe(ERR_HEADER_LEN);
      expect(ip.parseInto(r, b, 0, 36)).toBe(ERR_HEADER_LEN);
    }
  });

  it('IHL longer than the frame', () => {
    const b = echoPacket();
    b[0] = 0x4f; // 60 octets of header, only 36 present
    expect(ip.parseInto(r, b, 0, 36)).toBe(ERR_HEADER_LEN);
    b[0] = 0x46;
    expect(ip.parseInto(r, b, 0, 23)).toBe(ERR_HEADER_LEN);
  });

  it('total length > frame', () => {
    expect(ip.parseInto(r, echoPacket(), 0, 35)).toBe(ERR_LENGTH);
    const b = withFix((x) => {
      x[2] = 0xff;
      x[3] = 0xff;
    });
    expect(ip.parseInto(r, b, 0, 36)).toBe(ERR_LENGTH);
  });

  it('total length < header length', () => {
    for (const tl of [0, 19]) {
      const b = withFix((x) => {
        x[2] = 0;
        x[3] = tl;
      });
      expect(ip.verifyChecksum(b, 0)).toBe(true);
      expect(ip.parseInto(r, b, 0, 36)).toBe(ERR_LENGTH);
    }
    const b = withFix((x) => {
      x[0] = 0x46;
      x[3] = 22; // IHL 6 = 24 octets, total 22
    });
    expect(ip.parseInto(r, b, 0, 36)).toBe(ERR_LENGTH);
  });

  it('a total length exactly equal to the header is a valid empty datagram', () => {
    const b = withFix((x) => (x[3] = 20));
    expect(ip.parseInto(r, b, 0, 20)).toBe(OK);
    expect(r.payloadLen).toBe(0);
  });

  it('bad header checksum: every single-bit flip in the header is caught', () => {
    for (let bit = 0; bit < 160; bit++) {
      const b = echoPacket();
      b[bit >> 3] ^= 1 << (bit & 7);
      const e = ip.parseInto(r, b, 0, 36);
      expect(e).not.toBe(OK);
      if (ip.checkLen(b, 0, 36) === OK) expect(e).toBe(ERR_CHECKSUM);
    }
  });

  it('the payload is not covered by the header checksum', () => {
    const b = echoPacket();
    b[30] ^= 0xff;
    expect(ip.parseInto(r, b, 0, 36)).toBe(OK);
  });
});

describe('IPv4 address helpers', () => {
  it('addr builds int32 addresses', () => {
    expect(ip.addr(192, 0, 2, 1)).toBe(0xc0000201 | 0);
    expect(ip.addr(127, 0, 0, 1)).toBe(0x7f000001);
    expect(ip.addr(255, 255, 255, 255)).toBe(-1);
    expect(ip.addr(0, 0, 0, 0)).toBe(0);
  });

  it('parseAddr accepts dotted quads and rejects everything else', () => {
    expect(ip.parseAddr('192.0.2.1')).toBe(0xc0000201 | 0);
    expect(ip.parseAddr('0.0.0.0')).toBe(0);
    expect(ip.parseAddr('255.255.255.255')).toBe(-1);
    expect(ip.parseAddr('10.0.0.001')).toBe(0x0a000001);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1..2.3', 'a.b.c.d', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.1000', '1.2.3.0x1']) {
      expect(ip.parseAddr(bad)).toBeNull();
    }
  });

  it('formatAddr is the inverse of parseAddr', () => {
    expect(ip.formatAddr(0xc0000201 | 0)).toBe('192.0.2.1');
    expect(ip.formatAddr(-1)).toBe('255.255.255.255');
    expect(ip.formatAddr(0)).toBe('0.0.0.0');
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (a) => {
        expect(ip.parseAddr(ip.formatAddr(a))).toBe(a);
      }),
    );
  });

  it('isBroadcastOrMulticast: limited broadcast, 224.0.0.0/4, 240.0.0.0/4', () => {
    expect(ip.isBroadcastOrMulticast(ip.addr(255, 255, 255, 255))).toBe(true);
    expect(ip.isBroadcastOrMulticast(ip.addr(224, 0, 0, 1))).toBe(true);
    expect(ip.isBroadcastOrMulticast(ip.addr(239, 255, 255, 255))).toBe(true);
    expect(ip.isBroadcastOrMulticast(ip.addr(240, 0, 0, 1))).toBe(true);
    expect(ip.isBroadcastOrMulticast(ip.addr(223, 255, 255, 255))).toBe(false);
    expect(ip.isBroadcastOrMulticast(ip.addr(192, 0, 2, 1))).toBe(false);
    expect(ip.isBroadcastOrMulticast(ip.addr(127, 0, 0, 1))).toBe(false);
    expect(ip.isBroadcastOrMulticast(0)).toBe(false);
  });

  it('isUnspecified is true only for 0.0.0.0', () => {
    expect(ip.isUnspecified(0)).toBe(true);
    expect(ip.isUnspecified(ip.addr(0, 0, 0, 1))).toBe(false);
    expect(ip.isUnspecified(ip.addr(128, 0, 0, 0))).toBe(false);
  });
});

describe('IPv4 properties', () => {
  const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });

  it('emit then parse round-trips arbitrary field values', () => {
    fc.assert(
      fc.property(
        fc.record({
          src: int32, dst: int32, protocol: fc.integer({ min: 0, max: 255 }), ttl: fc.integer({ min: 0, max: 255 }),
          tos: fc.integer({ min: 0, max: 255 }), ident: fc.integer({ min: 0, max: 0xffff }), dontFrag: fc.boolean(),
          moreFrags: fc.boolean(), fragOffset: fc.integer({ min: 0, max: 0x1fff }).map((x) => x * 8),
          payloadLen: fc.integer({ min: 0, max: 200 }),
        }),
        fc.nat(16),
        (v, off) => {
          const r = new ip.Ipv4Repr();
          Object.assign(r, v);
          const b = new Uint8Array(off + 20 + v.payloadLen);
          expect(ip.emit(r, b, off)).toBe(20 + v.payloadLen);
          expect(ip.verifyChecksum(b, off)).toBe(true);
          const r2 = new ip.Ipv4Repr();
          expect(ip.parseInto(r2, b, off, 20 + v.payloadLen)).toBe(OK);
          expect({ ...r2 }).toEqual({ ...v, headerLen: 20 });
        },
      ),
    );
  });

  it('random bytes into parseInto never throw and OK implies consistent lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), fc.nat(), fc.boolean(), (b, o, l, fix) => {
        const off = o % (b.length + 1);
        const len = l % (b.length - off + 1);
        if (fix && len >= 20) {
          // make the header checksum right so the length checks are what decides
          b[off] = 0x40 | (b[off] & 0x0f);
          if (ip.ihl(b, off) * 4 <= len) ip.fillChecksum(b, off);
        }
        const r = new ip.Ipv4Repr();
        const e = ip.parseInto(r, b, off, len);
        expect(e).toBeGreaterThanOrEqual(0);
        expect(e).toBeLessThanOrEqual(6);
        if (e === OK) {
          expect(r.headerLen).toBeGreaterThanOrEqual(20);
          expect(r.headerLen + r.payloadLen).toBeLessThanOrEqual(len);
        }
      }),
    );
  });
});
