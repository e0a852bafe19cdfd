/**
 * The stack: SLIP in, IPv4 checks, ICMP and UDP, and the way back out.
 *
 * Contract:
 * - `createStack(config, hal)` validates the configuration and allocates every buffer and
 *   table the stack will ever use, then registers itself as the HAL's receiver.
 * - Ingress runs inside the HAL's receive callback: SLIP decode → IPv4 checks → ICMP / UDP.
 *   Every packet that is not delivered increments exactly one counter in `drops` (its
 *   reason) and nothing throws.
 * - Egress builds each packet in one transmit buffer, SLIP-encodes it into a second one and
 *   hands that to `hal.write`, synchronously.
 * - `poll(now)` runs what is due and returns the time it next needs to run.
 * - After start-up nothing here allocates: no objects, closures, strings or views per packet.
 *   UDP handlers read the datagram straight out of the shared receive buffer.
 *
 * Deviations (documented in the README): fragments are dropped and counted, not reassembled
 * (RFC 1122 §3.3.2 asks for reassembly of 576 octets; many embedded-stack CVEs live in that
 * code); IP options are accepted and ignored; no IP forwarding.
 */
import type { Hal } from './hal.js';
import { resolveConfig, ramFor, SETTINGS, fixedRam } from './config.js';
import type { Config, StackConfig } from './config.js';
import { native } from './native.js';
import * as stats from './stats.js';
import * as err from './wire/err.js';
import * as ipv4 from './wire/ipv4.js';
import * as icmp from './wire/icmp.js';
import * as udp from './wire/udp.js';
import * as slip from './wire/slip.js';
import { Tcp } from './tcp/tcp.js';
import * as E from './errno.js';
import * as check from './check.js';
import type { TcpHandler } from './tcp/tcp.js';
import type { TraceRing } from './trace/events.js';

/** A UDP receive handler. `data[off, off+len)` is valid only until the handler returns. */
export type UdpHandler = (data: Uint8Array, off: number, len: number, srcAddr: number, srcPort: number, dstPort: number) => void;
/** An ICMP echo reply handler; `data[off, off+len)` is the echo data, valid until it returns. */
export type EchoReplyHandler = (srcAddr: number, ident: number, seqNo: number, data: Uint8Array, off: number, len: number) => void;

/** Offset of the transport header in the transmit buffer: we send no IP options. */
const L4 = ipv4.HEADER_LEN;
/** RFC 792: an ICMP error carries the offending IP header plus its first 64 bits of data. */
const ICMP_ERROR_QUOTE = 8;

function noUdp(_d: Uint8Array, _o: number, _l: number, _a: number, _sp: number, _dp: number): void {}
function noEcho(_a: number, _i: number, _s: number, _d: Uint8Array, _o: number, _l: number): void {}

export class Stack {
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
  /**
   * Why the frame being written was sent (trace WHY_*; 0 for ICMP and UDP): a HAL wrapper
   * reads it inside `write` to label each segment (teaching views).
   */
  txReason: number;

  private hal: Hal;
  private mtu: number;
  private decoder: slip.SlipDecoder;
  private tcp: Tcp;
  /** The IP packet being built (the transport layers write their PDU at offset 20). */
  tx: Uint8Array;
  /** The SLIP frame being written. */
  private txFrame: Uint8Array;
  private ipRx: ipv4.Ipv4Repr;
  private ipTx: ipv4.Ipv4Repr;
  private icmpRx: icmp.IcmpRepr;
  private icmpTx: icmp.IcmpRepr;
  private udpRx: udp.UdpRepr;
  private udpTx: udp.UdpRepr;
  /** UDP port table: port numbers (0 = free) and their handlers, by slot. */
  private udpPortTable: Uint16Array;
  private udpHandlers: UdpHandler[];
  private echoHandler: EchoReplyHandler;
  /** Identification of the next datagram we send (RFC 6864: only matters for fragments). */
  private ident: number;
  /** ICMP error token bucket: tokens, and when it was last refilled. */
  private icmpTokens: number;
  private icmpRefilledAt: number;
  private now: number;
  /** Inside input or poll: the HAL polls when they return, so user calls need not wake it. */
  private inside: boolean;

