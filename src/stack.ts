/**
 * The stack as one object: the front door for host programs (`createStack(config, hal)`
 * returns a `Stack`; src/index.ts exports it). Each method is one line over the flat modules,
 * which a board's firmware calls directly so that its bundle carries only what it uses:
 * net.ts (input from the line, poll), icmp.ts, udp.ts, tcp/api.ts.
 *
 * Contract: results are data or a negative errno (src/errno.ts); misuse throws StackError
 * before anything reaches the wire. A user call made outside input and poll that can start a
 * timer wakes the HAL (src/hal.ts). After start-up nothing allocates.
 */
import type { Hal } from './hal.js';
import { resolveConfig } from './config.js';
import type { Config, StackConfig } from './config.js';
import { createNet, netInput, netPoll, netRam } from './net.js';
import type { Net, UdpHandler, EchoReplyHandler } from './net.js';
import type { TcpHandler } from './tcp/tcb.js';
import type { TraceRing } from './trace/events.js';
import { ping, onEchoReply } from './icmp.js';
import { udpBind, udpUnbind, udpSend } from './udp.js';
import * as api from './tcp/api.js';

export type { UdpHandler, EchoReplyHandler };

export class Stack {
  /** The stack's state (src/net.ts); its TCP table is `net.t`. Board code and tools may use the flat modules on it. */
  net: Net;
  /** The validated configuration. */
  config: Config;
  /** Our IPv4 address as an int32. */
  addr: number;
  /** One counter per drop reason, indexed by stats.DROP_*. */
  drops: Uint32Array;
  /** Event counters, indexed by stats.CNT_*. */
  counters: Uint32Array;
  /** The state-transition trace (TCP), read by the teaching tools. */
  trace: TraceRing;

  constructor(config: Config, hal: Hal) {
    this.net = createNet(config, hal);
    this.config = config;
    this.addr = this.net.addr;
    this.drops = this.net.drops;
    this.counters = this.net.counters;
    this.trace = this.net.t.trace;
  }

  /** Bytes from the line, in any chunking (the HAL's receiver does this already). */
  input(buf: Uint8Array, off: number, len: number): void { netInput(this.net, buf, off, len); }
  /** Run timers due at `now` (ms); returns the absolute time of the next poll needed (Infinity: none). */
  poll(now: number): number { return netPoll(this.net, now); }

  // ---- ICMP and UDP (src/icmp.ts, src/udp.ts) --------------------------------------------

  /** Send an echo request carrying data[off, off+len); len, or -EMSGSIZE. */
  ping(dstAddr: number, ident: number, seqNo: number, data: Uint8Array, off: number, len: number): number {
    return ping(this.net, dstAddr, ident, seqNo, data, off, len);
  }
  /** Register the one echo-reply handler. */
  onEchoReply(handler: EchoReplyHandler): void { onEchoReply(this.net, handler); }
  /** Deliver datagrams for `port` to `handler`: 0, or -EADDRINUSE / -ENOBUFS. */
  udpBind(port: number, handler: UdpHandler): number { return udpBind(this.net, port, handler); }
  /** Stop delivering datagrams for `port`. */
  udpUnbind(port: number): void { udpUnbind(this.net, port); }
  /** Send buf[off, off+len) as one datagram: len, or -EMSGSIZE. */
  udpSend(dstAddr: number, dstPort: number, srcPort: number, buf: Uint8Array, off: number, len: number): number {
    return udpSend(this.net, dstAddr, dstPort, srcPort, buf, off, len);
  }

  // ---- TCP (RFC 9293 §3.9; src/tcp/api.ts checks the arguments and does the work) -------
  // Handles: connections are 0..tcpConns-1, listeners LISTENER_BASE + index.

