/**
 * A Kaluma `__netdev` driver over slipstack: with it as `global.__netdev`, Kaluma's own
 * `require('net')` and `require('http')` (servers, `net.connect`, `http.get`) run over the
 * SLIP link.
 *
 * The contract is what Kaluma 1.2.1's modules call (https://github.com/kaluma-project/kaluma at
 * tag 1.2.1: Kaluma's src/modules/net/net.js, Kaluma's src/modules/http/http.js and Kaluma's
 * src/modules/stream/stream.js; the facts, not the code; below, `net`, `http` and `stream`):
 * - `socket('AF_INET', 'STREAM')` returns a descriptor (fd) or -1 with `errno` set;
 *   `get(fd)` returns the fd's record: `laddr`, `lport`, `raddr`, `rport`, on which `net` sets
 *   the callbacks `connect_cb()`, `read_cb(data)`, `shutdown_cb()` (the peer's end: 'end'),
 *   `close_cb()` ('close') and, on a listener, `accept_cb(fd)`.
 * - `connect(fd, host, port, cb)`, `write(fd, data, cb)`, `shutdown(fd, how, cb)`,
 *   `close(fd, cb)`, `bind(fd, addr, port, cb)`, `listen(fd, cb)`: each ends with `cb(err)`;
 *   a truthy err makes `net` emit 'error' with `new SystemError(__netdev.errno)`. These
 *   callbacks are the only way an 'error' event reaches user code.
 * - Writes arrive as strings (`stream` concatenates what the user wrote) with no
 *   backpressure but their callback: `stream` writes again only after it.
 * - `end()` arrives as `shutdown(fd, 1)`: a half-close; `net` never closes a socket on the
 *   peer's end, and `http` never closes its server sockets at all.
 * - In Kaluma 1.2.1's `net` (since a change of 2022), `Server.listen` passes the listener's record to each
 *   accepted socket's `_socket(fd, sck)`, so the accepted connection's callbacks land on the
 *   LISTENER's record (and its addresses are read from it): only the latest accepted
 *   connection would get events.
 *
 * What this driver does about each:
 * - Errors: `errno` uses newlib's numbers (Kaluma for the RP2040 links newlib:
 *   ECONNREFUSED 111, ECONNRESET 104, ETIMEDOUT 116...). Every outcome of `connect` is reported
 *   later, never inside the call (`net` and `http` attach the 'error' listener after it
 *   returns): the callback runs when the handshake succeeds, or fails with ECONNREFUSED (a
 *   RST, RFC 9293 §3.10.7.3), ETIMEDOUT, or at once at the next poll for a host name (ENOTSUP:
 *   anything but a dotted quad; there is no DNS over a serial line), a bad port or address
 *   (EINVAL), a full table (ENOBUFS). A connection that ends by RST or time-out fails its
 *   pending write and shutdown callbacks with the errno, then `close_cb`; with nothing
 *   pending, the next write on the fd fails with it.
 * - Writes: the callback runs once the send ring has taken every octet. What the ring cannot
 *   take now waits in the connection's own queue (QUEUE octets, allocated at start-up, with
 *   at most PENDING callbacks waiting); a write that does not fit in ring + queue fails whole
 *   (ENOBUFS, nothing of it sent), so nothing grows without bound. Characters are octets
 *   (binary strings, as read_cb hands them); one above 0xFF fails the write (EINVAL).
 * - `shutdown(fd, 1)`: slipstack's half-close (tcpShutdown, RFC 9293 §3.6), so the FIN goes
 *   after everything queued; reading goes on. Only `how` 1 (SHUT_WR) exists here (EINVAL else).
 * - Once both sides have closed (our FIN queued and the peer's FIN delivered), or the
 *   connection is over, the driver lets go of the slipstack handle (tcpClose; TIME-WAIT is the
 *   stack's) and calls `close_cb`: no slot is held by a socket `http` never closes.
 * - Accept: before `accept_cb(fd)` the listener's record carries the peer's address and port
 *   (what `net` copies), and right after it every callback `net` put on the listener's record
 *   moves to the new fd's record, so every accepted connection keeps its own events. A
 *   listener whose connection finds no free fd leaves it in slipstack's accept queue until one
 *   frees (checked at each poll).
 * - An exception thrown by a user callback called from inside the stack is re-thrown from a
 *   timer of its own, so the stack is never left half-way through a segment.
 *
 * Descriptors: fd = entry + ENTRIES × generation, so a stale fd (of a socket the driver has
 * already finished) is EBADF rather than someone else's socket. The table has one entry per
 * connection slot and per listener; a finished entry is reused when no free one is left.
 *
 * Zero allocation ends at this boundary: each read_cb gets a new string (and a view to make
 * it from), and `net` and `http` allocate their own objects. The tables, records, queues
 * and scratch buffers are allocated here once.
 */