  constructor(config: Config, hal: Hal) {
    this.config = config;
    this.addr = ipv4.parseAddr(config.addr) as number;
    this.hal = hal;
    this.mtu = config.mtu;
    this.drops = new Uint32Array(stats.DROP_COUNT);
    this.counters = new Uint32Array(stats.COUNTER_COUNT);
    this.tx = new Uint8Array(config.mtu);
    this.txFrame = new Uint8Array(2 * config.mtu + 2);
    this.ipRx = new ipv4.Ipv4Repr();
    this.ipTx = new ipv4.Ipv4Repr();
    this.icmpRx = new icmp.IcmpRepr();
    this.icmpTx = new icmp.IcmpRepr();
    this.udpRx = new udp.UdpRepr();
    this.udpTx = new udp.UdpRepr();
    this.udpPortTable = new Uint16Array(config.udpPorts);
    this.udpHandlers = [];
    for (let i = 0; i < config.udpPorts; i++) this.udpHandlers.push(noUdp);
    this.echoHandler = noEcho;
    this.ident = hal.random32() & 0xffff;
    this.icmpTokens = config.icmpErrorBurst;
    this.now = hal.now();
    this.inside = false;
    this.txReason = 0;
    this.icmpRefilledAt = this.now;
    this.tcp = new Tcp(config, this, hal.random32(), hal.random32(), function () { return hal.now(); });
    this.trace = this.tcp.trace;
    // The two closures below are made once, here; the per-packet path only calls them.
    const self = this;
    this.decoder = new slip.SlipDecoder(config.mtu, function (buf: Uint8Array, len: number) {
      self.inputPacket(buf, len);
    });
    hal.setReceiver(function (buf: Uint8Array, off: number, len: number) {
      self.input(buf, off, len);
    });
  }

  // ---- time -------------------------------------------------------------------------

  /** Run timers due at `now` (ms); returns the absolute time of the next poll needed (Infinity: none). */
  poll(now: number): number {
    this.now = now;
    this.inside = true;
    const next = this.tcp.poll(now);
    this.inside = false;
    return next;
  }

  /**
   * After a user call that can start a timer (connect, write, read, shutdown, close,
   * keepalive): made outside input and poll, nothing would poll the stack before the deadline
   * the HAL already holds, so tell the HAL (see src/hal.ts). Inside them (an event handler), the
   * HAL polls when they return anyway.
   */
  private wake(): void {
    if (!this.inside && this.hal.wake !== undefined) this.hal.wake();
  }

  // ---- ingress ------------------------------------------------------------------------

  /** Bytes from the line, in any chunking. */
  input(buf: Uint8Array, off: number, len: number): void {
    this.counters[stats.CNT_RX_OCTETS] += len;
    const d = this.decoder;
    // Every segment in this chunk is processed before any bare ACK goes out (MUST-59).
    this.inside = true;
    this.tcp.beginBatch();
    d.push(buf, off, len);
    this.tcp.endBatch();
    this.inside = false;
    // The decoder keeps its own counts; mirror them so all drops live in one array.
    this.drops[stats.DROP_SLIP_ESCAPE] = d.dropEscape;
    this.drops[stats.DROP_SLIP_OVERFLOW] = d.dropOverflow;
    this.counters[stats.CNT_SLIP_HUNT_OCTETS] = d.huntBytes;
    this.counters[stats.CNT_SLIP_EMPTY] = d.emptyFrames;
  }

