/**
 * SLIP framing (RFC 1055): packets on a byte stream, delimited by END, with END and ESC
 * inside a packet replaced by two-byte escapes.
 *
 * Contract:
 * - `encode` writes END, the escaped packet, END (RFC 1055 suggests the leading END to
 *   flush line noise the receiver may have buffered).
 * - `SlipDecoder` takes chunks of any size split anywhere and calls `onFrame(buf, len)`
 *   synchronously for every complete good frame. The frame always starts at index 0 of the
 *   decoder's own buffer, which is reused as soon as `onFrame` returns.
 * - Robustness (bad-input class 17, docs/BAD-INPUT.md): bytes before the first END are discarded;
 *   empty frames are ignored; an END always ends a frame, even right after an ESC; ESC
 *   followed by anything but ESC_END/ESC_ESC drops the frame; a frame longer than the mtu
 *   is dropped whole, never delivered truncated. Each drop reason has its own counter.
 * - Per-byte work is done by the native primitives (`native.find` finds the next special
 *   byte, `native.copy` moves the run before it), because a per-byte JavaScript loop is very
 *   slow on Espruino. Nothing allocates after the constructor.
 */
import { native } from '../native.js';

/** Frame delimiter. */
export const END = 0xc0;
/** Escape introducer. */
export const ESC = 0xdb;
/** ESC ESC_END stands for a data byte 0xC0. */
export const ESC_END = 0xdc;
/** ESC ESC_ESC stands for a data byte 0xDB. */
export const ESC_ESC = 0xdd;

/** Decoder state: discard everything until the first END (we may have started mid-frame). */
export const HUNT = 0;
/** Decoder state: inside a frame, copying data bytes. */
export const DATA = 1;
/** Decoder state: the last byte was ESC (this may span a chunk boundary). */
export const ESCAPED = 2;
/** Decoder state: the current frame is bad; discard until the next END. */
export const DISCARD = 3;

/** Index of the first `b` in buf[from, end), or `end` when there is none (native.find: a board HAL makes it native). */
function findByte(buf: Uint8Array, b: number, from: number, end: number): number {
  return native.find(buf, b, from, end);
}

/** Bytes `encode` writes for src[off, off+len): the two ENDs, every byte, and one extra byte per END/ESC in the data. */
export function encodedLen(src: Uint8Array, off: number, len: number): number {
  const end = off + len;
  let n = len + 2;
  let i = findByte(src, END, off, end);
  while (i < end) {
    n++;
    i = findByte(src, END, i + 1, end);
  }
  i = findByte(src, ESC, off, end);
  while (i < end) {
    n++;
    i = findByte(src, ESC, i + 1, end);
  }
  return n;
}

/** Write END, the escaped bytes of src[off, off+len), END into dst at dstOff; returns bytes written (room: 2*len + 2 worst case). */
export function encode(src: Uint8Array, off: number, len: number, dst: Uint8Array, dstOff: number): number {
  const end = off + len;
  let o = dstOff;
  dst[o++] = END;
  let i = off;
  // Positions of the next END / ESC at or after i; each is searched again only once passed,
  // so the whole packet is scanned once (O(len)).
  let nextEnd = -1;
  let nextEsc = -1;
  while (i < end) {
    if (nextEnd < i) nextEnd = findByte(src, END, i, end);
    if (nextEsc < i) nextEsc = findByte(src, ESC, i, end);
    const stop = nextEnd < nextEsc ? nextEnd : nextEsc;
    const run = stop - i;
    if (run > 0) {
      native.copy(dst, o, src, i, run);
      o += run;
      i = stop;
    }
    if (i >= end) break;
    // RFC 1055: a data END is sent as ESC ESC_END, a data ESC as ESC ESC_ESC.
    dst[o++] = ESC;
    dst[o++] = src[i] === END ? ESC_END : ESC_ESC;
    i++;
  }
  dst[o++] = END;
  return o - dstOff;
}

/** The decoder's state: a record, so the stack can keep one without a class (slipPush works on it). */
export interface SlipState {
  /** The frame buffer (allocated once); frames are delivered from index 0. */
  buf: Uint8Array;
  /** Largest frame delivered, in octets (the buffer size). */
  mtu: number;
  /** Called synchronously with (buf, frameLen) for each good frame. */
  onFrame: (buf: Uint8Array, len: number) => void;
  /** HUNT, DATA, ESCAPED or DISCARD. */
  state: number;
  /** Octets of the current frame decoded so far. */
  pos: number;
  /** Frames delivered. */
  frames: number;
  /** Empty frames (back-to-back ENDs) ignored. */
  emptyFrames: number;
  /** Bytes discarded before the first END. */
  huntBytes: number;
  /** Frames dropped for ESC followed by anything but ESC_END/ESC_ESC (ESC END included). */
  dropEscape: number;
  /** Frames dropped for being longer than the mtu. */
  dropOverflow: number;
}

