/**
 * ICMP message codec (RFC 792, RFC 1122 §3.2.2).
 *
 * Contract: accessors read one field over (buf, off); `parseInto` fills a preallocated
 * `IcmpRepr` from the `len` octets of the ICMP message (the IP payload) and returns an error
 * code from err.ts, never throws; `emit` writes the 8-octet header in front of data that is
 * already in place at off + 8 and returns the message length. For echo messages the second
 * 32-bit word is identifier + sequence number; for error messages it is the "unused"/rest of
 * header word and is carried in the same two repr fields (0 for most errors). Nothing here
 * allocates.
 */
import { OK, ERR_TRUNCATED, ERR_CHECKSUM } from './err.js';
import { checksum, verifies } from './checksum.js';

/** Echo reply. */
export const ECHO_REPLY = 0;
/** Destination unreachable (an error message). */
export const DEST_UNREACH = 3;
/** Source quench (an error message, deprecated by RFC 6633 but still recognised). */
export const SOURCE_QUENCH = 4;
/** Redirect (an error message). */
export const REDIRECT = 5;
/** Echo request. */
export const ECHO_REQUEST = 8;
/** Time exceeded (an error message). */
export const TIME_EXCEEDED = 11;
/** Parameter problem (an error message). */
export const PARAM_PROBLEM = 12;

/** Destination unreachable code: net unreachable. */
export const NET_UNREACH = 0;
/** Destination unreachable code: host unreachable. */
export const HOST_UNREACH = 1;
/** Destination unreachable code: protocol unreachable. */
export const PROTO_UNREACH = 2;
/** Destination unreachable code: port unreachable. */
export const PORT_UNREACH = 3;
/** Destination unreachable code: fragmentation needed and DF set. */
export const FRAG_NEEDED = 4;

/** Octets of the ICMP header (type, code, checksum, one 32-bit word). */
export const HEADER_LEN = 8;

/** Message type. */
export function type(buf: Uint8Array, off: number): number {
  return buf[off];
}
/** Message code. */
export function code(buf: Uint8Array, off: number): number {
  return buf[off + 1];
}
/** The checksum field as received. */
export function checksumField(buf: Uint8Array, off: number): number {
  return (buf[off + 2] << 8) | buf[off + 3];
}
/** Echo identifier (first half of the second word). */
export function ident(buf: Uint8Array, off: number): number {
  return (buf[off + 4] << 8) | buf[off + 5];
}
/** Echo sequence number (second half of the second word). */
export function seqNo(buf: Uint8Array, off: number): number {
  return (buf[off + 6] << 8) | buf[off + 7];
}

/** The fields of an ICMP message; allocate once and refill with parseInto. */
export class IcmpRepr {
  /** Message type. */
  type: number;
  /** Message code. */
  code: number;
  /** Echo identifier, or the high half of an error's rest-of-header word. */
  ident: number;
  /** Echo sequence number, or the low half of an error's rest-of-header word. */
  seqNo: number;
  /** Octets after the 8-octet header. */
  dataLen: number;

  /** An all-zero repr. */
  constructor() {
    this.type = 0;
    this.code = 0;
    this.ident = 0;
    this.seqNo = 0;
    this.dataLen = 0;
  }
}

/** ERR_TRUNCATED when fewer than 8 octets are available. */
export function checkLen(_buf: Uint8Array, _off: number, len: number): number {
  return len < HEADER_LEN ? ERR_TRUNCATED : OK;
}

/** Validate the len-octet message at off (checksum included) and decode it into repr. */
export function parseInto(repr: IcmpRepr, buf: Uint8Array, off: number, len: number): number {
  const err = checkLen(buf, off, len);
  if (err !== OK) return err;
  // RFC 792: the checksum covers the whole ICMP message.
  if (!verifies(buf, off, len, 0)) return ERR_CHECKSUM;
  // Read straight from the octets (the accessors above say the same): fewer calls.
  repr.type = buf[off];
  repr.code = buf[off + 1];
  repr.ident = (buf[off + 4] << 8) | buf[off + 5];
  repr.seqNo = (buf[off + 6] << 8) | buf[off + 7];
  repr.dataLen = len - HEADER_LEN;
  return OK;
}

/** Octets of the header emit writes: always 8. */
export function headerLen(_repr: IcmpRepr): number {
  return HEADER_LEN;
}

/** Write the header at off (repr.dataLen octets of data already at off + 8); returns 8 + dataLen. */
export function emit(repr: IcmpRepr, buf: Uint8Array, off: number): number {
  const len = HEADER_LEN + repr.dataLen;
  buf[off] = repr.type;
  buf[off + 1] = repr.code;
  buf[off + 4] = repr.ident >> 8;
  buf[off + 5] = repr.ident;
  buf[off + 6] = repr.seqNo >> 8;
  buf[off + 7] = repr.seqNo;
  fillChecksum(buf, off, len);
  return len;
}

/** Compute and store the checksum over the len-octet message at off. */
export function fillChecksum(buf: Uint8Array, off: number, len: number): void {
  buf[off + 2] = 0;
  buf[off + 3] = 0;
  const c = checksum(buf, off, len, 0);
  buf[off + 2] = c >> 8;
  buf[off + 3] = c;
}

/** True when the checksum over the len-octet message at off verifies. */
export function verifyChecksum(buf: Uint8Array, off: number, len: number): boolean {
  return verifies(buf, off, len, 0);
}

/** True for error messages (RFC 1122 §3.2.2: never answer an error with an error). */
export function isError(t: number): boolean {
  return t === DEST_UNREACH || t === SOURCE_QUENCH || t === REDIRECT || t === TIME_EXCEEDED || t === PARAM_PROBLEM;
}
