import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tcp from '../../src/wire/tcp.js';
import { ERR_CHECKSUM, ERR_HEADER_LEN, ERR_OPTION, ERR_TRUNCATED, OK } from '../../src/wire/err.js';

function hex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '');
  const b = new Uint8Array(t.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(t.substr(i * 2, 2), 16);
  return b;
}

const A1 = 0xc0000201 | 0; // 192.0.2.1
const A2 = 0xc0000202 | 0; // 192.0.2.2

// Checksums computed independently (Python, RFC 1071 over pseudo-header + segment).
// SYN 192.0.2.1:40000 -> 192.0.2.2:80, seq 0xf0000001, win 64240, <mss 1460>.
const SYN = '9c40 0050 f0000001 00000000 6002 faf0 8c9f 0000 020405b4';
// PSH|ACK 192.0.2.2:80 -> 192.0.2.1:40000, seq 100, ack 0x80000001, win 1000, "GET /\r\n".
const DATA = '0050 9c40 00000064 80000001 5018 03e8 3671 0000 474554202f0d0a';

/** A segment A1 -> A2 with the given option bytes (padded by the caller to a multiple of 4) and payload, checksum filled. */
function seg(options: number[], payload: number[] = [], flags = tcp.SYN): Uint8Array {
  const hl = 20 + options.length;
  const b = new Uint8Array(hl + payload.length);
  b.set([0x9c, 0x40, 0x00, 0x50, 1, 2, 3, 4, 0, 0, 0, 0, (hl >> 2) << 4, flags, 0x10, 0x00, 0, 0, 0, 0]);
  b.set(options, 20);
  b.set(payload, hl);
  tcp.fillChecksum(b, 0, b.length, A1, A2);
  return b;
}

function parse(b: Uint8Array) {
  const r = new tcp.TcpRepr();
  const e = tcp.parseInto(r, b, 0, b.length, A1, A2);
  return { e, r };
}

