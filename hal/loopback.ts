/**
 * The loopback link model: two HAL endpoints, `a` and `b`, joined by a simulated serial line
 * that runs on a virtual clock, plus `Sim`, a tiny driver that advances that clock.
 *
 * Contract:
 * - `a.write(frame)` puts one frame on the a->b line; it reaches b's receiver later, when
 *   `advance` moves the clock past its arrival time (and vice versa for b->a). Nothing is
 *   ever delivered from inside `write`, so a stack that answers from its receiver cannot
 *   recurse into itself.
 * - Timing (per direction, 8N1 framing: 10 bits on the wire per byte): a write at time t
 *   starts when the line is free, at max(t, lineFreeAt); it lasts len * 10 / baud seconds;
 *   it arrives latencyMs after its last bit left. So a ping's round trip takes
 *   2 * (frameBytes * 10 / baud) + 2 * latencyMs.
 * - Faults are drawn per write from a seeded xorshift32 generator (one per direction), always
 *   the same nine draws in the same order, so the same seed gives the same run byte for
 *   byte, and changing one probability does not reshuffle the other faults.
 *   Lost, overflowed and oversize frames still occupy the line (they were sent); a
 *   duplicate occupies it a second time. A reordered frame is held back until the next
 *   frame of its direction has arrived (or at most `reorderHoldMs` past its own arrival).
 * - Memory: every frame in flight lives in one of `slots` preallocated slots per direction
 *   (slots * maxFrame bytes each way). Nothing is allocated per frame; when all slots are
 *   busy the frame is dropped and counted in `stats.overflow`.
 * - Times are exact by default, so usually fractional. On V8 a fractional number that
 *   crosses a call boundary V8 did not inline (now(), poll(now)) is boxed into a 16-byte
 *   heap number; a zero-GC test sets `tickMs: 1` so that every time is a whole number.
 * - Runs anywhere: no Node built-ins, board language subset (it also runs on a board as a
 *   self-test harness).
 */
import type { Hal, Receiver } from '../src/hal.js';
import { native } from '../src/native.js';

/** Options of `createLink`; every field is optional. */
export interface LinkOptions {
  /** Line rate in bit/s, default 115200; each byte takes 10 bits (8N1). */
  baud?: number;
  /** One-way propagation latency in ms, default 0. */
  latencyMs?: number;
  /** PRNG seed (an int), default 1; same seed => same run, byte for byte. */
  seed?: number;
  /** Probability (0..1) that a frame (one write call) is lost. */
  loss?: number;
  /** Probability that a frame is delivered twice. */
  duplicate?: number;
  /** Probability that a frame is held back so that the next frame overtakes it. */
  reorder?: number;
  /** Probability that a frame gets one random bit flipped. */
  bitFlip?: number;
  /** Probability of SLIP byte damage: a random byte replaced by END or ESC, or a byte deleted. */
  slipDamage?: number;
  /** Frames in flight per direction (preallocated), default 64. RAM: slots * maxFrame bytes per direction. */
  slots?: number;
  /** Max bytes of one write (one SLIP frame), default 2 * 1500 + 2. */
  maxFrame?: number;
  /** If > 0, deliver each frame in chunks of this many bytes (exercises decoders); default 0 = whole frame. */
  rxChunk?: number;
  /** Longest time (ms) a reordered frame waits for a successor before it is released anyway; default 50. */
  reorderHoldMs?: number;
  /**
   * If > 0, round every arrival time up to a multiple of this many ms; default 0 = exact.
   * With 1, every time the link hands out is a whole number: V8 passes whole numbers
   * without allocating, while a fractional time crossing a call boundary is boxed into a
   * heap number (16 bytes), which a zero-GC test notices.
   */
  tickMs?: number;
}

/** Counters of the link; A = written by a, B = written by b. */
export interface LinkStats {
  framesA: number;
  framesB: number;
  bytesA: number;
  bytesB: number;
  lost: number;
  duplicated: number;
  reordered: number;
  flipped: number;
  damaged: number;
  overflow: number;
  /** Writes longer than maxFrame (sent on the line, dropped). */
  oversize: number;
}

/** Two HAL ends joined by the simulated line, and the virtual clock they share. */
export interface Link {
  /** Frames written to `a` are delivered to b's receiver, and vice versa. */
  a: Hal;
  /** The other end. */
  b: Hal;
  /** The virtual clock in ms (both ends' now() return this). */
  now(): number;
  /** Absolute ms of the next delivery, Infinity if nothing is in flight. */
  nextEvent(): number;
  /** Move the clock to t (>= now), delivering in time order every frame due at or before t. */
  advance(t: number): void;
  /** Frame, byte and fault counters. */
  stats: LinkStats;
  /** An end's stack asked to be polled again (Hal.wake); Sim clears it when it polls. */
  woken: boolean;
}

