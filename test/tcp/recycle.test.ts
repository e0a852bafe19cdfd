/**
 * Recycling TIME-WAIT slots when the table is full must never take a handle the application
 * still holds: found by the state fuzzer (test/tcp/fuzz.ts). A connection that reached
 * TIME-WAIT through a half-close (tcpShutdown, then the peer's FIN) is still the
 * application's until it calls tcpClose; recycling it gave the application's handle to a
 * stranger's connection (a read or a close on the old handle would act on the new one).
 */
import { describe, expect, it } from 'vitest';
import * as tcpw from '../../src/wire/tcp.js';
import * as C from '../../src/tcp/constants.js';
import * as stats from '../../src/stats.js';
import { rawPeer, passiveOpen } from './peer.js';

describe('TIME-WAIT recycling and the application\'s handles', () => {
  it('a TIME-WAIT the application still holds (half-close) is not recycled; once it is closed, it is', () => {
    const p = rawPeer({ tcpConns: 2, tcpMaxSynRcvd: 2 });
    const l = p.stack.tcpListen(80, 4);
    const a = passiveOpen(p, { l, port: 3001, isn: 100 });
    const b = passiveOpen(p, { l, port: 3002, isn: 100 });
    // a: half-close, the peer ACKs our FIN and sends its own: TIME-WAIT, still held.
    p.stack.tcpShutdown(a.c);
    p.take();
    p.send({ flags: tcpw.FIN | tcpw.ACK, seq: 101, ack: (a.iss + 2) | 0, srcPort: 3001 });
    expect(p.stack.tcpState(a.c)).toBe(C.TIME_WAIT);
    p.take();
    // The table is full: a new SYN gets a cookie, and handle a still reads its own stream's end.
    p.at(10);
    p.send({ flags: tcpw.SYN, seq: 500, srcPort: 3003 });
    expect(p.stack.counters[stats.CNT_SYN_COOKIES_SENT]).toBe(1);
    expect(p.stack.tcpState(a.c)).toBe(C.TIME_WAIT);
    expect(p.stack.tcpRead(a.c, new Uint8Array(8), 0, 8)).toBe(0);
    expect(p.stack.tcpState(b.c)).toBe(C.ESTABLISHED);
    p.take();
    // Closed, it is an ordinary TIME-WAIT again, and the next SYN may take it.
    p.stack.tcpClose(a.c);
    p.at(20);
    const d = passiveOpen(p, { l, port: 3004, isn: 100 });
    expect(d.c).toBe(a.c);
    expect(p.stack.tcpState(d.c)).toBe(C.ESTABLISHED);
  });
});
