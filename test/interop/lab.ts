// subset: host-only
/**
 * Test helper for the interop suite: a "lab" where the Linux kernel talks to a slipstack
 * stack over SLIP, the way a board is reached.
 *
 *   Linux (namespace sstest-<pid>-<tag>)         this test process
 *   tun0 192.0.2.1 ⇄ `slipstack bridge` ⇄ pty ⇄ socat ⇄ pty ⇄ hal/serialport ⇄ stack 192.0.2.2
 *
 * Contract:
 * - `kernelLab()` says whether the suite can run (root and the Linux tools); without them it
 *   prints why and returns false, except under CI=true, where it throws (the suite must run).
 * - `openLab(tag, config, bridgeArgs)` makes the namespace (IPv6 off, so only our traffic
 *   crosses), the pty pair, the stack (with the demo app, firmware/app.ts) and the bridge
 *   inside the namespace. `lab.close()` stops every process it started (by process group),
 *   any process still left in the namespace, the bridge, the port and socat, and deletes the
 *   namespace; call it in afterAll even when openLab failed half-way (it is then passed the
 *   partial lab through `onPartial`).
 * - Commands inside the namespace run asynchronously (`lab.run`, `lab.spawn`): the stack in
 *   this process must keep answering while they wait.
 * - `lab.exchange(...)` drives one connection of the stack as a client (connect, send, read
 *   until EOF, close) next to the demo app, which keeps serving its own connections.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSerialHal } from '../../hal/serialport.js';
import type { SerialHal } from '../../hal/serialport.js';
import { createStack } from '../../src/stack.js';
import type { Stack } from '../../src/stack.js';
import type { StackConfig } from '../../src/config.js';
import type { TcpHandler } from '../../src/tcp/tcb.js';
import { startApp } from '../../firmware/app.js';
import * as C from '../../src/tcp/constants.js';
import { EAGAIN, errnoName } from '../../src/errno.js';
import { parseAddr } from '../../src/wire/ipv4.js';
import { createScope, isRoot, missingTools } from '../../tools/lab.js';
import type { Capture, Child, PtyPair, RunResult, Scope } from '../../tools/lab.js';

export { sha256, sleep, until } from '../../tools/lab.js';
export type { Capture, Child, RunResult } from '../../tools/lab.js';

/** Linux's end of the line. */
export const LINUX_ADDR = '192.0.2.1';
/** The stack's end of the line. */
export const STACK_ADDR = '192.0.2.2';
/** The line's MTU: full Ethernet-sized packets, so `ping -s 1472` fits exactly. */
export const MTU = 1500;

/** The Linux tools the suite drives. */
const TOOLS = ['ip', 'ss', 'socat', 'ping', 'curl', 'nc', 'hping3', 'tcpdump', 'tshark', 'python3'];

/** True when the interop suite can run here; prints why not (and throws under CI=true). */
export function kernelLab(): boolean {
  const missing = missingTools(TOOLS);
  if (isRoot && missing.length === 0) return true;
  const why = !isRoot
    ? 'it needs root (network namespaces and a TUN device)'
    : 'these tools are missing: ' + missing.join(', ') + ' (bash .ci/run installs them)';
  if (process.env.CI === 'true') throw new Error('the interop suite must run under CI=true, but ' + why);
  console.warn('skipping the interop suite with the Linux kernel: ' + why);
  return false;
}

/** One connection the stack opened as a client, and what happened on it. */
export interface ExchangeResult {
  /** The connection handle (a slot index: its state stays readable after close). */
  conn: number;
  /** The stack's local port. */
  lport: number;
  /** Everything read until EOF. */
  received: Buffer;
  /** Octets the send ring took. */
  sent: number;
  /** From connect to EOF (or to the last octet queued, when not reading), ms. */
  ms: number;
}

/** How the stack's client ends its side. */
export interface ExchangeOptions {
  /** Data to send once connected (may be empty). */
  send: Uint8Array;
  /** After the last octet is queued: 'shutdown' (half-close, keep reading), 'close' (done: no reading), or 'none'. */
  afterSend: 'shutdown' | 'close' | 'none';
  /** Give up after this long, ms. */
  timeoutMs: number;
}

