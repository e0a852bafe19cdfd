/**
 * IPv4 header codec (RFC 791 §3.1, RFC 1122 §3.2.1).
 *
 * Contract: accessors are plain functions over (buf, off) that read one field; `checkLen`
 * validates the length fields against `len` (the octets of the frame available from off);
 * `parseInto` fills a preallocated `Ipv4Repr` and returns an error code from err.ts, never
 * throws; `emit` writes a 20-octet header (no options) in front of a payload that is
 * already in place at off + 20 and returns the datagram length. Addresses are int32 numbers
 * (192.0.2.1 is `0xc0000201 | 0`), so they never become heap numbers in the hot path.
 * Nothing here allocates except the start-up/trace helpers `parseAddr` and `formatAddr`.
 */
import { OK, ERR_TRUNCATED, ERR_VERSION, ERR_HEADER_LEN, ERR_LENGTH, ERR_CHECKSUM } from './err.js';
import { checksum, verifies } from './checksum.js';

/** Protocol number of ICMP (RFC 790). */
export const PROTO_ICMP = 1;
/** Protocol number of TCP. */
export const PROTO_TCP = 6;
/** Protocol number of UDP. */
export const PROTO_UDP = 17;
/** Octets of a header without options. */
export const HEADER_LEN = 20;

/** Version field (4 for IPv4). */
export function version(buf: Uint8Array, off: number): number {
  return buf[off] >> 4;
}
/** Internet Header Length, in 32-bit words. */
export function ihl(buf: Uint8Array, off: number): number {
  return buf[off] & 0x0f;
}
/** Type of service octet (DSCP + ECN). */
export function tos(buf: Uint8Array, off: number): number {
  return buf[off + 1];
}
/** Total length of the datagram (header + data), in octets. */
export function totalLen(buf: Uint8Array, off: number): number {
  return (buf[off + 2] << 8) | buf[off + 3];
}
/** Identification field. */
export function ident(buf: Uint8Array, off: number): number {
  return (buf[off + 4] << 8) | buf[off + 5];
}
/** The Don't Fragment flag. */
export function dontFrag(buf: Uint8Array, off: number): boolean {
  return (buf[off + 6] & 0x40) !== 0;
}
/** The More Fragments flag. */
export function moreFrags(buf: Uint8Array, off: number): boolean {
  return (buf[off + 6] & 0x20) !== 0;
}
/** Fragment offset, in octets (the field counts 8-octet units). */
export function fragOffset(buf: Uint8Array, off: number): number {
  return (((buf[off + 6] & 0x1f) << 8) | buf[off + 7]) << 3;
}
/** Time to live. */
export function ttl(buf: Uint8Array, off: number): number {
  return buf[off + 8];
}
/** Protocol of the payload (PROTO_ICMP, PROTO_TCP, PROTO_UDP, ...). */
export function protocol(buf: Uint8Array, off: number): number {
  return buf[off + 9];
}
/** The header checksum field as received. */
export function checksumField(buf: Uint8Array, off: number): number {
  return (buf[off + 10] << 8) | buf[off + 11];
}
/** Source address as an int32. */
export function srcAddr(buf: Uint8Array, off: number): number {
  return (buf[off + 12] << 24) | (buf[off + 13] << 16) | (buf[off + 14] << 8) | buf[off + 15];
}
/** Destination address as an int32. */
export function dstAddr(buf: Uint8Array, off: number): number {
  return (buf[off + 16] << 24) | (buf[off + 17] << 16) | (buf[off + 18] << 8) | buf[off + 19];
}

/** The fields of an IPv4 header the stack uses; allocate once and refill with parseInto. */
export class Ipv4Repr {
  /** Source address (int32). */
  src: number;
  /** Destination address (int32). */
  dst: number;
  /** Payload protocol number. */
  protocol: number;
  /** Time to live. */
  ttl: number;
  /** Type of service octet. */
  tos: number;
  /** Identification. */
  ident: number;
  /** Don't Fragment flag. */
  dontFrag: boolean;
  /** More Fragments flag. */
  moreFrags: boolean;
  /** Fragment offset in octets (a multiple of 8). */
  fragOffset: number;
  /** Header length in octets (options included on parse; emit always writes 20). */
  headerLen: number;
  /** Octets of payload after the header (total length - header length). */
  payloadLen: number;

  /** A repr with RFC 1122 defaults (TTL 64). */
  constructor() {
    this.src = 0;
    this.dst = 0;
    this.protocol = 0;
    this.ttl = 64;
    this.tos = 0;
    this.ident = 0;
    this.dontFrag = false;
    this.moreFrags = false;
    this.fragOffset = 0;
    this.headerLen = 20;
    this.payloadLen = 0;
  }
}

/** Check the length fields against the len octets of the frame available from off. */
export function checkLen(buf: Uint8Array, off: number, len: number): number {
  if (len < HEADER_LEN) return ERR_TRUNCATED;
  // RFC 1122 §3.2.1.1: silently discard a datagram whose version is not 4.
  if (buf[off] >> 4 !== 4) return ERR_VERSION;
  const hl = (buf[off] & 0x0f) << 2;
  if (hl < HEADER_LEN || hl > len) return ERR_HEADER_LEN;
  // The total length must cover the header and fit in what actually arrived
  // (inconsistent IP lengths: bad-input class 5, docs/BAD-INPUT.md).
  const tl = (buf[off + 2] << 8) | buf[off + 3];
  if (tl < hl || tl > len) return ERR_LENGTH;
  return OK;
}

