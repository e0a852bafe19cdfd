/**
 * Argument checks for the public API: every call validates its integers, ranges, buffers and
 * addresses before it touches a table or the wire, and misuse throws a `StackError` (errno.ts)
 * that says which argument was wrong. Nothing here runs on the per-packet path.
 *
 * Why so strict: a non-integer length once made the TCP output loop send half-octet segments
 * forever, and an unchecked (off, len) read or sent octets the application never wrote.
 * `Number.isInteger` is missing on Espruino, hence `x % 1 === 0` (true only for a finite
 * integer; no built-in looked up, which on Espruino means a walk over every global first).
 */
import { StackError, EINVAL } from './errno.js';
import { isBroadcastOrMulticast, isMartian, formatAddr } from './wire/ipv4.js';

/** True for a finite integer number. */
export function isInt(x: unknown): boolean {
  return typeof x === 'number' && x % 1 === 0;
}

/**
 * x, if it is an integer in lo..hi; else StackError(code) naming `what` and `arg`. The message
 * is built only when it is thrown: these checks run on every read and write, which must not
 * allocate.
 */
export function intIn(what: string, arg: string, x: number, lo: number, hi: number, code: number): number {
  if (!isInt(x) || x < lo || x > hi) throw new StackError(code, what + ': ' + arg + ' must be an integer in ' + lo + '..' + hi + ', got ' + String(x));
  return x;
}

/** A port number 1..65535. */
export function port(what: string, p: number): number {
  return intIn(what, 'port', p, 1, 65535, EINVAL);
}

/**
 * A byte range buf[off, off+len) that lies inside a Uint8Array. A string, a plain array or a
 * range past the end is EINVAL: reading past it would send zeros the application never wrote.
 */
export function range(what: string, buf: Uint8Array, off: number, len: number): void {
  // An array of octets: a typed array whose length in elements equals its length in octets
  // (Espruino has no BYTES_PER_ELEMENT on instances).
  if (buf === null || typeof buf !== 'object' || typeof buf.byteLength !== 'number' || buf.length !== buf.byteLength) {
    throw new StackError(EINVAL, what + ': data must be a Uint8Array');
  }
  // intIn's checks, written out: this runs on every read and write.
  const n = buf.length;
  if (!isInt(off) || off < 0 || off > n) intIn(what, 'offset', off, 0, n, EINVAL);
  if (!isInt(len) || len < 0 || len > n - off) intIn(what, 'length', len, 0, n - off, EINVAL);
}

/**
 * A unicast destination as an int32: an integer in -2^31..2^32-1 (signed or unsigned form),
 * not 0.0.0.0/8 or 127.0.0.0/8 (RFC 1122 §3.2.1.3: never on a wire), not our own address, and,
 * unless `broadcastOk`, not broadcast or multicast (RFC 9293 MUST-46 for TCP).
 */
export function dest(what: string, a: number, own: number, broadcastOk: boolean): number {
  if (!isInt(a) || a < -2147483648 || a > 4294967295) throw new StackError(EINVAL, what + ': address must be a 32-bit integer, got ' + String(a));
  const x = a | 0;
  if (isMartian(x) || x === own || (!broadcastOk && isBroadcastOrMulticast(x))) {
    throw new StackError(EINVAL, what + ': ' + formatAddr(x) + ' is not a unicast address of a peer');
  }
  return x;
}