/** A namespace with the bridge inside, and the stack in this process on the other end of the line. */
export interface Lab {
  ns: string;
  /** A scratch directory (deleted by close). */
  dir: string;
  stack: Stack;
  hal: SerialHal;
  pair: PtyPair;
  /** The bridge process and its output so far. */
  bridge: Child | null;
  /** Run a command inside the namespace and wait for it (never blocks the event loop). */
  run(cmd: string[], timeoutMs?: number): Promise<RunResult>;
  /** Start a long-running command inside the namespace (servers); close() stops it. */
  spawn(cmd: string[]): Child;
  /** tcpdump on tun0 into `file` (see tools/lab.ts, `capture`); resolves once it listens. */
  capture(file: string, filter?: string): Promise<Capture>;
  /** Resolve once `pattern` appears in the child's stdout or stderr (rejects after timeoutMs or if it exits). */
  waitFor(child: Child, pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolve once a TCP listener on `port` shows in `ss -ltn` inside the namespace. */
  waitListening(port: number, timeoutMs?: number): Promise<void>;
  /** (Re)start the bridge with extra options (--loss, --seed...); stops the running one first. */
  startBridge(extra: string[]): Promise<Child>;
  /** Stop the bridge (SIGTERM); resolves with its output, which ends with its counters. */
  stopBridge(): Promise<string>;
  /** The stack connects to addr:port as a client, sends, reads until EOF, and closes. */
  exchange(addr: string, port: number, o: ExchangeOptions): Promise<ExchangeResult>;
  /** Trace entries recorded since `since` (a value of stack.trace.total), for one slot: "FROM>TO (cause)". */
  transitions(since: number, conn: number): string[];
  /** Slots whose local port is lport and remote port rport (any state but a free slot). */
  slotsFor(lport: number, rport: number): number[];
  /** Stop everything and delete the namespace (idempotent, never throws). */
  close(): Promise<void>;
}

/** The state names of the TCP table, for messages. */
function tableSummary(stack: Stack): string {
  const st = stack.tcpStates();
  const ep = new Int32Array(8);
  const parts: string[] = [];
  for (let i = 0; i < st.length; i++) {
    if (st[i] === C.CLOSED) continue;
    stack.tcpEndpoint(i, ep);
    parts.push(i + ':' + C.STATE_NAMES[st[i]] + '(' + ep[0] + '<->' + ep[2] + ')');
  }
  return parts.length ? parts.join(' ') : 'empty';
}

export { tableSummary };

/**
 * Make the lab. `config` adds to the suite's stack configuration; `bridgeArgs` are extra
 * bridge options. `onPartial` receives the lab as soon as it exists, so that afterAll can
 * clean up whatever was made even if a later step fails.
 */
export async function openLab(tag: string, config: StackConfig, bridgeArgs: string[], onPartial: (lab: Lab) => void): Promise<Lab> {
  // The bridge runs from the bundle, as users run it (the build writes it atomically).
  execFileSync(process.execPath, ['build.mjs', '--only=slipstack', '--quiet'], { stdio: 'inherit' });
  const ns = 'sstest-' + process.pid + '-' + tag;
  const dir = mkdtempSync(join(tmpdir(), 'slipstack-interop-' + tag + '-'));
  const scope: Scope = createScope();
  let closed = false;

  // These are filled in below; close() copes with any of them missing.
  const lab = {
    ns: ns,
    dir: dir,
    stack: null as unknown as Stack,
    hal: null as unknown as SerialHal,
    pair: null as unknown as PtyPair,
    bridge: null as Child | null,
  } as Lab;

  lab.spawn = (cmd: string[]): Child => scope.spawn(ns, cmd);
  lab.run = (cmd: string[], timeoutMs?: number): Promise<RunResult> => scope.run(ns, cmd, timeoutMs);
  lab.capture = (file: string, filter?: string): Promise<Capture> => scope.capture(ns, 'tun0', file, filter);
  lab.waitFor = (child: Child, pattern: RegExp, timeoutMs?: number): Promise<void> => scope.waitFor(child, pattern, timeoutMs);
  lab.waitListening = (port: number, timeoutMs?: number): Promise<void> => scope.waitListening(ns, port, timeoutMs);

  lab.startBridge = async function (extra: string[]): Promise<Child> {
    if (lab.bridge !== null) await lab.stopBridge();
    lab.bridge = await scope.bridge(ns, ['--port', lab.pair.a, '--tun', 'tun0', '--local', LINUX_ADDR, '--peer', STACK_ADDR,
      '--mtu', String(MTU), ...extra]);
    return lab.bridge;
  };

  lab.stopBridge = async function (): Promise<string> {
    const b = lab.bridge;
    if (b === null) return '';
    lab.bridge = null;
    // SIGTERM: the bridge closes the TUN and the port, then prints its counters.
    const r = await scope.stop(b, 'SIGTERM', 3000);
    return r.out + r.err;
  };

  lab.transitions = function (since: number, conn: number): string[] {
    const tr = lab.stack.trace;
    const size = tr.size();
    const first = tr.total - size; // absolute index of entry 0
    const out: string[] = [];
    for (let k = Math.max(0, since - first); k < size; k++) {
      if (tr.conn(k) !== conn) continue;
      out.push(C.STATE_NAMES[tr.from(k)] + '>' + C.STATE_NAMES[tr.to(k)]);
    }
    return out;
  };

  lab.slotsFor = function (lport: number, rport: number): number[] {
    const st = lab.stack.tcpStates();
    const ep = new Int32Array(8);
    const out: number[] = [];
    for (let i = 0; i < st.length; i++) {
      if (st[i] === C.CLOSED) continue;
      lab.stack.tcpEndpoint(i, ep);
      if (ep[0] === lport && ep[2] === rport) out.push(i);
    }
    return out;
  };

  // ---- the stack's own client connections, next to the demo app --------------------------
  // Each gets its own handler (tcpConnect's last argument); the demo app's listeners keep theirs.
  lab.exchange = function (addr: string, port: number, o: ExchangeOptions): Promise<ExchangeResult> {
    const stack = lab.stack;
    const dst = parseAddr(addr) as number;
    return new Promise<ExchangeResult>((resolve, reject) => {
      const t0 = performance.now();
      const chunks: Buffer[] = [];
      const buf = new Uint8Array(16384);
      let sent = 0;
      let ended = false;
      let connected = false;
      let released = false;
      let conn = -1;
      let lport = 0;
      const finish = (err: Error | null): void => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        if (err !== null) {
          if (!released && conn >= 0) {
            try { stack.tcpAbort(conn); } catch { /* already gone */ }
          }
          reject(err);
          return;
        }
        resolve({ conn: conn, lport: lport, received: Buffer.concat(chunks), sent: sent, ms: performance.now() - t0 });
      };
      const timer = setTimeout(() => {
        finish(new Error('exchange with ' + addr + ':' + port + ' timed out after ' + o.timeoutMs + ' ms: sent ' + sent + ' of ' +
          o.send.length + ', received ' + chunks.reduce((a, c) => a + c.length, 0) + ', state ' +
          C.STATE_NAMES[stack.tcpState(conn)] + ', table ' + tableSummary(stack)));
      }, o.timeoutMs);
      let shut = false;
      const step = (): void => {
        if (ended || !connected) return;
        while (sent < o.send.length) {
          const k = stack.tcpWrite(conn, o.send, sent, o.send.length - sent);
          if (k === -EAGAIN) break; // the send ring is full: EV_WRITABLE brings us back
          if (k < 0) {
            finish(new Error('tcpWrite failed: ' + errnoName(k)));
            return;
          }
          sent += k;
        }
        if (sent === o.send.length && !shut) {
          shut = true;
          if (o.afterSend === 'shutdown') stack.tcpShutdown(conn);
          else if (o.afterSend === 'close') {
            stack.tcpClose(conn);
            released = true;
            finish(null);
            return;
          }
        }
        for (;;) {
          const r = stack.tcpRead(conn, buf, 0, buf.length);
          if (r > 0) {
            chunks.push(Buffer.from(buf.subarray(0, r)));
            continue;
          }
          if (r === 0) {
            stack.tcpClose(conn);
            released = true;
            finish(null);
          } else if (r !== -EAGAIN) {
            finish(new Error('tcpRead failed: ' + errnoName(r)));
          }
          return;
        }
      };
      const handler: TcpHandler = (_c: number, ev: number, detail: number) => {
        if (ended) return;
        if (ev === C.EV_CONNECTED) connected = true;
        if (ev === C.EV_CLOSED && !(connected && detail === C.REASON_FIN)) {
          finish(new Error('connection to ' + addr + ':' + port + ' ended: ' + C.REASON_NAMES[detail] + ' (sent ' + sent + ', received ' +
            chunks.reduce((a, c) => a + c.length, 0) + ')'));
          return;
        }
        step();
      };
      try {
        conn = stack.tcpConnect(dst, port, 0, handler);
      } catch (e) {
        finish(e as Error);
        return;
      }
      const ep = new Int32Array(8);
      stack.tcpEndpoint(conn, ep);
      lport = ep[0];
    });
  };

  lab.close = async function (): Promise<void> {
    if (closed) return;
    closed = true;
    try {
      if (lab.bridge !== null) await lab.stopBridge();
    } catch { /* keep cleaning */ }
    await scope.close();
    rmSync(dir, { recursive: true, force: true });
  };

  onPartial(lab);

  scope.namespace(ns);
  lab.pair = await scope.pty('interop-' + tag);
  lab.hal = await openSerialHal(lab.pair.b, 115200);
  scope.own(lab.hal);
  lab.stack = createStack({
    addr: STACK_ADDR,
    mtu: MTU,
    tcpConns: 16,
    tcpListeners: 4,
    tcpSndBuf: 16384,
    tcpRcvBuf: 16384,
    traceEvents: 8192,
    ...config,
  }, lab.hal);
  lab.hal.start(startApp(lab.stack.net));
  await lab.startBridge(bridgeArgs);
  return lab;
}
