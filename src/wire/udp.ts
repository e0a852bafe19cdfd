/**
 * UDP datagram codec (RFC 768, RFC 1122 §4.1).
 *
 * Contract: accessors read one field over (buf, off); `len` is the IP payload length (from
 * the IP total length, not the frame length); `parseInto` fills a preallocated `UdpRepr` and
 * returns an error code from err.ts, never throws; `emit` writes the 8-octet header in front
 * of a payload already in place at off + 8, computes the checksum with the IPv4
 * pseudo-header, and returns the datagram length. Addresses are int32. Nothing allocates.
 */
import { OK, ERR_TRUNCATED, ERR_LENGTH, ERR_CHECKSUM } from './err.js';
import { checksum, pseudoHeader, verifies } from './checksum.js';
import { PROTO_UDP } from './ipv4.js';

/** Octets of the UDP header. */
export const HEADER_LEN = 8;

/** Source port. */
export function srcPort(buf: Uint8Array, off: number): number {
  return (buf[off] << 8) | buf[off + 1];
}
/** Destination port. */
export function dstPort(buf: Uint8Array, off: number): number {
  return (buf[off + 2] << 8) | buf[off + 3];
}
/** Length field: header + data, in octets. */
export function length(buf: Uint8Array, off: number): number {
  return (buf[off + 4] << 8) | buf[off + 5];
}
/** The checksum field as received (0 = the sender computed none). */
export function checksumField(buf: Uint8Array, off: number): number {
  return (buf[off + 6] << 8) | buf[off + 7];
}

/** The fields of a UDP datagram; allocate once and refill with parseInto. */
export class UdpRepr {
  /** Source port. */
  srcPort: number;
  /** Destination port. */
  dstPort: number;
  /** Octets of data after the header. */
  payloadLen: number;

  /** An all-zero repr. */
  constructor() {
    this.srcPort = 0;
    this.dstPort = 0;
    this.payloadLen = 0;
  }
}

/** ERR_TRUNCATED if len < 8; ERR_LENGTH if the length field is < 8 or > len. */
export function checkLen(buf: Uint8Array, off: number, len: number): number {
  if (len < HEADER_LEN) return ERR_TRUNCATED;
  const l = (buf[off + 4] << 8) | buf[off + 5];
  // The length field must cover the header and fit in the IP payload (bad-input class 5).
  if (l < HEADER_LEN || l > len) return ERR_LENGTH;
  return OK;
}

/** Validate the datagram at off (len = IP payload length) and decode it into repr. */
export function parseInto(repr: UdpRepr, buf: Uint8Array, off: number, len: number, src: number, dst: number): number {
  const err = checkLen(buf, off, len);
  if (err !== OK) return err;
  const l = (buf[off + 4] << 8) | buf[off + 5];
  // RFC 768: the checksum covers pseudo-header, header and data up to the UDP length; a
  // zero field means the sender did not compute one.
  if ((buf[off + 6] | buf[off + 7]) !== 0 && !verifies(buf, off, l, pseudoHeader(src, dst, PROTO_UDP, l))) return ERR_CHECKSUM;
  // Read straight from the octets (the accessors above say the same): fewer calls.
  repr.srcPort = (buf[off] << 8) | buf[off + 1];
  repr.dstPort = (buf[off + 2] << 8) | buf[off + 3];
  repr.payloadLen = l - HEADER_LEN;
  return OK;
}

/** Octets of the header: always 8. */
export function headerLen(_repr: UdpRepr): number {
  return HEADER_LEN;
}

/** Write the header at off (payload already at off + 8) and its checksum; returns 8 + payloadLen. */
export function emit(repr: UdpRepr, buf: Uint8Array, off: number, src: number, dst: number): number {
  const len = HEADER_LEN + repr.payloadLen;
  buf[off] = repr.srcPort >> 8;
  buf[off + 1] = repr.srcPort;
  buf[off + 2] = repr.dstPort >> 8;
  buf[off + 3] = repr.dstPort;
  buf[off + 4] = len >> 8;
  buf[off + 5] = len;
  fillChecksum(buf, off, len, src, dst);
  return len;
}

/** Compute and store the checksum of the len-octet datagram at off (a computed 0 is sent as 0xffff). */
export function fillChecksum(buf: Uint8Array, off: number, len: number, src: number, dst: number): void {
  buf[off + 6] = 0;
  buf[off + 7] = 0;
  let c = checksum(buf, off, len, pseudoHeader(src, dst, PROTO_UDP, len));
  // RFC 768: a zero field means "no checksum", so a computed zero is transmitted as all ones.
  if (c === 0) c = 0xffff;
  buf[off + 6] = c >> 8;
  buf[off + 7] = c;
}

/** True when the checksum field is 0 (none) or the checksum over the len-octet datagram verifies. */
export function verifyChecksum(buf: Uint8Array, off: number, len: number, src: number, dst: number): boolean {
  if (checksumField(buf, off) === 0) return true;
  return verifies(buf, off, len, pseudoHeader(src, dst, PROTO_UDP, len));
}
