/**
 * Bounds against a peer that stops answering while our data waits on its window (issue 9,
 * failures 2 and 3): every slot must come free within a documented bound, whether the
 * application still holds the connection or has closed it.
 *
 * The stack runs on a capture HAL (test/tcp/peer.ts); the test plays the peer, then goes
 * silent (or answers only what a scenario says) and polls the stack at every deadline it
 * asks for. MSS 256 (MTU 296); the RTO after the handshake is 300 ms (one 100 ms sample).
 * Test-only code: allocates freely.
 */
import { describe, expect, it } from 'vitest';
import * as tcpw from '../../src/wire/tcp.js';
import * as C from '../../src/tcp/constants.js';
import * as E from '../../src/errno.js';
import { DEFAULTS } from '../../src/config.js';
import type { StackConfig } from '../../src/config.js';
import { rawPeer, passiveOpen } from './peer.js';
import type { RawPeer, Seg } from './peer.js';

const PEER_ISN = 7000;

/** A segment the stack sent, with the time; seq relative to the ISS. */
interface Out { t: number; flags: number; seq: number; len: number; ack: number }

interface Conn {
  p: RawPeer;
  c: number;
  iss: number;
  /** EV_CLOSED details seen. */
  closed: number[];
  /** Everything the stack sent so far (relative seq). */
  log: Out[];
  /** The peer ACKs up to relative sequence number `rel` with window `win`. */
  ack(rel: number, win: number): void;
  /** Poll at every deadline up to `until` (or until `stop()`), answering each segment with `answer`. */
  run(until: number, answer?: (s: Out) => void, stop?: () => boolean): void;
}

/** An accepted connection whose peer offered `win` octets; the application wrote `write` octets. */
function open(cfg: StackConfig, win: number, write: number): Conn {
  const p = rawPeer(cfg);
  const l = p.stack.tcpListen(80, 2);
  const closed: number[] = [];
  p.stack.onTcp((_c, e, d) => { if (e === C.EV_CLOSED) closed.push(d); });
  const { c, iss } = passiveOpen(p, { l, isn: PEER_ISN, window: win, mss: 1460, rtt: 100 });
  const log: Out[] = [];
  const grab = () => {
    for (const s of p.take() as Seg[]) log.push({ t: p.hal.time, flags: s.flags, seq: (s.seq - iss) | 0, len: s.data.length, ack: s.ack });
  };
  const k: Conn = {
    p, c, iss, closed, log,
    ack(rel, w) { p.send({ flags: tcpw.ACK, seq: PEER_ISN + 1, ack: (iss + rel) | 0, window: w }); grab(); },
    run(until, answer, stop) {
      for (let guard = 0; guard < 100000; guard++) {
        grab();
        if (stop && stop()) return;
        const next = p.stack.poll(p.hal.time);
        grab();
        if (!(next <= until) || next <= p.hal.time) break;
        const before = log.length;
        p.at(next);
        grab();
        if (answer) for (const s of log.slice(before)) answer(s);
      }
      if (until > p.hal.time) p.at(until);
      grab();
    },
  };
  if (write > 0) expect(p.stack.tcpWrite(c, new Uint8Array(write), 0, write)).toBe(write);
  grab();
  return k;
}

