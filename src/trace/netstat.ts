/**
 * A netstat view of one stack, like `ss -tan -o`: one row per listener and per connection
 * with its state, queues, endpoints and running timer, and the last state transitions with
 * their causes.
 *
 *   State        Recv-Q Send-Q Local Address:Port  Peer Address:Port   Timer
 *   LISTEN       0      0      192.168.190.2:80    *:*
 *   TIME-WAIT    0      0      192.168.190.1:49152 192.168.190.2:80    timer:(timewait,1.9sec,0)
 *
 * Contract:
 * - `netstatRows(t, addr, now)` reads only the flat API (tcpListeners, tcpEndpoint, tcpTimers,
 *   src/tcp/api.ts): the listeners, then every slot that is not CLOSED, with the timer that
 *   runs at `now` in ss's words (`timerText`).
 * - `formatNetstat(rows)` pads the columns and returns the lines, header first.
 * - `transitionLines(t, now, max)` the last `max` transitions the trace ring holds (TRACE
 *   builds), oldest first: how long ago, connection, from -> to, cause.
 * - `netstatLines(t, addr, now, max)` both, as a board console prints them (`netstat()` in
 *   firmware/espruino.ts and firmware/kaluma.ts).
 * - Plain functions inside the board subset. They allocate (rows, strings): call them from a
 *   console command or a tool, never per packet.
 */
import type { Tcb } from '../tcp/tcb.js';
import { tcpListeners, tcpEndpoint, tcpTimers } from '../tcp/api.js';
import * as C from '../tcp/constants.js';
import { CAUSE_NAMES } from './events.js';
import { formatAddr } from '../wire/ipv4.js';
import { TRACE } from '../features.js';

/** One row of the table. */
export interface NetRow {
  state: string;
  recvQ: number;
  sendQ: number;
  local: string;
  peer: string;
  timer: string;
}

/** Rows for the listeners, then every connection slot that is not CLOSED. */
export function netstatRows(t: Tcb, addr: number, now: number): NetRow[] {
  const rows: NetRow[] = [];
  const local = formatAddr(addr);
  const ls = new Int32Array(4 * t.nls);
  const nls = tcpListeners(t, ls);
  for (let k = 0; k < nls; k++) {
    rows.push({ state: 'LISTEN', recvQ: ls[4 * k + 3], sendQ: 0, local: local + ':' + ls[4 * k + 1], peer: '*:*', timer: '' });
  }
  const ep = new Int32Array(9);
  const tm = new Float64Array(9);
  for (let i = 0; i < t.n; i++) {
    const s = t.st[i];
    if (s === C.CLOSED) continue;
    tcpEndpoint(t, i, ep);
    tcpTimers(t, i, tm);
    rows.push({
      state: C.STATE_NAMES[s],
      recvQ: ep[7],
      sendQ: ep[6],
      local: local + ':' + ep[0],
      peer: formatAddr(ep[1]) + ':' + ep[2],
      timer: timerText(s, tm, now),
    });
  }
  return rows;
}

/**
 * The Timer column from tcpTimers' figures, the way Linux's ss names its timers: `on` (the
 * retransmission timer, with the retransmissions so far), `persist` (with the backoff),
 * `keepalive` (with the probes sent), `timewait` (2·MSL in TIME-WAIT, and the FIN-WAIT-2
 * limit, as Linux shows both); '' when none runs. The delayed-ACK timer is not shown, as ss
 * does not show it.
 */
export function timerText(state: number, tm: Float64Array, now: number): string {
  if (tm[0] !== 0) return formatTimer('on', tm[0] - now, tm[1]);
  if (tm[2] !== 0) return formatTimer('persist', tm[2] - now, tm[3]);
  if (tm[5] !== 0) return formatTimer('keepalive', tm[5] - now, tm[6]);
  if (tm[7] !== 0 && (state === C.TIME_WAIT || state === C.FIN_WAIT_2)) return formatTimer('timewait', tm[7] - now, 0);
  return '';
}

/** `s` padded with spaces to `n` characters (String.prototype.padEnd is not on every board). */
function pad(s: string, n: number): string {
  let out = s;
  while (out.length < n) out += ' ';
  return out;
}

/** ss's way of writing a time: 200ms, 1.9sec, 2.5min. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return Math.round(ms) + 'ms';
  if (ms < 60000) return (Math.round(ms / 100) / 10) + 'sec';
  return (Math.round(ms / 6000) / 10) + 'min';
}

/** The Timer column as ss prints it: timer:(kind,remaining,count), e.g. timer:(on,800ms,1). */
export function formatTimer(kind: string, remainingMs: number, count: number): string {
  return 'timer:(' + kind + ',' + formatDuration(remainingMs < 0 ? 0 : remainingMs) + ',' + count + ')';
}

/** The table's lines: a header, then one line per row, columns padded to fit. */
export function formatNetstat(rows: NetRow[]): string[] {
  const head = ['State', 'Recv-Q', 'Send-Q', 'Local Address:Port', 'Peer Address:Port', 'Timer'];
  const w = [12, 6, 6, 18, 18, 0];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.state.length > w[0]) w[0] = r.state.length;
    if (r.local.length > w[3]) w[3] = r.local.length;
    if (r.peer.length > w[4]) w[4] = r.peer.length;
  }
  const lines: string[] = [];
  lines.push(pad(head[0], w[0]) + ' ' + pad(head[1], w[1]) + ' ' + pad(head[2], w[2]) + ' ' + pad(head[3], w[3]) + ' ' + pad(head[4], w[4]) + ' ' + head[5]);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const line = pad(r.state, w[0]) + ' ' + pad('' + r.recvQ, w[1]) + ' ' + pad('' + r.sendQ, w[2]) + ' ' + pad(r.local, w[3]) + ' ' + pad(r.peer, w[4]) + ' ' + r.timer;
    lines.push(line.replace(/\s+$/, ''));
  }
  return lines;
}

/**
 * The last `max` transitions of the trace ring, oldest first, one line each, with how long
 * before `now` it happened (a board's clock may count from 1970):
 * `-12.345s   #0   SYN-RECEIVED -> ESTABLISHED  rcv ACK`. None without TRACE (src/features.ts).
 */
export function transitionLines(t: Tcb, now: number, max: number): string[] {
  const lines: string[] = [];
  if (!TRACE) return lines;
  const tr = t.trace;
  const size = tr.size();
  for (let k = size > max ? size - max : 0; k < size; k++) {
    const conn = tr.conn(k);
    lines.push(pad('-' + ((now - tr.time(k)) / 1000).toFixed(3) + 's', 11) + ' ' + pad(conn >= C.LISTENER_BASE ? 'L' + (conn - C.LISTENER_BASE) : '#' + conn, 4) + ' ' +
      C.STATE_NAMES[tr.from(k)] + ' -> ' + C.STATE_NAMES[tr.to(k)] + '  ' + CAUSE_NAMES[tr.cause(k)]);
  }
  return lines;
}

/** The table, then (with TRACE) a blank line and the last `max` transitions. */
export function netstatLines(t: Tcb, addr: number, now: number, max: number): string[] {
  const lines = formatNetstat(netstatRows(t, addr, now));
  const tr = transitionLines(t, now, max);
  if (tr.length > 0) {
    lines.push('');
    lines.push('Last ' + tr.length + ' transitions (of ' + t.trace.total + '):');
    for (let i = 0; i < tr.length; i++) lines.push(tr[i]);
  }
  return lines;
}