  /** One decoded SLIP frame: an IPv4 packet at buf[0, len). */
  private inputPacket(buf: Uint8Array, len: number): void {
    this.counters[stats.CNT_RX_FRAMES]++;
    const ip = this.ipRx;
    const e = ipv4.parseInto(ip, buf, 0, len);
    if (e !== err.OK) {
      this.drops[ipDropReason(e)]++;
      return;
    }
    // RFC 1122 §3.2.1.3: a host silently discards a datagram not addressed to it. We take
    // our unicast address and the limited broadcast (for UDP only, below).
    const broadcast = ip.dst === -1;
    if (ip.dst !== this.addr && !broadcast) {
      this.drops[stats.DROP_IP_NOT_OURS]++;
      return;
    }
    // RFC 1122 §3.2.1.3: discard a datagram whose source is not a valid unicast address.
    // Our own address as source can only be spoofed on a point-to-point link (LAND).
    if (ipv4.isBroadcastOrMulticast(ip.src) || ip.src === this.addr) {
      this.drops[stats.DROP_IP_BAD_SRC]++;
      return;
    }
    // (a) and (g) of the same section: 0.0.0.0/8 and 127.0.0.0/8 never come from a wire.
    if (ipv4.isMartian(ip.src)) {
      this.drops[stats.DROP_IP_MARTIAN_SRC]++;
      return;
    }
    // Deviation: no reassembly; every fragment is dropped (bad-input class 7, docs/BAD-INPUT.md).
    if (ip.moreFrags || ip.fragOffset !== 0) {
      this.drops[stats.DROP_IP_FRAGMENT]++;
      return;
    }
    this.counters[stats.CNT_RX_PACKETS]++;
    const l4 = ip.headerLen;
    const l4len = ip.payloadLen;
    if (ip.protocol === ipv4.PROTO_ICMP) {
      this.inputIcmp(buf, l4, l4len, broadcast);
    } else if (ip.protocol === ipv4.PROTO_UDP) {
      this.inputUdp(buf, l4, l4len, broadcast);
    } else if (ip.protocol === ipv4.PROTO_TCP) {
      this.tcp.input(buf, l4, l4len, ip.src, ip.dst, broadcast, this.hal.now());
    } else {
      this.drops[stats.DROP_IP_PROTOCOL]++;
      // RFC 1122 §3.2.2.1: a host should send protocol unreachable for a protocol it lacks.
      if (!broadcast) this.sendIcmpError(buf, icmp.DEST_UNREACH, icmp.PROTO_UNREACH);
    }
  }

  private inputIcmp(buf: Uint8Array, off: number, len: number, broadcast: boolean): void {
    const m = this.icmpRx;
    const e = icmp.parseInto(m, buf, off, len);
    if (e !== err.OK) {
      this.drops[e === err.ERR_CHECKSUM ? stats.DROP_ICMP_CHECKSUM : stats.DROP_ICMP_TRUNCATED]++;
      return;
    }
    if (m.type === icmp.ECHO_REQUEST) {
      if (broadcast) {
        this.drops[stats.DROP_ICMP_BROADCAST_ECHO]++;
        return;
      }
      // RFC 1122 §3.2.2.6: reply with the same identifier, sequence number and all the data,
      // from the address the request was sent to.
      native.copy(this.tx, L4 + icmp.HEADER_LEN, buf, off + icmp.HEADER_LEN, m.dataLen);
      const r = this.icmpTx;
      r.type = icmp.ECHO_REPLY;
      r.code = 0;
      r.ident = m.ident;
      r.seqNo = m.seqNo;
      r.dataLen = m.dataLen;
      const n = icmp.emit(r, this.tx, L4);
      this.sendIp(ipv4.PROTO_ICMP, this.ipRx.src, n);
      this.counters[stats.CNT_ECHO_REPLIES_SENT]++;
    } else if (m.type === icmp.ECHO_REPLY) {
      this.counters[stats.CNT_ECHO_REPLIES_RECEIVED]++;
      this.echoHandler(this.ipRx.src, m.ident, m.seqNo, buf, off + icmp.HEADER_LEN, m.dataLen);
    } else if (m.type === icmp.SOURCE_QUENCH) {
      // RFC 9293 MUST-55 / RFC 6633: source quench is silently discarded.
      this.drops[stats.DROP_ICMP_SOURCE_QUENCH]++;
    } else if (icmp.isError(m.type)) {
      // RFC 9293 MUST-54: hand the error to the connection it quotes; an unclaimed one is dropped.
      if (!this.tcp.icmpError(m.type, m.code, buf, off + icmp.HEADER_LEN, m.dataLen, this.hal.now())) this.drops[stats.DROP_ICMP_ERROR]++;
    } else {
      this.drops[stats.DROP_ICMP_TYPE]++;
    }
  }

