/**
 * A raw TCP peer for unit tests: one stack on a capture HAL, segments built by hand and the
 * stack's answers parsed back. (The packetdrill runner does the same for whole scripts.)
 */
import { createStack } from '../../src/stack.js';
import type { Stack } from '../../src/stack.js';
import type { StackConfig } from '../../src/config.js';
import * as tcpw from '../../src/wire/tcp.js';
import * as ipv4 from '../../src/wire/ipv4.js';
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
