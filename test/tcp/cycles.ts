/**
 * The connect / transfer / close cycle workload: two stacks over the loopback link, one
 * connection at a time: connect, 32 octets up, 64 octets down, then close, alternating which
 * side closes first. Everything is made in `createCycles`; `run(n)` allocates nothing of its
 * own, so a garbage collection during it is the stack's doing.
 */
import { createPair } from './pair.js';
import * as C from '../../src/tcp/constants.js';

export interface Cycles {
  /** Run n cycles; returns how many completed with every byte checked. */
  run(n: number): number;
  /** Let every TIME-WAIT expire; returns the slots still in use on both sides (0 = clean). */
  drain(): number;
  /** TIME-WAITs seen at the end of the last cycle, on the side that closed first. */
  timeWaits(): number;
}

export function createCycles(msl: number): Cycles {
  const p = createPair({ msl: msl, tcpConns: 8, tcpAckDelay: 0 });
  const PORT = 7000;
  const l = p.b.tcpListen(PORT, 2);
  const req = new Uint8Array(32);
  const resp = new Uint8Array(64);
  for (let i = 0; i < req.length; i++) req[i] = (i * 7) & 0xff;
  for (let i = 0; i < resp.length; i++) resp[i] = (0xc0 + i) & 0xff; // SLIP END/ESC included
  const rx = new Uint8Array(128);
  let c = -1;
  let s = -1;
  let got = 0;
  let ok = true;
  const notAccepted = function () { s = p.b.tcpAccept(l); return s < 0; };
  const readB = function () {
    const n = p.b.tcpRead(s, rx, got, req.length - got);
    if (n > 0) got += n;
    return got < req.length;
  };
  const readA = function () {
    const n = p.a.tcpRead(c, rx, got, resp.length - got);
    if (n > 0) got += n;
    return got < resp.length;
  };
  const bNotEof = function () { return p.b.tcpRead(s, rx, 0, rx.length) !== 0; };
  const aNotEof = function () { return p.a.tcpRead(c, rx, 0, rx.length) !== 0; };
  const busy = function () {
    return p.a.tcpInUse() - p.a.tcpCount(C.TIME_WAIT) > 0 || p.b.tcpInUse() - p.b.tcpCount(C.TIME_WAIT) > 0;
  };
  function cycle(k: number): boolean {
    ok = true;
    c = p.a.tcpConnect(p.addrB, PORT, 0);
    if (!p.sim.runWhile(notAccepted, p.now() + 10000)) return false;
    p.a.tcpWrite(c, req, 0, req.length);
    got = 0;
    p.sim.runWhile(readB, p.now() + 10000);
    for (let i = 0; i < req.length; i++) if (rx[i] !== req[i]) ok = false;
    p.b.tcpWrite(s, resp, 0, resp.length);
    got = 0;
    p.sim.runWhile(readA, p.now() + 10000);
    for (let i = 0; i < resp.length; i++) if (rx[i] !== resp[i]) ok = false;
    if ((k & 1) === 0) {
      p.a.tcpClose(c);
      p.sim.runWhile(bNotEof, p.now() + 10000);
      p.b.tcpClose(s);
    } else {
      p.b.tcpClose(s);
      p.sim.runWhile(aNotEof, p.now() + 10000);
      p.a.tcpClose(c);
    }
    p.sim.runWhile(busy, p.now() + 10000);
    return ok && !busy();
  }
  return {
    run: function (n: number): number {
      let done = 0;
      for (let k = 0; k < n; k++) if (cycle(k)) done++;
      return done;
    },
    drain: function (): number {
      p.sim.run(p.now() + 2 * msl + 10);
      return p.a.tcpInUse() + p.b.tcpInUse();
    },
    timeWaits: function (): number {
      return p.a.tcpCount(C.TIME_WAIT) + p.b.tcpCount(C.TIME_WAIT);
    },
  };
}