describe('TCP golden bytes', () => {
  it('deconstruct: accessors read the known fields', () => {
    const s = hex(SYN);
    expect(tcp.srcPort(s, 0)).toBe(40000);
    expect(tcp.dstPort(s, 0)).toBe(80);
    expect(tcp.seqNumber(s, 0)).toBe(0xf0000001 | 0);
    expect(tcp.seqNumber(s, 0)).toBeLessThan(0); // int32
    expect(tcp.ackNumber(s, 0)).toBe(0);
    expect(tcp.dataOffset(s, 0)).toBe(6);
    expect(tcp.flags(s, 0)).toBe(tcp.SYN);
    expect(tcp.window(s, 0)).toBe(64240);
    expect(tcp.checksumField(s, 0)).toBe(0x8c9f);
    expect(tcp.urgentPtr(s, 0)).toBe(0);
    expect(tcp.verifyChecksum(s, 0, 24, A1, A2)).toBe(true);

    const d = hex(DATA);
    expect(tcp.seqNumber(d, 0)).toBe(100);
    expect(tcp.ackNumber(d, 0)).toBe(0x80000001 | 0);
    expect(tcp.dataOffset(d, 0)).toBe(5);
    expect(tcp.flags(d, 0)).toBe(tcp.PSH | tcp.ACK);
    expect(tcp.window(d, 0)).toBe(1000);
    expect(tcp.checksumField(d, 0)).toBe(0x3671);
    expect(tcp.verifyChecksum(d, 0, 27, A2, A1)).toBe(true);
  });

  it('construct: emit writes exactly the golden SYN (with MSS option) and data segment', () => {
    const r = new tcp.TcpRepr();
    r.srcPort = 40000;
    r.dstPort = 80;
    r.seq = 0xf0000001 | 0;
    r.flags = tcp.SYN;
    r.window = 64240;
    r.mss = 1460;
    expect(tcp.headerLen(r)).toBe(24);
    const b = new Uint8Array(24);
    expect(tcp.emit(r, b, 0, A1, A2)).toBe(24);
    expect(Array.from(b)).toEqual(Array.from(hex(SYN)));

    const d = new tcp.TcpRepr();
    d.srcPort = 80;
    d.dstPort = 40000;
    d.seq = 100;
    d.ack = 0x80000001 | 0;
    d.flags = tcp.PSH | tcp.ACK;
    d.window = 1000;
    d.payloadLen = 7;
    expect(tcp.headerLen(d)).toBe(20);
    const db = new Uint8Array(27);
    db.set(hex('474554202f0d0a'), 20);
    expect(tcp.emit(d, db, 0, A2, A1)).toBe(27);
    expect(Array.from(db)).toEqual(Array.from(hex(DATA)));
  });

  it('construct at an offset leaves the surroundings alone', () => {
    const r = new tcp.TcpRepr();
    r.srcPort = 40000;
    r.dstPort = 80;
    r.seq = 0xf0000001 | 0;
    r.flags = tcp.SYN;
    r.window = 64240;
    r.mss = 1460;
    const b = new Uint8Array(50).fill(0x33);
    expect(tcp.emit(r, b, 20, A1, A2)).toBe(24);
    expect(Array.from(b.subarray(20, 44))).toEqual(Array.from(hex(SYN)));
    expect(b[19]).toBe(0x33);
    expect(b[44]).toBe(0x33);
  });

  it('parse: parseInto fills the repr and returns OK', () => {
    const r = new tcp.TcpRepr();
    expect(tcp.parseInto(r, hex(SYN), 0, 24, A1, A2)).toBe(OK);
    const fields = (x: tcp.TcpRepr) => {
      const { sackLeft: _l, sackRight: _r, ...rest } = x;
      return rest;
    };
    expect(fields(r)).toEqual({
      srcPort: 40000, dstPort: 80, seq: 0xf0000001 | 0, ack: 0, flags: tcp.SYN, window: 64240, urgent: 0,
      mss: 1460, headerLen: 24, payloadLen: 0, unknownOptions: 0, sackPermitted: false, sackCount: 0,
    });
    expect(tcp.parseInto(r, hex(DATA), 0, 27, A2, A1)).toBe(OK);
    expect(fields(r)).toEqual({
      srcPort: 80, dstPort: 40000, seq: 100, ack: 0x80000001 | 0, flags: tcp.PSH | tcp.ACK, window: 1000,
      urgent: 0, mss: 0, headerLen: 20, payloadLen: 7, unknownOptions: 0, sackPermitted: false, sackCount: 0,
    });
  });

  it('emit then parse round-trips the golden reprs', () => {
    for (const [g, len, src, dst] of [[SYN, 24, A1, A2], [DATA, 27, A2, A1]] as [string, number, number, number][]) {
      const gb = hex(g);
      const r = new tcp.TcpRepr();
      expect(tcp.parseInto(r, gb, 0, len, src, dst)).toBe(OK);
      const b = new Uint8Array(len);
      b.set(gb.subarray(r.headerLen), r.headerLen);
      expect(tcp.emit(r, b, 0, src, dst)).toBe(len);
      const r2 = new tcp.TcpRepr();
      expect(tcp.parseInto(r2, b, 0, len, src, dst)).toBe(OK);
      expect({ ...r2 }).toEqual({ ...r });
    }
  });

  it('parse at an offset (behind an IP header)', () => {
    const b = new Uint8Array(60);
    b.set(hex(DATA), 20);
    const r = new tcp.TcpRepr();
    expect(tcp.parseInto(r, b, 20, 27, A2, A1)).toBe(OK);
    expect(r.payloadLen).toBe(7);
  });

  it('flagsToString uses packetdrill notation', () => {
    expect(tcp.flagsToString(tcp.SYN)).toBe('S');
    expect(tcp.flagsToString(tcp.SYN | tcp.ACK)).toBe('S.');
    expect(tcp.flagsToString(tcp.ACK)).toBe('.');
    expect(tcp.flagsToString(tcp.FIN | tcp.ACK)).toBe('F.');
    expect(tcp.flagsToString(tcp.RST)).toBe('R');
    expect(tcp.flagsToString(tcp.RST | tcp.ACK)).toBe('R.');
    expect(tcp.flagsToString(tcp.PSH | tcp.ACK)).toBe('P.');
    expect(tcp.flagsToString(0xff)).toBe('FSRP.UEW');
  });
});

