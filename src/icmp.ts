/**
 * ICMP (RFC 792, RFC 1122 §3.2.2): echo answered, echo replies handed to the application,
 * errors handed to TCP, errors of our own sent with a rate limit, and the ping call.
 *
 * Contract:
 * - `icmpInput(n, buf, off, len, broadcast)`: an ICMP message at buf[off, off+len) of the
 *   datagram in n.ip. Echo requests are answered (RFC 1122 §3.2.2.6: same identifier, sequence
 *   number and data, from the address they were sent to), except to a broadcast address;
 *   errors go to the TCP connection they quote (RFC 9293 MUST-54); source quench is
 *   discarded (MUST-55). Everything else is dropped and counted by reason.
 * - `icmpErrorSend(n, buf, type, code)` answers the datagram at buf[0..] with an error,
 *   through a token bucket (RFC 1812 §4.3.2.8: icmpErrorsPerSec, icmpErrorBurst).
 * - `ping` sends an echo request; misuse throws StackError, an echo too long for the link is
 *   -EMSGSIZE. `onEchoReply` registers the one handler for replies.
 * Nothing allocates on the way in or out.
 */
import * as stats from './stats.js';
import * as err from './wire/err.js';
import * as ipv4 from './wire/ipv4.js';
import * as icmp from './wire/icmp.js';
import * as E from './errno.js';
import * as check from './check.js';
import { native } from './native.js';
import { icmpError as tcpIcmpError } from './tcp/input.js';
import { ipSend, L4 } from './ip.js';
import type { Net, EchoReplyHandler } from './net.js';

/** RFC 792: an ICMP error carries the offending IP header plus its first 64 bits of data. */
const ICMP_ERROR_QUOTE = 8;

/** An ICMP message at buf[off, off+len) of the datagram in n.ip (its IP header at buf[0, off)). */
export function icmpInput(n: Net, buf: Uint8Array, off: number, len: number, broadcast: boolean): void {
  const m = n.icmpRx;
  const e = icmp.parseInto(m, buf, off, len);
  if (e !== err.OK) {
    n.drops[e === err.ERR_CHECKSUM ? stats.DROP_ICMP_CHECKSUM : stats.DROP_ICMP_TRUNCATED]++;
  } else if (m.type === icmp.ECHO_REQUEST) {
    if (broadcast) {
      n.drops[stats.DROP_ICMP_BROADCAST_ECHO]++;
      return;
    }
    // RFC 1122 §3.2.2.6: reply with the same identifier, sequence number and all the data,
    // from the address the request was sent to.
    n.counters[stats.CNT_ECHO_REPLIES_SENT]++;
    // The reply is the request turned round where it lies (the decoder's buffer, free once
    // this returns), moved down over the request's IP options if it had any (we send none).
    if (off !== L4) native.copy(buf, L4, buf, off, len);
    // Only the type and code word changes (to 0), so the checksum is updated (RFC 1624 eqn. 3:
    // HC' = ~(~HC + ~m + m'), m' = 0) instead of summed again over the data.
    let c = (~((buf[L4 + 2] << 8) | buf[L4 + 3]) & 0xffff) + (~((buf[L4] << 8) | buf[L4 + 1]) & 0xffff);
    c = (c & 0xffff) + (c >>> 16);
    buf[L4] = icmp.ECHO_REPLY;
    buf[L4 + 1] = 0;
    buf[L4 + 2] = ~c >> 8;
    buf[L4 + 3] = ~c;
    ipSend(n, buf, ipv4.PROTO_ICMP, n.ip.src, len);
  } else if (m.type === icmp.ECHO_REPLY) {
    n.counters[stats.CNT_ECHO_REPLIES_RECEIVED]++;
    n.echoHandler(n.ip.src, m.ident, m.seqNo, buf, off + icmp.HEADER_LEN, m.dataLen);
  } else if (m.type === icmp.SOURCE_QUENCH) {
    // RFC 9293 MUST-55 / RFC 6633: source quench is silently discarded.
    n.drops[stats.DROP_ICMP_SOURCE_QUENCH]++;
  } else if (icmp.isError(m.type)) {
    // RFC 9293 MUST-54: hand the error to the connection it quotes; an unclaimed one is dropped.
    if (!tcpIcmpError(n.t, m.type, m.code, buf, off + icmp.HEADER_LEN, m.dataLen, n.hal.now())) n.drops[stats.DROP_ICMP_ERROR]++;
  } else {
    n.drops[stats.DROP_ICMP_TYPE]++;
  }
}

/**
 * An ICMP error about the datagram in buf (IP header at 0, parsed into n.ip), rate-limited
 * with a token bucket (RFC 1812 §4.3.2.8). The caller has already ruled out broadcasts; the
 * datagram is never an ICMP error itself here, because those are consumed before any error
 * can be generated.
 */
export function icmpErrorSend(n: Net, buf: Uint8Array, type: number, code: number): void {
  const now = n.hal.now();
  const rate = n.cfg.icmpErrorsPerSec;
  const burst = n.cfg.icmpErrorBurst;
  n.icmpTokens += ((now - n.icmpRefilledAt) * rate) / 1000;
  if (n.icmpTokens > burst) n.icmpTokens = burst;
  n.icmpRefilledAt = now;
  if (n.icmpTokens < 1) {
    n.counters[stats.CNT_ICMP_ERRORS_LIMITED]++;
    return;
  }
  n.icmpTokens -= 1;
  const ip = n.ip;
  let quote = ip.headerLen + ICMP_ERROR_QUOTE;
  if (quote > ip.headerLen + ip.payloadLen) quote = ip.headerLen + ip.payloadLen;
  if (quote > n.mtu - L4 - icmp.HEADER_LEN) quote = n.mtu - L4 - icmp.HEADER_LEN;
  native.copy(n.tx, L4 + icmp.HEADER_LEN, buf, 0, quote);
  const r = n.icmpTx;
  r.type = type;
  r.code = code;
  r.ident = 0;
  r.seqNo = 0;
  r.dataLen = quote;
  ipSend(n, n.tx, ipv4.PROTO_ICMP, ip.src, icmp.emit(r, n.tx, L4));
  n.counters[stats.CNT_ICMP_ERRORS_SENT]++;
}

/**
 * Send an echo request carrying data[off, off+len); returns len, or -EMSGSIZE when it does
 * not fit the link MTU. Misuse (a bad range, identifier or destination) throws StackError.
 */
export function ping(n: Net, dstAddr: number, ident: number, seqNo: number, data: Uint8Array, off: number, len: number): number {
  const dst = check.dest('ping', dstAddr, n.addr, true);
  check.intIn('ping', 'identifier', ident, 0, 65535, E.EINVAL);
  check.intIn('ping', 'sequence number', seqNo, 0, 65535, E.EINVAL);
  check.range('ping', data, off, len);
  if (len > n.mtu - L4 - icmp.HEADER_LEN) return -E.EMSGSIZE;
  native.copy(n.tx, L4 + icmp.HEADER_LEN, data, off, len);
  const r = n.icmpTx;
  r.type = icmp.ECHO_REQUEST;
  r.code = 0;
  r.ident = ident;
  r.seqNo = seqNo;
  r.dataLen = len;
  ipSend(n, n.tx, ipv4.PROTO_ICMP, dst, icmp.emit(r, n.tx, L4));
  return len;
}

/** Register the one echo-reply handler (start-up, not per packet). */
export function onEchoReply(n: Net, handler: EchoReplyHandler): void {
  if (typeof handler !== 'function') throw new E.StackError(E.EINVAL, 'onEchoReply: handler must be a function');
  n.echoHandler = handler;
}
