/**
 * TCP names shared by the engine, the API and the tools: the 11 states of RFC 9293 §3.3.2,
 * the events the application receives, why a connection ended, and how handles are numbered.
 * Errors are errno values (src/errno.ts).
 */

// The states, numbered in the order RFC 9293 §3.3.2 introduces them.
export const CLOSED = 0;
export const LISTEN = 1;
export const SYN_SENT = 2;
export const SYN_RECEIVED = 3;
export const ESTABLISHED = 4;
export const FIN_WAIT_1 = 5;
export const FIN_WAIT_2 = 6;
export const CLOSE_WAIT = 7;
export const CLOSING = 8;
export const LAST_ACK = 9;
export const TIME_WAIT = 10;
/** State names as RFC 9293 writes them. */
export const STATE_NAMES: string[] = [
  'CLOSED', 'LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2',
  'CLOSE-WAIT', 'CLOSING', 'LAST-ACK', 'TIME-WAIT',
];

// Events, delivered to handler(handle, event, detail): the connection's own handler, else its
// listener's, else the stack's default (stack.onTcp).
/** An active open reached ESTABLISHED. */
export const EV_CONNECTED = 1;
/** A listener has a connection waiting in its accept queue (conn is the listener handle). */
export const EV_ACCEPTABLE = 2;
/** Data, or the peer's FIN, can be read. */
export const EV_READABLE = 3;
/** Space was freed in the send ring. */
export const EV_WRITABLE = 4;
/** The connection is over; detail is a REASON_*. */
export const EV_CLOSED = 5;
/** Event names, indexed by EV_*. */
export const EVENT_NAMES: string[] = ['', 'connected', 'acceptable', 'readable', 'writable', 'closed'];

// Why a connection ended (RFC 9293 MUST-12: the application can tell FIN from RST).
/** Orderly: FINs exchanged both ways. */
export const REASON_FIN = 1;
/** The peer reset the connection. */
export const REASON_RESET = 2;
/** Retransmissions (R2), SYN retries or the FIN-WAIT-2 timeout gave up. */
export const REASON_TIMEOUT = 3;
/** A RST answered our SYN: connection refused. */
export const REASON_REFUSED = 4;
/** The application aborted it. */
export const REASON_ABORTED = 5;
/** Reason names, indexed by REASON_*. */
export const REASON_NAMES: string[] = ['', 'fin', 'reset', 'timeout', 'refused', 'aborted'];

/**
 * Listener handles start here, so that they never equal a connection handle (0..tcpConns-1,
 * and tcpConns is at most 127): tcpClose(listener) is EBADF, not a close of slot 0.
 */
export const LISTENER_BASE = 128;