  private inputUdp(buf: Uint8Array, off: number, len: number, broadcast: boolean): void {
    const u = this.udpRx;
    const e = udp.parseInto(u, buf, off, len, this.ipRx.src, this.ipRx.dst);
    if (e !== err.OK) {
      this.drops[e === err.ERR_CHECKSUM ? stats.DROP_UDP_CHECKSUM : e === err.ERR_LENGTH ? stats.DROP_UDP_LENGTH : stats.DROP_UDP_TRUNCATED]++;
      return;
    }
    const slot = this.udpSlot(u.dstPort);
    if (slot < 0) {
      this.drops[stats.DROP_UDP_NO_PORT]++;
      // RFC 1122 §3.2.2.1 / §4.1.3.1: port unreachable, but never for a broadcast datagram.
      if (!broadcast) this.sendIcmpError(buf, icmp.DEST_UNREACH, icmp.PORT_UNREACH);
      return;
    }
    this.counters[stats.CNT_UDP_DELIVERED]++;
    this.udpHandlers[slot](buf, off + udp.HEADER_LEN, u.payloadLen, this.ipRx.src, u.srcPort, u.dstPort);
  }

  // ---- egress -------------------------------------------------------------------------

  /** The transport PDU is at tx[L4, L4+len): prepend the IPv4 header, SLIP-encode, write. */
  sendIp(protocol: number, dst: number, len: number): void {
    if (protocol !== ipv4.PROTO_TCP) this.txReason = 0;
    const ip = this.ipTx;
    ip.src = this.addr;
    ip.dst = dst;
    ip.protocol = protocol;
    ip.ttl = this.config.ttl;
    ip.tos = 0;
    ip.ident = this.ident;
    this.ident = (this.ident + 1) & 0xffff;
    // RFC 1191: we never fragment, so say so; our datagrams always fit the link MTU.
    ip.dontFrag = true;
    ip.moreFrags = false;
    ip.fragOffset = 0;
    ip.payloadLen = len;
    const total = ipv4.emit(ip, this.tx, 0);
    const n = slip.encode(this.tx, 0, total, this.txFrame, 0);
    this.counters[stats.CNT_TX_PACKETS]++;
    this.counters[stats.CNT_TX_OCTETS] += n;
    this.hal.write(this.txFrame, 0, n);
  }

  /**
   * An ICMP error about the packet in buf (IP header at 0), rate-limited with a token bucket
   * (RFC 1812 §4.3.2.8). The caller has already ruled out broadcasts; the packet is never an
   * ICMP error itself here, because those are consumed before any error can be generated.
   */
  private sendIcmpError(buf: Uint8Array, type: number, code: number): void {
    const now = this.hal.now();
    const rate = this.config.icmpErrorsPerSec;
    const burst = this.config.icmpErrorBurst;
    this.icmpTokens += ((now - this.icmpRefilledAt) * rate) / 1000;
    if (this.icmpTokens > burst) this.icmpTokens = burst;
    this.icmpRefilledAt = now;
    if (this.icmpTokens < 1) {
      this.counters[stats.CNT_ICMP_ERRORS_LIMITED]++;
      return;
    }
    this.icmpTokens -= 1;
    const ip = this.ipRx;
    let quote = ip.headerLen + ICMP_ERROR_QUOTE;
    if (quote > ip.headerLen + ip.payloadLen) quote = ip.headerLen + ip.payloadLen;
    if (quote > this.mtu - L4 - icmp.HEADER_LEN) quote = this.mtu - L4 - icmp.HEADER_LEN;
    native.copy(this.tx, L4 + icmp.HEADER_LEN, buf, 0, quote);
    const r = this.icmpTx;
    r.type = type;
    r.code = code;
    r.ident = 0;
    r.seqNo = 0;
    r.dataLen = quote;
    const n = icmp.emit(r, this.tx, L4);
    this.sendIp(ipv4.PROTO_ICMP, ip.src, n);
    this.counters[stats.CNT_ICMP_ERRORS_SENT]++;
  }

