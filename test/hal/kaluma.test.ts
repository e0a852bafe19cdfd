/**
 * Unit tests for hal/kaluma.ts on the host, with fakes for `millis`, the timers and the UART:
 * writes are standalone buffers (Kaluma sends a view's whole ArrayBuffer), the native copy
 * is exact, the word-wise checksum agrees with the portable one, random32 gives varying int32s, and start() polls after each chunk with at most
 * one timer. (test/firmware/kaluma.test.ts runs the whole bundle in a board-like sandbox.)
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createKalumaHal } from '../../hal/kaluma.js';
import { native, resetNative } from '../../src/native.js';
import { FakeClock } from '../firmware/sandbox.js';
import fc from 'fast-check';

/** Fold a sum to 16 bits (end-around carry). */
function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

interface FakeUart extends KalumaUart {
  written: Uint8Array[];
  handlers: ((u8: Uint8Array) => void)[];
}

function fakeUart(): FakeUart {
  const u: FakeUart = {
    written: [], handlers: [],
    on: (_event: 'data', fn: (d: Uint8Array) => void) => {
      u.handlers.push(fn);
    },
    write: (data: string | Uint8Array) => {
      if (typeof data !== 'string') u.written.push(data);
    },
    close: () => {},
  };
  return u;
}

const g = globalThis as unknown as Record<string, unknown>;
let clock: FakeClock;
let saved: Record<string, unknown>;

beforeEach(() => {
  clock = new FakeClock();
  saved = { millis: g.millis, setTimeout: g.setTimeout, clearTimeout: g.clearTimeout };
  g.millis = () => Math.floor(clock.now);
  g.setTimeout = clock.setTimeout;
  g.clearTimeout = clock.clearTimeout;
});

afterEach(() => {
  Object.assign(g, saved);
  resetNative();
});

describe('createKalumaHal', () => {
  it('writes a standalone copy: the whole ArrayBuffer is the frame', () => {
    const uart = fakeUart();
    const hal = createKalumaHal(uart);
    const tx = new Uint8Array([7, 7, 0xc0, 1, 2, 3, 0xc0, 7, 7]);
    hal.write(tx, 2, 5);
    expect(uart.written.length).toBe(1);
    const w = uart.written[0];
    expect(w.byteOffset).toBe(0);
    expect(w.buffer.byteLength).toBe(5);
    expect(Array.from(new Uint8Array(w.buffer))).toEqual([0xc0, 1, 2, 3, 0xc0]);
    // A copy, not the stack's buffer: reusing tx must not change what was sent.
    tx.fill(0);
    expect(Array.from(w)).toEqual([0xc0, 1, 2, 3, 0xc0]);
  });

  it('installs a native copy that handles views and moves bytes down inside one buffer', () => {
    createKalumaHal(fakeUart());
    const backing = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const view = new Uint8Array(backing.buffer, 2, 6); // 2..7
    native.copy(view, 0, view, 1, 4); // overlap, moving down
    expect(Array.from(backing)).toEqual([0, 1, 3, 4, 5, 6, 6, 7, 8, 9]);
    const dst = new Uint8Array(4);
    native.copy(dst, 1, backing, 7, 3);
    expect(Array.from(dst)).toEqual([0, 7, 8, 9]);
  });

  it('installs a word-wise sum16 that agrees with the portable one at every alignment, in the buffers it keeps views of and in others', () => {
    createKalumaHal(fakeUart());
    const kalumaSum = native.sum16;
    resetNative();
    const portableSum = native.sum16;
    expect(kalumaSum).not.toBe(portableSum);
    // Two long-lived buffers, as a stack has (frame, transmit): the first two it sums.
    const frame = new Uint8Array(6000);
    const tx = new Uint8Array(new ArrayBuffer(2 * 296 + 2), 298, 296);
    expect(kalumaSum(frame, 0, 2) + kalumaSum(tx, 0, 2)).toBe(0);
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 280 }), fc.nat(7), fc.nat(3), fc.nat(3), fc.constantFrom(0, 1, 2),
      (bytes, at, offRaw, trim, where) => {
        // where: 0 the frame buffer, 1 the transmit view, 2 a buffer of its own (the byte loop).
        const base = where === 0 ? frame : where === 1 ? tx : new Uint8Array(bytes.length + 8);
        base.set(bytes, at);
        const view = new Uint8Array(base.buffer, base.byteOffset + at, bytes.length);
        const off = Math.min(offRaw, bytes.length);
        const len = Math.max(0, bytes.length - off - trim);
        expect(fold(kalumaSum(view, off, len))).toBe(fold(portableSum(view, off, len)));
      }), { numRuns: 2000, seed: 11 });
    // The largest frame, every word 0xffff, at an odd start: no overflow, no loss.
    frame.fill(0xff);
    expect(fold(kalumaSum(frame, 1, 1500))).toBe(fold(portableSum(frame, 1, 1500)));
    expect(fold(kalumaSum(frame, 0, 1599))).toBe(fold(portableSum(frame, 0, 1599)));
    // Beyond 4,096 octets it hands over to the portable sum (a word sum could leave 2^27).
    expect(fold(kalumaSum(frame, 1, 5999))).toBe(fold(portableSum(frame, 1, 5999)));
    // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2, at an even and an odd start.
    frame.set([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7], 10);
    expect(fold(kalumaSum(frame, 10, 8))).toBe(0xddf2);
    frame.set([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7], 11);
    expect(fold(kalumaSum(frame, 11, 8))).toBe(0xddf2);
  });

  it('clock is millis(); random32 gives int32s that vary', () => {
    const hal = createKalumaHal(fakeUart());
    clock.now = 4242;
    expect(hal.now()).toBe(4242);
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const r = hal.random32();
      expect(r).toBe(r | 0);
      seen.add(r);
    }
    expect(seen.size).toBeGreaterThan(95);
  });

  it('start(): feeds each chunk to the receiver, polls after one that completed a frame, one timer at most', () => {
    const uart = fakeUart();
    const hal = createKalumaHal(uart);
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
    expect(uart.handlers.length).toBe(1);
    expect(clock.pending).toBe(0);
    deadline = 50;
    clock.now = 5;
    uart.handlers[0](new Uint8Array([0xc0, 0x45]));
    expect(got).toEqual([[0xc0, 0x45]]);
    expect(clock.pending).toBe(1);
    // A chunk that completed no frame (the receiver says so): no timer can have changed, no poll.
    uart.handlers[0](new Uint8Array([0x00]));
    expect(got).toEqual([[0xc0, 0x45], [0x00]]);
    expect(polls).toEqual([0, 5]);
    clock.now = 7;
    uart.handlers[0](new Uint8Array([0x45, 0xc0]));
    expect(polls).toEqual([0, 5, 7]);
    expect(clock.pending).toBe(1);
    deadline = Infinity;
    clock.advance(100);
    expect(polls).toEqual([0, 5, 7, 50]);
    expect(clock.pending).toBe(0);
    expect(clock.maxPending).toBe(1);
    hal.start(stack);
    expect(uart.handlers.length).toBe(1);
  });

  it('wake(): one poll at the next turn, however many calls asked; then the new deadline is armed', () => {
    const hal = createKalumaHal(fakeUart());
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