/** A decoder state with a frame buffer of `mtu` octets (start-up only: allocates). */
export function slipDecoder(mtu: number, onFrame: (buf: Uint8Array, len: number) => void): SlipState {
  return {
    buf: new Uint8Array(mtu), mtu: mtu, onFrame: onFrame, state: HUNT, pos: 0, frames: 0, emptyFrames: 0,
    huntBytes: 0, dropEscape: 0, dropOverflow: 0,
  };
}

/** Feed chunk[off, off+len) to decoder d; delivers every frame that completes inside it. */
export function slipPush(d: SlipState, chunk: Uint8Array, off: number, len: number): void {
  const end = off + len;
  let i = off;
  // Next END / ESC at or after i in this chunk (end when none); refreshed only once passed,
  // so the chunk is scanned once whatever its content.
  let nextEnd = -1;
  let nextEsc = -1;
  while (i < end) {
    const state = d.state;
    if (state === DATA) {
      if (nextEnd < i) nextEnd = findByte(chunk, END, i, end);
      if (nextEsc < i) nextEsc = findByte(chunk, ESC, i, end);
      const stop = nextEnd < nextEsc ? nextEnd : nextEsc;
      const run = stop - i;
      if (run > 0) {
        if (d.pos + run > d.mtu) {
          // Too long for the buffer: drop the whole frame, never deliver it truncated.
          d.dropOverflow++;
          d.state = DISCARD;
          continue;
        }
        native.copy(d.buf, d.pos, chunk, i, run);
        d.pos += run;
        i = stop;
        if (i >= end) break;
      }
      i++;
      if (chunk[i - 1] === END) {
        const frameLen = d.pos;
        d.pos = 0;
        // Back-to-back ENDs (RFC 1055 sends one before each packet) make empty frames.
        if (frameLen === 0) d.emptyFrames++;
        else {
          d.frames++;
          d.onFrame(d.buf, frameLen);
        }
      } else {
        d.state = ESCAPED;
      }
    } else if (state === ESCAPED) {
      const b = chunk[i];
      i++;
      if (b === ESC_END || b === ESC_ESC) {
        if (d.pos >= d.mtu) {
          d.dropOverflow++;
          d.state = DISCARD;
        } else {
          d.buf[d.pos++] = b === ESC_END ? END : ESC;
          d.state = DATA;
        }
      } else if (b === END) {
        // An END always ends a frame, even right after an ESC: drop this one, and the END
        // starts the next frame fresh.
        d.dropEscape++;
        d.pos = 0;
        d.state = DATA;
      } else {
        // RFC 1055 leaves ESC + other byte undefined; a corrupted frame is not worth guessing.
        d.dropEscape++;
        d.state = DISCARD;
      }
    } else {
      // HUNT or DISCARD: skip to the next END, which starts a fresh frame.
      if (nextEnd < i) nextEnd = findByte(chunk, END, i, end);
      if (state === HUNT) d.huntBytes += nextEnd - i;
      if (nextEnd >= end) break;
      i = nextEnd + 1;
      d.pos = 0;
      d.state = DATA;
    }
  }
}

/**
 * The decoder as a class, for host tools that like one (pcap and tracer wrappers, the bridge,
 * the script runner): the same state and the same slipPush.
 */
export class SlipDecoder implements SlipState {
  buf: Uint8Array;
  mtu: number;
  onFrame: (buf: Uint8Array, len: number) => void;
  state: number;
  pos: number;
  frames: number;
  emptyFrames: number;
  huntBytes: number;
  dropEscape: number;
  dropOverflow: number;

  /** Allocate the frame buffer once; onFrame receives each good frame. */
  constructor(mtu: number, onFrame: (buf: Uint8Array, len: number) => void) {
    this.buf = new Uint8Array(mtu);
    this.mtu = mtu;
    this.onFrame = onFrame;
    this.state = HUNT;
    this.pos = 0;
    this.frames = 0;
    this.emptyFrames = 0;
    this.huntBytes = 0;
    this.dropEscape = 0;
    this.dropOverflow = 0;
  }

  /** Back to HUNT: forget any partial frame (counters are kept). */
  reset(): void {
    this.state = HUNT;
    this.pos = 0;
  }

  /** Feed chunk[off, off+len); delivers every frame that completes inside it. */
  push(chunk: Uint8Array, off: number, len: number): void {
    slipPush(this, chunk, off, len);
  }
}
