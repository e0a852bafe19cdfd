/**
 * TCP segment codec (RFC 9293 §3.1 header format, §3.2 options).
 *
 * Contract: accessors read one field over (buf, off); `len` is the TCP length (IP total
 * length minus IP header length), never the frame length; `parseInto` fills a preallocated
 * `TcpRepr` and returns an error code from err.ts, never throws and never loops or reads past
 * the header on malformed options (bad-input classes 1-4 and 6, docs/BAD-INPUT.md); `emit` writes the
 * header (with the options the repr asks for: MSS when repr.mss > 0, SACK-permitted, SACK
 * blocks) in front of a payload already in place at off + headerLen(repr), computes the
 * checksum with the IPv4 pseudo-header and returns the segment length. Options understood:
 * MSS (RFC 9293 §3.2), SACK-permitted and SACK (RFC 2018); every other kind is skipped by its
 * length. Sequence numbers and addresses are int32. Nothing here allocates except the
 * TcpRepr constructor (start-up) and `flagsToString` (host/trace only).
 */
import { OK, ERR_TRUNCATED, ERR_HEADER_LEN, ERR_CHECKSUM, ERR_OPTION } from './err.js';
import { checksum, pseudoHeader, verifies } from './checksum.js';
import { PROTO_TCP } from './ipv4.js';

/** No more data from sender. */
export const FIN = 0x01;
/** Synchronize sequence numbers. */
export const SYN = 0x02;
/** Reset the connection. */
export const RST = 0x04;
/** Push function. */
export const PSH = 0x08;
/** Acknowledgment field is significant. */
export const ACK = 0x10;
/** Urgent pointer field is significant. */
export const URG = 0x20;
/** ECN-Echo (RFC 3168). */
export const ECE = 0x40;
/** Congestion Window Reduced (RFC 3168). */
export const CWR = 0x80;

/** Option kind: end of option list. */
export const OPT_EOL = 0;
/** Option kind: no-operation (padding). */
export const OPT_NOP = 1;
/** Option kind: maximum segment size (length 4). */
export const OPT_MSS = 2;
/** Option kind: SACK permitted, on a SYN only (RFC 2018 §2, length 2). */
export const OPT_SACK_PERMITTED = 4;
/** Option kind: SACK blocks (RFC 2018 §3, length 2 + 8 per block). */
export const OPT_SACK = 5;
/**
 * Most SACK blocks one option carries: 4 fill the 40 octets of option space (2 + 4·8 = 34,
 * with two NOPs for alignment) when no timestamps ride along (RFC 2018 §3).
 */
export const SACK_MAX_BLOCKS = 4;

/** Octets of a header without options. */
export const HEADER_LEN = 20;

/** Source port. */
export function srcPort(buf: Uint8Array, off: number): number {
  return (buf[off] << 8) | buf[off + 1];
}
/** Destination port. */
export function dstPort(buf: Uint8Array, off: number): number {
  return (buf[off + 2] << 8) | buf[off + 3];
}
/** Sequence number, as an int32. */
export function seqNumber(buf: Uint8Array, off: number): number {
  return (buf[off + 4] << 24) | (buf[off + 5] << 16) | (buf[off + 6] << 8) | buf[off + 7];
}
/** Acknowledgment number, as an int32. */
export function ackNumber(buf: Uint8Array, off: number): number {
  return (buf[off + 8] << 24) | (buf[off + 9] << 16) | (buf[off + 10] << 8) | buf[off + 11];
}
/** Data offset: header length in 32-bit words. */
export function dataOffset(buf: Uint8Array, off: number): number {
  return buf[off + 12] >> 4;
}
/** Control bits (CWR ECE URG ACK PSH RST SYN FIN). */
export function flags(buf: Uint8Array, off: number): number {
  return buf[off + 13];
}
/** Window field (unscaled). */
export function window(buf: Uint8Array, off: number): number {
  return (buf[off + 14] << 8) | buf[off + 15];
}
/** The checksum field as received. */
export function checksumField(buf: Uint8Array, off: number): number {
  return (buf[off + 16] << 8) | buf[off + 17];
}
/** Urgent pointer field (never use it as a buffer offset: URGENT/11). */
export function urgentPtr(buf: Uint8Array, off: number): number {
  return (buf[off + 18] << 8) | buf[off + 19];
}

/** The fields of a TCP segment; allocate once and refill with parseInto. */
export class TcpRepr {
  /** Source port. */
  srcPort: number;
  /** Destination port. */
  dstPort: number;
  /** Sequence number (int32). */
  seq: number;
  /** Acknowledgment number (int32). */
  ack: number;
  /** Control bits. */
  flags: number;
  /** Window field (unscaled). */
  window: number;
  /** Urgent pointer, stored only. */
  urgent: number;
  /** MSS option value; 0 means absent (a received MSS of 0 also reads as 0). */
  mss: number;
  /** Header length in octets, options included. */
  headerLen: number;
  /** Octets of data after the header. */
  payloadLen: number;
  /** Count of unknown options skipped by the last parse. */
  unknownOptions: number;
  /** SACK-permitted option present (parse) or to be sent (emit; SYNs only). */
  sackPermitted: boolean;
  /** SACK blocks present (parse) or to be sent (emit), 0..SACK_MAX_BLOCKS. */
  sackCount: number;
  /** Left edges of the SACK blocks (int32 sequence numbers). */
  sackLeft: Int32Array;
  /** Right edges of the SACK blocks: the first sequence number after each block. */
  sackRight: Int32Array;

