import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DATA, DISCARD, END, ESC, ESC_END, ESC_ESC, ESCAPED, HUNT, SlipDecoder, encode, encodedLen,
} from '../../src/wire/slip.js';

/** A decoder that records copies of every delivered frame. */
function collect(mtu: number) {
  const frames: number[][] = [];
  const dec = new SlipDecoder(mtu, (buf, len) => {
    expect(buf).toBe(dec.buf);
    frames.push(Array.from(buf.subarray(0, len)));
  });
  return { dec, frames };
}

function counters(d: SlipDecoder) {
  return {
    frames: d.frames, emptyFrames: d.emptyFrames, huntBytes: d.huntBytes,
    dropEscape: d.dropEscape, dropOverflow: d.dropOverflow, state: d.state,
  };
}

/** Decode a whole stream in one push. */
function decodeAll(stream: number[], mtu: number) {
  const c = collect(mtu);
  c.dec.push(new Uint8Array(stream), 0, stream.length);
  return c;
}

function encodeArr(p: number[]): number[] {
  const src = new Uint8Array(p);
  const dst = new Uint8Array(2 * p.length + 2);
  const n = encode(src, 0, p.length, dst, 0);
  return Array.from(dst.subarray(0, n));
}

const A = 0x41;
const B = 0x42;
const C = 0x43;

describe('SLIP encode (RFC 1055)', () => {
  it('golden: escapes END and ESC, frames with END before and after', () => {
    const p = [0x01, END, 0x02, ESC, 0x03];
    const golden = [END, 0x01, ESC, ESC_END, 0x02, ESC, ESC_ESC, 0x03, END];
    expect(encodeArr(p)).toEqual(golden);
    expect(encodedLen(new Uint8Array(p), 0, p.length)).toBe(golden.length);
  });

  it('empty packet is END END', () => {
    expect(encodeArr([])).toEqual([END, END]);
    expect(encodedLen(new Uint8Array(0), 0, 0)).toBe(2);
  });

  it('worst case is 2*len + 2', () => {
    const p = [END, ESC, END, ESC, ESC, END];
    const e = encodeArr(p);
    expect(e.length).toBe(14);
    expect(e).toEqual([END, ESC, ESC_END, ESC, ESC_ESC, ESC, ESC_END, ESC, ESC_ESC, ESC, ESC_ESC, ESC, ESC_END, END]);
  });

  it('encodes in place, from the back of the frame buffer forward (as net.ts builds datagrams)', () => {
    // The packet starts mtu + 2 octets in (net.ts), or as close as allowed: len + 1 after dstOff.
    const special = fc.constantFrom(END, ESC);
    const octets = fc.oneof(fc.integer({ min: 0, max: 255 }), special);
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), fc.array(octets, { maxLength: 64 }), fc.boolean(), fc.integer({ min: 0, max: 3 }),
      (mtu, raw, tight, dstOff) => {
        const p = raw.slice(0, mtu);
        const start = tight ? dstOff + p.length + 1 : dstOff + mtu + 2;
        const buf = new Uint8Array(Math.max(start + mtu, dstOff + 2 * mtu + 2)).fill(0x55);
        const tx = buf.subarray(start);
        tx.set(p);
        const n = encode(tx, 0, p.length, buf, dstOff);
        expect(Array.from(buf.subarray(dstOff, dstOff + n))).toEqual(encodeArr(p));
      }), { seed: 1066, numRuns: 500 });
    // The worst case at the tightest start: a frame of only specials, as long as the room.
    const p = [END, ESC, END, END, ESC, ESC];
    const buf = new Uint8Array(2 * p.length + 2);
    buf.set(p, p.length + 1);
    const n = encode(buf.subarray(p.length + 1), 0, p.length, buf, 0);
    expect(Array.from(buf.subarray(0, n))).toEqual(encodeArr(p));
  });

  it('payload without special bytes is copied verbatim', () => {
    const p = [1, 2, 3, 4, 5, 0xdc, 0xdd];
    expect(encodeArr(p)).toEqual([END, ...p, END]);
  });

  it('honours off/len of the source and dstOff, and ignores bytes outside the range', () => {
    const src = new Uint8Array([END, ESC, 7, END, 8, ESC, END]);
    const dst = new Uint8Array(20).fill(0xaa);
    const n = encode(src, 2, 3, dst, 5); // [7, END, 8]
    expect(n).toBe(6);
    expect(encodedLen(src, 2, 3)).toBe(6);
    expect(Array.from(dst)).toEqual([
      0xaa, 0xaa, 0xaa, 0xaa, 0xaa, END, 7, ESC, ESC_END, 8, END, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    ]);
  });

  it('borrows the two octets after the packet as scan sentinels and puts them back', () => {
    // The sentinels stop the scans at the packet's end; the octets after it must survive,
    // in every position: two after, one after (the buffer's last), none (the packet ends it).
    for (const [src, off, len] of [
      [new Uint8Array([1, 2, 3, 0x11, 0x22, 0x33]), 0, 3],
      [new Uint8Array([1, 2, 3, 0x11]), 0, 3],
      [new Uint8Array([9, 1, END, 3]), 1, 3],
    ] as [Uint8Array, number, number][]) {
      const before = Array.from(src);
      const dst = new Uint8Array(2 * len + 2);
      const n = encode(src, off, len, dst, 0);
      expect(Array.from(src)).toEqual(before);
      expect(src.length).toBe(before.length);
      expect(n).toBe(encodedLen(src, off, len));
      expect(dst[n - 1]).toBe(END);
    }
  });
});

