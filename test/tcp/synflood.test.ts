/**
 * RFC 4987: a SYN flood against the fixed table. 10,000 SYNs from spoofed addresses arrive
 * over the line while an established connection carries data and a legitimate client
 * connects. The embryonic (SYN-RECEIVED) entries stay bounded, SYN cookies answer the rest,
 * the old connection is untouched, the new one gets through, and when the flood has timed
 * out the table holds only the real connections.
 */
import { describe, expect, it } from 'vitest';
import { createPair, connectPair } from './pair.js';
import * as C from '../../src/tcp/constants.js';
import * as stats from '../../src/stats.js';
import { ipPacket, slipFrame } from '../helpers.js';
import * as tcpw from '../../src/wire/tcp.js';
import * as ipv4 from '../../src/wire/ipv4.js';

function spoofedSyn(src: number, sport: number, seq: number, dst: number): Uint8Array {
  const seg = new Uint8Array(24);
  const r = new tcpw.TcpRepr();
  r.srcPort = sport; r.dstPort = 80; r.seq = seq; r.flags = tcpw.SYN; r.window = 1024; r.mss = 536;
  tcpw.emit(r, seg, 0, src, dst);
  return slipFrame(ipPacket({ src, dst, protocol: ipv4.PROTO_TCP }, seg));
}

describe('SYN flood', () => {
  it('10,000 spoofed SYNs: bounded embryonic state, old connection untouched, a new client gets in, clean afterwards', () => {
    const p = createPair({ tcpConns: 8, tcpMaxSynRcvd: 3, tcpAckDelay: 0 }, { baud: 1_000_000 });
    const l = p.b.tcpListen(80, 4);
    // An established connection carrying data before, during and after the flood.
    const { c: old, s: oldS } = connectPair(p, 80, l);

    const buf = new Uint8Array(64);
    const echoOnce = (tag: number) => {
      buf.fill(tag);
      p.a.tcpWrite(old, buf, 0, 16);
      let got = 0;
      const rx = new Uint8Array(64);
      p.sim.runWhile(() => { const n = p.b.tcpRead(oldS, rx, got, 16 - got); if (n > 0) got += n; return got < 16; }, p.now() + 20000);
      return got === 16 && rx.subarray(0, 16).every((b) => b === tag);
    };
    expect(echoOnce(1)).toBe(true);

    let maxEmbryonic = 0;
    let fresh = -1;
    let freshOk = false;
    for (let k = 0; k < 10000; k++) {
      const src = ipv4.addr(10, (k >> 16) & 0xff, (k >> 8) & 0xff, (k & 0xff) | 1);
      const f = spoofedSyn(src, 1024 + (k % 60000), (k * 2654435761) | 0, p.addrB);
      p.link.a.write(f, 0, f.length);
      if (k % 50 === 0) p.sim.run(p.now() + 30);
      maxEmbryonic = Math.max(maxEmbryonic, p.b.tcpCount(C.SYN_RECEIVED));
      if (k === 5000) {
        // A legitimate client in the middle of the flood.
        fresh = p.a.tcpConnect(p.addrB, 80, 0);
        freshOk = p.sim.runWhile(() => p.a.tcpState(fresh) !== C.ESTABLISHED, p.now() + 10000) || p.a.tcpState(fresh) === C.ESTABLISHED;
        expect(echoOnce(2)).toBe(true);
      }
    }
    p.sim.run(p.now() + 1000);
    expect(freshOk).toBe(true);
    let freshS = -1;
    p.sim.runWhile(() => (freshS = p.b.tcpAccept(l)) < 0, p.now() + 5000);
    expect(freshS).toBeGreaterThanOrEqual(0);
    expect(p.b.tcpState(freshS)).toBe(C.ESTABLISHED);
    expect(maxEmbryonic).toBeLessThanOrEqual(3);
    expect(p.b.counters[stats.CNT_SYN_COOKIES_SENT]).toBeGreaterThan(9000);
    expect(p.b.tcpState(oldS)).toBe(C.ESTABLISHED);
    expect(echoOnce(3)).toBe(true);

    // The flood's embryonic entries time out (SYN-ACK retries: 1+2+4+8+16+32 s).
    p.sim.run(p.now() + 70000);
    expect(p.b.tcpCount(C.SYN_RECEIVED)).toBe(0);
    expect(p.b.tcpInUse()).toBe(2); // the two real connections, nothing else
    p.a.tcpClose(old);
    p.a.tcpClose(fresh);
    p.sim.run(p.now() + 2000);
    p.b.tcpClose(oldS);
    p.b.tcpClose(freshS);
    p.sim.run(p.now() + 2000);
    expect(p.b.tcpInUse()).toBe(0);
  });
});
