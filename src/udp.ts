/**
 * UDP (RFC 768, RFC 1122 §4.1): a port table, delivery to the bound handler, and sending.
 *
 * Contract:
 * - `udpInput(n, buf, off, len, broadcast)`: a datagram at buf[off, off+len) of the IP
 *   datagram in n.ip goes to the handler bound to its port, straight out of the receive
 *   buffer (valid until the handler returns); a datagram for no port is dropped and answered
 *   with ICMP port unreachable, never for a broadcast (§4.1.3.1).
 * - `udpBind` returns 0, -EADDRINUSE or -ENOBUFS; `udpSend` returns len or -EMSGSIZE. Misuse
 *   (a bad port, range or destination) throws StackError before anything is sent.
 * Nothing allocates.
 */
import * as stats from './stats.js';
import * as err from './wire/err.js';
import * as ipv4 from './wire/ipv4.js';
import * as icmp from './wire/icmp.js';
import * as udp from './wire/udp.js';
import * as E from './errno.js';
import * as check from './check.js';
import { native } from './native.js';
import { noop } from './noop.js';
import { ipSend, L4 } from './ip.js';
import { icmpErrorSend } from './icmp.js';
import type { Net, UdpHandler } from './net.js';

/** The port-table entry of `port` (0: a free entry), or -1. */
function udpSlot(n: Net, port: number): number {
  const p = n.udpPorts;
  for (let i = 0; i < p.length; i++) if (p[i] === port) return i;
  return -1;
}

/** A UDP datagram at buf[off, off+len) of the IP datagram in n.ip (header at buf[0]). */
export function udpInput(n: Net, buf: Uint8Array, off: number, len: number, broadcast: boolean): void {
  const u = n.udpRx;
  const e = udp.parseInto(u, buf, off, len, n.ip.src, n.ip.dst);
  if (e !== err.OK) {
    n.drops[e === err.ERR_CHECKSUM ? stats.DROP_UDP_CHECKSUM : e === err.ERR_LENGTH ? stats.DROP_UDP_LENGTH : stats.DROP_UDP_TRUNCATED]++;
    return;
  }
  const slot = udpSlot(n, u.dstPort);
  if (slot < 0) {
    n.drops[stats.DROP_UDP_NO_PORT]++;
    // RFC 1122 §3.2.2.1 / §4.1.3.1: port unreachable, but never for a broadcast datagram.
    if (!broadcast) icmpErrorSend(n, buf, icmp.DEST_UNREACH, icmp.PORT_UNREACH);
    return;
  }
  n.counters[stats.CNT_UDP_DELIVERED]++;
  n.udpHandlers[slot](buf, off + udp.HEADER_LEN, u.payloadLen, n.ip.src, u.srcPort, u.dstPort);
}

/**
 * Deliver datagrams for `port` to `handler`. Returns 0, or -EADDRINUSE (the port is bound),
 * -ENOBUFS (the port table is full). A bad port throws StackError.
 */
export function udpBind(n: Net, port: number, handler: UdpHandler): number {
  check.port('udpBind', port);
  if (typeof handler !== 'function') throw new E.StackError(E.EINVAL, 'udpBind: handler must be a function');
  if (udpSlot(n, port) >= 0) return -E.EADDRINUSE;
  const slot = udpSlot(n, 0);
  if (slot < 0) return -E.ENOBUFS;
  n.udpPorts[slot] = port;
  n.udpHandlers[slot] = handler;
  return 0;
}

/** Stop delivering datagrams for `port`. A port that is not bound throws StackError (EBADF). */
export function udpUnbind(n: Net, port: number): void {
  check.port('udpUnbind', port);
  const slot = udpSlot(n, port);
  if (slot < 0) throw new E.StackError(E.EBADF, 'udpUnbind: port ' + port + ' is not bound');
  n.udpPorts[slot] = 0;
  n.udpHandlers[slot] = noop;
}

/**
 * Send buf[off, off+len) as one datagram; returns len, or -EMSGSIZE when it does not fit the
 * link MTU. Misuse (a bad range, port or destination) throws StackError; nothing is sent.
 */
export function udpSend(n: Net, dstAddr: number, dstPort: number, srcPort: number, buf: Uint8Array, off: number, len: number): number {
  const dst = check.dest('udpSend', dstAddr, n.addr, true);
  check.intIn('udpSend', 'destination port', dstPort, 1, 65535, E.EINVAL);
  check.intIn('udpSend', 'source port', srcPort, 1, 65535, E.EINVAL);
  check.range('udpSend', buf, off, len);
  if (len > n.mtu - L4 - udp.HEADER_LEN) return -E.EMSGSIZE;
  native.copy(n.tx, L4 + udp.HEADER_LEN, buf, off, len);
  const u = n.udpTx;
  u.srcPort = srcPort;
  u.dstPort = dstPort;
  u.payloadLen = len;
  ipSend(n, n.tx, ipv4.PROTO_UDP, dst, udp.emit(u, n.tx, L4, n.addr, dst));
  n.counters[stats.CNT_UDP_SENT]++;
  return len;
}
