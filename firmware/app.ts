/**
 * The demo application, the same on every board and in the simulation:
 * - UDP echo on port 7 (RFC 862): each datagram goes back to its sender, from port 7,
 *   straight out of the stack's receive buffer (no copy, no allocation);
 * - TCP echo on port 7 (RFC 862): whatever a connection sends comes back, until it closes;
 * - an HTTP demo on port 80: any request gets a small plain-text page, then the server closes.
 * Ping replies need nothing here: the stack answers ICMP echo requests by itself.
 *
 * Contract: `startApp(net)` (a stack's `net`, src/net.ts) binds the ports and gives each TCP
 * listener its handler, once. It calls the flat API (src/udp.ts, src/tcp/api.ts), so a board
 * bundle carries only the calls the app makes. Its one buffer, a scratch slice shared by every
 * connection, is allocated here, so serving allocates nothing. The echo reads only what the
 * send ring can take at once (tcpWritable), so nothing waits in the app between a read and
 * its write: when the peer sends faster than it reads, the send ring fills, the echo stops
 * reading, the receive window closes, and TCP's flow control slows the peer down (nothing is
 * dropped or buffered without bound).
 * `DEFAULT_CONFIG` is the boards' stack configuration.
 *
 * Idle clients: TCP itself bounds a peer that has gone silent (R2, probes, FIN-WAIT-2, see the
 * README), but not a live one that simply sends nothing: four such clients would hold the
 * four slots for good. So each service bounds its connections: an HTTP client must send its
 * whole request head within REQUEST_TIMEOUT_MS of being accepted, and an echo connection
 * with no traffic either way for IDLE_TIMEOUT_MS is dropped; either way with a RST
 * (tcpAbort), which frees the slot at once. The deadlines are one Float64Array entry per
 * slot, checked by the app's `poll`, which wraps the stack's (netPoll): hand the returned app,
 * not the stack, to the HAL (`hal.start(app)`) or the simulation. A deadline is set at the first
 * poll after the event that starts it (the HAL polls right after every chunk that completes a
 * frame), so the app needs no clock of its own.
 */
import type { Net } from '../src/net.js';
import { netPoll } from '../src/net.js';
import { udpBind, udpSend } from '../src/udp.js';
import { tcpListen, tcpAccept, tcpRead, tcpWrite, tcpWritable, tcpClose, tcpAbort } from '../src/tcp/api.js';
import { EV_ACCEPTABLE, EV_READABLE, EV_WRITABLE, EV_CLOSED } from '../src/tcp/constants.js';
import { EAGAIN } from '../src/errno.js';

/** RFC 862: the echo service's well-known port (UDP and TCP). */
export const ECHO_PORT = 7;
/** The HTTP demo's port. */
export const HTTP_PORT = 80;

/**
 * The boards' configuration: the board is 192.168.190.2 at the far end of a SLIP link
 * (the host side is 192.168.190.1, see the README), with Linux sl0's default MTU of 296
 * octets so a board and `slattach` agree without tuning.
 */
export const DEFAULT_CONFIG = { addr: '192.168.190.2', mtu: 296 };

/** The page the HTTP demo serves. */
export const HTTP_BODY = 'Hello from slipstack: a TCP/IP stack in TypeScript, speaking SLIP.\n';

/** The scratch buffer every connection shares, octets: one segment at the boards' MTU. */
const SLICE = 256;

/** An HTTP client has this long, from accept, to send its request head, ms. */
export const REQUEST_TIMEOUT_MS = 10000;
/** An echo connection with no traffic either way for this long is dropped, ms. */
export const IDLE_TIMEOUT_MS = 60000;

/** What the firmware drives: the stack's poll plus the services' deadlines (hal.ts: Pollable). */
export interface App {
  /** Drop the connections whose deadline has passed, run the stack's timers; the next poll needed (ms, Infinity: none). */
  poll(now: number): number;
}

/** A deadline to set at the next poll (any negative value: 0 is "none", a real one is a time). */
const ARM_REQUEST = -1;
const ARM_IDLE = -2;

