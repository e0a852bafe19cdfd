/**
 * A half-close (tcpShutdown) before the handshake is over: found by the state fuzzer
 * (test/tcp/fuzz.ts). RFC 9293 §3.10.4 queues a close in SYN-SENT or SYN-RECEIVED "for
 * processing after entering the ESTABLISHED state"; the FIN did wait for the handshake, but
 * the state did not follow it: the FIN went out from ESTABLISHED, its ACK left the connection
 * ESTABLISHED, and after the peer's FIN and the application's close it sat in LAST-ACK with
 * nothing left to send and no timer, for ever. Now reaching ESTABLISHED with the FIN queued
 * is the close: ESTABLISHED -> FIN-WAIT-1.
 */
import { describe, expect, it } from 'vitest';
import * as tcpw from '../../src/wire/tcp.js';
import * as C from '../../src/tcp/constants.js';
import { rawPeer } from './peer.js';
import type { RawPeer } from './peer.js';

const PEER = 0xc0000201 | 0; // 192.0.2.1, test/tcp/peer.ts's PEER
const ISN = 1000;

/** The peer's segment on the connection from our port 40000 to its port 80. */
function send(p: RawPeer, flags: number, seq: number, ack: number): void {
  p.send({ flags, seq, ack, srcPort: 80, dstPort: 40000, window: 65535, mss: flags & tcpw.SYN ? 536 : 0 });
}

describe('tcpShutdown in SYN-SENT', () => {
  it('the SYN-ACK arrives: ESTABLISHED -> FIN-WAIT-1 with the FIN, then FIN-WAIT-2, TIME-WAIT, and the slot comes free', () => {
    const p = rawPeer({ msl: 1000 });
    const c = p.stack.tcpConnect(PEER, 80, 40000);
    const [syn] = p.take();
    p.stack.tcpShutdown(c);
    expect(p.stack.tcpState(c)).toBe(C.SYN_SENT);
    expect(p.take()).toEqual([]); // nothing before the handshake
    send(p, tcpw.SYN | tcpw.ACK, ISN, (syn.seq + 1) | 0);
    expect(p.stack.tcpState(c)).toBe(C.FIN_WAIT_1);
    const out = p.take();
    expect(out.map((s) => [s.flags & (tcpw.FIN | tcpw.ACK), (s.seq - syn.seq) | 0])).toContainEqual([tcpw.FIN | tcpw.ACK, 1]);
    send(p, tcpw.ACK, ISN + 1, (syn.seq + 2) | 0);
    expect(p.stack.tcpState(c)).toBe(C.FIN_WAIT_2);
    send(p, tcpw.ACK | tcpw.FIN, ISN + 1, (syn.seq + 2) | 0);
    expect(p.stack.tcpState(c)).toBe(C.TIME_WAIT);
    p.stack.tcpClose(c);
    p.at(2000);
    expect(p.stack.tcpInUse()).toBe(0);
  });

  it('simultaneous open (SYN-SENT -> SYN-RECEIVED -> ESTABLISHED): the close follows; after the peer\'s FIN and close, LAST-ACK is not left without a timer', () => {
    const p = rawPeer({ msl: 1000 });
    const c = p.stack.tcpConnect(PEER, 80, 40000);
    const [syn] = p.take();
    p.stack.tcpShutdown(c);
    send(p, tcpw.SYN, ISN, 0); // the SYNs cross
    expect(p.stack.tcpState(c)).toBe(C.SYN_RECEIVED);
    send(p, tcpw.ACK, ISN + 1, (syn.seq + 1) | 0);
    expect(p.stack.tcpState(c)).toBe(C.FIN_WAIT_1);
    send(p, tcpw.ACK | tcpw.FIN, ISN + 1, (syn.seq + 1) | 0); // its FIN, before it saw ours
    expect(p.stack.tcpState(c)).toBe(C.CLOSING);
    p.stack.tcpClose(c);
    // The peer never ACKs our FIN: R2 (or its ACK) ends it; it does not stay for ever.
    for (let t = 1000; t <= 400_000 && p.stack.tcpInUse() > 0; t += 1000) p.at(t);
    expect(p.stack.tcpInUse()).toBe(0);
  });
});