  /** An all-zero repr (20-octet header, no MSS). */
  constructor() {
    this.srcPort = 0;
    this.dstPort = 0;
    this.seq = 0;
    this.ack = 0;
    this.flags = 0;
    this.window = 0;
    this.urgent = 0;
    this.mss = 0;
    this.headerLen = 20;
    this.payloadLen = 0;
    this.unknownOptions = 0;
    this.sackPermitted = false;
    this.sackCount = 0;
    this.sackLeft = new Int32Array(SACK_MAX_BLOCKS);
    this.sackRight = new Int32Array(SACK_MAX_BLOCKS);
  }
}

/** ERR_TRUNCATED if len < 20; ERR_HEADER_LEN if the data offset is < 5 or runs past len. */
export function checkLen(buf: Uint8Array, off: number, len: number): number {
  if (len < HEADER_LEN) return ERR_TRUNCATED;
  const hl = (buf[off + 12] >> 4) << 2;
  // Data offset < 5 or past the segment end (bad-input class 4).
  if (hl < HEADER_LEN || hl > len) return ERR_HEADER_LEN;
  return OK;
}

/** Validate the len-octet segment at off (checksum, options) and decode it into repr. */
export function parseInto(repr: TcpRepr, buf: Uint8Array, off: number, len: number, src: number, dst: number): number {
  const err = checkLen(buf, off, len);
  if (err !== OK) return err;
  if (!verifies(buf, off, len, pseudoHeader(src, dst, PROTO_TCP, len))) return ERR_CHECKSUM;
  // The fields read straight from the octets (the accessors above say the same): one call
  // per segment instead of one per field, which an interpreter pays for.
  const hl = (buf[off + 12] >> 4) << 2;
  repr.srcPort = (buf[off] << 8) | buf[off + 1];
  repr.dstPort = (buf[off + 2] << 8) | buf[off + 3];
  repr.seq = (buf[off + 4] << 24) | (buf[off + 5] << 16) | (buf[off + 6] << 8) | buf[off + 7];
  repr.ack = (buf[off + 8] << 24) | (buf[off + 9] << 16) | (buf[off + 10] << 8) | buf[off + 11];
  repr.flags = buf[off + 13];
  repr.window = (buf[off + 14] << 8) | buf[off + 15];
  // Stored only; the stack never indexes a buffer with it (URGENT/11, bad-input class 6).
  repr.urgent = (buf[off + 18] << 8) | buf[off + 19];
  repr.headerLen = hl;
  repr.payloadLen = len - hl;
  repr.mss = 0;
  repr.unknownOptions = 0;
  repr.sackPermitted = false;
  repr.sackCount = 0;
  // RFC 9293 §3.2: options may begin at any octet (MUST-64), so no alignment is assumed.
  const hend = off + hl;
  let i = off + HEADER_LEN;
  while (i < hend) {
    const kind = buf[i];
    // MUST-69: EOL ends the list; whatever follows up to the data offset is padding.
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      i++;
      continue;
    }
    // Every other kind has a length octet that counts kind and length: it must lie inside
    // the header, be at least 2 (0 or 1 would loop forever: CVE-2020-24337) and not run
    // past the header end (an over-read: lwIP bugs).
    if (i + 1 >= hend) return ERR_OPTION;
    const olen = buf[i + 1];
    if (olen < 2 || i + olen > hend) return ERR_OPTION;
    if (kind === OPT_MSS) {
      if (olen !== 4) return ERR_OPTION;
      // The value is taken as sent, 0 and huge included; the TCP layer clamps it.
      repr.mss = (buf[i + 2] << 8) | buf[i + 3];
    } else if (kind === OPT_SACK_PERMITTED) {
      if (olen !== 2) return ERR_OPTION;
      repr.sackPermitted = true;
    } else if (kind === OPT_SACK) {
      // RFC 2018 §3: 2 + 8·n octets, n >= 1; at most 4 blocks fit in a header anyway.
      const n = (olen - 2) >> 3;
      if (olen !== 2 + 8 * n || n < 1 || n > SACK_MAX_BLOCKS) return ERR_OPTION;
      for (let k = 0; k < n; k++) {
        const b = i + 2 + 8 * k;
        repr.sackLeft[k] = (buf[b] << 24) | (buf[b + 1] << 16) | (buf[b + 2] << 8) | buf[b + 3];
        repr.sackRight[k] = (buf[b + 4] << 24) | (buf[b + 5] << 16) | (buf[b + 6] << 8) | buf[b + 7];
      }
      repr.sackCount = n;
    } else {
      // MUST-6: an unknown option is skipped by its length.
      repr.unknownOptions++;
    }
    i += olen;
  }
  return OK;
}

