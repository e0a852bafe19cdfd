import { describe, expect, it } from 'vitest';
import { TraceRing, CAUSE_CONNECT, CAUSE_RCV_SYN_ACK, CAUSE_NAMES } from '../../src/trace/events.js';
import * as C from '../../src/tcp/constants.js';
import * as tcpw from '../../src/wire/tcp.js';
import { PEER, rawPeer } from '../tcp/peer.js';

describe('TraceRing', () => {
  it('keeps the newest entries in order when it wraps, and counts every record', () => {
    const t = new TraceRing(3);
    for (let k = 0; k < 5; k++) t.record(k * 10, k, C.CLOSED, C.SYN_SENT, CAUSE_CONNECT);
    expect(t.total).toBe(5);
    expect(t.size()).toBe(3);
    expect([0, 1, 2].map((k) => [t.time(k), t.conn(k)])).toEqual([[20, 2], [30, 3], [40, 4]]);
    expect(t.bytes()).toBe(3 * 13);
  });

  it('a zero-sized ring only counts', () => {
    const t = new TraceRing(0);
    t.record(1, 0, 0, 1, 1);
    expect([t.total, t.size()]).toEqual([1, 0]);
  });

  it('records each transition of a connection with its cause', () => {
    const p = rawPeer();
    p.at(5);
    const c = p.stack.tcpConnect(PEER, 80, 5000);
    const [syn] = p.take();
    p.at(9);
    p.send({ flags: tcpw.SYN | tcpw.ACK, seq: 1, ack: (syn.seq + 1) | 0, srcPort: 80, dstPort: 5000 });
    const t = p.stack.trace;
    const rows = [...Array(t.size()).keys()].map((k) => `${t.time(k)} #${t.conn(k)} ${C.STATE_NAMES[t.from(k)]} -> ${C.STATE_NAMES[t.to(k)]} (${CAUSE_NAMES[t.cause(k)]})`);
    expect(rows).toEqual([`5 #${c} CLOSED -> SYN-SENT (connect)`, `9 #${c} SYN-SENT -> ESTABLISHED (rcv SYN-ACK)`]);
    expect(t.cause(1)).toBe(CAUSE_RCV_SYN_ACK);
  });
});