  // ---- ICMP echo API ------------------------------------------------------------------

  /**
   * Send an echo request carrying data[off, off+len); returns len, or -EMSGSIZE when it does
   * not fit the link MTU. Misuse (a bad range, identifier or destination) throws StackError.
   */
  ping(dstAddr: number, ident: number, seqNo: number, data: Uint8Array, off: number, len: number): number {
    const dst = check.dest('ping', dstAddr, this.addr, true);
    check.intIn('ping: identifier', ident, 0, 65535, E.EINVAL);
    check.intIn('ping: sequence number', seqNo, 0, 65535, E.EINVAL);
    check.range('ping', data, off, len);
    if (len > this.mtu - L4 - icmp.HEADER_LEN) return -E.EMSGSIZE;
    native.copy(this.tx, L4 + icmp.HEADER_LEN, data, off, len);
    const r = this.icmpTx;
    r.type = icmp.ECHO_REQUEST;
    r.code = 0;
    r.ident = ident;
    r.seqNo = seqNo;
    r.dataLen = len;
    const n = icmp.emit(r, this.tx, L4);
    this.sendIp(ipv4.PROTO_ICMP, dst, n);
    return len;
  }

  /** Register the one echo-reply handler (start-up, not per packet). */
  onEchoReply(handler: EchoReplyHandler): void {
    this.echoHandler = handler;
  }

  // ---- UDP API ------------------------------------------------------------------------

  private udpSlot(port: number): number {
    const t = this.udpPortTable;
    for (let i = 0; i < t.length; i++) if (t[i] === port) return i;
    return -1;
  }

  /**
   * Deliver datagrams for `port` to `handler`. Returns 0, or -EADDRINUSE (the port is bound),
   * -ENOBUFS (the port table is full). A bad port throws StackError.
   */
  udpBind(port: number, handler: UdpHandler): number {
    check.port('udpBind', port);
    if (typeof handler !== 'function') throw new E.StackError(E.EINVAL, 'udpBind: handler must be a function');
    if (this.udpSlot(port) >= 0) return -E.EADDRINUSE;
    const slot = this.udpSlot(0);
    if (slot < 0) return -E.ENOBUFS;
    this.udpPortTable[slot] = port;
    this.udpHandlers[slot] = handler;
    return 0;
  }

  /** Stop delivering datagrams for `port`. A port that is not bound throws StackError (EBADF). */
  udpUnbind(port: number): void {
    check.port('udpUnbind', port);
    const slot = this.udpSlot(port);
    if (slot < 0) throw new E.StackError(E.EBADF, 'udpUnbind: port ' + port + ' is not bound');
    this.udpPortTable[slot] = 0;
    this.udpHandlers[slot] = noUdp;
  }

  /**
   * Send buf[off, off+len) as one datagram; returns len, or -EMSGSIZE when it does not fit the
   * link MTU. Misuse (a bad range, port or destination) throws StackError; nothing is sent.
   */
  udpSend(dstAddr: number, dstPort: number, srcPort: number, buf: Uint8Array, off: number, len: number): number {
    const dst = check.dest('udpSend', dstAddr, this.addr, true);
    check.port('udpSend: destination', dstPort);
    check.port('udpSend: source', srcPort);
    check.range('udpSend', buf, off, len);
    if (len > this.mtu - L4 - udp.HEADER_LEN) return -E.EMSGSIZE;
    native.copy(this.tx, L4 + udp.HEADER_LEN, buf, off, len);
    const u = this.udpTx;
    u.srcPort = srcPort;
    u.dstPort = dstPort;
    u.payloadLen = len;
    const n = udp.emit(u, this.tx, L4, this.addr, dst);
    this.sendIp(ipv4.PROTO_UDP, dst, n);
    this.counters[stats.CNT_UDP_SENT]++;
    return len;
  }

