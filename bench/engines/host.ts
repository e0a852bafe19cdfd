// subset: host-only
/**
 * The host end of a serial line to a real interpreter: the project's own slipstack on the
 * serialport HAL (hal/serialport.ts) at 192.168.190.1, talking to the demo app
 * (firmware/app.ts) at 192.168.190.2. Used by the engine tests and bench/board.ts.
 *
 * Contract: `openHost(path)` opens the port and starts the stack; each exchange resolves with
 * what came back, or rejects with a one-line reason after its time limit:
 * - `ping(h, size)`: ICMP echo (RFC 792) with a patterned payload, the reply checked byte for
 *   byte. Lost frames are retried (up to `tries` requests, a new sequence number each): the
 *   engines' Linux port can lose or mangle input bytes (its IO queue has no lock, engines
 *   README), and a test must not fail by chance.
 * - `udpEcho(h, data)`: one datagram to port 7 and its echo, retried the same way.
 * - `tcpEcho(h, data)`: a connection to port 7, all of `data` sent and read back, then closed;
 *   TCP's own retransmission covers lost frames.
 * - `httpGet(h)`: `GET /` on port 80, the whole response until the server closes.
 * `close()` stops the stack and closes the port.
 */
import { openSerialHal } from '../../hal/serialport.js';
import type { SerialHal } from '../../hal/serialport.js';
import { createStack } from '../../src/stack.js';
import type { Stack } from '../../src/stack.js';
import { parseAddr } from '../../src/wire/ipv4.js';
import * as C from '../../src/tcp/constants.js';
import { DEFAULT_CONFIG, ECHO_PORT, HTTP_PORT } from '../../firmware/app.js';

export const HOST_ADDR = '192.168.190.1';
export const BOARD_ADDR = parseAddr(DEFAULT_CONFIG.addr as string) as number;

/** A host stack on a serial port. */
export interface Host {
  hal: SerialHal;
  stack: Stack;
  /** The latest UDP datagram from the board's echo port (udpEcho clears it). */
  udp: Uint8Array | null;
  close(): Promise<void>;
}

/** The host's UDP port for echo requests. */
const HOST_UDP_PORT = 40007;

/**
 * Open `path` and start a host stack on it (MTU of the boards' configuration). The RTO floor
 * is RFC 6298's 1 s rather than the default 200 ms: under qemu the interpreted board takes
 * about a second per window, and early retransmissions only queue more work in front of it.
 */
export async function openHost(path: string): Promise<Host> {
  const hal = await openSerialHal(path, 115200, { reopenMs: 100 });
  const stack = createStack({ addr: HOST_ADDR, mtu: DEFAULT_CONFIG.mtu, tcpRtoMin: 1000 }, hal);
  hal.start(stack);
  const h: Host = { hal, stack, udp: null, close: () => hal.close() };
  stack.udpBind(HOST_UDP_PORT, (buf, off, len, src, srcPort) => {
    if (src === BOARD_ADDR && srcPort === ECHO_PORT) h.udp = buf.slice(off, off + len);
  });
  return h;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolve once cond() holds (checked every 2 ms), false after ms. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() >= end) return false;
    await sleep(2);
  }
  return true;
}

let pingSeq = 0;

/** What a ping exchange saw. */
export interface PingResult {
  /** Round trip of the request that was answered, ms. */
  rtt: number;
  /** Requests sent (1 unless some were lost). */
  attempts: number;
}

/** One ICMP echo of `size` data octets; retried up to `tries` times, `perTryMs` apart. */
export async function ping(h: Host, size: number, perTryMs = 10_000, tries = 3): Promise<PingResult> {
  const data = new Uint8Array(size);
  for (let attempt = 1; attempt <= tries; attempt++) {
    const seq = ++pingSeq & 0xffff;
    for (let i = 0; i < size; i++) data[i] = (i * 7 + seq) & 0xff;
    let ok = false;
    let bad = false;
    h.stack.onEchoReply((src, _id, seqNo, buf, off, len) => {
      if (src !== BOARD_ADDR || seqNo !== seq) return;
      let same = len === size;
      for (let i = 0; same && i < len; i++) same = buf[off + i] === data[i];
      if (same) ok = true;
      else bad = true;
    });
    const t0 = performance.now();
    if (h.stack.ping(BOARD_ADDR, 0x5353, seq, data, 0, size) !== size) throw new Error('ping of ' + size + ' octets does not fit the MTU');
    if (await until(() => ok || bad, perTryMs)) {
      if (bad) throw new Error('ping ' + seq + ': the reply differs from the request');
      return { rtt: performance.now() - t0, attempts: attempt };
    }
  }
  throw new Error('no echo reply to ' + tries + ' pings of ' + size + ' octets');
}

