/**
 * Unit tests for hal/espruino.ts on the host, with fakes for Espruino's globals (E, getTime,
 * timers) and for Serial1: the native checksum agrees with the portable one at every
 * alignment, the native copy is exact (overlaps that move bytes down included), writes respect the frame's
 * bounds, start() holds chunks without an END and hands them on with the one that brings it
 * (or at HOLD octets), polls after each chunk that completed a frame and keeps at most one timer.
 * (test/firmware/espruino.test.ts runs the whole bundle in a board-like sandbox.)
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fc from 'fast-check';
import { createEspruinoHal, HOLD } from '../../hal/espruino.js';
import { native, resetNative } from '../../src/native.js';
import { FakeClock } from '../firmware/sandbox.js';

/** End-around-carry fold to 16 bits. */
function fold(x: number): number {
  while (x > 0xffff) x = (x % 0x10000) + Math.floor(x / 0x10000);
  return x;
}

interface FakeSerial extends EspruinoSerial {
  bauds: number[];
  writes: number[][];
  handlers: ((s: string) => void)[];
}

function fakeSerial(): FakeSerial {
  const s: FakeSerial = {
    bauds: [], writes: [], handlers: [],
    setup: (baud: number) => {
      s.bauds.push(baud);
    },
    on: (_event: 'data', fn: (d: string) => void) => {
      s.handlers.push(fn);
    },
    write: (data: string | Uint8Array) => {
      s.writes.push(typeof data === 'string' ? Array.from(data, (c) => c.charCodeAt(0)) : Array.from(data));
    },
    setConsole: () => {},
  };
  return s;
}

const g = globalThis as unknown as Record<string, unknown>;
let clock: FakeClock;
let saved: Record<string, unknown>;
let sumCalls = 0;

beforeEach(() => {
  clock = new FakeClock();
  saved = { E: g.E, getTime: g.getTime, setTimeout: g.setTimeout, clearTimeout: g.clearTimeout };
  sumCalls = 0;
  g.E = {
    sum: (a: ArrayLike<number>) => {
      sumCalls++;
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i];
      return s;
    },
    // Espruino's: every argument, concatenated.
    toUint8Array: (...s: string[]) => Uint8Array.from(s.join(''), (c) => c.charCodeAt(0) & 0xff),
    hwRand: () => 0xdeadbeef,
  };
  g.getTime = () => clock.now / 1000;
  g.setTimeout = clock.setTimeout;
  g.clearTimeout = clock.clearTimeout;
});

afterEach(() => {
  Object.assign(g, saved);
  resetNative();
});

describe('native sum16 (E.sum over a little-endian Uint16Array view)', () => {
  it('agrees with the portable sum at every alignment, length and view offset', () => {
    createEspruinoHal(fakeSerial(), 115200);
    const espruinoSum = native.sum16;
    resetNative();
    const portableSum = native.sum16;
    expect(espruinoSum).not.toBe(portableSum);
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 400 }), fc.nat(3), fc.nat(3), fc.nat(3),
      (bytes, viewStart, offRaw, trim) => {
        const backing = new Uint8Array(bytes.length + 8);
        backing.set(bytes, viewStart);
        const view = new Uint8Array(backing.buffer, viewStart, bytes.length);
        const off = Math.min(offRaw, bytes.length);
        const len = Math.max(0, bytes.length - off - trim);
        expect(fold(espruinoSum(view, off, len))).toBe(fold(portableSum(view, off, len)));
      }), { numRuns: 2000 });
    expect(sumCalls).toBeGreaterThan(0);
  });

  it('matches a known RFC 1071 example at even and odd offsets', () => {
    createEspruinoHal(fakeSerial(), 115200);
    // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
    const data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
    expect(fold(native.sum16(new Uint8Array(data), 0, 8))).toBe(0xddf2);
    expect(fold(native.sum16(new Uint8Array([0x99, ...data]), 1, 8))).toBe(0xddf2);
    // Odd length: the last byte is padded with zero on the right.
    expect(fold(native.sum16(new Uint8Array([0x12, 0x34, 0x56]), 0, 3))).toBe(0x1234 + 0x5600);
    expect(fold(native.sum16(new Uint8Array([0, 0x12, 0x34, 0x56]), 1, 3))).toBe(0x1234 + 0x5600);
  });

  it('keeps the portable sum when E.sum is missing (SAVE_ON_FLASH builds)', () => {
    resetNative();
    const portable = native.sum16;
    (g.E as { sum?: unknown }).sum = undefined;
    createEspruinoHal(fakeSerial(), 115200);
    expect(native.sum16).toBe(portable);
  });
});

