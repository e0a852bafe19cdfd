/**
 * Error codes shared by every wire codec.
 *
 * Contract: `parseInto`/`checkLen` in src/wire/ return one of these numbers instead of
 * throwing, so bad input costs a comparison, never an exception or an allocation. The
 * caller counts the code (one counter per drop reason) and moves on.
 */

/** The PDU is well formed. */
export const OK = 0;
/** Fewer octets than a fixed header needs. */
export const ERR_TRUNCATED = 1;
/** IPv4 version field is not 4. */
export const ERR_VERSION = 2;
/** IHL < 5, TCP data offset < 5, or a header longer than the PDU. */
export const ERR_HEADER_LEN = 3;
/** A length field inconsistent with the frame (IPv4 total length, UDP length). */
export const ERR_LENGTH = 4;
/** The checksum does not verify. */
export const ERR_CHECKSUM = 5;
/** A malformed option (TCP: length 0/1, option past the header end, MSS length != 4). */
export const ERR_OPTION = 6;

/** Short names indexed by error code, for counters and traces (host/trace only). */
export const ERR_NAMES: string[] = ['ok', 'truncated', 'version', 'header-len', 'length', 'checksum', 'option'];
