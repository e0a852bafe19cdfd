/**
 * The steady-state workload of the zero-allocation check, shared by the test (which runs it
 * in a child process with a small young generation) and `npm run bench` (which times it).
 *
 * Two stacks on a fault-free loopback link: the host pings the board and echoes UDP off its
 * port 7, one exchange at a time, on the virtual clock. Everything the loop needs (buffers,
 * closures) is made in `createWorkload`; `pings(n)` and `udpEchoes(n)` then allocate nothing
 * of their own, so any garbage collection during them is the stack's (or the link's) fault.
 */
import { createLink, Sim } from '../hal/loopback.js';
import { createStack } from '../src/stack.js';
import { startApp } from '../firmware/app.js';
import { parseAddr } from '../src/wire/ipv4.js';

export interface Workload {
  /** Run n ping round trips; returns how many replies came back. */
  pings(n: number): number;
  /** Run n UDP echo round trips; returns how many echoes came back. */
  udpEchoes(n: number): number;
  /** Virtual time, ms. */
  now(): number;
}

export function createWorkload(baud: number): Workload {
  // tickMs: 1 delivers frames on whole milliseconds, as a board's integer-ms clock would. With
  // fractional virtual times, V8 boxes every time value passed through the simulator's
  // closures into a heap number: garbage that belongs to the harness, not to the stack.
  const link = createLink({ baud: baud, latencyMs: 1, seed: 7, tickMs: 1 });
  const board = createStack({ addr: '192.168.190.2', mtu: 296 }, link.b);
  startApp(board.net);
  const host = createStack({ addr: '192.168.190.1', mtu: 296 }, link.a);
  const sim = new Sim(link);
  sim.add(function (t) { return board.poll(t); });
  sim.add(function (t) { return host.poll(t); });
  const boardAddr = parseAddr('192.168.190.2') as number;
  const data = new Uint8Array(56);
  for (let i = 0; i < data.length; i++) data[i] = i;
  const msg = new Uint8Array(32);
  for (let i = 0; i < msg.length; i++) msg[i] = 0xc0 + (i & 0x1f); // includes SLIP END/ESC bytes
  let waiting = false;
  let received = 0;
  host.onEchoReply(function (_src, _id, seqNo, _buf, _off, len) {
    if (len === data.length) { received++; waiting = false; }
    void seqNo;
  });
  host.udpBind(40000, function (_buf, _off, len) {
    if (len === msg.length) { received++; waiting = false; }
  });
  const stillWaiting = function () { return waiting; };
  return {
    pings: function (n: number): number {
      received = 0;
      for (let i = 0; i < n; i++) {
        waiting = true;
        host.ping(boardAddr, 1, i & 0xffff, data, 0, data.length);
        sim.runWhile(stillWaiting, link.now() + 1000);
      }
      return received;
    },
    udpEchoes: function (n: number): number {
      received = 0;
      for (let i = 0; i < n; i++) {
        waiting = true;
        host.udpSend(boardAddr, 7, 40000, msg, 0, msg.length);
        sim.runWhile(stillWaiting, link.now() + 1000);
      }
      return received;
    },
    now: function () { return link.now(); },
  };
}
