/**
 * A bounded out-of-order assembler: which ranges of sequence space beyond RCV.NXT have
 * already arrived (RFC 9293 SHLD-31: queue out-of-order segments).
 *
 * Contract: the bytes themselves wait in the receive ring, past its readable end
 * (`Ring.writeAt`); this object only remembers where they are, as at most `capacity`
 * disjoint, sorted ranges [start, end) of sequence numbers (mod 2^32). `add` merges a new
 * range with its neighbours and refuses one that would need more ranges than it has (the
 * caller then drops the segment; the peer sends it again). `advance(rcvNxt)` returns the new
 * RCV.NXT once the hole at the front is filled, consuming the ranges it joins. A small
 * capacity (4 by default) is enough for one lost frame not to throw away the ones behind it,
 * and bounds the work per segment. Allocation-free after construction.
 *
 * The same structure serves the sender as its SACK scoreboard (RFC 6675 §3): the ranges the
 * peer reported holding beyond SND.UNA. There `trim(sndUna)` forgets what the cumulative ACK
 * now covers, `covered()` counts the SACKed octets and `nextHole(seq)` finds the first octet
 * at or after `seq` that no range covers.
 */
import { seqLt, seqLe, seqGt } from '../wire/seq.js';

export class Assembler {
  private starts: Int32Array;
  private ends: Int32Array;
  /** Ranges held. */
  count: number;

  constructor(capacity: number) {
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.count = 0;
  }

  /** Bytes of storage (RAM budget). */
  bytes(): number {
    return this.starts.byteLength + this.ends.byteLength;
  }

  /** Forget everything (a new connection in this slot). */
  clear(): void {
    this.count = 0;
  }

  /** Record that [start, end) arrived. Returns false if it would need more ranges than the capacity. */
  add(start: number, end: number): boolean {
    if (!seqLt(start, end)) return true;
    const s = this.starts;
    const e = this.ends;
    // First range that ends at or after `start` (it may touch or overlap the new one).
    let k = 0;
    while (k < this.count && seqLt(e[k], start)) k++;
    // Ranges k..m-1 overlap or touch [start, end): they merge into one.
    let m = k;
    let lo = start;
    let hi = end;
    while (m < this.count && seqLe(s[m], hi)) {
      if (seqLt(s[m], lo)) lo = s[m];
      if (seqGt(e[m], hi)) hi = e[m];
      m++;
    }
    const merged = m - k;
    if (merged === 0 && this.count === s.length) return false;
    // Replace ranges k..m-1 by one: shift the tail left by merged-1 (or right by one if merged is 0).
    const shift = 1 - merged;
    if (shift > 0) {
      for (let j = this.count - 1; j >= m; j--) { s[j + 1] = s[j]; e[j + 1] = e[j]; }
    } else if (shift < 0) {
      for (let j = m; j < this.count; j++) { s[j + shift] = s[j]; e[j + shift] = e[j]; }
    }
    s[k] = lo;
    e[k] = hi;
    this.count += shift;
    return true;
  }

  /** With RCV.NXT at `nxt`, join every range that now starts at or before it; returns the new RCV.NXT. */
  advance(nxt: number): number {
    let n = nxt;
    let drop = 0;
    while (drop < this.count && seqLe(this.starts[drop], n)) {
      if (seqGt(this.ends[drop], n)) n = this.ends[drop];
      drop++;
    }
    if (drop > 0) {
      for (let j = drop; j < this.count; j++) {
        this.starts[j - drop] = this.starts[j];
        this.ends[j - drop] = this.ends[j];
      }
      this.count -= drop;
    }
    return n;
  }

  /** Forget everything before `left`: ranges that end at or before it go, one that straddles it is cut. */
  trim(left: number): void {
    let drop = 0;
    while (drop < this.count && seqLe(this.ends[drop], left)) drop++;
    if (drop > 0) {
      for (let j = drop; j < this.count; j++) {
        this.starts[j - drop] = this.starts[j];
        this.ends[j - drop] = this.ends[j];
      }
      this.count -= drop;
    }
    if (this.count > 0 && seqLt(this.starts[0], left)) this.starts[0] = left;
  }

  /** Octets the ranges cover. */
  covered(): number {
    let n = 0;
    for (let k = 0; k < this.count; k++) n += (this.ends[k] - this.starts[k]) | 0;
    return n;
  }

  /** The first sequence number at or after `seq` that no range covers. */
  nextHole(seq: number): number {
    let s = seq;
    for (let k = 0; k < this.count; k++) {
      if (seqLe(this.starts[k], s) && seqLt(s, this.ends[k])) s = this.ends[k];
    }
    return s;
  }

  /** The end of the highest range (only meaningful when count > 0). */
  highest(): number {
    return this.ends[this.count - 1];
  }

  /** Index of the range holding `seq`, or -1. */
  find(seq: number): number {
    for (let k = 0; k < this.count; k++) {
      if (seqLe(this.starts[k], seq) && seqLt(seq, this.ends[k])) return k;
    }
    return -1;
  }

  /** Start of range k (tests and tools). */
  start(k: number): number { return this.starts[k]; }
  /** End of range k. */
  end(k: number): number { return this.ends[k]; }
}