  // ---- TCP API (RFC 9293 §3.9; see src/tcp/tcp.ts) --------------------------------------
  // Handles: connections are 0..tcpConns-1, listeners LISTENER_BASE + index. Results are data
  // or a negative errno; misuse throws StackError (src/errno.ts) before anything is sent.

  /** The default event handler, for handles without their own: (handle, EV_*, detail). */
  onTcp(handler: TcpHandler): void {
    if (typeof handler !== 'function') throw new E.StackError(E.EINVAL, 'onTcp: handler must be a function');
    this.tcp.onEvent(handler);
  }
  /** Give a connection or a listener its own handler (a listener's passes to the connections it accepts). */
  tcpSetHandler(handle: number, handler: TcpHandler): void {
    if (typeof handler !== 'function') throw new E.StackError(E.EINVAL, 'tcpSetHandler: handler must be a function');
    this.tcp.setHandler(handle, handler);
  }
  /** Passive OPEN: a listener handle, or -EADDRINUSE / -ENOBUFS. `handler` is the listener's own (optional). */
  tcpListen(port: number, backlog: number, handler?: TcpHandler): number {
    check.port('tcpListen', port);
    check.intIn('tcpListen: backlog', backlog, 1, 255, E.EINVAL);
    if (handler !== undefined && typeof handler !== 'function') throw new E.StackError(E.EINVAL, 'tcpListen: handler must be a function');
    return this.tcp.listen(port, backlog, handler);
  }
  /** Stop listening. */
  tcpUnlisten(listener: number): void { this.tcp.unlisten(listener); }
  /** A connection from the listener's accept queue, or -EAGAIN. */
  tcpAccept(listener: number): number { return this.tcp.accept(listener); }
  /**
   * Active OPEN from local port srcPort (0 = ephemeral): the connection handle (SYN-SENT), or
   * -EADDRINUSE / -ENOBUFS. `handler` is the connection's own (optional).
   */
  tcpConnect(dstAddr: number, dstPort: number, srcPort: number, handler?: TcpHandler): number {
    const dst = check.dest('tcpConnect', dstAddr, this.addr, false);
    check.port('tcpConnect', dstPort);
    if (srcPort !== 0) check.port('tcpConnect: local', srcPort);
    if (handler !== undefined && typeof handler !== 'function') throw new E.StackError(E.EINVAL, 'tcpConnect: handler must be a function');
    const c = this.tcp.connect(dst, dstPort, srcPort, handler);
    this.wake();
    return c;
  }
  /** RFC 793 §3.9: turn a listening endpoint into an active one (LISTEN -> SYN-SENT). */
  tcpConnectFrom(listener: number, dstAddr: number, dstPort: number): number {
    const dst = check.dest('tcpConnectFrom', dstAddr, this.addr, false);
    check.port('tcpConnectFrom', dstPort);
    const c = this.tcp.connectFrom(listener, dst, dstPort);
    this.wake();
    return c;
  }
  /** Queue buf[off, off+len): the octets the send ring took, -EAGAIN when it is full, -errno once the connection is over. */
  tcpWrite(conn: number, buf: Uint8Array, off: number, len: number): number {
    check.range('tcpWrite', buf, off, len);
    const n = this.tcp.write(conn, buf, off, len);
    this.wake();
    return n;
  }
  /** Read into buf[off, off+len): octets read, 0 at the end of the stream, -EAGAIN when none yet, -errno after a reset or timeout. */
  tcpRead(conn: number, buf: Uint8Array, off: number, len: number): number {
    check.range('tcpRead', buf, off, len);
    const n = this.tcp.read(conn, buf, off, len);
    this.wake();
    return n;
  }
  /** Half-close: FIN after the queued data. */
  tcpShutdown(conn: number): void {
    this.tcp.shutdown(conn);
    this.wake();
  }
  /** Close: the application lets go of the handle. */
  tcpClose(conn: number): void {
    this.tcp.close(conn);
    this.wake();
  }
  /** Abort: RST, the slot is free at once. */
  tcpAbort(conn: number): void { this.tcp.abort(conn); }
  /** The RFC 9293 state of a handle (LISTEN for a listener). */
  tcpState(handle: number): number { return this.tcp.getState(handle); }
  /** The pending error of a connection (like SO_ERROR), cleared by reading. */
  tcpError(conn: number): number { return this.tcp.takeError(conn); }
  /** Nagle off (true) or on (false), per connection (RFC 9293 MUST-17). */
  tcpSetNoDelay(conn: number, on: boolean): void { this.tcp.setNoDelay(conn, on === true); }
  /** Keepalive on or off for one connection (off by default). */
  tcpSetKeepAlive(conn: number, on: boolean): void {
    this.tcp.setKeepAlive(conn, on === true);
    this.wake();
  }
  /** R2 (give up retransmitting after this long, ms) for one connection. */
  tcpSetR2(conn: number, ms: number): void {
    check.intIn('tcpSetR2: R2 (ms)', ms, 1, 86400000, E.EINVAL);
    this.tcp.setR2(conn, ms);
  }
  /** cwnd, ssthresh, SND.WND and RTO of a connection into out[0..3] (tests, tools). */
  tcpCongestion(conn: number, out: Int32Array): void {
    if (!(out instanceof Int32Array) || out.length < 4) throw new E.StackError(E.EINVAL, 'tcpCongestion: out must be an Int32Array of 4');
    this.tcp.congestion(conn, out);
  }
  /** Connections in a state. */
  tcpCount(state: number): number {
    check.intIn('tcpCount: state', state, 0, 10, E.EINVAL);
    return this.tcp.count(state);
  }
  /** Connection slots in use (a free table reads 0). */
  tcpInUse(): number { return this.tcp.inUse(); }
  /** The raw RFC 9293 state array, by slot (netstat-like tools). */
  tcpStates(): Uint8Array { return this.tcp.state; }
  /** Endpoint, sequence numbers and queues of slot i into out[0..8] (tools). */
  tcpEndpoint(i: number, out: Int32Array): void {
    if (!(out instanceof Int32Array) || out.length < 8) throw new E.StackError(E.EINVAL, 'tcpEndpoint: out must be an Int32Array of 8 or 9');
    this.tcp.endpoint(i, out);
  }

