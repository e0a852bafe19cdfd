/**
 * An Espruino NetworkJS driver over slipstack: with it installed
 * (`require('NetworkJS').create(driver)`), the board's own `require('net')` and
 * `require('http')` (servers, `net.connect`, `http.get`) run over the SLIP link.
 *
 * The contract is Espruino's (Espruino's libs/network/js/network_js.c and Espruino's
 * libs/network/socketserver.c, https://github.com/espruino/Espruino; the facts, not the code):
 * - `create(host, port, type, options)` returns a socket id >= 0 at once: a listener when
 *   `host` is undefined, else an active open to `host` (a string: a dotted quad, or a name
 *   Espruino could not parse). `accept(id)` returns a new id or -1; `close(id)` is the only
 *   close (no half-close, no abort) and the only way an id is freed.
 * - `recv(id, maxLen, type)` returns a binary string, "" when nothing is there, or a negative
 *   Espruino socket error (Espruino's libs/network/socketerrors.h): -1 a clean close, -11 "no connection"
 *   while the active open is still in SYN-SENT (Espruino fires `net`'s 'connect' on the first
 *   recv that is not -11, so it must wait for the handshake), others an error, which `net`
 *   reports as an 'error' event ({code, message}) before 'close'.
 * - `send(id, data, type)` returns the octets the send ring took, 0 when it is full (or still
 *   in SYN-SENT: a send that takes octets also counts as connected), or a negative error.
 * - Espruino polls every open socket on every idle pass and passes strings of at most 536
 *   octets (its chunkSize).
 *
 * Mapping: TCP socket ids are indexes of a fixed table, allocated here at start-up, holding the
 * slipstack handle of each (a connection slot, or LISTENER_BASE + index for a listener: two
 * different number ranges, so the table, not the handle, is the id); UDP ids follow them, one
 * per entry of the UDP port table (udpPorts). A slipstack handle stays
 * the application's until tcpClose (src/tcp/api.ts), even after a reset, so an id can never
 * point at a slot someone else reuses. Errors that happen before a connection exists (a host
 * name, since there is no DNS over a serial line; a full connection table; a martian address)
 * take an id too and are reported by its first recv, so `net` gives them as an 'error' event
 * like any other, rather than as an exception inside `net.connect`.
 *
 * The peer's FIN: Espruino has no half-close either way; a recv of -1 ends the socket, and
 * whatever `net` still holds unsent is then lost ("unsent data"). So the end of the stream is
 * reported only when the last send took everything it was offered (Espruino offers what it
 * holds before every recv): an echo whose peer half-closes still sends all of its echo, and
 * closing the id then sends slipstack's FIN after it.
 *
 * UDP (`dgram`, type 2): each datagram crosses the boundary with Espruino's 8-octet header in
 * front (JsNetUDPPacketHeader in Espruino's libs/network/network.h: the address's four octets
 * in network order, then the port and the payload length, little-endian as Espruino's
 * targets store them). A listener binds its port; a client socket (Espruino makes one for each
 * `send`) binds an ephemeral port, so replies reach it. Each UDP id holds one received
 * datagram until `recv` takes it; one arriving while it is full is dropped (UDP may lose
 * datagrams; counted in `drops`). `send` may carry several datagrams, each with its header.
 *
 * Zero allocation ends at this boundary: Espruino hands each send a new string and expects a
 * new string from each recv, so every call that moves data makes one string or one
 * Uint8Array (through `str` and `bytes`, E.toString and E.toUint8Array on the board). The
 * stack under it allocates nothing; idle polls (nothing to read, "") allocate nothing.
 */
import type { Net } from '../src/net.js';
import { udpBind, udpUnbind, udpSend } from '../src/udp.js';
import { native } from '../src/native.js';
import { tcpListen, tcpUnlisten, tcpAccept, tcpConnect, tcpRead, tcpWrite, tcpState, tcpClose } from '../src/tcp/api.js';
import { SYN_SENT, LISTENER_BASE } from '../src/tcp/constants.js';
import { EAGAIN, EPIPE, ETIMEDOUT, ECONNRESET, ECONNREFUSED, EHOSTUNREACH } from '../src/errno.js';
import { parseAddr } from '../src/wire/ipv4.js';

/** Espruino's socket errors (Espruino's libs/network/socketerrors.h) that the driver returns. */
export const SOCKET_ERR_CLOSED = -1;
export const SOCKET_ERR_TIMEOUT = -3;
export const SOCKET_ERR_NO_ROUTE = -4;
export const SOCKET_ERR_NOT_FOUND = -6;
export const SOCKET_ERR_MAX_SOCK = -7;
export const SOCKET_ERR_RESET = -9;
export const SOCKET_ERR_UNKNOWN = -10;
export const SOCKET_ERR_NO_CONN = -11;
export const SOCKET_ERR_BAD_ARG = -12;

