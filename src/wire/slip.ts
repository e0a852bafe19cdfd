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

/** Bytes `encode` writes for src[off, off+len): the two ENDs, every byte, and one extra byte per END/ESC in the data. */
export function encodedLen(src: Uint8Array, off: number, len: number): number {
  const end = off + len;
  let n = len + 2;
  let i = native.find(src, END, off, end);
  while (i < end) {
    n++;
    i = native.find(src, END, i + 1, end);
  }
  i = native.find(src, ESC, off, end);
  while (i < end) {
    n++;
    i = native.find(src, ESC, i + 1, end);
  }
  return n;
}

/**
 * Write END, the escaped bytes of src[off, off+len), END into dst at dstOff; returns bytes
 * written (room: 2*len + 2 worst case). src[off+len] and src[off+len+1], when both exist, are
 * borrowed as sentinels (an END and an ESC, put back before returning): a native scan
 * (native.find) then stops at the packet's end instead of running to the end of the buffer,
 * and on Espruino a typed array's indexOf costs thousands of instructions per element it
 * passes (bench:board).
 *
 * In place: src may be a view of dst's buffer when the packet starts at least len + 1 octets
 * after dstOff (the stack builds its datagrams in the back of its frame buffer, net.ts). Each
 * octet written then lands before the next one read (at input octet k the output is at most
 * dstOff + 2k + 2), and native.copy moves a run to a lower index, which TypedArray `set`
 * does correctly on an overlap (checked on Espruino and JerryScript).
 */
export function encode(src: Uint8Array, off: number, len: number, dst: Uint8Array, dstOff: number): number {
  const end = off + len;
  const k0 = src[end];
  const k1 = src[end + 1];
  // Only where both octets exist: JerryScript throws when undefined is stored past the end.
  const sentinels = k1 !== undefined;
  if (sentinels) {
    src[end] = END;
    src[end + 1] = ESC;
  }
  let o = dstOff;
  dst[o++] = END;
  let i = off;
  // Positions of the next END / ESC at or after i; each is searched again only once passed,
  // so the whole packet is scanned once (O(len)).
  let nextEnd = -1;
  let nextEsc = -1;
  while (i < end) {
    if (nextEnd < i) nextEnd = native.find(src, END, i, end);
    if (nextEsc < i) nextEsc = native.find(src, ESC, i, end);
    const stop = nextEnd < nextEsc ? nextEnd : nextEsc;
    if (stop > i) {
      native.copy(dst, o, src, i, stop - i);
      o += stop - i;
      i = stop;
      if (i >= end) break;
    }
    // RFC 1055: a data END is sent as ESC ESC_END, a data ESC as ESC ESC_ESC.
    dst[o++] = ESC;
    dst[o++] = src[i++] === END ? ESC_END : ESC_ESC;
  }
  // Put the sentinels back before the closing END: in place, a frame of only specials ends
  // on the octet that held the first one.
  if (sentinels) {
    src[end] = k0;
    src[end + 1] = k1;
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

/**
 * Feed chunk[off, off+len) to decoder d, in any state and of any length; delivers every frame
 * that completes inside it. Shaped for interpreters that lex what they skip (Espruino): the
 * loop holds only the DATA state, the common one, and a frame without escapes takes one
 * pass; the other states are in slipRare. (The stack's receiver stores a lone data octet
 * itself before calling this, net.ts: an idle line hands bytes over one at a time.)
 */
export function slipPush(d: SlipState, chunk: Uint8Array, off: number, len: number): void {
  const end = off + len;
  let i = off;
  // Next END / ESC at or after i in this chunk (end when none); refreshed only once passed,
  // so the chunk is scanned once whatever its content.
  let nextEnd = -1;
  let nextEsc = -1;
  while (i < end) {
    if (d.state !== DATA) {
      i = slipRare(d, chunk, i, end);
      continue;
    }
    if (nextEnd < i) nextEnd = native.find(chunk, END, i, end);
    if (nextEsc < i) nextEsc = native.find(chunk, ESC, i, end);
    const stop = nextEnd < nextEsc ? nextEnd : nextEsc;
    if (stop > i) {
      if (d.pos + stop - i > d.mtu) {
        // Too long for the buffer: drop the whole frame, never deliver it truncated.
        d.dropOverflow++;
        d.state = DISCARD;
        continue;
      }
      native.copy(d.buf, d.pos, chunk, i, stop - i);
      d.pos += stop - i;
      i = stop;
      if (i >= end) break;
    }
    if (chunk[i++] === END) {
      if (d.pos === 0) d.emptyFrames++; // back-to-back ENDs (RFC 1055 sends one before each packet)
      else {
        d.frames++;
        const frameLen = d.pos;
        d.pos = 0;
        d.onFrame(d.buf, frameLen);
      }
    } else if (i < end && (chunk[i] === ESC_END || chunk[i] === ESC_ESC) && d.pos < d.mtu) {
      // An ESC whose good second octet is in this chunk, with room: decoded here, a pass fewer.
      d.buf[d.pos++] = chunk[i++] === ESC_END ? END : ESC;
    } else {
      d.state = ESCAPED; // slipRare: across chunks, a bad escape, or no room
    }
  }
}

/** slipPush's states other than DATA at chunk[i] (i < end); returns where to go on. */
function slipRare(d: SlipState, chunk: Uint8Array, i: number, end: number): number {
  if (d.state === ESCAPED) {
    const b = chunk[i];
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
    return i + 1;
  }
  // HUNT or DISCARD: skip to the next END, which starts a fresh frame.
  const e = native.find(chunk, END, i, end);
  if (d.state === HUNT) d.huntBytes += e - i;
  if (e >= end) return end;
  d.pos = 0;
  d.state = DATA;
  return e + 1;
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