  /** The default event handler, for handles without their own: (handle, EV_*, detail). */
  onTcp(handler: TcpHandler): void { api.tcpOnEvent(this.net.t, handler); }
  /** Give a connection or a listener its own handler (a listener's passes to the connections it accepts). */
  tcpSetHandler(handle: number, handler: TcpHandler): void { api.tcpSetHandler(this.net.t, handle, handler); }
  /** Passive OPEN: a listener handle, or -EADDRINUSE / -ENOBUFS. `handler` is the listener's own (optional). */
  tcpListen(port: number, backlog: number, handler?: TcpHandler): number { return api.tcpListen(this.net.t, port, backlog, handler); }
  /** Stop listening. */
  tcpUnlisten(listener: number): void { api.tcpUnlisten(this.net.t, listener); }
  /** A connection from the listener's accept queue, or -EAGAIN. */
  tcpAccept(listener: number): number { return api.tcpAccept(this.net.t, listener); }
  /** Active OPEN from local port srcPort (0 = ephemeral): the handle (SYN-SENT), or -EADDRINUSE / -ENOBUFS. */
  tcpConnect(dstAddr: number, dstPort: number, srcPort: number, handler?: TcpHandler): number {
    return api.tcpConnect(this.net.t, dstAddr, dstPort, srcPort, handler);
  }
  /** RFC 793 §3.9: turn a listening endpoint into an active one (LISTEN -> SYN-SENT). */
  tcpConnectFrom(listener: number, dstAddr: number, dstPort: number): number {
    return api.tcpConnectFrom(this.net.t, listener, dstAddr, dstPort);
  }
  /** Queue buf[off, off+len): the octets the send ring took, -EAGAIN when it is full, -errno once the connection is over. */
  tcpWrite(conn: number, buf: Uint8Array, off: number, len: number): number { return api.tcpWrite(this.net.t, conn, buf, off, len); }
  /** Read into buf[off, off+len): octets read, 0 at the end of the stream, -EAGAIN when none yet, -errno after a reset or timeout. */
  tcpRead(conn: number, buf: Uint8Array, off: number, len: number): number { return api.tcpRead(this.net.t, conn, buf, off, len); }
  /** Like tcpRead, but the octets stay in the receive ring (recv with MSG_PEEK). */
  tcpPeek(conn: number, buf: Uint8Array, off: number, len: number): number { return api.tcpPeek(this.net.t, conn, buf, off, len); }
  /** Half-close: FIN after the queued data. */
  tcpShutdown(conn: number): void { api.tcpShutdown(this.net.t, conn); }
  /** Close: the application lets go of the handle. */
  tcpClose(conn: number): void { api.tcpClose(this.net.t, conn); }
  /** Abort: RST, the slot is free at once. */
  tcpAbort(conn: number): void { api.tcpAbort(this.net.t, conn); }
  /** The RFC 9293 state of a handle (LISTEN for a listener). */
  tcpState(handle: number): number { return api.tcpState(this.net.t, handle); }
  /** The pending error of a connection (like SO_ERROR), cleared by reading. */
  tcpError(conn: number): number { return api.tcpError(this.net.t, conn); }
  /** Nagle off (true) or on (false), per connection (RFC 9293 MUST-17). */
  tcpSetNoDelay(conn: number, on: boolean): void { api.tcpSetNoDelay(this.net.t, conn, on === true); }
  /** Keepalive on or off for one connection (off by default). */
  tcpSetKeepAlive(conn: number, on: boolean): void { api.tcpSetKeepAlive(this.net.t, conn, on === true); }
  /** R2 (give up retransmitting after this long, ms) for one connection. */
  tcpSetR2(conn: number, ms: number): void { api.tcpSetR2(this.net.t, conn, ms); }
  /** cwnd, ssthresh, SND.WND and RTO of a connection into out[0..3] (tests, tools). */
  tcpCongestion(conn: number, out: Int32Array): void { api.tcpCongestion(this.net.t, conn, out); }
  /** Connections in a state. */
  tcpCount(state: number): number { return api.tcpCount(this.net.t, state); }
  /** Connection slots in use (a free table reads 0). */
  tcpInUse(): number { return api.tcpInUse(this.net.t); }
  /** The raw RFC 9293 state array, by slot (netstat-like tools). */
  tcpStates(): Uint8Array { return this.net.t.st; }
  /** Timers of slot i into out[0..8] (tools: netstat; see src/tcp/api.ts). */
  tcpTimers(i: number, out: Float64Array): void { api.tcpTimers(this.net.t, i, out); }
  /** The listeners, [handle, port, backlog, waiting] per listener into out; returns how many there are. */
  tcpListeners(out: Int32Array): number { return api.tcpListeners(this.net.t, out); }
  /** Endpoint, sequence numbers and queues of slot i into out[0..8] (tools). */
  tcpEndpoint(i: number, out: Int32Array): void { api.tcpEndpoint(this.net.t, i, out); }

  /** Exact bytes of the typed arrays this stack allocated (equals config's ramFor()). */
  ramBudget(): number { return netRam(this.net); }
}

/** Validate `config`, allocate everything, and attach to `hal` as its receiver. */
export function createStack(config: StackConfig | undefined, hal: Hal): Stack {
  return new Stack(resolveConfig(config), hal);
}