/** ASCII string to bytes (start-up only). */
function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Start the demo services on the stack whose state is `n`; returns the app to poll in the stack's place. */
export function startApp(n: Net): App {
  const t = n.t;
  udpBind(n, ECHO_PORT, function (data: Uint8Array, off: number, len: number, srcAddr: number, srcPort: number, dstPort: number) {
    // RFC 862: "send back any data received", to the sender, from the echo port.
    udpSend(n, srcAddr, srcPort, dstPort, data, off, len);
  });
  const slots = n.cfg.tcpConns;
  if (slots === 0 || n.cfg.tcpListeners < 2) {
    return { poll: function (now: number): number { return netPoll(n, now); } };
  }
  const response = ascii('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ' + HTTP_BODY.length +
    '\r\nConnection: close\r\n\r\n' + HTTP_BODY);
  const buf = new Uint8Array(SLICE);
  /** HTTP: how much of "\r\n\r\n" (the end of the request head) has been seen. */
  const headEnd = new Uint8Array(slots);
  /** Per slot: when the app drops the connection (ms), 0 for never, ARM_* to set at the next poll. */
  const deadline = new Float64Array(slots);
  /**
   * No deadline is earlier than `due` (Infinity: none), and `rearm` says an ARM_* waits: poll
   * passes over the slots only then (a pass per poll is costly on an interpreter).
   */
  let due = Infinity;
  let rearm = false;

  function finish(c: number): void {
    deadline[c] = 0;
    tcpClose(t, c);
  }

  /** Echo: send back what is pending, then read more only if it all went. */
  function serveEcho(c: number): void {
    for (;;) {
      // Read no more than the send ring takes now, so the write below takes it all.
      const room = tcpWritable(t, c);
      if (room === 0) return; // full: EV_WRITABLE brings us back (closed: EV_CLOSED)
      const r = tcpRead(t, c, buf, 0, room < SLICE ? room : SLICE);
      if (r > 0) {
        tcpWrite(t, c, buf, 0, r);
        deadline[c] = ARM_IDLE; // traffic: the idle clock starts again
        rearm = true;
        continue;
      }
      // The peer closed (0: everything echoed, close, our FIN follows the data), or it reset.
      if (r !== -EAGAIN) finish(c);
      return;
    }
  }

  function serveHttp(c: number): void {
    for (;;) {
      const r = tcpRead(t, c, buf, 0, SLICE);
      if (r === -EAGAIN) return;
      if (r <= 0) {
        finish(c);
        return;
      }
      for (let i = 0; i < r && headEnd[c] < 4; i++) {
        const b = buf[i];
        const want = (headEnd[c] & 1) === 0 ? 13 : 10; // \r \n \r \n
        headEnd[c] = b === want ? headEnd[c] + 1 : b === 13 ? 1 : 0;
      }
      if (headEnd[c] === 4) {
        tcpWrite(t, c, response, 0, response.length);
        finish(c);
        return;
      }
    }
  }

  // Each service has its own handler, given to its listener and inherited by the connections
  // it accepts: no table of roles per slot.
  function echoEvents(c: number, ev: number, _detail: number): void {
    if (ev === EV_ACCEPTABLE) {
      for (let conn = tcpAccept(t, c); conn >= 0; conn = tcpAccept(t, c)) {
        deadline[conn] = ARM_IDLE;
        rearm = true;
        serveEcho(conn);
      }
    } else if (ev === EV_CLOSED) {
      finish(c);
    } else if (ev === EV_READABLE || ev === EV_WRITABLE) {
      serveEcho(c);
    }
  }

  function httpEvents(c: number, ev: number, _detail: number): void {
    if (ev === EV_ACCEPTABLE) {
      for (let conn = tcpAccept(t, c); conn >= 0; conn = tcpAccept(t, c)) {
        headEnd[conn] = 0;
        deadline[conn] = ARM_REQUEST; // the whole request head within REQUEST_TIMEOUT_MS
        rearm = true;
        serveHttp(conn);
      }
    } else if (ev === EV_CLOSED) {
      finish(c);
    } else if (ev === EV_READABLE) {
      serveHttp(c);
    }
  }

  tcpListen(t, ECHO_PORT, 2, echoEvents);
  tcpListen(t, HTTP_PORT, 2, httpEvents);

  /** The services' deadlines first (a drop frees a slot before the stack's timers run), then the stack's. */
  function poll(now: number): number {
    if (rearm || due <= now) {
      rearm = false;
      due = Infinity;
      for (let c = 0; c < slots; c++) {
        const d = deadline[c];
        if (d === 0) continue;
        if (d < 0) {
          deadline[c] = now + (d === ARM_REQUEST ? REQUEST_TIMEOUT_MS : IDLE_TIMEOUT_MS);
        } else if (d <= now) {
          deadline[c] = 0;
          tcpAbort(t, c); // a RST: the client learns at once, and the slot is free now
          continue;
        }
        if (deadline[c] < due) due = deadline[c];
      }
    }
    const next = netPoll(n, now);
    return next < due ? next : due;
  }

  return { poll: poll };
}