describe('TCP malformed input', () => {
  const r = new tcp.TcpRepr();

  it('truncated: fewer than 20 octets', () => {
    const b = hex(DATA);
    for (let len = 0; len < 20; len++) {
      expect(tcp.checkLen(b, 0, len)).toBe(ERR_TRUNCATED);
      expect(tcp.parseInto(r, b, 0, len, A2, A1)).toBe(ERR_TRUNCATED);
    }
  });

  it('class 4: data offset < 5', () => {
    for (let d = 0; d < 5; d++) {
      const b = seg([], [1, 2, 3, 4]);
      b[12] = d << 4;
      tcp.fillChecksum(b, 0, b.length, A1, A2);
      expect(tcp.checkLen(b, 0, b.length)).toBe(ERR_HEADER_LEN);
      expect(parse(b).e).toBe(ERR_HEADER_LEN);
    }
  });

  it('class 4: data offset past the segment end', () => {
    const b = seg([], [1, 2, 3, 4]); // 24 octets
    b[12] = 7 << 4; // 28-octet header
    tcp.fillChecksum(b, 0, b.length, A1, A2);
    expect(parse(b).e).toBe(ERR_HEADER_LEN);
    b[12] = 15 << 4;
    tcp.fillChecksum(b, 0, b.length, A1, A2);
    expect(parse(b).e).toBe(ERR_HEADER_LEN);
    // exactly the segment length is fine (options fill it)
    const c = seg([1, 1, 1, 1]);
    expect(parse(c).e).toBe(OK);
    expect(parse(c).r.payloadLen).toBe(0);
    // len (from the IP header) shorter than the data offset, though the buffer is longer
    expect(tcp.parseInto(r, hex(SYN), 0, 22, A1, A2)).toBe(ERR_HEADER_LEN);
  });

  it('class 8: bad checksum anywhere, or wrong pseudo-header', () => {
    const g = hex(DATA);
    for (let i = 0; i < g.length; i++) {
      if (i === 12) continue; // data offset: a different check
      const b = hex(DATA);
      b[i] ^= 0x01;
      expect(tcp.parseInto(r, b, 0, 27, A2, A1)).toBe(ERR_CHECKSUM);
    }
    expect(tcp.parseInto(r, g, 0, 27, A2, (A1 + 1) | 0)).toBe(ERR_CHECKSUM);
    // the pseudo-header length is len: a shorter len changes the sum
    expect(tcp.parseInto(r, g, 0, 26, A2, A1)).toBe(ERR_CHECKSUM);
  });
});

