/**
 * The classic pcap capture file format (the one tcpdump and Wireshark read), as a pure
 * encoder of its two headers.
 *
 * Contract:
 * - A file is one 24-octet global header followed by records; each record is a 16-octet
 *   record header followed by `capLen` octets of the packet.
 * - We write little-endian files with microsecond timestamps (magic 0xa1b2c3d4 written as
 *   d4 c3 b2 a1; readers detect the byte order from it), format version 2.4, and link type
 *   LINKTYPE_RAW (101): every record is a bare IP packet, which is exactly what a SLIP
 *   frame carries, so Wireshark opens the file with no link-layer header to fake.
 * - Both functions write into a caller-supplied buffer and allocate nothing; no Node
 *   modules (the caller decides where the bytes go).
 */

/** The magic number of a microsecond-resolution pcap file. */
export const PCAP_MAGIC = 0xa1b2c3d4;
/** Format version 2.4, the current one. */
export const PCAP_VERSION_MAJOR = 2;
/** Minor version. */
export const PCAP_VERSION_MINOR = 4;
/** Link type of bare IPv4/IPv6 packets (tcpdump.org link-layer header types). */
export const LINKTYPE_RAW = 101;
/** Octets of the global (file) header. */
export const GLOBAL_HEADER_LEN = 24;
/** Octets of each record header. */
export const RECORD_HEADER_LEN = 16;

/** Store v as an unsigned 32-bit little-endian number at off. */
function putU32LE(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = (v >>> 24) & 0xff;
}

/** Store v as an unsigned 16-bit little-endian number at off. */
function putU16LE(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
}

/** Write the 24-octet global header (LINKTYPE_RAW, snaplen = largest record) at off; returns 24. */
export function pcapGlobalHeader(buf: Uint8Array, off: number, snaplen: number): number {
  putU32LE(buf, off, PCAP_MAGIC);
  putU16LE(buf, off + 4, PCAP_VERSION_MAJOR);
  putU16LE(buf, off + 6, PCAP_VERSION_MINOR);
  putU32LE(buf, off + 8, 0); // thiszone: timestamps are UTC (always 0 in practice)
  putU32LE(buf, off + 12, 0); // sigfigs: always 0
  putU32LE(buf, off + 16, snaplen);
  putU32LE(buf, off + 20, LINKTYPE_RAW);
  return GLOBAL_HEADER_LEN;
}

/**
 * Write the 16-octet record header at off: timestamp (timeMs split into seconds and
 * microseconds, rounded to the microsecond; negative times clamp to 0), captured and
 * original length; returns 16.
 */
export function pcapRecordHeader(buf: Uint8Array, off: number, timeMs: number, capLen: number, origLen: number): number {
  const us = timeMs > 0 ? Math.round(timeMs * 1000) : 0;
  const sec = Math.floor(us / 1000000);
  putU32LE(buf, off, sec);
  putU32LE(buf, off + 4, us - sec * 1000000);
  putU32LE(buf, off + 8, capLen);
  putU32LE(buf, off + 12, origLen);
  return RECORD_HEADER_LEN;
}