/** Espruino's SocketType for UDP (Espruino's libs/network/network.h: ST_UDP, under ST_TYPE_MASK 3). */
export const ST_UDP = 2;

/** The largest string Espruino passes or asks for (Espruino's network_js.c: chunkSize), octets. */
export const CHUNK = 536;

/** Espruino's UDP header in front of each datagram, octets. */
export const UDP_HEADER = 8;

/** The first ephemeral UDP port tried for a client socket (RFC 6335 §6). */
const EPHEMERAL = 49152;

/** Accept backlog of each listener. */
const BACKLOG = 2;

/** A table entry that holds no socket. */
const FREE = -1;
/** A table entry whose socket failed before it had a handle: its recv returns `er`. */
const FAILED = -2;

/** What Espruino calls (the names are looked up by Espruino's C code, so build.mjs keeps them). */
export interface NetworkJsDriver {
  create(host: string | undefined, port: number, type: number, options?: unknown): number;
  accept(id: number): number;
  recv(id: number, maxLen: number, type: number): string | number;
  send(id: number, data: string, type: number): number;
  close(id: number): void;
  /** UDP datagrams dropped because their socket still held one. */
  drops: number;
}

/** slipstack's errno (positive) as an Espruino socket error. */
function sockErr(e: number): number {
  if (e === EPIPE) return SOCKET_ERR_CLOSED;
  if (e === ECONNRESET || e === ECONNREFUSED) return SOCKET_ERR_RESET;
  if (e === ETIMEDOUT) return SOCKET_ERR_TIMEOUT;
  if (e === EHOSTUNREACH) return SOCKET_ERR_NO_ROUTE;
  return SOCKET_ERR_UNKNOWN;
}

/**
 * The driver for the stack whose state is `n`. `str(buf, len)` makes a binary string of
 * buf[0, len) and `bytes(s)` a Uint8Array of a binary string (the board's natives). Every
 * table and buffer is allocated here: one id per connection slot and per listener.
 */
