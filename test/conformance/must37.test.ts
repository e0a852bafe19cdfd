// MUST-37 (RFC 9293 §3.8.6.1): a connection whose peer keeps acknowledging zero-window probes
// must stay open indefinitely. (It once closed after ~196 s: zero-window ACKs counted as duplicate ACKs.)
import { describe, expect, it } from 'vitest';
import * as tcpw from '../../src/wire/tcp.js';
import * as C from '../../src/tcp/constants.js';
import { rawPeer } from '../tcp/peer.js';

describe('MUST-37: zero-window probing keeps the connection open while probes are acknowledged', () => {
  it('a peer that answers every probe with ACK = SND.UNA, window 0, for 10 minutes: still ESTABLISHED, still probing', () => {
    const p = rawPeer();
    const l = p.stack.tcpListen(80, 1);
    p.send({ flags: tcpw.SYN, seq: 1000, window: 0 });
    const [sa] = p.take();
    p.send({ flags: tcpw.ACK, seq: 1001, ack: (sa.seq + 1) | 0, window: 0 });
    const c = p.stack.tcpAccept(l);
    expect(p.stack.tcpWrite(c, new Uint8Array(100), 0, 100)).toBe(100);
    let probes = 0;
    for (let t = 0; t <= 600_000; t += 100) {
      p.at(t);
      for (const s of p.take()) {
        expect(s.data.length).toBeLessThanOrEqual(1); // probes only: the window is zero
        probes++;
        p.send({ flags: tcpw.ACK, seq: 1001, ack: (sa.seq + 1) | 0, window: 0 });
      }
    }
    expect(C.STATE_NAMES[p.stack.tcpState(c)]).toBe('ESTABLISHED');
    expect(probes).toBeGreaterThan(10);
  });
});
