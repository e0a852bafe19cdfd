/**
 * The interface: the stack's one state record and its entry points from the HAL. Everything
 * the per-packet path touches hangs off one `Net` record (and its TCP table `n.t`), read by
 * plain functions that take it first, as the TCP engine takes its table: no class and no
 * `this` on the way a packet goes.
 *
 * Contract:
 * - `createNet(config, hal)` takes a resolved configuration (config.ts), allocates every
 *   buffer and table the stack will ever use, and registers itself as the HAL's receiver.
 * - `netInput(n, buf, off, len)` takes bytes from the line in any chunking: SLIP decoding
 *   (wire/slip.ts), then for each frame the IPv4 checks (ip.ts) and ICMP, UDP or TCP. Every
 *   segment of the chunk is processed before any bare ACK goes out (RFC 9293 MUST-59). Every
 *   datagram that is not delivered increments exactly one drop counter; nothing throws.
 * - `netPoll(n, now)` runs the timers due and returns when it next needs to run.
 * - After start-up nothing here allocates: the closures below are made once.
 *
 * Deviations (README): fragments are dropped and counted, not reassembled (RFC 1122 §3.3.2
 * asks for 576 octets; many embedded-stack CVEs live in that code); IP options are accepted
 * and ignored; no forwarding.
 */
import * as stats from './stats.js';
import * as ipv4 from './wire/ipv4.js';
import * as icmpw from './wire/icmp.js';
import * as udpw from './wire/udp.js';
import * as slip from './wire/slip.js';
import type { Hal } from './hal.js';
import type { Config } from './config.js';
import { createTcb, tcbRam } from './tcp/tcb.js';
import type { Tcb } from './tcp/tcb.js';
import { poll as tcpPoll } from './tcp/timers.js';
import { input as tcpInput, endBatch } from './tcp/input.js';
import { ipCheck } from './ip.js';
import { icmpInput, icmpErrorSend } from './icmp.js';
import { udpInput } from './udp.js';
import { noop } from './noop.js';

/** A UDP receive handler. `data[off, off+len)` is valid only until the handler returns. */
export type UdpHandler = (data: Uint8Array, off: number, len: number, srcAddr: number, srcPort: number, dstPort: number) => void;
/** An ICMP echo reply handler; `data[off, off+len)` is the echo data, valid until it returns. */
export type EchoReplyHandler = (srcAddr: number, ident: number, seqNo: number, data: Uint8Array, off: number, len: number) => void;

/** The stack's state. Field order matters on Espruino (a lookup walks the fields): hot ones first. */
export interface Net {
  /** The HAL's receiver (netInput): bytes from the line, true when they completed a frame. */
  input: (buf: Uint8Array, off: number, len: number) => boolean;
  /** The SLIP decoder; its frame buffer holds the datagram being processed. */
  dec: slip.SlipState;
  /** The TCP connection table. */
  t: Tcb;
  /** Our IPv4 address as an int32. */
  addr: number;
  /** The datagram being received, parsed. */
  ip: ipv4.Ipv4Repr;
  /** The IP datagram being built (the transport layers write their PDU at offset 20): the last MTU octets of txf. */
  tx: Uint8Array;
  /** The SLIP frame being written (2 * MTU + 2 octets; the first MTU + 2 are the frame's own). */
  txf: Uint8Array;
  ipTx: ipv4.Ipv4Repr;
  icmpRx: icmpw.IcmpRepr;
  icmpTx: icmpw.IcmpRepr;
  udpRx: udpw.UdpRepr;
  udpTx: udpw.UdpRepr;
  hal: Hal;
  /** One counter per drop reason, indexed by stats.DROP_*. */
  drops: Uint32Array;
  /** Event counters, indexed by stats.CNT_*. */
  counters: Uint32Array;
  /** Why the frame being written was sent (trace WHY_*; 0 for ICMP and UDP). */
  txReason: number;
  mtu: number;
  ttl: number;
  /** Identification of the next datagram we send (RFC 6864: only matters for fragments). */
  ident: number;
  /** UDP port table: port numbers (0 = free) and their handlers, by entry. */
  udpPorts: Uint16Array;
  udpHandlers: UdpHandler[];
  echoHandler: EchoReplyHandler;
  /** ICMP error token bucket: tokens, and when it was last refilled. */
  icmpTokens: number;
  icmpRefilledAt: number;
  /** The validated configuration. */
  cfg: Config;
}

