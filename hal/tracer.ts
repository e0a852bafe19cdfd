/**
 * A HAL wrapper that prints one line per IP packet crossing it, both ways, like smoltcp's
 * `phy::Tracer` or a tiny tcpdump:
 *
 *   12.345 ms  A>  192.0.2.2 > 192.0.2.1 ICMP echo request id=1 seq=0 len=64
 *   13.012 ms  A<  192.0.2.1 > 192.0.2.2 UDP 7 > 40000 len=5
 *   14.100 ms  A>  192.0.2.2 > 192.0.2.1 TCP 1234 > 80 [S] seq=1000 win=536 len=0 <mss 256>
 *
 * Contract:
 * - `withTracer(inner, print, mtu, label)` returns a HAL that forwards everything to
 *   `inner` unchanged, `wake` included (hal/wrap.ts, the one wrapper; it claims inner's
 *   receiver at once and passes the bytes on).
 * - `label>` marks packets this end sent, `label<` packets it received; the time is
 *   `inner.now()` in ms. SLIP framing is undone by two private decoders (one per direction);
 *   frames the decoder drops are reported as `SLIP drop (...)` lines. A received packet is
 *   printed before the receiver sees it, so replies sent from the receiver print after it.
 * - Packets are decoded with the wire codecs (src/wire/); malformed ones are printed with
 *   the reason (`IPv4 truncated`, `[bad cksum]`, ...), never thrown on.
 * - This is a debugging tool, not the packet path: it builds strings, so it allocates per
 *   packet. Do not leave it in a zero-allocation build.
 */
import type { Hal } from '../src/hal.js';
import { wrapHal } from './wrap.js';
import { SlipDecoder } from '../src/wire/slip.js';
import { OK, ERR_CHECKSUM, ERR_OPTION, ERR_NAMES } from '../src/wire/err.js';
import * as ipv4 from '../src/wire/ipv4.js';
import * as icmp from '../src/wire/icmp.js';
import * as udp from '../src/wire/udp.js';
import * as tcp from '../src/wire/tcp.js';

/** Receives each trace line (no trailing newline). */
export type PrintLine = (line: string) => void;

/** Name of an ICMP destination-unreachable code (RFC 792, RFC 1122 §3.2.2.1). */
function unreachName(code: number): string {
  switch (code) {
    case icmp.NET_UNREACH: return 'net';
    case icmp.HOST_UNREACH: return 'host';
    case icmp.PROTO_UNREACH: return 'protocol';
    case icmp.PORT_UNREACH: return 'port';
    case icmp.FRAG_NEEDED: return 'frag needed';
    default: return 'code ' + code;
  }
}

/** Name of an ICMP type (RFC 792). */
function icmpTypeName(type: number, code: number): string {
  switch (type) {
    case icmp.ECHO_REPLY: return 'echo reply';
    case icmp.ECHO_REQUEST: return 'echo request';
    case icmp.DEST_UNREACH: return 'dest unreachable (' + unreachName(code) + ')';
    case icmp.SOURCE_QUENCH: return 'source quench';
    case icmp.REDIRECT: return 'redirect code ' + code;
    case icmp.TIME_EXCEEDED: return 'time exceeded code ' + code;
    case icmp.PARAM_PROBLEM: return 'parameter problem code ' + code;
    default: return 'type ' + type + ' code ' + code;
  }
}

/** Name of an IP protocol number. */
function protoName(p: number): string {
  if (p === ipv4.PROTO_ICMP) return 'ICMP';
  if (p === ipv4.PROTO_UDP) return 'UDP';
  if (p === ipv4.PROTO_TCP) return 'TCP';
  return 'proto ' + p;
}

/** The ICMP message of len octets at off. */
function describeIcmp(buf: Uint8Array, off: number, len: number): string {
  if (icmp.checkLen(buf, off, len) !== OK) return 'ICMP truncated len=' + len;
  const type = icmp.type(buf, off);
  let s = 'ICMP ' + icmpTypeName(type, icmp.code(buf, off));
  if (type === icmp.ECHO_REQUEST || type === icmp.ECHO_REPLY) {
    s += ' id=' + icmp.ident(buf, off) + ' seq=' + icmp.seqNo(buf, off);
  }
  s += ' len=' + len;
  // RFC 792: an error carries the offending datagram's IP header and 8 octets after it.
  const inner = off + icmp.HEADER_LEN;
  if (icmp.isError(type) && len >= icmp.HEADER_LEN + ipv4.HEADER_LEN && ipv4.version(buf, inner) === 4) {
    s += ' for ' + ipv4.formatAddr(ipv4.srcAddr(buf, inner)) + ' > ' + ipv4.formatAddr(ipv4.dstAddr(buf, inner)) +
      ' ' + protoName(ipv4.protocol(buf, inner));
  }
  if (!icmp.verifyChecksum(buf, off, len)) s += ' [bad cksum]';
  return s;
}

/** The UDP datagram at off (len = IP payload length). */
function describeUdp(buf: Uint8Array, off: number, len: number, src: number, dst: number): string {
  const err = udp.checkLen(buf, off, len);
  if (err !== OK) return 'UDP ' + ERR_NAMES[err] + ' len=' + len;
  const ulen = udp.length(buf, off);
  let s = 'UDP ' + udp.srcPort(buf, off) + ' > ' + udp.dstPort(buf, off) + ' len=' + (ulen - udp.HEADER_LEN);
  if (!udp.verifyChecksum(buf, off, ulen, src, dst)) s += ' [bad cksum]';
  return s;
}

