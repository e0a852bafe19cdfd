/**
 * A netstat view of one stack, like `ss -tan -o`: one row per listener and per connection
 * with its state, queues, endpoints and running timer.
 *
 *   State        Recv-Q Send-Q Local Address:Port  Peer Address:Port   Timer
 *   LISTEN       0      0      192.168.190.2:80    *:*
 *   TIME-WAIT    0      0      192.168.190.1:49152 192.168.190.2:80    timer:(timewait,1.9sec,0)
 *
 * Contract:
 * - `netstatRows(stack, listenPorts, timer)` reads only the stack's public API (tcpStates,
 *   tcpEndpoint); the listeners are the ports the caller listens on (the API lists no
 *   listeners), and `timer(conn)` gives the Timer column (''/null: none), so a host tool and a
 *   board console can each say what they know about timers.
 * - `formatNetstat(rows)` pads the columns and returns the lines, header first.
 * - Plain functions inside the board subset: a board console can print the same table. They
 *   allocate (rows, strings): call them from a console command, never per packet.
 */
import type { Stack } from '../stack.js';
import * as C from '../tcp/constants.js';
import { formatAddr } from '../wire/ipv4.js';

/** One row of the table. */
export interface NetRow {
  state: string;
  recvQ: number;
  sendQ: number;
  local: string;
  peer: string;
  timer: string;
}

/** Gives the Timer column of a connection handle ('' when none runs). */
export type TimerText = (conn: number) => string;

/** Rows for the listeners on `listenPorts`, then every connection slot that is not CLOSED. */
export function netstatRows(stack: Stack, listenPorts: number[], timer: TimerText | null): NetRow[] {
  const rows: NetRow[] = [];
  const local = formatAddr(stack.addr);
  for (let k = 0; k < listenPorts.length; k++) {
    rows.push({ state: 'LISTEN', recvQ: 0, sendQ: 0, local: local + ':' + listenPorts[k], peer: '*:*', timer: '' });
  }
  const states = stack.tcpStates();
  const ep = new Int32Array(9);
  for (let i = 0; i < states.length; i++) {
    const s = states[i];
    if (s === C.CLOSED) continue;
    stack.tcpEndpoint(i, ep);
    rows.push({
      state: C.STATE_NAMES[s],
      recvQ: ep[7],
      sendQ: ep[6],
      local: local + ':' + ep[0],
      peer: formatAddr(ep[1]) + ':' + ep[2],
      timer: timer !== null ? timer(i) : '',
    });
  }
  return rows;
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