describe('a peer that shrinks its window to a few octets and goes silent (issue 9, failure 2)', () => {
  /** 300 octets written into a 1000-octet window: 256 go, the peer ACKs them with window 3 and falls silent. */
  function shrunk(cfg: StackConfig = {}): Conn {
    const k = open(cfg, 1000, 300);
    expect(k.log.map((s) => [s.seq, s.len])).toEqual([[1, 256]]); // Nagle holds the 44-octet tail
    k.p.at(200);
    k.ack(257, 3);
    return k;
  }

  it('the application holds the connection: the runts the persist timer pushes go unanswered and R2 ends it with ETIMEDOUT', () => {
    const k = shrunk();
    k.run(3_600_000, undefined, () => k.p.stack.tcpState(k.c) === C.CLOSED);
    const runts = k.log.filter((s) => s.len > 0 && s.t > 200);
    expect(runts.length).toBeGreaterThan(2);
    expect(runts.every((s) => s.seq === 257 && s.len === 3)).toBe(true); // the same three octets, again and again
    expect(k.p.stack.tcpState(k.c)).toBe(C.CLOSED);
    expect(k.closed).toEqual([C.REASON_TIMEOUT]);
    expect(k.p.stack.tcpError(k.c)).toBe(E.ETIMEDOUT);
    // R2 after the first unanswered runt (before: never; the runts went on for good).
    expect(k.p.hal.time).toBe(runts[0].t + DEFAULTS.tcpR2);
  });

  it('the application closed it (FIN-WAIT-1, the FIN waits behind the data): the slot comes free within R2', () => {
    const k = shrunk();
    k.p.stack.tcpClose(k.c);
    expect(k.p.stack.tcpState(k.c)).toBe(C.FIN_WAIT_1);
    k.run(3_600_000, undefined, () => k.p.stack.tcpInUse() === 0);
    expect(k.p.stack.tcpInUse()).toBe(0);
    const runts = k.log.filter((s) => s.len > 0 && s.t > 200);
    expect(runts.length).toBeGreaterThan(2);
    expect(k.p.hal.time).toBe(runts[0].t + DEFAULTS.tcpR2);
  });

  it('a closed connection (LAST-ACK) whose peer answers every runt with a duplicate ACK but never takes it: freed after 8 probes (Linux tcp_orphan_retries), with a RST', () => {
    const k = shrunk();
    k.p.send({ flags: tcpw.ACK | tcpw.FIN, seq: PEER_ISN + 1, ack: (k.iss + 257) | 0, window: 3 });
    expect(k.p.stack.tcpState(k.c)).toBe(C.CLOSE_WAIT);
    k.p.stack.tcpClose(k.c);
    expect(k.p.stack.tcpState(k.c)).toBe(C.LAST_ACK);
    k.run(3_600_000, (s) => {
      if (s.len > 0) k.p.send({ flags: tcpw.ACK, seq: PEER_ISN + 2, ack: (k.iss + 257) | 0, window: 3 });
    }, () => k.p.stack.tcpInUse() === 0);
    expect(k.p.stack.tcpInUse()).toBe(0);
    const runts = k.log.filter((s) => s.len > 0 && s.t > 200 && !(s.flags & tcpw.RST));
    expect(runts.length).toBeGreaterThanOrEqual(8);
    expect(runts.length).toBeLessThan(16);
    expect(k.log.filter((s) => s.flags & tcpw.RST)).toHaveLength(1);
    expect(k.p.hal.time).toBeLessThan(200 + 8 * DEFAULTS.tcpRtoMax + DEFAULTS.tcpR2);
  });

  it('a closed connection whose peer holds the window shut and ACKs every probe is freed after 8 probes even with tcpPersistLimit 0 (an open one stays: MUST-37)', () => {
    expect(DEFAULTS.tcpPersistLimit).toBe(0);
    for (const closeIt of [true, false]) {
      const k = open({}, 0, 100);
      if (closeIt) k.p.stack.tcpClose(k.c);
      k.run(3_600_000, (s) => {
        if (s.len > 0) k.ack(1, 0); // "thanks, still no room"
      }, () => k.p.stack.tcpInUse() === 0);
      const probes = k.log.filter((s) => s.len === 1 && !(s.flags & tcpw.RST));
      if (closeIt) {
        expect(k.p.stack.tcpInUse()).toBe(0);
        expect(probes).toHaveLength(8);
        expect(k.log.filter((s) => s.flags & tcpw.RST)).toHaveLength(1);
        expect(k.p.hal.time).toBeLessThanOrEqual(100 + 8 * DEFAULTS.tcpRtoMax);
      } else {
        expect(k.p.stack.tcpState(k.c)).toBe(C.ESTABLISHED);
        expect(probes.length).toBeGreaterThan(60); // an hour of answered probes
      }
    }
  });
});

describe('unanswered zero-window probes (issue 9, failure 3)', () => {
  it('probes answered for 10 minutes, then the peer vanishes: ETIMEDOUT R2 after the first unanswered probe', () => {
    const k = open({}, 0, 100);
    let answering = true;
    k.run(3_600_000, (s) => {
      if (k.p.hal.time > 600_000) answering = false;
      if (answering && s.len > 0) k.ack(1, 0);
    }, () => k.p.stack.tcpState(k.c) === C.CLOSED);
    const probes = k.log.filter((s) => s.len === 1);
    const firstUnanswered = probes.find((s) => s.t > 600_000)!;
    expect(probes.filter((s) => s.t <= 600_000).length).toBeGreaterThan(10);
    expect(k.p.stack.tcpState(k.c)).toBe(C.CLOSED);
    expect(k.closed).toEqual([C.REASON_TIMEOUT]);
    expect(k.p.hal.time).toBe(firstUnanswered.t + DEFAULTS.tcpR2);
    expect(k.log.filter((s) => s.flags & tcpw.RST)).toEqual([]); // nobody to tell
  });

  it('the application closed it with data waiting on the zero window (FIN-WAIT-1): freed R2 after the first probe', () => {
    const k = open({}, 0, 100);
    k.p.stack.tcpClose(k.c);
    expect(k.p.stack.tcpState(k.c)).toBe(C.FIN_WAIT_1);
    k.run(3_600_000, undefined, () => k.p.stack.tcpInUse() === 0);
    const probes = k.log.filter((s) => s.len === 1);
    expect(probes.length).toBeGreaterThan(3);
    expect(k.p.stack.tcpInUse()).toBe(0);
    expect(k.p.hal.time).toBe(probes[0].t + DEFAULTS.tcpR2);
  });

  it('tcpSetR2 bounds it per connection (MUST-21)', () => {
    const k = open({}, 0, 100);
    k.p.stack.tcpSetR2(k.c, 20_000);
    k.run(3_600_000, undefined, () => k.p.stack.tcpState(k.c) === C.CLOSED);
    const probes = k.log.filter((s) => s.len === 1);
    expect(k.p.hal.time).toBe(probes[0].t + 20_000);
    expect(k.p.stack.tcpError(k.c)).toBe(E.ETIMEDOUT);
  });
});
