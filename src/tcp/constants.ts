/**
 * TCP names shared by the engine, the API and the tools: the 11 states of RFC 9293 §3.3.2,
 * the events the application receives, why a connection ended, errno-like codes, and the
 * error thrown for API misuse.
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

// Events for the one handler registered with stack.onTcp(handler(conn, event, detail)).
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

// errno-like codes (Linux numbers, so tools can print the familiar names).
export const E_OK = 0;
export const EBADF = 9;
export const EAGAIN = 11;
export const EINVAL = 22;
export const EPIPE = 32;
export const EADDRINUSE = 98;
export const ECONNRESET = 104;
export const EHOSTUNREACH = 113;
export const ENOBUFS = 105;
export const EISCONN = 106;
export const ENOTCONN = 107;
export const ETIMEDOUT = 110;
export const ECONNREFUSED = 111;

/** The errno name of a code (host tools). */
export function errnoName(code: number): string {
  switch (code) {
    case E_OK: return 'OK';
    case EBADF: return 'EBADF';
    case EAGAIN: return 'EAGAIN';
    case EINVAL: return 'EINVAL';
    case EPIPE: return 'EPIPE';
    case EADDRINUSE: return 'EADDRINUSE';
    case ECONNRESET: return 'ECONNRESET';
    case ENOBUFS: return 'ENOBUFS';
    case EISCONN: return 'EISCONN';
    case ENOTCONN: return 'ENOTCONN';
    case ETIMEDOUT: return 'ETIMEDOUT';
    case ECONNREFUSED: return 'ECONNREFUSED';
    case EHOSTUNREACH: return 'EHOSTUNREACH';
    default: return 'E' + code;
  }
}

/** tcpRead: the peer's FIN has been reached; no more data will come. */
export const READ_EOF = -1;

/** Thrown for misuse of the API (never for anything a packet does). `code` is an errno-like code. */
export class TcpError extends Error {
  code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
    this.name = 'TcpError';
  }
}
