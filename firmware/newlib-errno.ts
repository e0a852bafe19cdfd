/**
 * newlib's errno numbers, the ones Kaluma's `SystemError(errno)` takes on the RP2040 (Kaluma
 * for the RP2040 links newlib, the C library of the Arm GNU toolchain; its errno header), for
 * the `__netdev` driver (firmware/netdev.ts), and the mapping from slipstack's errno values
 * (Linux's numbers, src/errno.ts). Several differ from Linux's: ETIMEDOUT is 116 here, 110
 * there; EADDRINUSE 112, not 98; EHOSTUNREACH 118, not 113; ENOTCONN 128, not 107.
 */
import * as E from '../src/errno.js';

/** Not an open descriptor (a stale fd). */
export const NL_EBADF = 9;
/** A bad argument (port, address, `how`, a character above 0xFF). */
export const NL_EINVAL = 22;
/** No free descriptor. */
export const NL_EMFILE = 24;
/** Writing after our end, or to a connection ended in order. */
export const NL_EPIPE = 32;
/** The peer reset the connection. */
export const NL_ECONNRESET = 104;
/** No room: the connection table is full, or a write does not fit in ring + queue. */
export const NL_ENOBUFS = 105;
/** Not AF_INET. */
export const NL_EAFNOSUPPORT = 106;
/** A RST answered our SYN. */
export const NL_ECONNREFUSED = 111;
/** Already listening on that port, or no ephemeral port free. */
export const NL_EADDRINUSE = 112;
/** The connection was aborted. */
export const NL_ECONNABORTED = 113;
/** Retransmissions or SYN retries gave up. */
export const NL_ETIMEDOUT = 116;
/** An ICMP error said the host cannot be reached. */
export const NL_EHOSTUNREACH = 118;
/** Not STREAM (no UDP through this driver). */
export const NL_EPROTONOSUPPORT = 123;
/** Binding an address that is not ours. */
export const NL_EADDRNOTAVAIL = 125;
/** Connecting a socket that is already connecting, connected or listening. */
export const NL_EISCONN = 127;
/** Writing or shutting down a socket that is not connected. */
export const NL_ENOTCONN = 128;
/** A host name: there is no DNS over a serial line. */
export const NL_ENOTSUP = 134;

/** slipstack's errno (Linux numbers, src/errno.ts) as newlib's. */
export function nl(e: number): number {
  if (e === E.ECONNRESET) return NL_ECONNRESET;
  if (e === E.ECONNREFUSED) return NL_ECONNREFUSED;
  if (e === E.ETIMEDOUT) return NL_ETIMEDOUT;
  if (e === E.EHOSTUNREACH) return NL_EHOSTUNREACH;
  if (e === E.EPIPE) return NL_EPIPE;
  if (e === E.ENOBUFS) return NL_ENOBUFS;
  if (e === E.EADDRINUSE) return NL_EADDRINUSE;
  return NL_ECONNABORTED;
}