/** Marks the end of a slot list. */
const NIL = -1;

/**
 * xorshift32 (Marsaglia, "Xorshift RNGs", 2003): shifts and xors only, so it runs on
 * Espruino, which has no Math.imul. The state lives in an Int32Array so it stays int32.
 */
export function xorshift32(state: Int32Array): number {
  let x = state[0];
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state[0] = x;
  return x;
}

/** 2^30: draws are 30-bit integers, which stay small integers (never boxed) on every engine. */
const DRAW_RANGE = 1073741824;

/**
 * One draw: a uniform integer in [0, 2^30). Faults compare draws with integer thresholds
 * instead of using fractions in [0, 1): a fractional number returned from a function that
 * V8 does not inline is boxed into a heap allocation.
 */
function draw(state: Int32Array): number {
  return xorshift32(state) >>> 2;
}

/** The draw threshold of probability p: a draw below it happens with probability p. */
function threshold(p: number): number {
  return Math.floor(p * DRAW_RANGE);
}

/** A generator state for one stream of a seed; distinct int32 seeds give distinct states. */
function seedState(seed: number, salt: number): Int32Array {
  const state = new Int32Array(1);
  let x = (seed ^ salt) | 0;
  if (x === 0) x = 0x2545f491; // xorshift's only fixed point is 0
  state[0] = x;
  // Warm up so that nearby seeds (1, 2, 3...) do not start with nearly equal outputs.
  for (let i = 0; i < 16; i++) xorshift32(state);
  return state;
}

/** Salts that give each generator stream of one seed its own sequence. */
const SALT_AB = 0x1b873593;
const SALT_BA = 0x5bd1e995 | 0;
const SALT_RANDOM_A = 0x68e31da4;
const SALT_RANDOM_B = 0x2f7f5e83;

/**
 * One direction of the line: the preallocated frame slots and the list of frames in flight,
 * kept sorted by arrival time (a singly linked list through `next`; ties keep write order).
 */
class Pipe {
  /** Slot i holds its frame at data[i * maxFrame ..]. */
  data: Uint8Array;
  /** Octets of the frame in each slot. */
  lens: Int32Array;
  /** Arrival time (ms) of the frame in each slot. */
  arrival: Float64Array;
  /** Next slot in the in-flight list or the free list. */
  next: Int32Array;
  /** First (earliest) frame in flight, NIL if none. */
  head: number;
  /** Last frame in flight, NIL if none. */
  tail: number;
  /** First free slot, NIL if all are busy. */
  free: number;
  /** The frame being held back for reordering, NIL if none. */
  held: number;
  /** When the last bit of the previous frame leaves the sender. */
  lineFreeAt: number;
  /** Fault generator of this direction. */
  rng: Int32Array;
  /** The receiving end's consumer, null until setReceiver. */
  rx: Receiver | null;
  /** Bytes per slot. */
  maxFrame: number;
  /** Arrival times are rounded up to a multiple of this (0 = exact). */
  tickMs: number;

  constructor(slots: number, maxFrame: number, tickMs: number, rng: Int32Array) {
    this.maxFrame = maxFrame;
    this.tickMs = tickMs;
    this.data = new Uint8Array(slots * maxFrame);
    this.lens = new Int32Array(slots);
    this.arrival = new Float64Array(slots);
    this.next = new Int32Array(slots);
    for (let i = 0; i < slots; i++) this.next[i] = i + 1 < slots ? i + 1 : NIL;
    this.head = NIL;
    this.tail = NIL;
    this.free = 0;
    this.held = NIL;
    this.lineFreeAt = 0;
    this.rng = rng;
    this.rx = null;
  }

  /** Take a free slot, or NIL if every slot is in flight. */
  alloc(): number {
    const s = this.free;
    if (s !== NIL) this.free = this.next[s];
    return s;
  }

  /** Give a slot back to the free list. */
  release(s: number): void {
    this.next[s] = this.free;
    this.free = s;
  }

