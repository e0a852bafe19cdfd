/**
 * The demo app against idle clients (issue 9, failure 9): four connections that never send a
 * request used to hold the board's four slots for good, locking everyone else out. Each
 * service now bounds its connections (firmware/app.ts): an HTTP request head must arrive
 * within REQUEST_TIMEOUT_MS of accept, an echo connection may idle IDLE_TIMEOUT_MS; then the
 * app resets it and the slot is free. A client that keeps talking is never dropped.
 *
 * The board runs the firmware's configuration behind the simulated line; the host stack has
 * more slots than the board, so it can hold four idle connections and open a fifth.
 */
import { describe, expect, it } from 'vitest';
import { createLink, Sim } from '../../hal/loopback.js';
import { createStack } from '../../src/stack.js';
import { parseAddr } from '../../src/wire/ipv4.js';
import * as C from '../../src/tcp/constants.js';
import { startApp, DEFAULT_CONFIG, ECHO_PORT, HTTP_PORT, HTTP_BODY, REQUEST_TIMEOUT_MS, IDLE_TIMEOUT_MS } from '../../firmware/app.js';

function lab() {
  const link = createLink({ baud: 115200, latencyMs: 5, seed: 9, tickMs: 1 });
  const board = createStack(DEFAULT_CONFIG, link.b);
  const app = startApp(board.net);
  const host = createStack({ addr: '192.168.190.1', mtu: DEFAULT_CONFIG.mtu, tcpConns: 8 }, link.a);
  const sim = new Sim(link);
  sim.add((t) => app.poll(t));
  sim.add((t) => host.poll(t));
  /** Per host handle: why and when it closed. */
  const reasons = new Map<number, number>();
  const closedAt = new Map<number, number>();
  host.onTcp((c, e, d) => {
    if (e === C.EV_CLOSED) { reasons.set(c, d); closedAt.set(c, link.now()); }
  });
  return { link, board, host, sim, reasons, closedAt, boardAddr: parseAddr(DEFAULT_CONFIG.addr)! };
}

type Lab = ReturnType<typeof lab>;

/** Open a connection from the host and wait until it is established. */
function open(l: Lab, port: number): number {
  const c = l.host.tcpConnect(l.boardAddr, port, 0);
  expect(l.sim.runWhile(() => l.host.tcpState(c) === C.SYN_SENT, l.link.now() + 5000)).toBe(true);
  expect(l.host.tcpState(c)).toBe(C.ESTABLISHED);
  return c;
}

/** GET / on a fresh connection; returns the response text, or null if none came within `ms`. */
function get(l: Lab, ms: number): string | null {
  const c = l.host.tcpConnect(l.boardAddr, HTTP_PORT, 0);
  const req = new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n');
  let sent = false;
  let text = '';
  let eof = false;
  const buf = new Uint8Array(1024);
  l.sim.runWhile(() => {
    const s = l.host.tcpState(c);
    if (!sent && (s === C.ESTABLISHED || s === C.CLOSE_WAIT)) sent = l.host.tcpWrite(c, req, 0, req.length) === req.length;
    for (;;) {
      const r = l.host.tcpRead(c, buf, 0, buf.length);
      if (r > 0) { text += new TextDecoder().decode(buf.subarray(0, r)); continue; }
      if (r !== -11) eof = true; // 0 (the end) or an error: either way, over
      break;
    }
    return !eof;
  }, l.link.now() + ms);
  l.host.tcpClose(c);
  return text === '' ? null : text;
}

describe('the demo app bounds idle clients', () => {
  it('four idle connections fill the board; the HTTP ones are reset after REQUEST_TIMEOUT_MS, the echo ones after IDLE_TIMEOUT_MS, and a new client gets the page', () => {
    const l = lab();
    const idle = [open(l, ECHO_PORT), open(l, ECHO_PORT), open(l, HTTP_PORT), open(l, HTTP_PORT)];
    const t0 = l.link.now();
    expect(l.board.tcpInUse()).toBe(4);
    expect(l.board.tcpInUse()).toBe(l.board.config.tcpConns); // every slot taken
    // A fifth client finds the board full: no page within a few seconds.
    expect(get(l, 3000)).toBeNull();
    // REQUEST_TIMEOUT_MS after accept the two HTTP connections are reset, and the client's
    // next retransmission gets in (the request rides on the ACK of its SYN cookie).
    const page = get(l, 30000);
    expect(page).not.toBeNull();
    expect(page!.startsWith('HTTP/1.0 200 OK\r\n')).toBe(true);
    expect(page!.endsWith(HTTP_BODY)).toBe(true);
    expect([2, 3].map((k) => l.reasons.get(idle[k]))).toEqual([C.REASON_RESET, C.REASON_RESET]);
    for (const k of [2, 3]) {
      // Accepted during the set-up (before t0), reset REQUEST_TIMEOUT_MS later (plus the RST's trip).
      expect(l.closedAt.get(idle[k])! - t0).toBeGreaterThan(REQUEST_TIMEOUT_MS - 1000);
      expect(l.closedAt.get(idle[k])! - t0).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS + 50);
    }
    expect([0, 1].map((k) => l.host.tcpState(idle[k]))).toEqual([C.ESTABLISHED, C.ESTABLISHED]);
    // The echo ones go after their idle time; then the board's table is empty.
    l.sim.run(t0 + IDLE_TIMEOUT_MS + 1000);
    expect([0, 1].map((k) => l.reasons.get(idle[k]))).toEqual([C.REASON_RESET, C.REASON_RESET]);
    for (const k of [0, 1]) expect(l.closedAt.get(idle[k])! - t0).toBeGreaterThan(IDLE_TIMEOUT_MS - 1000);
    l.sim.run(l.link.now() + 2 * 120000 + 1000); // the served client's TIME-WAIT is on the host side
    expect(l.board.tcpInUse()).toBe(0);
  });

  it('an echo client that sends a line every 30 s keeps its connection for 5 minutes', () => {
    const l = lab();
    const c = open(l, ECHO_PORT);
    const line = new TextEncoder().encode('still here\n');
    const buf = new Uint8Array(64);
    let echoed = 0;
    for (let k = 0; k < 10; k++) {
      expect(l.host.tcpWrite(c, line, 0, line.length)).toBe(line.length);
      l.sim.run(l.link.now() + 30000);
      for (let r = l.host.tcpRead(c, buf, 0, buf.length); r > 0; r = l.host.tcpRead(c, buf, 0, buf.length)) echoed += r;
    }
    expect(echoed).toBe(10 * line.length);
    expect(l.host.tcpState(c)).toBe(C.ESTABLISHED);
    expect(l.reasons.has(c)).toBe(false);
  });
});