describe('native copy', () => {
  it('copies between buffers, and inside one buffer when it moves bytes down (src/native.ts)', () => {
    createEspruinoHal(fakeSerial(), 115200);
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(63), fc.nat(63), fc.nat(64), fc.boolean(),
      (bytes, a, b, n, same) => {
        const srcOff = a % bytes.length;
        const dstOff = b % bytes.length;
        const len = Math.min(n, bytes.length - srcOff, bytes.length - dstOff);
        const src = Uint8Array.from(bytes);
        const dst = same && dstOff <= srcOff ? src : new Uint8Array(bytes.length);
        const expected = Array.from(dst);
        const moved = Array.from(src.subarray(srcOff, srcOff + len));
        for (let i = 0; i < len; i++) expected[dstOff + i] = moved[i];
        native.copy(dst, dstOff, src, srcOff, len);
        expect(Array.from(dst)).toEqual(expected);
      }), { numRuns: 1000 });
  });
});

describe('createEspruinoHal', () => {
  it('writes exactly the frame bytes, clock in ms, random from E.hwRand as int32', () => {
    const serial = fakeSerial();
    const hal = createEspruinoHal(serial, 115200);
    const buf = new Uint8Array([9, 9, 0xc0, 1, 2, 0xc0, 9]);
    hal.write(buf, 2, 4);
    expect(serial.writes).toEqual([[0xc0, 1, 2, 0xc0]]);
    clock.now = 1234.5;
    expect(hal.now()).toBeCloseTo(1234.5, 6);
    expect(hal.random32()).toBe(0xdeadbeef | 0);
  });

  it('falls back to Math.random without E.hwRand, still an int32', () => {
    (g.E as { hwRand?: unknown }).hwRand = undefined;
    const hal = createEspruinoHal(fakeSerial(), 115200);
    const r = hal.random32();
    expect(r).toBe(r | 0);
  });

  it('start(): opens the port, feeds chunks to the receiver, polls after one that completed a frame, one timer at most', () => {
    const serial = fakeSerial();
    const hal = createEspruinoHal(serial, 9600);
    const got: number[][] = [];
    // Like the stack's receiver, this one says whether the chunk completed a frame (here:
    // whether it holds an END), and the HAL polls only then.
    hal.setReceiver((buf, off, len) => {
      got.push(Array.from(buf.subarray(off, off + len)));
      return buf.subarray(off, off + len).includes(0xc0);
    });
    const polls: number[] = [];
    let deadline = Infinity;
    const stack = {
      poll: (now: number) => {
        polls.push(now);
        return deadline;
      },
    };
    hal.start(stack);
    expect(serial.bauds).toEqual([9600]);
    expect(serial.handlers.length).toBe(1);
    expect(polls).toEqual([0]);
    expect(clock.pending).toBe(0); // Infinity: no timer

    deadline = 100;
    clock.now = 10;
    serial.handlers[0]('\xc0\x01\xff');
    expect(got).toEqual([[0xc0, 0x01, 0xff]]);
    expect(polls).toEqual([0, 10]);
    expect(clock.pending).toBe(1);

    // A chunk without an END is held (it can complete no frame): not decoded, no poll.
    clock.now = 15;
    serial.handlers[0]('\x02');
    expect(got).toEqual([[0xc0, 0x01, 0xff]]);
    expect(polls).toEqual([0, 10]);

    // The chunk that brings an END comes with the held bytes before it, and polls; the
    // deadline moved later (200), so the armed timer (100) is kept, not cleared and made
    // again: still one timer.
    deadline = 200;
    clock.now = 20;
    serial.handlers[0]('\x03\xc0');
    expect(got).toEqual([[0xc0, 0x01, 0xff], [0x02, 0x03, 0xc0]]);
    expect(polls).toEqual([0, 10, 20]);
    expect(clock.pending).toBe(1);
    expect(clock.clearCalls).toBe(0);

    // It fires at 100: that poll finds nothing due and arms for 200, which polls in turn.
    clock.advance(100);
    expect(polls).toEqual([0, 10, 20, 100]);
    expect(clock.pending).toBe(1);
    deadline = Infinity;
    clock.advance(100);
    expect(polls).toEqual([0, 10, 20, 100, 200]);
    expect(clock.pending).toBe(0);

    // A deadline earlier than the armed timer replaces it: still one timer.
    deadline = 500;
    clock.now = 230;
    serial.handlers[0]('\xc0');
    expect(clock.pending).toBe(1);
    deadline = 300;
    clock.now = 240;
    serial.handlers[0]('\xc0');
    expect(clock.pending).toBe(1);
    expect(clock.clearCalls).toBe(1);
    deadline = Infinity;
    clock.advance(100);
    expect(polls).toEqual([0, 10, 20, 100, 200, 230, 240, 300]);
    expect(clock.pending).toBe(0);
    expect(clock.maxPending).toBe(1);
    expect(clock.clearAllCalls).toBe(0);

    // start() again (onInit after save()) re-opens without a second listener.
    hal.start(stack);
    expect(serial.bauds).toEqual([9600, 9600]);
    expect(serial.handlers.length).toBe(1);
  });

  it('hands every byte on once, in order, each time with an END and an ESC after it; holds only less than HOLD octets without an END', () => {
    // Chunks with ENDs, and chunks without (so that runs past HOLD happen).
    const chunk = fc.oneof(
      fc.array(fc.oneof(fc.constant(0xc0), fc.constant(0xdb), fc.integer({ min: 0, max: 255 })), { maxLength: 120 }),
      fc.array(fc.integer({ min: 0, max: 0xbf }), { maxLength: 200 }),
    );
    fc.assert(fc.property(fc.array(chunk, { maxLength: 30 }), (chunks) => {
      const serial = fakeSerial();
      const hal = createEspruinoHal(serial, 115200);
      const handed: number[][] = [];
      hal.setReceiver((buf, off, len) => {
        // The sentinels the decoder's searches rely on (hal/espruino.ts), past the length.
        expect(buf.length).toBeGreaterThanOrEqual(off + len + 2);
        expect([buf[off + len], buf[off + len + 1]]).toEqual([0xc0, 0xdb]);
        handed.push(Array.from(buf.subarray(off, off + len)));
        return false;
      });
      hal.start({ poll: () => Infinity });
      for (const c of chunks) serial.handlers[0](String.fromCharCode(...c));
      const input = chunks.flat();
      const out = handed.flat();
      expect(out).toEqual(input.slice(0, out.length));
      // What is still held has no END and is shorter than HOLD; each piece handed on had an
      // END or had reached HOLD octets.
      const rest = input.slice(out.length);
      expect(rest.includes(0xc0)).toBe(false);
      expect(rest.length).toBeLessThan(HOLD);
      for (const piece of handed) expect(piece.includes(0xc0) || piece.length >= HOLD).toBe(true);
    }));
  });

  it('holds HOLD - 1 octets without an END, one at a time, and hands on all HOLD with the next', () => {
    const serial = fakeSerial();
    const hal = createEspruinoHal(serial, 115200);
    const handed: number[] = [];
    hal.setReceiver((buf, off, len) => {
      handed.push(len);
      return false;
    });
    hal.start({ poll: () => Infinity });
    for (let i = 0; i < HOLD - 1; i++) serial.handlers[0]('a');
    expect(handed).toEqual([]);
    serial.handlers[0]('b');
    expect(handed).toEqual([HOLD]);
    serial.handlers[0]('\xc0');
    expect(handed).toEqual([HOLD, 1]);
  });

  it('a deadline in the past polls again at once (delay 0)', () => {
    const serial = fakeSerial();
    const hal = createEspruinoHal(serial, 115200);
    let n = 0;
    hal.start({ poll: (now) => (++n < 3 ? now - 5 : Infinity) });
    clock.advance(0);
    expect(n).toBe(3);
  });

  it('wake(): one poll at the next turn, however many calls asked; then the new deadline is armed', () => {
    const hal = createEspruinoHal(fakeSerial(), 115200);
    const polls: number[] = [];
    let deadline = Infinity;
    hal.start({ poll: (now: number) => { polls.push(now); return deadline; } });
    expect(polls).toEqual([0]);
    expect(clock.pending).toBe(0);
    // A user call from the application's own timer started a retransmission timer.
    deadline = 300;
    hal.wake!();
    hal.wake!();
    expect(polls).toEqual([0]); // never from inside wake
    expect(clock.pending).toBe(1);
    clock.advance(0);
    expect(polls).toEqual([0, 0]);
    expect(clock.pending).toBe(1); // the deadline's timer
    deadline = Infinity;
    clock.advance(300);
    expect(polls).toEqual([0, 0, 300]);
    expect(clock.pending).toBe(0);
  });
});
