/**
 * A bounded out-of-order assembler: which ranges of sequence space beyond RCV.NXT have
 * already arrived (RFC 9293 SHLD-31: queue out-of-order segments).
 *
 * Contract: the bytes themselves wait in the receive ring, past its readable end
 * (`ringWriteAt`); an assembler only remembers where they are, as at most `cap` disjoint,
 * sorted ranges [start, end) of sequence numbers (mod 2^32). It lives in a block of an
 * Int32Array (so a whole connection table's assemblers are one array): `a[b]` is the count,
 * range k is `[a[b+1+2k], a[b+2+2k])`; a block takes `asmWords(cap)` words. `asmAdd` merges a
 * new range with its neighbours and refuses one that would need more ranges than `cap` (the
 * caller then drops the segment; the peer sends it again). `asmAdvance(rcvNxt)` returns the
 * new RCV.NXT once the hole at the front is filled, consuming the ranges it joins. A small
 * capacity (4 by default) is enough for one lost frame not to throw away the ones behind it,
 * and bounds the work per segment. Allocation-free.
 *
 * The same structure serves the sender as its SACK scoreboard (RFC 6675 §3): the ranges the
 * peer reported holding beyond SND.UNA. There `asmTrim(sndUna)` forgets what the cumulative
 * ACK now covers, `asmCovered` counts the SACKed octets and `asmNextHole(seq)` finds the first
 * octet at or after `seq` that no range covers.
 */
import { seqLt, seqLe, seqGt } from '../wire/seq.js';

/** Int32 words of one assembler block of capacity `cap`: the count and two edges per range. */
export function asmWords(cap: number): number {
  return 1 + 2 * cap;
}

/** Forget everything (a new connection in this slot). */
export function asmClear(a: Int32Array, b: number): void {
  a[b] = 0;
}

/** Drop the first `drop` ranges, shifting the rest down. */
function shiftDown(a: Int32Array, b: number, drop: number): void {
  const count = a[b];
  for (let j = drop; j < count; j++) {
    a[b + 1 + 2 * (j - drop)] = a[b + 1 + 2 * j];
    a[b + 2 + 2 * (j - drop)] = a[b + 2 + 2 * j];
  }
  a[b] = count - drop;
}

/** Record that [start, end) arrived. Returns false if it would need more than `cap` ranges. */
export function asmAdd(a: Int32Array, b: number, cap: number, start: number, end: number): boolean {
  if (!seqLt(start, end)) return true;
  const count = a[b];
  // First range that ends at or after `start` (it may touch or overlap the new one).
  let k = 0;
  while (k < count && seqLt(a[b + 2 + 2 * k], start)) k++;
  // Ranges k..m-1 overlap or touch [start, end): they merge into one.
  let m = k;
  let lo = start;
  let hi = end;
  while (m < count && seqLe(a[b + 1 + 2 * m], hi)) {
    if (seqLt(a[b + 1 + 2 * m], lo)) lo = a[b + 1 + 2 * m];
    if (seqGt(a[b + 2 + 2 * m], hi)) hi = a[b + 2 + 2 * m];
    m++;
  }
  const merged = m - k;
  if (merged === 0 && count === cap) return false;
  // Replace ranges k..m-1 by one: shift the tail left by merged-1 (or right by one if merged is 0).
  const shift = 1 - merged;
  if (shift > 0) {
    for (let j = count - 1; j >= m; j--) {
      a[b + 3 + 2 * j] = a[b + 1 + 2 * j];
      a[b + 4 + 2 * j] = a[b + 2 + 2 * j];
    }
  } else if (shift < 0) {
    for (let j = m; j < count; j++) {
      a[b + 1 + 2 * (j + shift)] = a[b + 1 + 2 * j];
      a[b + 2 + 2 * (j + shift)] = a[b + 2 + 2 * j];
    }
  }
  a[b + 1 + 2 * k] = lo;
  a[b + 2 + 2 * k] = hi;
  a[b] = count + shift;
  return true;
}

/** With RCV.NXT at `nxt`, join every range that now starts at or before it; returns the new RCV.NXT. */
export function asmAdvance(a: Int32Array, b: number, nxt: number): number {
  let n = nxt;
  let drop = 0;
  const count = a[b];
  while (drop < count && seqLe(a[b + 1 + 2 * drop], n)) {
    if (seqGt(a[b + 2 + 2 * drop], n)) n = a[b + 2 + 2 * drop];
    drop++;
  }
  if (drop > 0) shiftDown(a, b, drop);
  return n;
}

/** Forget everything before `left`: ranges that end at or before it go, one that straddles it is cut. */
export function asmTrim(a: Int32Array, b: number, left: number): void {
  let drop = 0;
  while (drop < a[b] && seqLe(a[b + 2 + 2 * drop], left)) drop++;
  if (drop > 0) shiftDown(a, b, drop);
  if (a[b] > 0 && seqLt(a[b + 1], left)) a[b + 1] = left;
}

/** Octets the ranges cover. */
export function asmCovered(a: Int32Array, b: number): number {
  let n = 0;
  for (let k = 0; k < a[b]; k++) n += (a[b + 2 + 2 * k] - a[b + 1 + 2 * k]) | 0;
  return n;
}

/** The first sequence number at or after `seq` that no range covers. */
export function asmNextHole(a: Int32Array, b: number, seq: number): number {
  let s = seq;
  for (let k = 0; k < a[b]; k++) {
    if (seqLe(a[b + 1 + 2 * k], s) && seqLt(s, a[b + 2 + 2 * k])) s = a[b + 2 + 2 * k];
  }
  return s;
}

/** The end of the highest range (only meaningful when the count is above 0). */
export function asmHighest(a: Int32Array, b: number): number {
  return a[b + 2 * a[b]];
}

/** Index of the range holding `seq`, or -1. */
export function asmFind(a: Int32Array, b: number, seq: number): number {
  for (let k = 0; k < a[b]; k++) {
    if (seqLe(a[b + 1 + 2 * k], seq) && seqLt(seq, a[b + 2 + 2 * k])) return k;
  }
  return -1;
}
