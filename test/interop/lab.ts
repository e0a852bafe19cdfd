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
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
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
import { ptyPair } from '../hal/pty.js';
import type { PtyPair } from '../hal/pty.js';

/** Linux's end of the line. */
export const LINUX_ADDR = '192.0.2.1';
/** The stack's end of the line. */
export const STACK_ADDR = '192.0.2.2';
/** The line's MTU: full Ethernet-sized packets, so `ping -s 1472` fits exactly. */
export const MTU = 1500;

/** The Linux tools the suite drives. */
const TOOLS = ['ip', 'ss', 'socat', 'ping', 'curl', 'nc', 'hping3', 'tcpdump', 'tshark', 'python3'];

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** True when the interop suite can run here; prints why not (and throws under CI=true). */
export function kernelLab(): boolean {
  const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', 'command -v ' + t]).status !== 0);
  if (isRoot && missing.length === 0) return true;
  const why = !isRoot
    ? 'it needs root (network namespaces and a TUN device)'
    : 'these tools are missing: ' + missing.join(', ') + ' (bash .ci/run installs them)';
  if (process.env.CI === 'true') throw new Error('the interop suite must run under CI=true, but ' + why);
  console.warn('skipping the interop suite with the Linux kernel: ' + why);
  return false;
}

/** SHA-256 of bytes, hex. */
export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Resolve after ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A command's result. */
export interface RunResult {
  /** Exit code (null: killed by a signal). */
  code: number | null;
  out: string;
  err: string;
  /** Wall time, ms. */
  ms: number;
}