  /**
   * Put slot s into the in-flight list at its time arrival[s] (first rounded up to the tick),
   * after every frame due at or before it. The time is passed through the typed array, not
   * as an argument: a fractional number passed to a function V8 does not inline is boxed.
   */
  insert(s: number): void {
    const tick = this.tickMs;
    if (tick > 0) this.arrival[s] = Math.ceil(this.arrival[s] / tick) * tick;
    const t = this.arrival[s];
    // Common case: arrival times grow with write order, so the frame goes last.
    if (this.tail === NIL || this.arrival[this.tail] <= t) {
      this.next[s] = NIL;
      if (this.tail === NIL) this.head = s;
      else this.next[this.tail] = s;
      this.tail = s;
      return;
    }
    if (this.arrival[this.head] > t) {
      this.next[s] = this.head;
      this.head = s;
      return;
    }
    let p = this.head;
    while (this.next[p] !== NIL && this.arrival[this.next[p]] <= t) p = this.next[p];
    this.next[s] = this.next[p];
    this.next[p] = s;
  }

  /** Remove slot s from the in-flight list (it must be in it). */
  unlink(s: number): void {
    if (this.head === s) {
      this.head = this.next[s];
      if (this.tail === s) this.tail = NIL;
      return;
    }
    let p = this.head;
    while (this.next[p] !== s) p = this.next[p];
    this.next[p] = this.next[s];
    if (this.tail === s) this.tail = p;
  }
}

/** One end of the link, as the stack sees it. */
class LinkEnd implements Hal {
  private link: LoopbackLink;
  private tx: Pipe;
  private rxPipe: Pipe;
  private rng: Int32Array;

  constructor(link: LoopbackLink, tx: Pipe, rxPipe: Pipe, rng: Int32Array) {
    this.link = link;
    this.tx = tx;
    this.rxPipe = rxPipe;
    this.rng = rng;
  }

  /** Put one frame on this end's outgoing line. */
  write(buf: Uint8Array, off: number, len: number): void {
    this.link.send(this.tx, buf, off, len);
  }

  /** Register the consumer of frames arriving at this end. */
  setReceiver(rx: Receiver): void {
    this.rxPipe.rx = rx;
  }

  /** The link's virtual clock. */
  now(): number {
    return this.link.clock;
  }

  /** 32 seeded random bits (a stream of its own, so it does not disturb the fault draws). */
  random32(): number {
    return xorshift32(this.rng);
  }

  /** The stack wants a poll soon: Sim polls everyone before it moves the clock again. */
  wake(): void {
    this.link.woken = true;
  }
}

/** Read an optional number, falling back to a default (no default parameters on Espruino). */
function opt(v: number | undefined, dflt: number): number {
  return v === undefined ? dflt : v;
}

/** Check a probability option at start-up. */
function checkProbability(name: string, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new Error('loopback: ' + name + ' must be in 0..1');
  return p;
}

/** The link model behind `createLink`. */
class LoopbackLink implements Link {
  a: Hal;
  b: Hal;
  stats: LinkStats;
  /** The virtual clock, ms. */
  clock: number;
  woken: boolean;
  private ab: Pipe;
  private ba: Pipe;
  private msPerByte: number;
  private latencyMs: number;
  private maxFrame: number;
  private rxChunk: number;
  private holdMs: number;
  /** Fault thresholds: a fault happens when its 30-bit draw is below its threshold. */
  private lossBelow: number;
  private duplicateBelow: number;
  private reorderBelow: number;
  private bitFlipBelow: number;
  private slipDamageBelow: number;

  constructor(o: LinkOptions) {
    const baud = opt(o.baud, 115200);
    const slots = opt(o.slots, 64);
    const maxFrame = opt(o.maxFrame, 2 * 1500 + 2);
    const seed = opt(o.seed, 1);
    if (!(baud > 0)) throw new Error('loopback: baud must be > 0');
    if (!(slots >= 1) || (slots | 0) !== slots) throw new Error('loopback: slots must be a positive integer');
    if (!(maxFrame >= 1) || (maxFrame | 0) !== maxFrame) throw new Error('loopback: maxFrame must be a positive integer');
    // 8N1: a start bit, 8 data bits and a stop bit per byte.
    this.msPerByte = (10 * 1000) / baud;
    this.woken = false;
    this.latencyMs = opt(o.latencyMs, 0);
    if (!(this.latencyMs >= 0)) throw new Error('loopback: latencyMs must be >= 0');
    this.maxFrame = maxFrame;
    this.rxChunk = opt(o.rxChunk, 0) | 0;
    this.holdMs = opt(o.reorderHoldMs, 50);
    const tickMs = opt(o.tickMs, 0);
    if (!(tickMs >= 0)) throw new Error('loopback: tickMs must be >= 0');
    this.lossBelow = threshold(checkProbability('loss', opt(o.loss, 0)));
    this.duplicateBelow = threshold(checkProbability('duplicate', opt(o.duplicate, 0)));
    this.reorderBelow = threshold(checkProbability('reorder', opt(o.reorder, 0)));
    this.bitFlipBelow = threshold(checkProbability('bitFlip', opt(o.bitFlip, 0)));
    this.slipDamageBelow = threshold(checkProbability('slipDamage', opt(o.slipDamage, 0)));
    this.clock = 0;
    this.stats = {
      framesA: 0, framesB: 0, bytesA: 0, bytesB: 0, lost: 0, duplicated: 0,
      reordered: 0, flipped: 0, damaged: 0, overflow: 0, oversize: 0,
    };
    this.ab = new Pipe(slots, maxFrame, tickMs, seedState(seed, SALT_AB));
    this.ba = new Pipe(slots, maxFrame, tickMs, seedState(seed, SALT_BA));
    this.a = new LinkEnd(this, this.ab, this.ba, seedState(seed, SALT_RANDOM_A));
    this.b = new LinkEnd(this, this.ba, this.ab, seedState(seed, SALT_RANDOM_B));
  }