export function createNetworkJsDriver(n: Net, str: (buf: Uint8Array, len: number) => string, bytes: (s: string) => Uint8Array): NetworkJsDriver {
  const t = n.t;
  const tcpIds = n.cfg.tcpConns + n.cfg.tcpListeners;
  const udpIds = n.cfg.udpPorts;
  /** Per id: the slipstack handle, FREE or FAILED. */
  const hd = new Int16Array(tcpIds);
  for (let id = 0; id < tcpIds; id++) hd[id] = FREE;
  /** Per id: the error a FAILED id reports; for a connection, 1 while Espruino holds unsent data. */
  const er = new Int8Array(tcpIds);
  const buf = new Uint8Array(CHUNK);
  /** UDP ids tcpIds..size-1: the bound port (0: free), the datagram held (header included) and its length. */
  const uport = new Uint16Array(udpIds);
  const ulen = new Uint16Array(udpIds);
  const ubuf: Uint8Array[] = [];
  const uin: ((data: Uint8Array, off: number, len: number, src: number, srcPort: number) => void)[] = [];

  /** The receive handler of UDP entry u (made once, at start-up). */
  function udpReceiver(u: number): (data: Uint8Array, off: number, len: number, src: number, srcPort: number) => void {
    return function (data: Uint8Array, off: number, len: number, src: number, srcPort: number): void {
      const b = ubuf[u];
      if (ulen[u] !== 0 || len > b.length - UDP_HEADER) {
        d.drops++;
        return;
      }
      b[0] = src >>> 24;
      b[1] = (src >> 16) & 0xff;
      b[2] = (src >> 8) & 0xff;
      b[3] = src & 0xff;
      b[4] = srcPort & 0xff;
      b[5] = srcPort >> 8;
      b[6] = len & 0xff;
      b[7] = len >> 8;
      native.copy(b, UDP_HEADER, data, off, len);
      ulen[u] = UDP_HEADER + len;
    };
  }

  /** A UDP id bound to `port` (0: the first free ephemeral port), or an Espruino error. */
  function udpOpen(port: number): number {
    let u = 0;
    while (u < udpIds && uport[u] !== 0) u++;
    if (u === udpIds) return SOCKET_ERR_MAX_SOCK;
    let p = port === 0 ? EPHEMERAL : port;
    while (udpBind(n, p, uin[u]) < 0) {
      if (port !== 0 || p === 65535) return SOCKET_ERR_MAX_SOCK;
      p++;
    }
    uport[u] = p;
    ulen[u] = 0;
    return tcpIds + u;
  }

  /** Send each [header, payload] record of `data` from UDP entry u; the octets taken, or an error. */
  function udpOut(u: number, data: string): number {
    const b = bytes(data);
    let o = 0;
    while (o + UDP_HEADER <= b.length) {
      const len = b[o + 6] | (b[o + 7] << 8);
      if (o + UDP_HEADER + len > b.length) break;
      const addr = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
      try {
        udpSend(n, addr, b[o + 4] | (b[o + 5] << 8), uport[u], b, o + UDP_HEADER, len);
      } catch (e) {
        return SOCKET_ERR_BAD_ARG; // a martian destination, port 0
      }
      o += UDP_HEADER + len;
    }
    return o;
  }

  function take(h: number, e: number): number {
    for (let id = 0; id < tcpIds; id++) {
      if (hd[id] === FREE) {
        hd[id] = h;
        er[id] = e;
        return id;
      }
    }
    return -1;
  }

  function create(host: string | undefined, port: number, type: number): number {
    if ((type & 3) === ST_UDP) return udpOpen(host === undefined ? port : 0);
    if (host === undefined) {
      const h = tcpListen(t, port, BACKLOG, undefined);
      if (h < 0) return SOCKET_ERR_MAX_SOCK;
      const id = take(h, 0);
      if (id < 0) tcpUnlisten(t, h);
      return id < 0 ? SOCKET_ERR_MAX_SOCK : id;
    }
    const addr = parseAddr(host);
    if (addr === null) return take(FAILED, SOCKET_ERR_NOT_FOUND); // no DNS over a serial line
    let h = -1;
    try {
      h = tcpConnect(t, addr, port, 0, undefined);
    } catch (e) {
      return take(FAILED, SOCKET_ERR_BAD_ARG); // a martian or our own address, a bad port
    }
    if (h < 0) return take(FAILED, SOCKET_ERR_MAX_SOCK);
    const id = take(h, 0);
    if (id < 0) tcpClose(t, h);
    return id < 0 ? SOCKET_ERR_MAX_SOCK : id;
  }

  function accept(id: number): number {
    if (id >= tcpIds) return -1;
    const l = hd[id];
    if (l < 0) return -1;
    // Take a connection only when an id is free for it (the table is sized so that one is).
    let free = -1;
    for (let k = 0; k < tcpIds && free < 0; k++) if (hd[k] === FREE) free = k;
    if (free < 0) return -1;
    const c = tcpAccept(t, l);
    if (c < 0) return -1;
    hd[free] = c;
    er[free] = 0;
    return free;
  }

  function recv(id: number, maxLen: number): string | number {
    if (id >= tcpIds) {
      const u = id - tcpIds;
      const len = ulen[u];
      if (len === 0 || len > maxLen) return '';
      ulen[u] = 0;
      return str(ubuf[u], len);
    }
    const h = hd[id];
    if (h === FAILED) return er[id];
    if (h < 0 || h >= LISTENER_BASE) return ''; // listeners are never read
    if (tcpState(t, h) === SYN_SENT) return SOCKET_ERR_NO_CONN;
    const r = tcpRead(t, h, buf, 0, maxLen < CHUNK ? maxLen : CHUNK);
    if (r > 0) return str(buf, r);
    if (r === -EAGAIN) return '';
    if (r === 0) return er[id] === 1 ? '' : SOCKET_ERR_CLOSED; // the peer's FIN, once Espruino holds nothing
    return sockErr(-r);
  }

  function send(id: number, data: string): number {
    if (id >= tcpIds) return udpOut(id - tcpIds, data);
    const h = hd[id];
    if (h === FAILED) return er[id];
    if (h < 0 || h >= LISTENER_BASE) return SOCKET_ERR_BAD_ARG;
    if (tcpState(t, h) === SYN_SENT) return 0; // taking octets would count as connected
    const b = bytes(data);
    const r = tcpWrite(t, h, b, 0, b.length);
    er[id] = r >= 0 && r < b.length || r === -EAGAIN ? 1 : 0;
    if (r === -EAGAIN) return 0;
    return r < 0 ? sockErr(-r) : r;
  }

  function close(id: number): void {
    if (id >= tcpIds) {
      const u = id - tcpIds;
      if (uport[u] !== 0) udpUnbind(n, uport[u]);
      uport[u] = 0;
      ulen[u] = 0;
      return;
    }
    const h = hd[id];
    hd[id] = FREE;
    er[id] = 0;
    if (h >= LISTENER_BASE) tcpUnlisten(t, h);
    else if (h >= 0) tcpClose(t, h);
  }

  const d: NetworkJsDriver = { create: create, accept: accept, recv: recv, send: send, close: close, drops: 0 };
  for (let u = 0; u < udpIds; u++) {
    ubuf.push(new Uint8Array(n.mtu - 20));
    uin.push(udpReceiver(u));
  }
  return d;
}
