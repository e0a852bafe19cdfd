/**
 * Two slipstacks whose retransmission timers fire together (issue 9, failure 1).
 *
 * An RTO rewinds SND.NXT to SND.UNA (go-back-N). When both ends time out at once because
 * only their ACKs were lost, each end already holds all the other sent: the retransmitted
 * data lies left of the peer's RCV.NXT, and so did every bare ACK while it carried the
 * rewound SND.NXT. Both ends dropped each other's ACKs unread (RFC 9293 §3.10.7.4, first
 * check) until R2 ended both connections. A bare ACK now carries SND.MAX (BSD's rule).
 */
import { describe, expect, it } from 'vitest';
import * as tcpw from '../../src/wire/tcp.js';
import * as C from '../../src/tcp/constants.js';
import * as stats from '../../src/stats.js';
import { lossyPair } from './lossy.js';
import { duplex } from '../../bench/duplex.js';

describe('both retransmission timers fire together', () => {
  it('lossless but for the first pure ACKs both ways: the RTOs recover in one round trip instead of dying at R2', () => {
    const isPureAck = (f: number, len: number) => len === 0 && f === tcpw.ACK;
    let dropping = false;
    const p = lossyPair({}, {}, (s) => dropping && isPureAck(s.flags, s.len));
    const l = p.b.tcpListen(80, 1);
    const ca = p.a.tcpConnect(p.addrB, 80, 0);
    let cb = -1;
    expect(p.sim.runWhile(() => (cb = p.b.tcpAccept(l)) < 0, 5000)).toBe(true);
    expect(p.a.tcpState(ca)).toBe(C.ESTABLISHED);
    const data = new Uint8Array(1000).fill(0x5a);
    // Both write 1000 octets at the same moment; every pure ACK is lost until both RTOs fired.
    dropping = true;
    expect(p.a.tcpWrite(ca, data, 0, 1000)).toBe(1000);
    expect(p.b.tcpWrite(cb, data, 0, 1000)).toBe(1000);
    const t0 = p.now();
    const bothTimedOut = () => p.a.counters[stats.CNT_TCP_RTO_TIMEOUTS] > 0 && p.b.counters[stats.CNT_TCP_RTO_TIMEOUTS] > 0;
    expect(p.sim.runWhile(() => !bothTimedOut(), t0 + 5000)).toBe(true);
    dropping = false;
    const rtoAt = p.now();
    const lost = p.log.filter((s) => s.dropped);
    expect(lost.some((s) => s.from === 'a') && lost.some((s) => s.from === 'b')).toBe(true);

    // Both sides get everything acknowledged and read all of it, well within two seconds
    // (before: Send-Q stayed at 1000 on both sides until R2 ended both with ETIMEDOUT).
    const ea = new Int32Array(9);
    const eb = new Int32Array(9);
    const acked = () => {
      p.a.tcpEndpoint(ca, ea);
      p.b.tcpEndpoint(cb, eb);
      return ea[6] === 0 && eb[6] === 0;
    };
    expect(p.sim.runWhile(() => !acked(), rtoAt + 2000)).toBe(true);
    const buf = new Uint8Array(2000);
    expect(p.a.tcpRead(ca, buf, 0, 2000)).toBe(1000);
    expect(p.b.tcpRead(cb, buf, 0, 2000)).toBe(1000);
    expect(p.a.tcpState(ca)).toBe(C.ESTABLISHED);
    expect(p.b.tcpState(cb)).toBe(C.ESTABLISHED);

    // What made it: after the timeouts, every bare ACK carries SND.MAX (the end of all that
    // side had sent, which is what the peer holds), never the rewound SND.NXT.
    const sndMax = { a: -1, b: -1 };
    let checked = 0;
    for (const s of p.log) {
      const end = (s.seq + s.len + (s.flags & (tcpw.SYN | tcpw.FIN) ? 1 : 0)) >>> 0;
      if (s.t >= rtoAt && isPureAck(s.flags, s.len)) {
        expect(s.seq).toBe(sndMax[s.from]);
        checked++;
      }
      if (sndMax[s.from] < 0 || ((end - sndMax[s.from]) | 0) > 0) sndMax[s.from] = end;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('a long transfer both ways at MTU 68 on a bad line (10% loss, 5% duplication, 10% reordering) completes byte-exact', () => {
    // 200 KB each way: with the rewound ACKs this seed died at R2 after about 42 KB.
    const r = duplex(200_000, 200_000, { mtu: 68, msl: 2000 }, {
      baud: 115200, latencyMs: 5, seed: 1, tickMs: 1, loss: 0.1, duplicate: 0.05, reorder: 0.1,
    }, 3_600_000);
    expect({ ok: r.ok, gotA: r.gotA, gotB: r.gotB, clean: r.clean }).toEqual({ ok: true, gotA: 200_000, gotB: 200_000, clean: true });
    expect(r.lost).toBeGreaterThan(1000);
    expect(r.timeouts).toBeGreaterThan(0); // the RTOs really fired
  });
});