describe('SlipDecoder', () => {
  it('starts in HUNT and decodes a simple frame', () => {
    const { dec, frames } = collect(100);
    expect(dec.state).toBe(HUNT);
    expect(dec.buf.length).toBe(100);
    dec.push(new Uint8Array([END, A, B, END]), 0, 4);
    expect(frames).toEqual([[A, B]]);
    expect(counters(dec)).toEqual({ frames: 1, emptyFrames: 0, huntBytes: 0, dropEscape: 0, dropOverflow: 0, state: DATA });
  });

  it('unescapes ESC_END and ESC_ESC', () => {
    const { frames } = decodeAll([END, ESC, ESC_END, A, ESC, ESC_ESC, END], 100);
    expect(frames).toEqual([[END, A, ESC]]);
  });

  it('discards garbage before the first END and counts it', () => {
    const { dec, frames } = decodeAll([A, B, C, ESC, 0x00, END, A, END], 100);
    expect(frames).toEqual([[A]]);
    expect(dec.huntBytes).toBe(5);
    expect(dec.dropEscape).toBe(0);
  });

  it('a frame without a leading END at start-up is hunted away (we may have started mid-frame)', () => {
    const { dec, frames } = decodeAll([A, B, END, C, END], 100);
    expect(frames).toEqual([[C]]);
    expect(dec.huntBytes).toBe(2);
  });

  it('ignores empty frames and back-to-back ENDs', () => {
    const { dec, frames } = decodeAll([END, END, END, A, END, END, B, END], 100);
    expect(frames).toEqual([[A], [B]]);
    expect(dec.emptyFrames).toBe(3);
    expect(dec.frames).toBe(2);
  });

  it('ESC END drops the frame, and the END starts the next frame fresh', () => {
    const { dec, frames } = decodeAll([END, A, ESC, END, B, END], 100);
    expect(frames).toEqual([[B]]);
    expect(dec.dropEscape).toBe(1);
    expect(dec.frames).toBe(1);
  });

  it('ESC + invalid byte drops the frame up to the next END', () => {
    const { dec, frames } = decodeAll([END, A, ESC, A, B, ESC, ESC_END, END, C, END], 100);
    expect(frames).toEqual([[C]]);
    expect(dec.dropEscape).toBe(1);
    expect(dec.frames).toBe(1);
    expect(dec.emptyFrames).toBe(0);
  });

  it('ESC ESC is invalid too', () => {
    const { dec, frames } = decodeAll([END, ESC, ESC, ESC_ESC, END, A, END], 100);
    expect(frames).toEqual([[A]]);
    expect(dec.dropEscape).toBe(1);
  });

  it('delivers a frame of exactly mtu octets, drops mtu+1 whole', () => {
    const { dec, frames } = decodeAll([END, 1, 2, 3, 4, END, 1, 2, 3, 4, 5, END, 9, END], 4);
    expect(frames).toEqual([[1, 2, 3, 4], [9]]);
    expect(dec.dropOverflow).toBe(1);
  });

  it('overflow caused by an escaped byte is dropped too', () => {
    const { dec, frames } = decodeAll([END, 1, 2, 3, 4, ESC, ESC_END, END, 1, 2, 3, ESC, ESC_END, END], 4);
    expect(frames).toEqual([[1, 2, 3, END]]);
    expect(dec.dropOverflow).toBe(1);
  });

  it('an overflowing frame is never delivered truncated, even split across chunks', () => {
    const { dec, frames } = collect(4);
    dec.push(new Uint8Array([END, 1, 2, 3]), 0, 4);
    dec.push(new Uint8Array([4, 5]), 0, 2);
    expect(dec.state).toBe(DISCARD);
    dec.push(new Uint8Array([6, END, 7, END]), 0, 4);
    expect(frames).toEqual([[7]]);
    expect(dec.dropOverflow).toBe(1);
  });

  it('an endless stream with no END is dropped once; a good frame after an END still decodes', () => {
    const { dec, frames } = collect(296);
    dec.push(new Uint8Array([END]), 0, 1);
    const junk = new Uint8Array(1000).fill(A);
    for (let i = 0; i < 1000; i++) dec.push(junk, 0, junk.length);
    expect(dec.dropOverflow).toBe(1);
    expect(dec.state).toBe(DISCARD);
    expect(frames).toEqual([]);
    dec.push(new Uint8Array([END, B, C, END]), 0, 4);
    expect(frames).toEqual([[B, C]]);
    expect(dec.emptyFrames).toBe(0);
  });

  it('an endless stream before any END is counted as hunt bytes', () => {
    const { dec, frames } = collect(296);
    const junk = new Uint8Array(5000).fill(ESC);
    dec.push(junk, 0, junk.length);
    dec.push(junk, 0, junk.length);
    expect(dec.state).toBe(HUNT);
    expect(dec.huntBytes).toBe(10000);
    dec.push(new Uint8Array([END, A, END]), 0, 3);
    expect(frames).toEqual([[A]]);
  });

  it('a run of 0xC0 counts empty frames and delivers nothing', () => {
    const run = new Array(50).fill(END);
    const { dec, frames } = decodeAll([...run, A, END], 100);
    expect(frames).toEqual([[A]]);
    expect(dec.emptyFrames).toBe(49);
    expect(dec.huntBytes).toBe(0);
  });

  it('a run of 0xDB drops the frame once; the next frame decodes', () => {
    const run = new Array(50).fill(ESC);
    const { dec, frames } = decodeAll([END, ...run, END, A, END], 100);
    expect(frames).toEqual([[A]]);
    expect(dec.dropEscape).toBe(1);
  });

  it('an ESC as the last byte of a chunk completes in the next chunk', () => {
    const { dec, frames } = collect(100);
    dec.push(new Uint8Array([END, A, ESC]), 0, 3);
    expect(dec.state).toBe(ESCAPED);
    dec.push(new Uint8Array([ESC_END, B, ESC]), 0, 3);
    expect(dec.state).toBe(ESCAPED);
    dec.push(new Uint8Array([ESC_ESC, END]), 0, 2);
    expect(frames).toEqual([[A, END, B, ESC]]);
    // an ESC at the end of a chunk followed by END in the next one drops the frame
    dec.push(new Uint8Array([C, ESC]), 0, 2);
    dec.push(new Uint8Array([END, A, END]), 0, 3);
    expect(frames).toEqual([[A, END, B, ESC], [A]]);
    expect(dec.dropEscape).toBe(1);
  });

  it('honours off/len of a chunk and never reads outside it', () => {
    const { dec, frames } = collect(100);
    // the END at index 5 is outside the range [1, 5)
    const chunk = new Uint8Array([END, END, A, B, C, END, END]);
    dec.push(chunk, 1, 4);
    expect(frames).toEqual([]);
    expect(dec.state).toBe(DATA);
    expect(dec.pos).toBe(3);
    dec.push(chunk, 0, 1);
    expect(frames).toEqual([[A, B, C]]);
    // an ESC outside the range must not be acted on either
    const chunk2 = new Uint8Array([A, B, ESC, ESC_END]);
    dec.push(chunk2, 0, 2);
    dec.push(new Uint8Array([END]), 0, 1);
    expect(frames).toEqual([[A, B, C], [A, B]]);
    // zero-length pushes are no-ops
    dec.push(chunk2, 2, 0);
    expect(dec.state).toBe(DATA);
  });

  it('reset goes back to HUNT and forgets the partial frame', () => {
    const { dec, frames } = collect(100);
    dec.push(new Uint8Array([END, A, B]), 0, 3);
    dec.reset();
    expect(dec.state).toBe(HUNT);
    dec.push(new Uint8Array([C, END, A, END]), 0, 4);
    expect(frames).toEqual([[A]]);
    expect(dec.huntBytes).toBe(1);
  });

  it('reuses its buffer: frames start at index 0 of dec.buf', () => {
    const lens: number[] = [];
    const dec = new SlipDecoder(16, (buf, len) => {
      expect(buf).toBe(dec.buf);
      expect(buf[0]).toBe(lens.length + 1);
      lens.push(len);
    });
    dec.push(new Uint8Array([END, 1, 2, 3, END, 2, END, 3, 3, END]), 0, 10);
    expect(lens).toEqual([3, 1, 2]);
  });

  // A stream exercising every rule; its expected result comes from one push.
  const stream = [
    A, ESC, B, // garbage
    END, 1, ESC, ESC_END, 2, ESC, ESC_ESC, END, // good frame
    END, END, // two empty frames (after the END that closed the previous frame)
    3, ESC, END, // ESC END
    4, ESC, 5, 6, END, // ESC + invalid
    7, 8, 9, 10, 11, 12, 13, END, // overflow (mtu 6)
    ESC, ESC_END, ESC, ESC_END, 0x30, END, // good frame of escapes
    1, 2, 3, 4, 5, 6, END, // exactly mtu
    0x20, ESC, // partial with trailing ESC
  ];
  const mtu = 6;
  const expected = decodeAll(stream, mtu);

  it('the mixed stream gives the expected frames and counters', () => {
    expect(expected.frames).toEqual([[1, END, 2, ESC], [END, END, 0x30], [1, 2, 3, 4, 5, 6]]);
    expect(counters(expected.dec)).toEqual({
      frames: 3, emptyFrames: 2, huntBytes: 3, dropEscape: 2, dropOverflow: 1, state: ESCAPED,
    });
  });

  it('every split at every byte boundary gives the same frames and counters', () => {
    const u = new Uint8Array(stream);
    for (let k = 0; k <= u.length; k++) {
      const c = collect(mtu);
      c.dec.push(u, 0, k);
      c.dec.push(u, k, u.length - k);
      expect(c.frames).toEqual(expected.frames);
      expect(counters(c.dec)).toEqual(counters(expected.dec));
    }
  });

  it('every split into 3 pieces at all pairs of boundaries gives the same result', () => {
    const frames = [
      stream,
      [END, ...encodeArr([END, ESC, END, 1, ESC]), ...encodeArr([ESC, ESC, 2])],
      encodeArr([0x45, 0, 0, 0x1c, END, ESC, 0xdc, 0xdd]),
    ];
    for (const s of frames) {
      const u = new Uint8Array(s);
      const want = decodeAll(s, mtu);
      for (let i = 0; i <= u.length; i++) {
        for (let j = i; j <= u.length; j++) {
          const c = collect(mtu);
          c.dec.push(u, 0, i);
          c.dec.push(u, i, j - i);
          c.dec.push(u, j, u.length - j);
          expect(c.frames).toEqual(want.frames);
          expect(counters(c.dec)).toEqual(counters(want.dec));
        }
      }
    }
  });

  it('byte-at-a-time feeding gives the same result', () => {
    const c = collect(mtu);
    const u = new Uint8Array(stream);
    for (let i = 0; i < u.length; i++) c.dec.push(u, i, 1);
    expect(c.frames).toEqual(expected.frames);
    expect(counters(c.dec)).toEqual(counters(expected.dec));
  });
});