/** A process started in the namespace. */
export interface Child {
  proc: ChildProcess;
  out(): string;
  err(): string;
  /** Resolves when it exits. */
  exited: Promise<RunResult>;
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
  /** Start a long-running command inside the namespace (servers, tcpdump); close() stops it. */
  spawn(cmd: string[]): Child;
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

/** SIGTERM a process group, SIGKILL after 2 s; resolves once the leader exited. */
function stopGroup(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return Promise.resolve();
  const pid = p.pid;
  return new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
    }, 2000);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    try { process.kill(-pid, 'SIGTERM'); } catch { clearTimeout(t); resolve(); }
  });
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
  const children: Child[] = [];
  let closed = false;
  let nsMade = false;

  // These are filled in below; close() copes with any of them missing.
  const lab = {
    ns: ns,
    dir: dir,
    stack: null as unknown as Stack,
    hal: null as unknown as SerialHal,
    pair: null as unknown as PtyPair,
    bridge: null as Child | null,
  } as Lab;

  function spawnIn(cmd: string[]): Child {
    // Its own process group, so that close() also reaches the children of a shell.
    const proc = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    const t0 = performance.now();
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<RunResult>((resolve) => {
      proc.on('error', (e) => { err += String(e); });
      proc.on('close', (code) => resolve({ code: code, out: out, err: err, ms: performance.now() - t0 }));
    });
    const child: Child = { proc: proc, out: () => out, err: () => err, exited: exited };
    children.push(child);
    return child;
  }

  lab.spawn = spawnIn;

  lab.run = async function (cmd: string[], timeoutMs?: number): Promise<RunResult> {
    const c = spawnIn(cmd);
    const limit = timeoutMs ?? 60000;
    const timer = setTimeout(() => { void stopGroup(c.proc); }, limit);
    const r = await c.exited;
    clearTimeout(timer);
    const k = children.indexOf(c);
    if (k >= 0) children.splice(k, 1);
    if (r.ms >= limit) r.err += '\n(killed after ' + limit + ' ms)';
    return r;
  };

  lab.waitFor = function (child: Child, pattern: RegExp, timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const limit = timeoutMs ?? 10000;
      const t0 = performance.now();
      let done = false;
      child.exited.then((r) => {
        if (done) return;
        done = true;
        reject(new Error('exited (' + r.code + ') before printing ' + pattern + ': ' + r.err + r.out));
      }, () => {});
      const tick = (): void => {
        if (done) return;
        if (pattern.test(child.out()) || pattern.test(child.err())) {
          done = true;
          resolve();
        } else if (performance.now() - t0 > limit) {
          done = true;
          reject(new Error('no ' + pattern + ' within ' + limit + ' ms: ' + child.err() + child.out()));
        } else setTimeout(tick, 10);
      };
      tick();
    });
  };

  lab.waitListening = async function (port: number, timeoutMs?: number): Promise<void> {
    const limit = timeoutMs ?? 10000;
    const t0 = performance.now();
    for (;;) {
      const r = await lab.run(['ss', '-Hltn', 'sport = :' + port]);
      if (r.out.includes(':' + port)) return;
      if (performance.now() - t0 > limit) throw new Error('nothing listens on port ' + port + ' after ' + limit + ' ms');
      await sleep(20);
    }
  };

  lab.startBridge = async function (extra: string[]): Promise<Child> {
    if (lab.bridge !== null) await lab.stopBridge();
    const b = spawnIn([process.execPath, 'dist/slipstack.mjs', 'bridge', '--port', lab.pair.a, '--tun', 'tun0',
      '--local', LINUX_ADDR, '--peer', STACK_ADDR, '--mtu', String(MTU), ...extra]);
    lab.bridge = b;
    await lab.waitFor(b, /ready/, 15000);
    return b;
  };

  lab.stopBridge = async function (): Promise<string> {
    const b = lab.bridge;
    if (b === null) return '';
    lab.bridge = null;
    // SIGTERM to the bridge itself: it closes the TUN and the port, then prints its counters.
    if (b.proc.exitCode === null && b.proc.signalCode === null) b.proc.kill('SIGTERM');
    const t = setTimeout(() => { void stopGroup(b.proc); }, 3000);
    const r = await b.exited;
    clearTimeout(t);
    const k = children.indexOf(b);
    if (k >= 0) children.splice(k, 1);
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
  const mine = new Map<number, TcpHandler>();

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
        mine.delete(conn);
        if (err !== null) {
          if (!released) {
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
      try {
        conn = stack.tcpConnect(dst, port, 0);
      } catch (e) {
        finish(e as Error);
        return;
      }
      const ep = new Int32Array(8);
      stack.tcpEndpoint(conn, ep);
      lport = ep[0];
      mine.set(conn, (_c: number, ev: number, detail: number) => {
        if (ev === C.EV_CONNECTED) connected = true;
        if (ev === C.EV_CLOSED && !(connected && detail === C.REASON_FIN)) {
          finish(new Error('connection to ' + addr + ':' + port + ' ended: ' + C.REASON_NAMES[detail] + ' (sent ' + sent + ', received ' +
            chunks.reduce((a, c) => a + c.length, 0) + ')'));
          return;
        }
        step();
      });
    });
  };

  lab.close = async function (): Promise<void> {
    if (closed) return;
    closed = true;
    try {
      if (lab.bridge !== null) await lab.stopBridge();
    } catch { /* keep cleaning */ }
    await Promise.all(children.map((c) => stopGroup(c.proc)));
    if (nsMade) {
      // Anything still running in our namespace was started by this lab.
      const left = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter((s) => /^\d+$/.test(s));
      for (const pid of left) {
        try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
      }
    }
    try {
      if (lab.hal !== null) await lab.hal.close();
    } catch { /* keep cleaning */ }
    try {
      if (lab.pair !== null) await lab.pair.stop();
    } catch { /* keep cleaning */ }
    if (nsMade) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  };

  onPartial(lab);

  execFileSync('ip', ['netns', 'add', ns]);
  nsMade = true;
  // Without IPv6 the kernel sends no router solicitations: only the tests' traffic crosses.
  execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  lab.pair = await ptyPair('interop-' + tag);
  lab.hal = await openSerialHal(lab.pair.b, 115200);
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

  // The demo app registers the stack's one TCP event handler; the lab's own client
  // connections need events too, so the app's handler is taken aside and called for
  // every connection that is not the lab's.
  const stack = lab.stack;
  let appHandler: TcpHandler = () => {};
  const own = stack as unknown as { onTcp: (h: TcpHandler) => void };
  own.onTcp = (h: TcpHandler) => { appHandler = h; };
  startApp(stack.net);
  delete (own as { onTcp?: unknown }).onTcp; // back to the Stack method
  stack.onTcp((c: number, ev: number, detail: number) => {
    const h = ev === C.EV_ACCEPTABLE ? undefined : mine.get(c); // EV_ACCEPTABLE names a listener, not a slot
    if (h !== undefined) h(c, ev, detail);
    else appHandler(c, ev, detail);
  });
  lab.hal.start(stack);
  await lab.startBridge(bridgeArgs);
  return lab;
}
