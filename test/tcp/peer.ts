/**
 * A raw TCP peer for unit tests: one stack on a capture HAL, segments built by hand and the
 * stack's answers parsed back (the packetdrill runner does the same for whole scripts), and
 * the shared fixture that opens a connection to the stack through it (`passiveOpen`).
 */
import { expect } from 'vitest';
import { createStack } from '../../src/stack.js';
import type { Stack } from '../../src/stack.js';
import type { StackConfig } from '../../src/config.js';
import * as tcpw from '../../src/wire/tcp.js';
import * as ipv4 from '../../src/wire/ipv4.js';
import * as C from '../../src/tcp/constants.js';
import { BOARD, captureHal, ipPacket } from '../helpers.js';
import type { CaptureHal } from '../helpers.js';

export const PEER = ipv4.addr(192, 0, 2, 1);

export interface Seg {
  flags: number; seq: number; ack: number; window: number; mss: number; data: Uint8Array; srcPort: number; dstPort: number;
  /** SACK-permitted (RFC 2018 §2). */
  sackOk: boolean;
  /** SACK blocks [left, right) (RFC 2018 §3), absolute int32s. */
  sack: [number, number][];
}

export interface RawPeer {
  stack: Stack;
  hal: CaptureHal;
  /** Send a segment to the stack (seq/ack absolute). */
  send(s: Partial<Seg>): void;
  /** Segments the stack sent since the last call. */
  take(): Seg[];
  /** Advance the clock to t ms and poll. */
  at(t: number): void;
}

export function rawPeer(cfg: StackConfig = {}, random = 0x12345678): RawPeer {
  const hal = captureHal();
  hal.random32 = () => random;
  const stack = createStack({ addr: '192.168.190.2', tcpAckDelay: 0, ...cfg }, hal);
  let seen = 0;
  return {
    stack, hal,
    send(s) {
      const data = s.data ?? new Uint8Array(0);
      const r = new tcpw.TcpRepr();
      r.srcPort = s.srcPort ?? 40000; r.dstPort = s.dstPort ?? 80; r.seq = s.seq ?? 0; r.ack = s.ack ?? 0;
      r.flags = s.flags ?? 0; r.window = s.window ?? 1000; r.mss = s.mss ?? 0; r.payloadLen = data.length;
      r.sackPermitted = s.sackOk ?? false;
      const blocks = s.sack ?? [];
      r.sackCount = blocks.length;
      blocks.forEach(([l, rr], k) => { r.sackLeft[k] = l; r.sackRight[k] = rr; });
      const buf = new Uint8Array(tcpw.headerLen(r) + data.length);
      buf.set(data, tcpw.headerLen(r));
      tcpw.emit(r, buf, 0, PEER, BOARD);
      hal.deliver(ipPacket({ src: PEER, dst: BOARD, protocol: ipv4.PROTO_TCP }, buf));
    },
    take() {
      const out: Seg[] = [];
      for (; seen < hal.sent.length; seen++) {
        const p = hal.sent[seen];
        const r = new tcpw.TcpRepr();
        if (p[9] !== ipv4.PROTO_TCP || tcpw.parseInto(r, p, 20, p.length - 20, BOARD, PEER) !== 0) continue;
        const sack: [number, number][] = [];
        for (let k = 0; k < r.sackCount; k++) sack.push([r.sackLeft[k], r.sackRight[k]]);
        out.push({
          flags: r.flags, seq: r.seq, ack: r.ack, window: r.window, mss: r.mss, data: p.slice(20 + r.headerLen), srcPort: r.srcPort, dstPort: r.dstPort,
          sackOk: r.sackPermitted, sack,
        });
      }
      return out;
    },
    at(t) { hal.time = t; stack.poll(t); },
  };
}

/** How `passiveOpen` opens a connection; every field is optional. */
export interface OpenOptions {
  /** The listener that accepts it (default: a new one on port 80, backlog 4). */
  l?: number;
  /** The peer's port (default 40000). */
  port?: number;
  /** The peer's initial sequence number (default 1000). */
  isn?: number;
  /** The window the peer advertises on its SYN and ACK (default 1000). */
  window?: number;
  /** The peer's MSS option (default: none, so the stack assumes 536). */
  mss?: number;
  /** The peer offers SACK (default no). */
  sackOk?: boolean;
  /** Time between the SYN-ACK and the peer's ACK, ms: the connection's first RTT sample (default 0). */
  rtt?: number;
  /** Send the SYN yourself (option octets `send` cannot express, say); it must use `isn`, `port` and `window`. */
  sendSyn?: () => void;
}

/** A connection `passiveOpen` made: the stack's handle, its ISS, the listener, the SYN-ACK, the peer's port. */
export interface Opened {
  c: number;
  iss: number;
  l: number;
  synAck: Seg;
  port: number;
}

/**
 * The three-way handshake from the peer's side (RFC 9293 §3.5): SYN, the stack's one SYN-ACK,
 * the peer's ACK `rtt` ms later; the stack's application accepts. Checks each step: exactly
 * one SYN-ACK, a handle in ESTABLISHED, and nothing sent after the ACK.
 */
export function passiveOpen(p: RawPeer, o: OpenOptions = {}): Opened {
  const l = o.l ?? p.stack.tcpListen(80, 4);
  const port = o.port ?? 40000;
  const isn = o.isn ?? 1000;
  const window = o.window ?? 1000;
  if (o.sendSyn !== undefined) o.sendSyn();
  else p.send({ flags: tcpw.SYN, seq: isn, window, mss: o.mss ?? 0, sackOk: o.sackOk ?? false, srcPort: port });
  const sa = p.take();
  expect(sa.map((x) => x.flags)).toEqual([tcpw.SYN | tcpw.ACK]);
  const synAck = sa[0];
  if ((o.rtt ?? 0) > 0) p.at(p.hal.time + o.rtt!);
  p.send({ flags: tcpw.ACK, seq: (isn + 1) | 0, ack: (synAck.seq + 1) | 0, window, srcPort: port });
  const c = p.stack.tcpAccept(l);
  expect(c).toBeGreaterThanOrEqual(0);
  expect(C.STATE_NAMES[p.stack.tcpState(c)]).toBe('ESTABLISHED');
  expect(p.take()).toEqual([]);
  return { c, iss: synAck.seq, l, synAck, port };
}
