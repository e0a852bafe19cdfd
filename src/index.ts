/**
 * The front door: everything a user of the `slipstack` package imports, from one place.
 *
 *   import { createStack, createLink, Sim, parseAddr, EV_READABLE } from 'slipstack';
 *
 * - The stack: `createStack(config, hal)` and its types (src/stack.ts); the configuration
 *   with its RAM cost (src/config.ts); IPv4 address helpers (src/wire/ipv4.ts).
 * - The HAL contract (src/hal.ts), and the HALs and wrappers that run anywhere: the loopback
 *   link model with its virtual-time driver (hal/loopback.ts), the pcap and tracer wrappers
 *   (hal/pcap.ts, hal/tracer.ts) and the wrapper they are made of (hal/wrap.ts).
 * - The names: TCP states, events, close reasons and handle numbering (src/tcp/constants.ts),
 *   errno values and the one error class misuse throws (src/errno.ts), the transition causes
 *   and why each segment was sent (src/trace/events.ts), the drop and event counters
 *   (src/stats.ts).
 *
 * This is the one file of src/ that imports hal/: it is the package's entry, not part of the
 * core, and nothing in src/ imports it (test/imports.test.ts checks both). The board
 * firmware (firmware/) imports the core directly and never this file.
 */
export { createStack } from './stack.js';
export type { Stack, UdpHandler, EchoReplyHandler } from './stack.js';
import type { Stack } from './stack.js';
/** A TCP event handler: `(handle, event, detail)`, see EV_* and REASON_*. */
export type TcpHandler = Parameters<Stack['onTcp']>[0];

export { resolveConfig, DEFAULTS, SETTINGS, SETTING_NAMES, ramFor, ramReport } from './config.js';
export type { Config, StackConfig, Setting } from './config.js';

export { parseAddr, formatAddr, addr } from './wire/ipv4.js';

export type { Hal, Receiver, Pollable } from './hal.js';
export { createLink, Sim } from '../hal/loopback.js';
export type { Link, LinkOptions, LinkStats, Poller } from '../hal/loopback.js';
export { withPcap } from '../hal/pcap.js';
export type { PcapSink } from '../hal/pcap.js';
export { withTracer, describePacket } from '../hal/tracer.js';
export type { PrintLine } from '../hal/tracer.js';
export { wrapHal } from '../hal/wrap.js';
export type { Tap } from '../hal/wrap.js';

export {
  CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT,
  STATE_NAMES, EV_CONNECTED, EV_ACCEPTABLE, EV_READABLE, EV_WRITABLE, EV_CLOSED, EVENT_NAMES,
  REASON_FIN, REASON_RESET, REASON_TIMEOUT, REASON_REFUSED, REASON_ABORTED, REASON_NAMES, LISTENER_BASE,
} from './tcp/constants.js';

export {
  E_OK, EBADF, EAGAIN, EINVAL, EPIPE, EMSGSIZE, EADDRINUSE, ENOBUFS, EISCONN, ENOTCONN, ETIMEDOUT, ECONNREFUSED,
  ECONNRESET, EHOSTUNREACH, errnoName, StackError,
} from './errno.js';

export {
  CAUSE_NAMES, WHY_NONE, WHY_SYN, WHY_SYN_ACK, WHY_DATA, WHY_ACK, WHY_DELAYED_ACK, WHY_WINDOW_UPDATE, WHY_FIN, WHY_RTO,
  WHY_FAST_RETRANSMIT, WHY_SACK_RETRANSMIT, WHY_PERSIST, WHY_KEEPALIVE, WHY_CHALLENGE_ACK, WHY_RST, WHY_RST_ABORT,
  WHY_COOKIE, WHY_TIME_WAIT_ACK, WHY_NAMES,
} from './trace/events.js';
export type { TraceRing } from './trace/events.js';

/** The counters: `stack.drops[stats.DROP_*]` and `stack.counters[stats.CNT_*]`, named by DROP_NAMES and COUNTER_NAMES. */
export * as stats from './stats.js';
export { DROP_NAMES, COUNTER_NAMES } from './stats.js';
