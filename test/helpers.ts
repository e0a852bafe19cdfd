/**
 * Test helpers: a HAL that captures what the stack writes (decoded back into IP packets),
 * and builders for the packets tests feed in. Test-only; allocates freely.
 */
import type { Hal, Receiver } from '../src/hal.js';
import * as slip from '../src/wire/slip.js';
import * as ipv4 from '../src/wire/ipv4.js';
import * as icmp from '../src/wire/icmp.js';
import * as udp from '../src/wire/udp.js';

export const HOST = ipv4.addr(192, 168, 190, 1);
export const BOARD = ipv4.addr(192, 168, 190, 2);

export interface CaptureHal extends Hal {
  /** IP packets the stack sent, decoded from its SLIP frames. */
  sent: Uint8Array[];
  /** Raw SLIP frames as written. */
  frames: Uint8Array[];
  /** Feed raw line bytes to the stack. */
  deliverBytes(bytes: Uint8Array): void;
  /** SLIP-encode an IP packet and feed it. */
  deliver(packet: Uint8Array): void;
  time: number;
  /** Times the stack called wake(). */
  wakes: number;
}

export function captureHal(): CaptureHal {
  let rx: Receiver | null = null;
  const sent: Uint8Array[] = [];
  const frames: Uint8Array[] = [];
  const dec = new slip.SlipDecoder(1500, (buf, len) => { sent.push(buf.slice(0, len)); });
  const h: CaptureHal = {
    sent, frames, time: 0, wakes: 0,
    wake() { h.wakes++; },
    write(buf, off, len) { frames.push(buf.slice(off, off + len)); dec.push(buf, off, len); },
    setReceiver(r) { rx = r; },
    now() { return h.time; },
    random32() { return 0x12345678; },
    deliverBytes(bytes) { rx!(bytes, 0, bytes.length); },
    deliver(packet) { h.deliverBytes(slipFrame(packet)); },
  };
  return h;
}

export function slipFrame(packet: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 * packet.length + 2);
  const n = slip.encode(packet, 0, packet.length, out, 0);
  return out.slice(0, n);
}

export interface IpOpts { src?: number; dst?: number; ttl?: number; protocol: number; moreFrags?: boolean; fragOffset?: number; }

/** An IPv4 packet around the given transport PDU (checksums filled). */
export function ipPacket(o: IpOpts, l4: Uint8Array): Uint8Array {
  const buf = new Uint8Array(20 + l4.length);
  buf.set(l4, 20);
  const r = new ipv4.Ipv4Repr();
  r.src = o.src ?? HOST; r.dst = o.dst ?? BOARD; r.protocol = o.protocol; r.ttl = o.ttl ?? 64;
  r.ident = 0x1234; r.moreFrags = o.moreFrags ?? false; r.fragOffset = o.fragOffset ?? 0; r.payloadLen = l4.length;
  ipv4.emit(r, buf, 0);
  return buf;
}

export function echoRequest(data: Uint8Array, ident = 0x4242, seqNo = 1, o: Partial<IpOpts> = {}): Uint8Array {
  const m = new Uint8Array(8 + data.length);
  m.set(data, 8);
  const r = new icmp.IcmpRepr();
  r.type = icmp.ECHO_REQUEST; r.ident = ident; r.seqNo = seqNo; r.dataLen = data.length;
  icmp.emit(r, m, 0);
  return ipPacket({ protocol: ipv4.PROTO_ICMP, ...o }, m);
}

export function icmpMessage(type: number, code: number, data: Uint8Array, o: Partial<IpOpts> = {}): Uint8Array {
  const m = new Uint8Array(8 + data.length);
  m.set(data, 8);
  const r = new icmp.IcmpRepr();
  r.type = type; r.code = code; r.dataLen = data.length;
  icmp.emit(r, m, 0);
  return ipPacket({ protocol: ipv4.PROTO_ICMP, ...o }, m);
}

export function udpDatagram(srcPort: number, dstPort: number, data: Uint8Array, o: Partial<IpOpts> = {}): Uint8Array {
  const src = o.src ?? HOST;
  const dst = o.dst ?? BOARD;
  const d = new Uint8Array(8 + data.length);
  d.set(data, 8);
  const r = new udp.UdpRepr();
  r.srcPort = srcPort; r.dstPort = dstPort; r.payloadLen = data.length;
  udp.emit(r, d, 0, src, dst);
  return ipPacket({ protocol: ipv4.PROTO_UDP, ...o, src, dst }, d);
}

/** Recompute the IPv4 header checksum after a test edited the header. */
export function refreshIpChecksum(p: Uint8Array): Uint8Array {
  ipv4.fillChecksum(p, 0);
  return p;
}