/** Cut [0, n) at the given points (any order, duplicates allowed) into chunk boundaries. */
function cuts(n: number, points: number[]): number[] {
  const b = points.map((p) => p % (n + 1));
  b.push(0, n);
  return b.sort((x, y) => x - y);
}

describe('SLIP properties', () => {
  const payload = fc.array(fc.oneof(fc.constantFrom(END, ESC, ESC_END, ESC_ESC), fc.integer({ min: 0, max: 255 })), {
    minLength: 1,
    maxLength: 64,
  });

  it('encode then decode round-trips arbitrary payloads under arbitrary chunking', () => {
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (packets, points) => {
        const stream: number[] = [];
        for (const p of packets) {
          const e = encodeArr(p);
          expect(e.length).toBe(encodedLen(new Uint8Array(p), 0, p.length));
          // inside the frame there is never a bare END
          expect(e.slice(1, -1).indexOf(END)).toBe(-1);
          stream.push(...e);
        }
        const u = new Uint8Array(stream);
        const c = collect(64);
        const b = cuts(u.length, points);
        for (let i = 0; i + 1 < b.length; i++) c.dec.push(u, b[i], b[i + 1] - b[i]);
        expect(c.frames).toEqual(packets);
        expect(c.dec.frames).toBe(packets.length);
        expect(c.dec.dropEscape + c.dec.dropOverflow + c.dec.huntBytes).toBe(0);
      }),
    );
  });

  it('random bytes never throw, deliver only 1..mtu octet frames, and decode the same under any chunking', () => {
    const bytes = fc.array(fc.oneof(fc.constantFrom(END, ESC, ESC_END, ESC_ESC), fc.integer({ min: 0, max: 255 })), {
      maxLength: 300,
    });
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), { maxLength: 10 }), fc.integer({ min: 1, max: 40 }), (s, points, m) => {
        const whole = decodeAll(s, m);
        for (const f of whole.frames) {
          expect(f.length).toBeGreaterThan(0);
          expect(f.length).toBeLessThanOrEqual(m);
        }
        const u = new Uint8Array(s);
        const c = collect(m);
        const b = cuts(u.length, points);
        for (let i = 0; i + 1 < b.length; i++) c.dec.push(u, b[i], b[i + 1] - b[i]);
        expect(c.frames).toEqual(whole.frames);
        expect(counters(c.dec)).toEqual(counters(whole.dec));
      }),
    );
  });

  it('uniformly random bytes into push never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(), fc.nat(), (u, o, l) => {
        const dec = new SlipDecoder(296, () => {});
        const off = o % (u.length + 1);
        const len = l % (u.length - off + 1);
        dec.push(u, off, len);
        expect([HUNT, DATA, ESCAPED, DISCARD]).toContain(dec.state);
        expect(dec.pos).toBeLessThanOrEqual(296);
      }),
    );
  });
});