  now(): number {
    return this.clock;
  }

  nextEvent(): number {
    const ab = this.ab;
    const ba = this.ba;
    if (ab.head === NIL) return ba.head === NIL ? Infinity : ba.arrival[ba.head];
    if (ba.head === NIL) return ab.arrival[ab.head];
    const ta = ab.arrival[ab.head];
    const tb = ba.arrival[ba.head];
    return ta <= tb ? ta : tb;
  }

  /**
   * One write on pipe p: occupy the line, draw the faults, and queue the surviving frame.
   * Allocation-free: the frame is copied into a preallocated slot.
   */
  send(p: Pipe, buf: Uint8Array, off: number, len: number): void {
    if (len <= 0) return;
    const st = this.stats;
    if (p === this.ab) {
      st.framesA++;
      st.bytesA += len;
    } else {
      st.framesB++;
      st.bytesB += len;
    }
    // The nine draws, always all of them and always in this order (determinism by seed).
    const rng = p.rng;
    const rLoss = draw(rng);
    const rDuplicate = draw(rng);
    const rReorder = draw(rng);
    const rFlip = draw(rng);
    const flipPos = draw(rng) % len;
    const flipBit = draw(rng) & 7;
    const rDamage = draw(rng);
    const damageKind = draw(rng) % 3;
    const damagePos = draw(rng) % len;

    // The frame occupies the line whatever happens to it afterwards.
    const lineTime = len * this.msPerByte;
    const start = p.lineFreeAt > this.clock ? p.lineFreeAt : this.clock;
    p.lineFreeAt = start + lineTime;
    const arrival = p.lineFreeAt + this.latencyMs;

    if (len > this.maxFrame) {
      st.oversize++;
      return;
    }
    if (rLoss < this.lossBelow) {
      st.lost++;
      return;
    }
    const s = p.alloc();
    if (s === NIL) {
      st.overflow++;
      return;
    }
    const base = s * this.maxFrame;
    let n = len;
    if (rDamage < this.slipDamageBelow) {
      st.damaged++;
      if (damageKind === 2) {
        // A byte lost in the UART: copy around it.
        native.copy(p.data, base, buf, off, damagePos);
        native.copy(p.data, base + damagePos, buf, off + damagePos + 1, len - damagePos - 1);
        n = len - 1;
      } else {
        native.copy(p.data, base, buf, off, len);
        // RFC 1055 has no error detection: a stray END or ESC is what a decoder must survive.
        p.data[base + damagePos] = damageKind === 0 ? 0xc0 : 0xdb;
      }
    } else {
      native.copy(p.data, base, buf, off, len);
    }
    if (rFlip < this.bitFlipBelow && n > 0) {
      st.flipped++;
      p.data[base + (flipPos < n ? flipPos : n - 1)] ^= 1 << flipBit;
    }
    p.lens[s] = n;

    // A frame held back earlier is overtaken by this one: it arrives right after it.
    const previouslyHeld = p.held;
    p.held = NIL;
    if (rReorder < this.reorderBelow) {
      st.reordered++;
      p.arrival[s] = arrival + this.holdMs;
      p.insert(s);
      p.held = s;
    } else {
      p.arrival[s] = arrival;
      p.insert(s);
    }
    if (previouslyHeld !== NIL && p.arrival[previouslyHeld] > arrival) {
      p.unlink(previouslyHeld);
      p.arrival[previouslyHeld] = arrival;
      p.insert(previouslyHeld);
    }

    if (rDuplicate < this.duplicateBelow) {
      // The duplicate is sent again, so it occupies the line a second time.
      const d = p.alloc();
      p.lineFreeAt += lineTime;
      if (d === NIL) {
        st.overflow++;
        return;
      }
      st.duplicated++;
      native.copy(p.data, d * this.maxFrame, buf, off, len);
      p.lens[d] = len;
      p.arrival[d] = p.lineFreeAt + this.latencyMs;
      p.insert(d);
    }
  }