/** One UDP datagram to the echo port and its echo; retried up to `tries` times. */
export async function udpEcho(h: Host, msg: Uint8Array, perTryMs = 10_000, tries = 3): Promise<Uint8Array> {
  h.udp = null;
  for (let attempt = 1; attempt <= tries; attempt++) {
    h.stack.udpSend(BOARD_ADDR, ECHO_PORT, HOST_UDP_PORT, msg, 0, msg.length);
    if (await until(() => h.udp !== null, perTryMs)) return h.udp!;
  }
  throw new Error('no UDP echo after ' + tries + ' datagrams');
}

/** What a TCP exchange saw. */
export interface TcpResult {
  /** The bytes that came back. */
  got: Uint8Array;
  /** Connect to the board's FIN, ms. */
  ms: number;
  /** The connection ended with the board's FIN (not a reset or a time-out). */
  closedCleanly: boolean;
}

/**
 * Connect to `port`, send `data`, read until the board's FIN; close our side once `closeAfter`
 * octets came back (the echo) or at the board's FIN (HTTP), then wait for the connection to
 * reach TIME-WAIT or CLOSED (or `limitMs` to pass).
 */
async function tcpExchange(h: Host, port: number, data: Uint8Array, closeAfter: number, limitMs: number): Promise<TcpResult> {
  const s = h.stack;
  const parts: Uint8Array[] = [];
  let gotLen = 0;
  let sent = 0;
  let appClosed = false;
  let eof = false;
  let reason = 0;
  const rbuf = new Uint8Array(2048);
  const t0 = performance.now();
  const conn = s.tcpConnect(BOARD_ADDR, port, 0);
  if (conn < 0) throw new Error('tcpConnect failed: ' + conn);
  const pump = (): void => {
    if (appClosed || reason !== 0) return; // after tcpClose the handle is no longer ours to read
    while (sent < data.length) {
      const n = s.tcpWrite(conn, data, sent, data.length - sent);
      if (n <= 0) break;
      sent += n;
    }
    for (;;) {
      const n = s.tcpRead(conn, rbuf, 0, rbuf.length);
      if (n > 0) {
        parts.push(rbuf.slice(0, n));
        gotLen += n;
        continue;
      }
      if (n === 0) eof = true; // end of stream; -EAGAIN: nothing yet
      break;
    }
    if (sent === data.length && (gotLen >= closeAfter || eof)) {
      appClosed = true;
      s.tcpClose(conn);
    }
  };
  s.onTcp((c, ev, detail) => {
    if (c !== conn) return;
    if (ev === C.EV_CLOSED) reason = detail;
    else pump();
  });
  const done = await until(() => {
    pump();
    if (reason !== 0) return true;
    const st = s.tcpState(conn);
    return appClosed && (st === C.TIME_WAIT || st === C.CLOSED);
  }, limitMs);
  const ms = performance.now() - t0;
  const got = new Uint8Array(gotLen);
  let o = 0;
  for (const p of parts) {
    got.set(p, o);
    o += p.length;
  }
  if (!done) {
    if (!appClosed && reason === 0) s.tcpClose(conn);
    throw new Error('TCP to port ' + port + ': no end within ' + limitMs + ' ms (' + sent + ' sent, ' + gotLen + ' received, state ' + C.STATE_NAMES[s.tcpState(conn)] + ')');
  }
  return { got, ms, closedCleanly: eof && (reason === 0 || reason === C.REASON_FIN) };
}

/** Send `data` to the echo port and read it all back. */
export function tcpEcho(h: Host, data: Uint8Array, limitMs = 120_000): Promise<TcpResult> {
  return tcpExchange(h, ECHO_PORT, data, data.length, limitMs);
}

/** GET / from the HTTP demo; resolves with the whole response as text. */
export async function httpGet(h: Host, limitMs = 60_000): Promise<{ text: string; ms: number; closedCleanly: boolean }> {
  const req = new TextEncoder().encode('GET / HTTP/1.0\r\nHost: ' + DEFAULT_CONFIG.addr + '\r\n\r\n');
  const r = await tcpExchange(h, HTTP_PORT, req, Infinity, limitMs);
  return { text: new TextDecoder().decode(r.got), ms: r.ms, closedCleanly: r.closedCleanly };
}

/** A reproducible test pattern of n octets that includes SLIP's END and ESC. */
export function pattern(n: number, seed = 12345): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  if (n > 64) {
    out.fill(0xc0, 10, 20);
    out.fill(0xdb, 30, 40);
  }
  return out;
}