/** Scratch repr for option parsing (the tracer is not reentrant). */
const tcpRepr = new tcp.TcpRepr();

/** The TCP segment at off (len = IP payload length), packetdrill-style flags. */
function describeTcp(buf: Uint8Array, off: number, len: number, src: number, dst: number): string {
  const err = tcp.checkLen(buf, off, len);
  if (err !== OK) return 'TCP ' + ERR_NAMES[err] + ' len=' + len;
  const f = tcp.flags(buf, off);
  // Sequence numbers are printed unsigned, as on the wire (RFC 9293 §3.4: mod 2^32).
  let s = 'TCP ' + tcp.srcPort(buf, off) + ' > ' + tcp.dstPort(buf, off) + ' [' + tcp.flagsToString(f) + ']' +
    ' seq=' + (tcp.seqNumber(buf, off) >>> 0);
  if (f & tcp.ACK) s += ' ack=' + (tcp.ackNumber(buf, off) >>> 0);
  s += ' win=' + tcp.window(buf, off);
  if (f & tcp.URG) s += ' urg=' + tcp.urgentPtr(buf, off);
  s += ' len=' + (len - (tcp.dataOffset(buf, off) << 2));
  const perr = tcp.parseInto(tcpRepr, buf, off, len, src, dst);
  if (perr === OK && tcpRepr.mss > 0) s += ' <mss ' + tcpRepr.mss + '>';
  if (perr === ERR_CHECKSUM) s += ' [bad cksum]';
  if (perr === ERR_OPTION) s += ' [bad options]';
  return s;
}

/** One-line summary of the IPv4 packet of len octets at off (never throws; allocates). */
export function describePacket(buf: Uint8Array, off: number, len: number): string {
  const err = ipv4.checkLen(buf, off, len);
  if (err !== OK) return 'IPv4 ' + ERR_NAMES[err] + ' len=' + len;
  const hl = ipv4.ihl(buf, off) << 2;
  const plen = ipv4.totalLen(buf, off) - hl;
  const src = ipv4.srcAddr(buf, off);
  const dst = ipv4.dstAddr(buf, off);
  const proto = ipv4.protocol(buf, off);
  let s = ipv4.formatAddr(src) + ' > ' + ipv4.formatAddr(dst) + ' ';
  const fragOff = ipv4.fragOffset(buf, off);
  const mf = ipv4.moreFrags(buf, off);
  if (fragOff !== 0 || mf) {
    s += 'frag id=' + ipv4.ident(buf, off) + ' off=' + fragOff + (mf ? ' MF ' : ' ');
  }
  if (fragOff !== 0) {
    // RFC 791: only the first fragment carries the transport header.
    s += protoName(proto) + ' len=' + plen;
  } else if (proto === ipv4.PROTO_ICMP) {
    s += describeIcmp(buf, off + hl, plen);
  } else if (proto === ipv4.PROTO_UDP) {
    s += describeUdp(buf, off + hl, plen, src, dst);
  } else if (proto === ipv4.PROTO_TCP) {
    s += describeTcp(buf, off + hl, plen, src, dst);
  } else {
    s += protoName(proto) + ' len=' + plen;
  }
  if (!ipv4.verifyChecksum(buf, off)) s += ' [bad ip cksum]';
  return s;
}

/** The tap behind `withTracer`: undoes the SLIP framing both ways and prints one line per packet. */
class TracerTap {
  private clock: Hal;
  private print: PrintLine;
  private label: string;
  private txDecoder: SlipDecoder;
  private rxDecoder: SlipDecoder;

  constructor(clock: Hal, print: PrintLine, mtu: number, label: string) {
    this.clock = clock;
    this.print = print;
    this.label = label;
    this.txDecoder = new SlipDecoder(mtu, (buf: Uint8Array, len: number) => this.line('>', describePacket(buf, 0, len)));
    this.rxDecoder = new SlipDecoder(mtu, (buf: Uint8Array, len: number) => this.line('<', describePacket(buf, 0, len)));
  }

  /** Print one line: time, label and direction, text. */
  private line(dir: string, text: string): void {
    this.print(this.clock.now().toFixed(3) + ' ms  ' + this.label + dir + '  ' + text);
  }

  /** Feed a decoder and report the frames it dropped on the way. */
  private push(d: SlipDecoder, dir: string, buf: Uint8Array, off: number, len: number): void {
    const escapes = d.dropEscape;
    const overflows = d.dropOverflow;
    d.push(buf, off, len);
    if (d.dropEscape !== escapes) this.line(dir, 'SLIP drop (bad escape) x' + (d.dropEscape - escapes));
    if (d.dropOverflow !== overflows) this.line(dir, 'SLIP drop (frame longer than mtu) x' + (d.dropOverflow - overflows));
  }

  sent(buf: Uint8Array, off: number, len: number): void {
    this.push(this.txDecoder, '>', buf, off, len);
  }

  received(buf: Uint8Array, off: number, len: number): void {
    this.push(this.rxDecoder, '<', buf, off, len);
  }
}

/** Wrap `inner` so that every IP packet it carries, both ways, is printed as one line. */
export function withTracer(inner: Hal, print: PrintLine, mtu: number, label: string): Hal {
  return wrapHal(inner, new TracerTap(inner, print, mtu, label));
}