import type { Net } from '../src/net.js';
import { native } from '../src/native.js';
import { tcpListen, tcpUnlisten, tcpAccept, tcpConnect, tcpRead, tcpWrite, tcpWritable, tcpShutdown, tcpClose, tcpEndpoint, tcpError } from '../src/tcp/api.js';
import { LISTENER_BASE, EV_CONNECTED, EV_ACCEPTABLE, EV_READABLE, EV_WRITABLE, EV_CLOSED, REASON_FIN, REASON_ABORTED } from '../src/tcp/constants.js';
import * as E from '../src/errno.js';
import { nl, NL_EADDRNOTAVAIL, NL_EAFNOSUPPORT, NL_EBADF, NL_ECONNABORTED, NL_ECONNRESET, NL_EINVAL, NL_EISCONN, NL_EMFILE, NL_ENOBUFS, NL_ENOTCONN, NL_ENOTSUP, NL_EPIPE, NL_EPROTONOSUPPORT } from './newlib-errno.js';
import { parseAddr, formatAddr } from '../src/wire/ipv4.js';

/** Octets each connection can hold beyond its send ring (allocated per slot at start-up). */
export const QUEUE = 512;
/** Write callbacks a connection can have waiting. */
export const PENDING = 4;
/** Octets read per read_cb. */
const READ = 512;
/** Accept backlog of each listener. */
const BACKLOG = 2;
/** Descriptors stay below this (then the generation starts again). */
const FD_LIMIT = 32768;

// Entry states.
const S_FREE = 0;
const S_OPEN = 1; // socket() done
const S_BOUND = 2;
const S_LISTEN = 3;
const S_CONNECTING = 4;
const S_CONNECTED = 5;
const S_DONE = 6; // over: the handle is released and close_cb given (or due at the next poll)

// Entry flags.
const F_SHUT_REQ = 1; // shutdown asked; the FIN waits for the queue
const F_SHUT = 2; // tcpShutdown done: our FIN follows the data
const F_EOF = 4; // the peer's FIN was delivered (shutdown_cb)
const F_REPORT = 8; // a failed connect to report at the next poll

/** A `net` callback: `cb(err)`, err 0 for success. */
export type NetdevCallback = (err: number) => void;

/** The record `get(fd)` returns; `net` sets the `*_cb` fields. */
export interface NetdevSocket {
  fd: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  connect_cb: () => void;
  read_cb: (data: string) => void;
  shutdown_cb: () => void;
  close_cb: () => void;
  accept_cb: (fd: number) => void;
}

/** What Kaluma's `net` calls (the names are looked up by Kaluma's modules: build.mjs keeps them). */
export interface Netdev {
  /** The error of the last failed call (newlib's numbers). */
  errno: number;
  /** Our address, dotted quad. */
  ip: string;
  /** SLIP has no link-layer address (RFC 1055): all zeros. */
  mac: string;
  socket(domain: string, type: string): number;
  get(fd: number): NetdevSocket | null;
  connect(fd: number, host: string, port: number, cb: NetdevCallback): void;
  write(fd: number, data: string | Uint8Array, cb: NetdevCallback): void;
  shutdown(fd: number, how: number, cb: NetdevCallback): void;
  close(fd: number, cb: NetdevCallback): void;
  bind(fd: number, addr: string, port: number, cb: NetdevCallback): void;
  listen(fd: number, cb: NetdevCallback): void;
  /** Reports due (failed connects, waiting accepts): call before every netPoll. */
  poll(): void;
}

function noop(): void {}

/** A record without a connection's callbacks. */
function clearConn(r: NetdevSocket): void {
  r.connect_cb = noop;
  r.read_cb = noop;
  r.shutdown_cb = noop;
  r.close_cb = noop;
}

/** Re-throw a user callback's exception from a timer of its own (the stack must finish its work first). */
function rethrow(x: unknown): void {
  setTimeout(function () { throw x; }, 0);
}

/**
 * The driver for the stack whose state is `n`; `wake` asks the HAL for a poll at the next turn
 * (hal.wake). Every table, record, queue and buffer is allocated here.
 */
