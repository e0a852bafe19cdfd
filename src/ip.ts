/**
 * IPv4 on the stack's interface: the checks a received datagram must pass (RFC 791, RFC 1122
 * §3.2.1) and the way out (an IPv4 header in front of a transport PDU, SLIP framing, the HAL).
 *
 * Contract:
 * - `ipCheck(n, buf, len)` parses the datagram at buf[0, len) into n.ip and returns true if it
 *   is for us; otherwise it counts exactly one drop reason and returns false. Nothing throws.
 * - `ipSend(n, b, protocol, dst, len)`: the transport PDU is already at b[20, 20 + len) (b is
 *   n.tx, or the received frame for an echo reply made in place); this writes the header in
 *   front of it, SLIP-encodes the datagram into n.txf and hands the frame to the HAL,
 *   synchronously. We never fragment (DF set, RFC 1191): every datagram fits the
 *   link MTU, which the callers check.
 * Nothing allocates.
 */
import * as stats from './stats.js';
import * as err from './wire/err.js';
import * as ipv4 from './wire/ipv4.js';
import * as slip from './wire/slip.js';
import type { Net } from './net.js';

/** Offset of the transport header in the transmit buffer: we send no IP options. */
export const L4 = ipv4.HEADER_LEN;

/** Map an ipv4.parseInto error code to its drop reason. */
function dropReason(e: number): number {
  if (e === err.ERR_TRUNCATED) return stats.DROP_IP_TRUNCATED;
  if (e === err.ERR_VERSION) return stats.DROP_IP_VERSION;
  if (e === err.ERR_HEADER_LEN) return stats.DROP_IP_HEADER_LEN;
  if (e === err.ERR_LENGTH) return stats.DROP_IP_LENGTH;
  return stats.DROP_IP_CHECKSUM;
}

/** Parse and check the datagram at buf[0, len) (into n.ip); false, with its drop counted, if it is not for us. */
export function ipCheck(n: Net, buf: Uint8Array, len: number): boolean {
  const ip = n.ip;
  const e = ipv4.parseInto(ip, buf, 0, len);
  if (e !== err.OK) {
    n.drops[dropReason(e)]++;
    return false;
  }
  // RFC 1122 §3.2.1.3: a host silently discards a datagram not addressed to it. We take
  // our unicast address and the limited broadcast (for UDP only, below).
  if (ip.dst !== n.addr && ip.dst !== -1) {
    n.drops[stats.DROP_IP_NOT_OURS]++;
    return false;
  }
  // RFC 1122 §3.2.1.3: discard a datagram whose source is not a valid unicast address.
  // Our own address as source can only be spoofed on a point-to-point link (LAND).
  if (ipv4.isBroadcastOrMulticast(ip.src) || ip.src === n.addr) {
    n.drops[stats.DROP_IP_BAD_SRC]++;
    return false;
  }
  // (a) and (g) of the same section: 0.0.0.0/8 and 127.0.0.0/8 never come from a wire.
  if (ipv4.isMartian(ip.src)) {
    n.drops[stats.DROP_IP_MARTIAN_SRC]++;
    return false;
  }
  // Deviation: no reassembly; every fragment is dropped (README, "Deviations and limits").
  if (ip.moreFrags || ip.fragOffset !== 0) {
    n.drops[stats.DROP_IP_FRAGMENT]++;
    return false;
  }
  n.counters[stats.CNT_RX_PACKETS]++;
  return true;
}

/** The transport PDU is at b[L4, L4+len): prepend the IPv4 header, SLIP-encode, write. */
export function ipSend(n: Net, b: Uint8Array, protocol: number, dst: number, len: number): void {
  if (protocol !== ipv4.PROTO_TCP) n.txReason = 0;
  const ip = n.ipTx;
  ip.src = n.addr;
  ip.dst = dst;
  ip.protocol = protocol;
  ip.ttl = n.ttl;
  ip.tos = 0;
  ip.ident = n.ident;
  n.ident = (n.ident + 1) & 0xffff;
  // RFC 1191: we never fragment, so say so; our datagrams always fit the link MTU.
  ip.dontFrag = true;
  ip.moreFrags = false;
  ip.fragOffset = 0;
  ip.payloadLen = len;
  const total = ipv4.emit(ip, b, 0);
  const k = slip.encode(b, 0, total, n.txf, 0);
  n.counters[stats.CNT_TX_PACKETS]++;
  n.counters[stats.CNT_TX_OCTETS] += k;
  n.hal.write(n.txf, 0, k);
}