/** Validate and decode the header at off into repr; trailing octets after the total length are ignored. */
export function parseInto(repr: Ipv4Repr, buf: Uint8Array, off: number, len: number): number {
  const err = checkLen(buf, off, len);
  if (err !== OK) return err;
  const hl = (buf[off] & 0x0f) << 2;
  // RFC 1122 §3.2.1.2: a datagram with a bad header checksum is silently discarded.
  if (!verifies(buf, off, hl, 0)) return ERR_CHECKSUM;
  // The fields read straight from the octets (the accessors above say the same): one call
  // per datagram instead of one per field, which an interpreter pays for.
  repr.src = (buf[off + 12] << 24) | (buf[off + 13] << 16) | (buf[off + 14] << 8) | buf[off + 15];
  repr.dst = (buf[off + 16] << 24) | (buf[off + 17] << 16) | (buf[off + 18] << 8) | buf[off + 19];
  repr.protocol = buf[off + 9];
  repr.ttl = buf[off + 8];
  repr.tos = buf[off + 1];
  repr.ident = (buf[off + 4] << 8) | buf[off + 5];
  const f = buf[off + 6];
  repr.dontFrag = (f & 0x40) !== 0;
  repr.moreFrags = (f & 0x20) !== 0;
  repr.fragOffset = (((f & 0x1f) << 8) | buf[off + 7]) << 3;
  // RFC 1122 §3.2.1.8 (MUST-50 area): options we do not understand are skipped, not parsed.
  repr.headerLen = hl;
  repr.payloadLen = ((buf[off + 2] << 8) | buf[off + 3]) - hl;
  return OK;
}

/** Octets emit writes for the header: always 20 (no options are sent). */
export function headerLen(_repr: Ipv4Repr): number {
  return HEADER_LEN;
}

/** Write a 20-octet header at off (payload already at off + 20); returns 20 + payloadLen. */
export function emit(repr: Ipv4Repr, buf: Uint8Array, off: number): number {
  const total = HEADER_LEN + repr.payloadLen;
  const frag = repr.fragOffset >> 3;
  buf[off] = 0x45; // version 4, IHL 5
  buf[off + 1] = repr.tos;
  buf[off + 2] = total >> 8;
  buf[off + 3] = total;
  buf[off + 4] = repr.ident >> 8;
  buf[off + 5] = repr.ident;
  buf[off + 6] = (repr.dontFrag ? 0x40 : 0) | (repr.moreFrags ? 0x20 : 0) | ((frag >> 8) & 0x1f);
  buf[off + 7] = frag;
  buf[off + 8] = repr.ttl;
  buf[off + 9] = repr.protocol;
  const s = repr.src;
  buf[off + 12] = s >> 24;
  buf[off + 13] = s >> 16;
  buf[off + 14] = s >> 8;
  buf[off + 15] = s;
  const d = repr.dst;
  buf[off + 16] = d >> 24;
  buf[off + 17] = d >> 16;
  buf[off + 18] = d >> 8;
  buf[off + 19] = d;
  fillChecksum(buf, off);
  return total;
}

/** Compute and store the header checksum over ihl*4 octets (RFC 791: the field counts as zero). */
export function fillChecksum(buf: Uint8Array, off: number): void {
  buf[off + 10] = 0;
  buf[off + 11] = 0;
  const c = checksum(buf, off, (buf[off] & 0x0f) << 2, 0);
  buf[off + 10] = c >> 8;
  buf[off + 11] = c;
}

/** True when the header checksum over ihl*4 octets verifies. */
export function verifyChecksum(buf: Uint8Array, off: number): boolean {
  return verifies(buf, off, ihl(buf, off) << 2, 0);
}

/** The int32 address a.b.c.d. */
export function addr(a: number, b: number, c: number, d: number): number {
  return ((a & 0xff) << 24) | ((b & 0xff) << 16) | ((c & 0xff) << 8) | (d & 0xff);
}

/** Parse a dotted quad ("192.0.2.1") to an int32, or null if invalid (start-up only: allocates). */
export function parseAddr(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let a = 0;
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    // Plain digit loop rather than a RegExp: Espruino's RegExp support is minimal.
    if (p.length < 1 || p.length > 3) return null;
    let n = 0;
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j) - 48;
      if (c < 0 || c > 9) return null;
      n = n * 10 + c;
    }
    if (n > 255) return null;
    a = (a << 8) | n;
  }
  return a | 0;
}

/** Dotted-quad text of an int32 address (host/trace only: allocates). */
export function formatAddr(a: number): string {
  return ((a >> 24) & 0xff) + '.' + ((a >> 16) & 0xff) + '.' + ((a >> 8) & 0xff) + '.' + (a & 0xff);
}

/** True for 255.255.255.255, multicast 224.0.0.0/4 and class E 240.0.0.0/4 (RFC 1122 §3.2.1.3). */
export function isBroadcastOrMulticast(a: number): boolean {
  // The top nibble is 1110 (multicast) or 1111 (class E, which contains the limited broadcast).
  return ((a >> 28) & 0xe) === 0xe;
}

/**
 * True for 0.0.0.0/8 ("this network", RFC 1122 §3.2.1.3 (a)/(b)) and 127.0.0.0/8 (loopback,
 * (g)): addresses that must never appear on a wire, as source or destination.
 */
export function isMartian(a: number): boolean {
  const top = (a >>> 24) & 0xff;
  return top === 0 || top === 127;
}

/** True for 0.0.0.0 ("this host", only valid as a source during start-up). */
export function isUnspecified(a: number): boolean {
  return a === 0;
}