export function createNetdev(n: Net, wake: () => void): Netdev {
  const t = n.t;
  const conns = n.cfg.tcpConns;
  const size = conns + n.cfg.tcpListeners;
  const fds = new Int32Array(size);
  const hd = new Int16Array(size);
  const st = new Uint8Array(size);
  const fl = new Uint8Array(size);
  const port = new Uint16Array(size);
  const err = new Uint8Array(size);
  const recs: NetdevSocket[] = [];
  const ccb: (NetdevCallback | null)[] = [];
  const scb: (NetdevCallback | null)[] = [];
  /** Per slot: its entry; per listener index: its entry (-1: none). */
  const slotEntry = new Int8Array(conns);
  const lsEntry = new Int8Array(n.cfg.tcpListeners);
  /** Per slot: the queue, its length, the waiting write callbacks and the queue length each waits for. */
  const q: Uint8Array[] = [];
  const qlen = new Uint16Array(conns);
  const wcb: (NetdevCallback | null)[] = [];
  const wmark = new Int32Array(conns * PENDING);
  const wn = new Uint8Array(conns);
  const enc = new Uint8Array(n.cfg.tcpSndBuf + QUEUE);
  const rbuf = new Uint8Array(READ);
  const ep = new Int32Array(8);
  const ip = formatAddr(n.addr);
  /** A listener found no free entry for a connection: retry at the next poll. */
  let blocked = false;

  function entry(fd: number): number {
    if (typeof fd !== 'number' || !(fd >= 0) || fd !== Math.floor(fd)) return -1;
    const e = fd % size;
    return fds[e] === fd && st[e] !== S_FREE ? e : -1;
  }

  /** A free entry (else a finished one with nothing left to report), with a new fd; -1 if none. */
  function take(): number {
    let e = 0;
    while (e < size && st[e] !== S_FREE) e++;
    if (e === size) {
      e = 0;
      while (e < size && !(st[e] === S_DONE && (fl[e] & F_REPORT) === 0)) e++;
      if (e === size) return -1;
    }
    fds[e] = fds[e] + size >= FD_LIMIT ? e : fds[e] + size;
    st[e] = S_OPEN;
    fl[e] = 0;
    hd[e] = -1;
    port[e] = 0;
    err[e] = 0;
    ccb[e] = null;
    scb[e] = null;
    const r = recs[e];
    r.fd = fds[e];
    r.laddr = ip;
    r.lport = 0;
    r.raddr = '0.0.0.0';
    r.rport = 0;
    forget(e);
    return e;
  }

  /** Fill a record's addresses from its connection slot. */
  function endpoints(e: number): void {
    tcpEndpoint(t, hd[e], ep);
    const r = recs[e];
    r.lport = ep[0];
    r.raddr = formatAddr(ep[1]);
    r.rport = ep[2];
  }

  function fail(cb: NetdevCallback | null, errno: number): void {
    d.errno = errno;
    if (typeof cb === 'function') cb(-1);
  }

  function ok(cb: NetdevCallback | null): void {
    if (typeof cb === 'function') cb(0);
  }

  /** Call a user callback from inside the stack (an exception waits for a timer of its own). */
  function call<T>(cb: ((arg: T) => void) | null, arg: T): void {
    if (typeof cb !== 'function') return;
    try {
      cb(arg);
    } catch (x) {
      rethrow(x);
    }
  }

  /** Call the waiting write callbacks of slot c whose octets have all gone into the ring (all of them, failed, with an errno). */
  function written(c: number, taken: number, errno: number): void {
    const k = c * PENDING;
    for (let i = 0; i < wn[c]; i++) wmark[k + i] -= taken;
    while (wn[c] > 0 && (errno !== 0 || wmark[k] <= 0)) {
      const cb = wcb[k];
      for (let i = 1; i < wn[c]; i++) {
        wcb[k + i - 1] = wcb[k + i];
        wmark[k + i - 1] = wmark[k + i];
      }
      wn[c]--;
      wcb[k + wn[c]] = null;
      if (errno !== 0) d.errno = errno;
      call(cb, errno === 0 ? 0 : -1);
    }
  }

  /** Move the queue into the send ring as far as it goes; then the FIN if one waits for it. */
  function drain(e: number): void {
    const c = hd[e];
    if (c < 0 || c >= LISTENER_BASE) return;
    if (qlen[c] > 0) {
      const r = tcpWrite(t, c, q[c], 0, qlen[c]);
      if (r > 0) {
        native.copy(q[c], 0, q[c], r, qlen[c] - r);
        qlen[c] -= r;
        written(c, r, 0);
      }
    }
    if (hd[e] === c && qlen[c] === 0 && (fl[e] & F_SHUT_REQ) !== 0 && (fl[e] & F_SHUT) === 0) {
      fl[e] |= F_SHUT;
      tcpShutdown(t, c);
      const cb = scb[e];
      scb[e] = null;
      call(cb, 0);
    }
    settle(e);
  }

  /** Both sides have closed: let go of the connection. */
  function settle(e: number): void {
    if (st[e] === S_CONNECTED && (fl[e] & (F_SHUT | F_EOF)) === (F_SHUT | F_EOF)) release(e, 0);
  }

  /** The connection is over (errno 0: orderly): release the handle, fail what waits, then close_cb. */
  function release(e: number, errno: number): void {
    const c = hd[e];
    if (c >= 0 && c < LISTENER_BASE) {
      slotEntry[c] = -1;
      qlen[c] = 0;
      tcpClose(t, c);
    }
    hd[e] = -1;
    st[e] = S_DONE;
    err[e] = errno;
    if (errno !== 0) {
      if (c >= 0 && c < LISTENER_BASE) written(c, 0, errno);
      const cb = scb[e] !== null ? scb[e] : ccb[e];
      scb[e] = null;
      ccb[e] = null;
      if (cb !== null) {
        d.errno = errno;
        call(cb, -1);
      }
    }
    if (blocked) wake(); // a listener waits for a free entry
    call(recs[e].close_cb, undefined);
    if (st[e] === S_DONE) forget(e);
  }

  /** Drop the record's callbacks: they hold `net`'s objects for that socket, which the collector can then free. */
  function forget(e: number): void {
    clearConn(recs[e]);
    recs[e].accept_cb = noop;
  }

  /** Deliver what the peer sent, then its FIN. */
  function readAll(e: number): void {
    const c = hd[e];
    const fd = fds[e];
    while (hd[e] === c && fds[e] === fd && (fl[e] & F_EOF) === 0) {
      const r = tcpRead(t, c, rbuf, 0, READ);
      if (r > 0) {
        // The one allocation per read: the string `net` hands to 'data'.
        call(recs[e].read_cb, String.fromCharCode.apply(null, new Uint8Array(rbuf.buffer, 0, r) as unknown as number[]));
      } else {
        if (r === 0) {
          fl[e] |= F_EOF;
          call(recs[e].shutdown_cb, undefined);
          if (hd[e] === c && fds[e] === fd) settle(e);
        }
        return; // -EAGAIN, or an error: EV_CLOSED reports it
      }
    }
  }

  /** Take every waiting connection of listener entry le that an entry is free for. */
  function acceptFrom(le: number): void {
    const lr = recs[le];
    for (;;) {
      if (st[le] !== S_LISTEN) return;
      const e = take();
      if (e < 0) {
        blocked = true;
        return;
      }
      const c = tcpAccept(t, hd[le]);
      if (c < 0) {
        st[e] = S_FREE;
        return;
      }
      hd[e] = c;
      slotEntry[c] = e;
      st[e] = S_CONNECTED;
      endpoints(e);
      const r = recs[e];
      // `net` copies the addresses from the record it is given: the listener's.
      lr.raddr = r.raddr;
      lr.rport = r.rport;
      clearConn(lr);
      call(lr.accept_cb, fds[e]);
      // Stock `net` put this connection's callbacks on the listener's record: move them.
      if (lr.connect_cb !== noop) r.connect_cb = lr.connect_cb;
      if (lr.read_cb !== noop) r.read_cb = lr.read_cb;
      if (lr.shutdown_cb !== noop) r.shutdown_cb = lr.shutdown_cb;
      if (lr.close_cb !== noop) r.close_cb = lr.close_cb;
      clearConn(lr);
      lr.raddr = '0.0.0.0';
      lr.rport = 0;
      // Data (or a FIN) that came before the accept.
      if (hd[e] === c) readAll(e);
    }
  }

  /** slipstack's events, for every handle of this driver. */
  function onEvent(h: number, ev: number, detail: number): void {
    if (h >= LISTENER_BASE) {
      const le = lsEntry[h - LISTENER_BASE];
      if (ev === EV_ACCEPTABLE && le >= 0) acceptFrom(le);
      return;
    }
    const e = slotEntry[h];
    if (e < 0) return;
    if (ev === EV_CONNECTED) {
      st[e] = S_CONNECTED;
      endpoints(e);
      const cb = ccb[e];
      ccb[e] = null;
      call(cb, 0);
      if (hd[e] === h) call(recs[e].connect_cb, undefined);
      if (hd[e] === h) drain(e);
    } else if (ev === EV_READABLE) {
      readAll(e);
    } else if (ev === EV_WRITABLE) {
      drain(e);
    } else if (ev === EV_CLOSED) {
      // What came before the end is delivered first; an orderly end may settle it there.
      if (st[e] === S_CONNECTED) readAll(e);
      if (hd[e] !== h) return;
      const x = tcpError(t, h);
      release(e, detail === REASON_FIN ? 0 : x !== E.E_OK ? nl(x) : detail === REASON_ABORTED ? NL_ECONNABORTED : NL_ECONNRESET);
    }
  }

  /** A connect that failed before it started: reported at the next poll, as `net` needs. */
  function failLater(e: number, errno: number, cb: NetdevCallback): void {
    st[e] = S_DONE;
    err[e] = errno;
    ccb[e] = cb;
    fl[e] |= F_REPORT;
    wake();
  }

  const d: Netdev = {
    errno: 0,
    ip: ip,
    mac: '00:00:00:00:00:00',

    socket(domain: string, type: string): number {
      if (domain !== 'AF_INET') {
        d.errno = NL_EAFNOSUPPORT;
        return -1;
      }
      if (type !== 'STREAM') {
        d.errno = NL_EPROTONOSUPPORT;
        return -1;
      }
      const e = take();
      if (e < 0) {
        d.errno = NL_EMFILE;
        return -1;
      }
      return fds[e];
    },

    get(fd: number): NetdevSocket | null {
      const e = entry(fd);
      return e < 0 ? null : recs[e];
    },

    connect(fd: number, host: string, p: number, cb: NetdevCallback): void {
      const e = entry(fd);
      if (e < 0) return fail(cb, NL_EBADF);
      if (st[e] !== S_OPEN && st[e] !== S_BOUND) return fail(cb, NL_EISCONN);
      if (typeof host !== 'string') return failLater(e, NL_EINVAL, cb);
      const addr = parseAddr(host);
      if (addr === null) return failLater(e, NL_ENOTSUP, cb); // a host name: no DNS over SLIP
      if (!(p >= 1 && p <= 65535 && p === Math.floor(p))) return failLater(e, NL_EINVAL, cb);
      let c = -1;
      try {
        c = tcpConnect(t, addr, p, port[e], onEvent);
      } catch (x) {
        return failLater(e, NL_EINVAL, cb); // a martian or our own address
      }
      if (c < 0) return failLater(e, nl(-c), cb);
      hd[e] = c;
      slotEntry[c] = e;
      st[e] = S_CONNECTING;
      ccb[e] = cb;
      recs[e].raddr = host;
      recs[e].rport = p;
    },

    write(fd: number, data: string | Uint8Array, cb: NetdevCallback): void {
      const e = entry(fd);
      if (e < 0) return fail(cb, NL_EBADF);
      if (st[e] === S_DONE) return fail(cb, err[e] !== 0 ? err[e] : NL_EPIPE);
      if (st[e] !== S_CONNECTED && st[e] !== S_CONNECTING) return fail(cb, NL_ENOTCONN);
      if (fl[e] & (F_SHUT_REQ | F_SHUT)) return fail(cb, NL_EPIPE);
      if (typeof data !== 'string' && !(data instanceof Uint8Array)) return fail(cb, NL_EINVAL);
      const c = hd[e];
      const len = data.length;
      if (len === 0) return ok(cb);
      if (qlen[c] > 0) drain(e);
      const room = (qlen[c] === 0 ? tcpWritable(t, c) : 0) + QUEUE - qlen[c];
      if (len > room || (len > room - QUEUE + qlen[c] && wn[c] === PENDING)) return fail(cb, NL_ENOBUFS);
      if (typeof data === 'string') {
        for (let i = 0; i < len; i++) {
          const ch = data.charCodeAt(i);
          if (ch > 255) return fail(cb, NL_EINVAL);
          enc[i] = ch;
        }
      } else {
        native.copy(enc, 0, data, 0, len);
      }
      let taken = 0;
      if (qlen[c] === 0) {
        const r = tcpWrite(t, c, enc, 0, len);
        if (r > 0) taken = r;
        else if (r !== -E.EAGAIN) return fail(cb, nl(-r));
      }
      if (taken === len) return ok(cb);
      native.copy(q[c], qlen[c], enc, taken, len - taken);
      qlen[c] += len - taken;
      wcb[c * PENDING + wn[c]] = cb;
      wmark[c * PENDING + wn[c]] = qlen[c];
      wn[c]++;
    },

    shutdown(fd: number, how: number, cb: NetdevCallback): void {
      const e = entry(fd);
      if (e < 0) return fail(cb, NL_EBADF);
      if (how !== 1) return fail(cb, NL_EINVAL); // SHUT_WR only
      if (st[e] === S_DONE) return err[e] !== 0 ? fail(cb, err[e]) : ok(cb);
      if (st[e] !== S_CONNECTED && st[e] !== S_CONNECTING) return fail(cb, NL_ENOTCONN);
      if (fl[e] & F_SHUT_REQ) return ok(cb);
      fl[e] |= F_SHUT_REQ;
      scb[e] = cb;
      drain(e);
    },

    close(fd: number, cb: NetdevCallback): void {
      const e = entry(fd);
      if (e < 0) return fail(cb, NL_EBADF);
      const h = hd[e];
      st[e] = S_FREE;
      hd[e] = -1;
      if (h >= LISTENER_BASE) {
        lsEntry[h - LISTENER_BASE] = -1;
        tcpUnlisten(t, h);
      } else if (h >= 0) {
        // Like a socket's close: unsent data is dropped, and with unread data slipstack resets.
        slotEntry[h] = -1;
        qlen[h] = 0;
        for (let i = 0; i < wn[h]; i++) wcb[h * PENDING + i] = null;
        wn[h] = 0;
        tcpClose(t, h);
      }
      fl[e] = 0;
      ccb[e] = null;
      scb[e] = null;
      forget(e);
      if (blocked) wake();
      ok(cb);
    },

    bind(fd: number, addr: string, p: number, cb: NetdevCallback): void {
      const e = entry(fd);
      if (e < 0) return fail(cb, NL_EBADF);
      if (st[e] !== S_OPEN) return fail(cb, NL_EINVAL);
      if (addr !== undefined && addr !== null && addr !== ip && addr !== '0.0.0.0') return fail(cb, NL_EADDRNOTAVAIL);
      if (!(p >= 0 && p <= 65535 && p === Math.floor(p))) return fail(cb, NL_EINVAL);
      port[e] = p;
      st[e] = S_BOUND;
      recs[e].lport = p;
      ok(cb);
    },

    listen(fd: number, cb: NetdevCallback): void {
      const e = entry(fd);
      if (e < 0) return fail(cb, NL_EBADF);
      if (st[e] !== S_BOUND || port[e] === 0) return fail(cb, NL_EINVAL);
      const h = tcpListen(t, port[e], BACKLOG, onEvent);
      if (h < 0) return fail(cb, nl(-h));
      hd[e] = h;
      lsEntry[h - LISTENER_BASE] = e;
      st[e] = S_LISTEN;
      ok(cb);
    },

    poll(): void {
      for (let e = 0; e < size; e++) {
        if ((fl[e] & F_REPORT) === 0) continue;
        fl[e] &= ~F_REPORT;
        const cb = ccb[e];
        ccb[e] = null;
        d.errno = err[e];
        call(cb, -1);
        if ((fl[e] & F_REPORT) === 0 && st[e] === S_DONE) {
          call(recs[e].close_cb, undefined);
          if (st[e] === S_DONE) forget(e);
        }
      }
      if (blocked) {
        blocked = false;
        for (let e = 0; e < size; e++) if (st[e] === S_LISTEN) acceptFrom(e);
      }
    },
  };

  for (let e = 0; e < size; e++) {
    fds[e] = e - size;
    hd[e] = -1;
    recs.push({ fd: -1, laddr: ip, lport: 0, raddr: '0.0.0.0', rport: 0, connect_cb: noop, read_cb: noop, shutdown_cb: noop, close_cb: noop, accept_cb: noop });
    ccb.push(null);
    scb.push(null);
  }
  for (let c = 0; c < conns; c++) {
    slotEntry[c] = -1;
    q.push(new Uint8Array(QUEUE));
    for (let k = 0; k < PENDING; k++) wcb.push(null);
  }
  for (let l = 0; l < n.cfg.tcpListeners; l++) lsEntry[l] = -1;
  return d;
}