/**
 * Octets of the header emit writes: 20, plus 4 for an MSS option (repr.mss > 0), 4 for
 * SACK-permitted (NOP, NOP, kind, length) and 4 + 8 per SACK block (NOP, NOP, kind, length,
 * blocks). The caller keeps the sum within 60: SYNs carry no blocks.
 */
export function headerLen(repr: TcpRepr): number {
  let n = HEADER_LEN;
  if (repr.mss > 0) n += 4;
  if (repr.sackPermitted) n += 4;
  if (repr.sackCount > 0) n += 4 + 8 * repr.sackCount;
  return n;
}

/** Write the header (and options) at off, payload already after it, and the checksum; returns header + payload octets. */
export function emit(repr: TcpRepr, buf: Uint8Array, off: number, src: number, dst: number): number {
  const hl = headerLen(repr);
  const len = hl + repr.payloadLen;
  buf[off] = repr.srcPort >> 8;
  buf[off + 1] = repr.srcPort;
  buf[off + 2] = repr.dstPort >> 8;
  buf[off + 3] = repr.dstPort;
  const s = repr.seq;
  buf[off + 4] = s >> 24;
  buf[off + 5] = s >> 16;
  buf[off + 6] = s >> 8;
  buf[off + 7] = s;
  const a = repr.ack;
  buf[off + 8] = a >> 24;
  buf[off + 9] = a >> 16;
  buf[off + 10] = a >> 8;
  buf[off + 11] = a;
  buf[off + 12] = (hl >> 2) << 4; // data offset; reserved bits zero
  buf[off + 13] = repr.flags;
  buf[off + 14] = repr.window >> 8;
  buf[off + 15] = repr.window;
  buf[off + 18] = repr.urgent >> 8;
  buf[off + 19] = repr.urgent;
  if (repr.mss > 0) {
    // RFC 9293 §3.2: kind 2, length 4, 16-bit MSS; the stack only sets mss on SYNs (MUST-65).
    buf[off + 20] = OPT_MSS;
    buf[off + 21] = 4;
    buf[off + 22] = repr.mss >> 8;
    buf[off + 23] = repr.mss;
  }
  let o = off + (repr.mss > 0 ? 24 : 20);
  if (repr.sackPermitted) {
    // RFC 2018 §2, in the layout most stacks use: two NOPs keep what follows 32-bit aligned.
    buf[o] = OPT_NOP;
    buf[o + 1] = OPT_NOP;
    buf[o + 2] = OPT_SACK_PERMITTED;
    buf[o + 3] = 2;
    o += 4;
  }
  const n = repr.sackCount;
  if (n > 0) {
    buf[o] = OPT_NOP;
    buf[o + 1] = OPT_NOP;
    buf[o + 2] = OPT_SACK;
    buf[o + 3] = 2 + 8 * n;
    o += 4;
    for (let k = 0; k < n; k++) {
      const l = repr.sackLeft[k];
      const r = repr.sackRight[k];
      buf[o] = l >> 24;
      buf[o + 1] = l >> 16;
      buf[o + 2] = l >> 8;
      buf[o + 3] = l;
      buf[o + 4] = r >> 24;
      buf[o + 5] = r >> 16;
      buf[o + 6] = r >> 8;
      buf[o + 7] = r;
      o += 8;
    }
  }
  fillChecksum(buf, off, len, src, dst);
  return len;
}

/** Compute and store the checksum of the len-octet segment at off (pseudo-header included). */
export function fillChecksum(buf: Uint8Array, off: number, len: number, src: number, dst: number): void {
  buf[off + 16] = 0;
  buf[off + 17] = 0;
  const c = checksum(buf, off, len, pseudoHeader(src, dst, PROTO_TCP, len));
  buf[off + 16] = c >> 8;
  buf[off + 17] = c;
}

/** True when the checksum of the len-octet segment at off verifies (pseudo-header included). */
export function verifyChecksum(buf: Uint8Array, off: number, len: number, src: number, dst: number): boolean {
  return verifies(buf, off, len, pseudoHeader(src, dst, PROTO_TCP, len));
}

/** Flags in packetdrill notation: 'S', 'S.', '.', 'F.', 'R', 'P.' ... (host/trace only: allocates). */
export function flagsToString(f: number): string {
  let s = '';
  if (f & FIN) s += 'F';
  if (f & SYN) s += 'S';
  if (f & RST) s += 'R';
  if (f & PSH) s += 'P';
  if (f & ACK) s += '.';
  if (f & URG) s += 'U';
  if (f & ECE) s += 'E';
  if (f & CWR) s += 'W';
  return s;
}