  // ---- introspection ------------------------------------------------------------------

  /** Exact bytes of the typed arrays this stack allocated (equals config's ramFor()). */
  ramBudget(): number {
    return this.decoder.buf.byteLength + this.tx.byteLength + this.txFrame.byteLength +
      this.udpPortTable.byteLength + this.drops.byteLength + this.counters.byteLength + this.tcp.ramBytes();
  }

  /** The budget item by item: [setting, bytes] pairs (host tools; allocates). */
  ramReport(): [string, number][] {
    const out: [string, number][] = [['counters and hash state (fixed)', fixedRam()]];
    for (let i = 0; i < SETTINGS.length; i++) out.push([SETTINGS[i].name, SETTINGS[i].ram(this.config)]);
    return out;
  }

  /** What the configuration says the budget should be (a test checks it equals ramBudget()). */
  ramExpected(): number {
    return ramFor(this.config);
  }
}

/** Map an ipv4.parseInto error code to its drop reason. */
function ipDropReason(e: number): number {
  switch (e) {
    case err.ERR_TRUNCATED: return stats.DROP_IP_TRUNCATED;
    case err.ERR_VERSION: return stats.DROP_IP_VERSION;
    case err.ERR_HEADER_LEN: return stats.DROP_IP_HEADER_LEN;
    case err.ERR_LENGTH: return stats.DROP_IP_LENGTH;
    default: return stats.DROP_IP_CHECKSUM;
  }
}

/** Validate `config`, allocate everything, and attach to `hal` as its receiver. */
export function createStack(config: StackConfig | undefined, hal: Hal): Stack {
  return new Stack(resolveConfig(config), hal);
}