/** Allocate everything for `cfg` (resolved) and attach to `hal` as its receiver. */
export function createNet(cfg: Config, hal: Hal): Net {
  const now = hal.now();
  // The datagram is built at the back of the frame buffer and SLIP-encoded forward into its
  // front (slip.encode may run in place so): one buffer instead of two, an MTU of RAM saved.
  const txf = new Uint8Array(2 * cfg.mtu + 2);
  const n = {
    dec: slip.slipDecoder(cfg.mtu, noop),
    addr: ipv4.parseAddr(cfg.addr) as number,
    ip: new ipv4.Ipv4Repr(),
    tx: txf.subarray(cfg.mtu + 2),
    txf: txf,
    ipTx: new ipv4.Ipv4Repr(),
    icmpRx: new icmpw.IcmpRepr(),
    icmpTx: new icmpw.IcmpRepr(),
    udpRx: new udpw.UdpRepr(),
    udpTx: new udpw.UdpRepr(),
    hal: hal,
    drops: new Uint32Array(stats.DROP_COUNT),
    counters: new Uint32Array(stats.COUNTER_COUNT),
    txReason: 0,
    mtu: cfg.mtu,
    ttl: cfg.ttl,
    ident: hal.random32() & 0xffff,
    udpPorts: new Uint16Array(cfg.udpPorts),
    udpHandlers: [] as UdpHandler[],
    echoHandler: noop as EchoReplyHandler,
    icmpTokens: cfg.icmpErrorBurst,
    icmpRefilledAt: now,
    cfg: cfg,
    input: noop,
  } as unknown as Net;
  for (let i = 0; i < cfg.udpPorts; i++) n.udpHandlers.push(noop);
  n.t = createTcb(cfg, n, hal.random32(), hal.random32(), function () { return hal.now(); }, hal.wake !== undefined ? function () { hal.wake!(); } : noop);
  // The receiver and the decoder's onFrame are these two closures, made once, here: the
  // per-packet work is in them, not in functions they would call, because on Espruino a call
  // and its arguments cost about as much as a dozen statements (bench:board).

  /** Bytes from the line, in any chunking; true when they completed a frame (the HAL polls then). */
  n.input = function (buf: Uint8Array, off: number, len: number): boolean {
    const c = n.counters;
    const d = n.dec;
    c[stats.CNT_RX_OCTETS] += len;
    // One data octet inside a frame (an idle line hands bytes over one at a time, and the
    // Kaluma HAL passes each chunk on as it comes; the Espruino HAL holds such chunks until an
    // END, hal/espruino.ts): store it and return. Nothing else can happen, so the decoder is
    // not called and the counters' mirror below does not run (bench:board, Kaluma: a 1-octet
    // chunk 0.13 M without this path, 0.06 M with it).
    if (len === 1 && d.state === slip.DATA && d.pos < d.mtu) {
      const b = buf[off];
      if (b !== slip.END && b !== slip.ESC) {
        d.buf[d.pos++] = b;
        return false;
      }
    }
    const t = n.t;
    const frames = d.frames;
    // Every segment in this chunk is processed before any bare ACK goes out (MUST-59): the
    // batch begins at the chunk's first frame (onFrame) and ends here. A chunk that completed
    // no frame only filled the decoder: no batch, no ACK held, no event to tell. Most are such.
    slip.slipPush(d, buf, off, len);
    if (d.frames !== frames) {
      endBatch(t);
      t.inside = false;
    }
    // The decoder keeps its own counts; mirror them so all drops live in one array.
    n.drops[stats.DROP_SLIP_ESCAPE] = d.dropEscape;
    n.drops[stats.DROP_SLIP_OVERFLOW] = d.dropOverflow;
    c[stats.CNT_SLIP_HUNT_OCTETS] = d.huntBytes;
    c[stats.CNT_SLIP_EMPTY] = d.emptyFrames;
    return d.frames !== frames;
  };

  /** One decoded SLIP frame: an IPv4 datagram at buf[0, len). */
  n.dec.onFrame = function (buf: Uint8Array, len: number): void {
    const t = n.t;
    // Inside input (user calls need not wake the HAL), in the chunk's batch (MUST-59; it ends
    // with the chunk, tcp/input.ts endBatch).
    t.inside = true;
    t.batching = true;
    n.counters[stats.CNT_RX_FRAMES]++;
    if (!ipCheck(n, buf, len)) return;
    const ip = n.ip;
    const broadcast = ip.dst === -1;
    const p = ip.protocol;
    if (p === ipv4.PROTO_TCP) {
      tcpInput(t, buf, ip.headerLen, ip.payloadLen, ip.src, ip.dst, broadcast, n.hal.now());
    } else if (p === ipv4.PROTO_ICMP) {
      icmpInput(n, buf, ip.headerLen, ip.payloadLen, broadcast);
    } else if (p === ipv4.PROTO_UDP) {
      udpInput(n, buf, ip.headerLen, ip.payloadLen, broadcast);
    } else {
      n.drops[stats.DROP_IP_PROTOCOL]++;
      // RFC 1122 §3.2.2.1: a host should send protocol unreachable for a protocol it lacks.
      if (!broadcast) icmpErrorSend(n, buf, icmpw.DEST_UNREACH, icmpw.PROTO_UNREACH);
    }
  };
  hal.setReceiver(n.input);
  return n;
}

/** Bytes from the line, in any chunking; true when they completed a frame (src/hal.ts: the HAL polls then). */
export function netInput(n: Net, buf: Uint8Array, off: number, len: number): boolean {
  return n.input(buf, off, len);
}

/** Run timers due at `now` (ms); returns the absolute time of the next poll needed (Infinity: none). */
export function netPoll(n: Net, now: number): number {
  n.t.inside = true;
  const next = tcpPoll(n.t, now);
  n.t.inside = false;
  return next;
}

/** Exact bytes of the typed arrays the stack allocated (config.ts's ramFor says the same; tx lies inside txf). */
export function netRam(n: Net): number {
  return n.dec.buf.byteLength + n.txf.byteLength + n.udpPorts.byteLength + n.drops.byteLength +
    n.counters.byteLength + tcbRam(n.t);
}
