import { describe, expect, it } from 'vitest';
import { createPair } from '../tcp/pair.js';
import { startApp, HTTP_BODY, ECHO_PORT, HTTP_PORT, DEFAULT_CONFIG } from '../../firmware/app.js';
import * as C from '../../src/tcp/constants.js';
import { payload } from '../../bench/transfer.js';

function board() {
  const p = createPair({ mtu: DEFAULT_CONFIG.mtu });
  startApp(p.b.net);
  return p;
}

/** Connect from the host side, send `out`, read until EOF; returns what came back. */
function exchange(p: ReturnType<typeof board>, port: number, out: Uint8Array): Uint8Array {
  const c = p.a.tcpConnect(p.addrB, port, 0);
  const got: number[] = [];
  let sent = 0;
  let eof = false;
  const buf = new Uint8Array(4096);
  p.sim.runWhile(() => {
    if (p.a.tcpState(c) === C.ESTABLISHED || p.a.tcpState(c) === C.CLOSE_WAIT) {
      while (sent < out.length) {
        const k = p.a.tcpWrite(c, out, sent, out.length - sent);
        if (k <= 0) break;
        sent += k;
        if (sent === out.length) p.a.tcpShutdown(c); // half-close: we are done sending
      }
    }
    for (;;) {
      const r = p.a.tcpRead(c, buf, 0, buf.length);
      if (r > 0) { for (let i = 0; i < r; i++) got.push(buf[i]); continue; }
      if (r === 0) eof = true;
      break;
    }
    return !eof;
  }, p.now() + 600_000);
  expect(eof).toBe(true);
  p.a.tcpClose(c);
  return Uint8Array.from(got);
}

describe('the demo app', () => {
  it('echoes 50 KB over TCP byte for byte, far more than its rings hold (flow control, no loss)', () => {
    const p = board();
    const data = payload(50_000, 3);
    const back = exchange(p, ECHO_PORT, data);
    expect(back.length).toBe(data.length);
    expect(back).toEqual(data);
  });

  it('serves the HTTP page to 10 requests in a row, closing each connection', () => {
    const p = board();
    const req = new TextEncoder().encode('GET / HTTP/1.0\r\nHost: board\r\n\r\n');
    for (let k = 0; k < 10; k++) {
      const text = new TextDecoder().decode(exchange(p, HTTP_PORT, req));
      expect(text.startsWith('HTTP/1.0 200 OK\r\n')).toBe(true);
      expect(text.endsWith('\r\n\r\n' + HTTP_BODY)).toBe(true);
      expect(text).toContain('Content-Length: ' + HTTP_BODY.length + '\r\n');
    }
    p.sim.run(p.now() + 300_000);
    expect(p.b.tcpInUse()).toBe(0);
    expect(p.a.tcpInUse()).toBe(0);
  });

  it('still echoes UDP on port 7', () => {
    const p = board();
    let back = '';
    p.a.udpBind(4000, (d, o, l) => { back = new TextDecoder().decode(d.subarray(o, o + l)); });
    const msg = new TextEncoder().encode('ping');
    p.a.udpSend(p.addrB, ECHO_PORT, 4000, msg, 0, msg.length);
    p.sim.run(p.now() + 1000);
    expect(back).toBe('ping');
  });
});