  advance(t: number): void {
    if (!(t >= this.clock)) return; // the clock never runs backwards
    const ab = this.ab;
    const ba = this.ba;
    for (;;) {
      // The earlier of the two heads; ties go to the a->b direction, so the order is fixed.
      let p = ab;
      if (ab.head === NIL || (ba.head !== NIL && ba.arrival[ba.head] < ab.arrival[ab.head])) p = ba;
      if (p.head === NIL) break;
      const s = p.head;
      const due = p.arrival[s];
      if (due > t) break;
      p.unlink(s);
      if (p.held === s) p.held = NIL;
      if (due > this.clock) this.clock = due;
      this.deliver(p, s);
      // Released only now: the receiver may read the slot until it returns.
      p.release(s);
    }
    if (t !== Infinity) this.clock = t;
  }

  /** Hand slot s to the receiver, whole or in rxChunk pieces. */
  private deliver(p: Pipe, s: number): void {
    const rx = p.rx;
    if (rx === null) return;
    const base = s * this.maxFrame;
    const len = p.lens[s];
    const chunk = this.rxChunk;
    if (chunk <= 0) {
      rx(p.data, base, len);
      return;
    }
    for (let k = 0; k < len; k += chunk) rx(p.data, base + k, len - k < chunk ? len - k : chunk);
  }
}

/** Create two HAL ends joined by a simulated serial line (see the module contract). */
export function createLink(opts?: LinkOptions): Link {
  return new LoopbackLink(opts === undefined ? {} : opts);
}

/** Something the simulation polls: given the time, returns the absolute time it next needs a poll. */
export type Poller = (now: number) => number;

/** Smallest step (ms) when a poller keeps asking to be polled again at the same time: 1 microsecond. */
const MIN_STEP_MS = 0.001;

/**
 * A virtual-time driver: repeatedly jumps the link's clock to the next thing that happens
 * (a frame arrival or a poller's deadline), delivers the frames, and polls every poller.
 * Allocation-free per step.
 */
export class Sim {
  /** The link whose clock this drives. */
  link: Link;
  private pollers: Poller[];
  private deadlines: Float64Array;

  constructor(link: Link) {
    this.link = link;
    this.pollers = [];
    this.deadlines = new Float64Array(0);
  }

  /** Register a poller (start-up only). */
  add(poller: Poller): void {
    const n = this.pollers.length;
    const d = new Float64Array(n + 1);
    d.set(this.deadlines);
    d[n] = Infinity;
    this.deadlines = d;
    this.pollers.push(poller);
  }

  /** Run until the clock reaches untilMs (the clock ends at untilMs). */
  run(untilMs: number): void {
    this.loop(null, untilMs);
  }

  /** Run while cond() holds (checked after each step), at most until limitMs; true if cond became false. */
  runWhile(cond: () => boolean, limitMs: number): boolean {
    return this.loop(cond, limitMs);
  }

  /** The condition used a stack's API outside poll (Hal.wake): poll again now, for fresh deadlines. */
  private pollIfWoken(): void {
    if (!this.link.woken) return;
    this.pollAll(this.link.now());
  }

  /** Poll everyone at time t and remember their deadlines (NaN/undefined counts as none). */
  private pollAll(t: number): void {
    this.link.woken = false;
    const n = this.pollers.length;
    for (let i = 0; i < n; i++) this.deadlines[i] = this.pollers[i](t);
  }

  private loop(cond: (() => boolean) | null, untilMs: number): boolean {
    const link = this.link;
    // Poll once at the start: the pollers' state may have changed since the last run.
    this.pollAll(link.now());
    if (cond !== null && !cond()) return true;
    this.pollIfWoken();
    let again = false; // the previous step was already a "poll again now"
    for (;;) {
      const now = link.now();
      let t = link.nextEvent();
      const n = this.pollers.length;
      for (let i = 0; i < n; i++) if (this.deadlines[i] < t) t = this.deadlines[i];
      if (t <= now) {
        // Deadline already due: poll again now, but only once in a row, then force progress.
        t = again ? now + MIN_STEP_MS : now;
        again = true;
      } else {
        again = false;
      }
      if (t > untilMs || t === Infinity) {
        if (untilMs > now && untilMs !== Infinity) link.advance(untilMs);
        return false;
      }
      link.advance(t);
      this.pollAll(t);
      if (cond !== null && !cond()) return true;
      this.pollIfWoken();
    }
  }
}