describe('TCP options (bad-input classes 1-6, docs/BAD-INPUT.md)', () => {
  it('class 1: option length 0 or 1 is an error, never a loop', () => {
    for (const kind of [2, 3, 4, 8, 30, 0xfe]) {
      expect(parse(seg([kind, 0, 0, 0])).e).toBe(ERR_OPTION);
      expect(parse(seg([kind, 1, 0, 0])).e).toBe(ERR_OPTION);
      expect(parse(seg([1, 1, kind, 0])).e).toBe(ERR_OPTION);
      expect(parse(seg([1, 1, 1, 1, kind, 1, 0, 0])).e).toBe(ERR_OPTION);
    }
  });

  it('class 2: option running past the header end is an error, even if payload follows', () => {
    // timestamps need 10 octets, only 4 in the header
    expect(parse(seg([8, 10, 0, 0], [1, 2, 3, 4, 5, 6, 7, 8])).e).toBe(ERR_OPTION);
    // MSS option whose value would be in the payload
    expect(parse(seg([1, 1, 2, 4], [0x05, 0xb4])).e).toBe(ERR_OPTION);
    // a kind in the last header octet: its length octet would be outside the header
    expect(parse(seg([1, 1, 1, 2], [4, 5, 0xb4, 0])).e).toBe(ERR_OPTION);
    expect(parse(seg([1, 1, 1, 0xfe], [2])).e).toBe(ERR_OPTION);
    // ... and when the header is the last thing in the buffer (no octet to over-read at all)
    expect(parse(seg([1, 1, 1, 2])).e).toBe(ERR_OPTION);
    expect(parse(seg([1, 1, 1, 0xfe])).e).toBe(ERR_OPTION);
    // off by one: options ending one octet past the header end, with a payload octet there
    expect(parse(seg([0xfe, 5, 0, 0], [9])).e).toBe(ERR_OPTION);
    expect(parse(seg([1, 2, 4, 5], [0xb4])).e).toBe(ERR_OPTION);
    expect(parse(seg([1, 1, 1, 1, 0xfe, 5, 0, 0])).e).toBe(ERR_OPTION);
    // length 255
    expect(parse(seg([0xfe, 255, 0, 0])).e).toBe(ERR_OPTION);
    // an option ending exactly at the header end is fine
    const ok = parse(seg([0xfe, 4, 0, 0]));
    expect(ok.e).toBe(OK);
    expect(ok.r.unknownOptions).toBe(1);
  });

  it('never reads past the header: option octets after off+headerLen are touched only by the checksum', () => {
    // A kind in the last header octet; the octets after the header would make a valid MSS.
    const b = seg([1, 1, 1, 2], [4, 5, 0xb4, 0]);
    const reads = new Array(b.length).fill(0);
    const counted = new Proxy(b, {
      get(t, k) {
        if (typeof k === 'string' && /^[0-9]+$/.test(k)) reads[Number(k)]++;
        const v = Reflect.get(t, k, t);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    const r = new tcp.TcpRepr();
    expect(tcp.parseInto(r, counted, 0, b.length, A1, A2)).toBe(ERR_OPTION);
    // the checksum reads every payload octet exactly once; the option walk adds nothing there
    expect(reads.slice(24)).toEqual([1, 1, 1, 1]);
  });

  it('class 3: MSS with length != 4 is an error', () => {
    expect(parse(seg([2, 2, 0, 0])).e).toBe(ERR_OPTION);
    expect(parse(seg([2, 3, 5, 0])).e).toBe(ERR_OPTION);
    expect(parse(seg([2, 5, 5, 0xb4, 0, 0, 0, 0])).e).toBe(ERR_OPTION);
    expect(parse(seg([2, 6, 5, 0xb4, 0, 0, 0, 0])).e).toBe(ERR_OPTION);
  });

  it('class 3: MSS 0, tiny and huge are parsed as values (0 reads as 0)', () => {
    for (const mss of [0, 1, 8, 64, 536, 1460, 65535]) {
      const { e, r } = parse(seg([2, 4, mss >> 8, mss & 0xff]));
      expect(e).toBe(OK);
      expect(r.mss).toBe(mss);
    }
  });

  it('MSS absent reads as 0, and a stale value from a previous parse is cleared', () => {
    const r = new tcp.TcpRepr();
    const a = seg([2, 4, 5, 0xb4]);
    expect(tcp.parseInto(r, a, 0, a.length, A1, A2)).toBe(OK);
    expect(r.mss).toBe(1460);
    const b = seg([0xfe, 4, 0, 0]);
    expect(tcp.parseInto(r, b, 0, b.length, A1, A2)).toBe(OK);
    expect(r.mss).toBe(0);
    expect(r.unknownOptions).toBe(1);
    expect(tcp.parseInto(r, a, 0, a.length, A1, A2)).toBe(OK);
    expect(r.unknownOptions).toBe(0);
  });

  it('unknown options are skipped by length (a real Linux SYN option list)', () => {
    // mss 1460, sackOK, TS val 0x01020304 ecr 0, nop, wscale 7
    const { e, r } = parse(seg([2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7]));
    expect(e).toBe(OK);
    expect(r.mss).toBe(1460);
    expect(r.sackPermitted).toBe(true);
    expect(r.unknownOptions).toBe(2);
    expect(r.headerLen).toBe(40);
  });

  it('SACK-permitted (RFC 2018 §2): length 2 only; absent reads false and clears a stale value', () => {
    const r = new tcp.TcpRepr();
    const a = seg([2, 4, 1, 0, 1, 1, 4, 2]);
    expect(tcp.parseInto(r, a, 0, a.length, A1, A2)).toBe(OK);
    expect(r.sackPermitted).toBe(true);
    expect(r.unknownOptions).toBe(0);
    const b = seg([2, 4, 1, 0]);
    expect(tcp.parseInto(r, b, 0, b.length, A1, A2)).toBe(OK);
    expect(r.sackPermitted).toBe(false);
    expect(parse(seg([4, 3, 0, 0])).e).toBe(ERR_OPTION);
    expect(parse(seg([4, 4, 0, 0])).e).toBe(ERR_OPTION);
  });

  it('SACK blocks (RFC 2018 §3): 1..4 blocks parsed as int32 edges; other lengths are errors', () => {
    // nop, nop, SACK with 2 blocks: [0x80000000, 0x80000100) and [0xfffffff0, 0x10) (wrapping).
    const { e, r } = parse(seg([1, 1, 5, 18, 0x80, 0, 0, 0, 0x80, 0, 1, 0, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10], [], tcp.ACK));
    expect(e).toBe(OK);
    expect(r.sackCount).toBe(2);
    expect([r.sackLeft[0], r.sackRight[0], r.sackLeft[1], r.sackRight[1]]).toEqual([0x80000000 | 0, 0x80000100 | 0, -16, 16]);
    // Absent: the count reads 0 again.
    expect(tcp.parseInto(r, seg([1, 1, 1, 1], [], tcp.ACK), 0, 24, A1, A2)).toBe(OK);
    expect(r.sackCount).toBe(0);
    for (const len of [2, 3, 9, 11, 17, 35]) {
      const o = [5, len];
      while (o.length < len) o.push(0);
      while (o.length % 4 !== 0) o.push(0);
      expect(parse(seg(o, [], tcp.ACK)).e, 'length ' + len).toBe(ERR_OPTION);
    }
  });

  it('emit writes SACK-permitted and SACK blocks in the usual layout (golden bytes)', () => {
    const r = new tcp.TcpRepr();
    r.flags = tcp.SYN;
    r.mss = 256;
    r.sackPermitted = true;
    const b = new Uint8Array(28);
    expect(tcp.emit(r, b, 0, A1, A2)).toBe(28);
    expect(Array.from(b.subarray(20))).toEqual([2, 4, 1, 0, 1, 1, 4, 2]);
    expect(b[12] >> 4).toBe(7);
    const a = new tcp.TcpRepr();
    a.flags = tcp.ACK;
    a.sackCount = 1;
    a.sackLeft[0] = 0x01020304;
    a.sackRight[0] = 0x05060708;
    const c = new Uint8Array(32);
    expect(tcp.emit(a, c, 0, A1, A2)).toBe(32);
    expect(Array.from(c.subarray(20))).toEqual([1, 1, 5, 10, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(tcp.verifyChecksum(c, 0, 32, A1, A2)).toBe(true);
  });

  it('options at odd alignment (MUST-64)', () => {
    let p = parse(seg([1, 2, 4, 2, 0x18, 0, 0, 0]));
    expect(p.e).toBe(OK);
    expect(p.r.mss).toBe(536);
    p = parse(seg([1, 1, 1, 2, 4, 0x12, 0x34, 1]));
    expect(p.e).toBe(OK);
    expect(p.r.mss).toBe(0x1234);
    p = parse(seg([0xfe, 3, 9, 2, 4, 1, 0, 0]));
    expect(p.e).toBe(OK);
    expect(p.r.mss).toBe(256);
    expect(p.r.unknownOptions).toBe(1);
  });

  it('EOL ends the list; garbage after it is padding (MUST-69)', () => {
    let p = parse(seg([2, 4, 5, 0xb4, 0, 0xff, 0x00, 0x01]));
    expect(p.e).toBe(OK);
    expect(p.r.mss).toBe(1460);
    // bytes that would be a malformed option after EOL are not parsed
    p = parse(seg([0, 2, 0, 0xff]));
    expect(p.e).toBe(OK);
    expect(p.r.mss).toBe(0);
    p = parse(seg([1, 0, 2, 4, 5, 0xb4, 0, 0]));
    expect(p.e).toBe(OK);
    expect(p.r.mss).toBe(0);
    expect(p.r.unknownOptions).toBe(0);
  });

  it('NOP-only padding', () => {
    const p = parse(seg(new Array(40).fill(1)));
    expect(p.e).toBe(OK);
    expect(p.r.headerLen).toBe(60);
  });

  it('class 6: urgent pointer 0 or past the data is stored only', () => {
    for (const urg of [0, 3, 0xffff]) {
      const b = seg([], [1, 2, 3], tcp.URG | tcp.ACK);
      b[18] = urg >> 8;
      b[19] = urg & 0xff;
      tcp.fillChecksum(b, 0, b.length, A1, A2);
      const { e, r } = parse(b);
      expect(e).toBe(OK);
      expect(r.urgent).toBe(urg);
      expect(r.payloadLen).toBe(3);
      expect(r.headerLen).toBe(20);
    }
  });
});

describe('TCP properties', () => {
  const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
  const u16 = fc.integer({ min: 0, max: 0xffff });

  it('emit then parse round-trips arbitrary field values', () => {
    fc.assert(
      fc.property(
        fc.record({
          srcPort: u16, dstPort: u16, seq: int32, ack: int32, flags: fc.integer({ min: 0, max: 255 }), window: u16,
          urgent: u16, mss: u16,
        }),
        fc.uint8Array({ maxLength: 100 }), int32, int32, fc.nat(8),
        fc.array(fc.tuple(int32, int32), { maxLength: tcp.SACK_MAX_BLOCKS }), fc.boolean(),
        (v, data, src, dst, off, blocks, sackOk) => {
          const r = new tcp.TcpRepr();
          Object.assign(r, v);
          r.payloadLen = data.length;
          // A SYN offers SACK; an ACK carries blocks: never both (the header would pass 60 octets).
          r.sackPermitted = sackOk && blocks.length === 0;
          r.sackCount = blocks.length;
          blocks.forEach(([l, rr], k) => { r.sackLeft[k] = l; r.sackRight[k] = rr; });
          const hl = tcp.headerLen(r);
          expect(hl).toBe(20 + (v.mss > 0 ? 4 : 0) + (r.sackPermitted ? 4 : 0) + (blocks.length > 0 ? 4 + 8 * blocks.length : 0));
          const b = new Uint8Array(off + hl + data.length);
          b.set(data, off + hl);
          expect(tcp.emit(r, b, off, src, dst)).toBe(hl + data.length);
          const r2 = new tcp.TcpRepr();
          expect(tcp.parseInto(r2, b, off, hl + data.length, src, dst)).toBe(OK);
          const { sackLeft, sackRight, ...rest } = r2;
          expect(rest).toEqual({ ...v, headerLen: hl, payloadLen: data.length, unknownOptions: 0, sackPermitted: r.sackPermitted, sackCount: blocks.length });
          expect(Array.from(sackLeft.subarray(0, blocks.length))).toEqual(blocks.map((x) => x[0]));
          expect(Array.from(sackRight.subarray(0, blocks.length))).toEqual(blocks.map((x) => x[1]));
          // the payload is untouched
          expect(Array.from(b.subarray(off + hl))).toEqual(Array.from(data));
        },
      ),
    );
  });

  it('random bytes into parseInto never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), fc.nat(), int32, int32, (b, o, l, src, dst) => {
        const off = o % (b.length + 1);
        const len = l % (b.length - off + 1);
        const r = new tcp.TcpRepr();
        const e = tcp.parseInto(r, b, off, len, src, dst);
        expect([OK, ERR_TRUNCATED, ERR_HEADER_LEN, ERR_CHECKSUM, ERR_OPTION]).toContain(e);
      }),
    );
  });

  it('random option bytes with a valid checksum: terminates, never throws, OK or ERR_OPTION', () => {
    const optByte = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 8, 255), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.array(optByte, { maxLength: 40 }), fc.uint8Array({ maxLength: 8 }), (words, bytes, payload) => {
        const opts = new Array(words * 4).fill(0);
        for (let i = 0; i < opts.length && i < bytes.length; i++) opts[i] = bytes[i];
        const { e, r } = parse(seg(opts, Array.from(payload)));
        expect([OK, ERR_OPTION]).toContain(e);
        if (e === OK) {
          expect(r.headerLen).toBe(20 + opts.length);
          expect(r.payloadLen).toBe(payload.length);
          expect(r.mss).toBeGreaterThanOrEqual(0);
          expect(r.mss).toBeLessThanOrEqual(0xffff);
        }
      }),
    );
  });
});
