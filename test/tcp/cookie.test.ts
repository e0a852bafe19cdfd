/**
 * The ACK that completes a SYN-cookie handshake may carry data (a client sends its request
 * with the third segment of the handshake, as most do). The cookie creates the connection in
 * ESTABLISHED; the rest of that same segment is then processed like any other (RFC 9293
 * §3.10.7.4, from the sequence number check on), as Linux does with its cookie child. Before,
 * the data was dropped without a word, and the client waited a retransmission timeout, which
 * after a SYN flood or a full table could be many seconds of backoff.
 */
import { describe, expect, it } from 'vitest';
import * as tcpw from '../../src/wire/tcp.js';
import * as stats from '../../src/stats.js';
import * as C from '../../src/tcp/constants.js';
import { rawPeer } from './peer.js';

const PEER_ISN = 4000;

describe('data and FIN on the ACK that returns a SYN cookie', () => {
  it('are taken at once: readable after accept, acknowledged now', () => {
    const p = rawPeer({ tcpMaxSynRcvd: 0 }); // every SYN is answered with a cookie
    const l = p.stack.tcpListen(80, 2);
    p.send({ flags: tcpw.SYN, seq: PEER_ISN, window: 4000, mss: 536 });
    const [sa] = p.take();
    expect(p.stack.counters[stats.CNT_SYN_COOKIES_SENT]).toBe(1);
    const req = new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n');
    p.send({ flags: tcpw.ACK | tcpw.PSH | tcpw.FIN, seq: PEER_ISN + 1, ack: (sa.seq + 1) | 0, window: 4000, data: req });
    expect(p.stack.counters[stats.CNT_SYN_COOKIES_OK]).toBe(1);
    const [ack] = p.take();
    expect(ack.flags & tcpw.ACK).toBe(tcpw.ACK);
    expect(ack.ack).toBe(PEER_ISN + 1 + req.length + 1); // the data and the FIN
    const c = p.stack.tcpAccept(l);
    expect(c).toBeGreaterThanOrEqual(0);
    expect(p.stack.tcpState(c)).toBe(C.CLOSE_WAIT);
    const buf = new Uint8Array(64);
    expect(p.stack.tcpRead(c, buf, 0, 64)).toBe(req.length);
    expect(new TextDecoder().decode(buf.subarray(0, req.length))).toBe('GET / HTTP/1.0\r\n\r\n');
    expect(p.stack.tcpRead(c, buf, 0, 64)).toBe(0);
  });
});
