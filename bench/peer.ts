/**
 * `npm run bench:peer`: bulk TCP against the Linux kernel over a real-time SLIP line, Linux's
 * own TCP against slipstack's. Needs root (network namespaces, TUN devices), socat, iproute2
 * and netcat-openbsd; runs in real time (1 MB at 115200 baud is about 107 s per run).
 *
 * The line. Linux A is a network namespace with a TUN device (192.0.2.1 peer 192.0.2.2)
 * joined to one end of a socat pseudo-terminal pair by the project's bridge (`slipstack
 * bridge`, tools/bridge.ts). That bridge *is* the link emulator of every run: it paces both
 * directions at 115200 baud (10 bits per octet, one frame at a time each way, at most
 * `--queue` frames waiting, like a UART driver's queue) and loses frames with probability p
 * on both of its lanes, from a fixed seed. So each direction crosses exactly one paced,
 * lossy lane, and the loss per direction is exactly p. At the other end of the pty is
 *   (1) Linux B: a second namespace (192.0.2.2 peer 192.0.2.1) behind a second bridge that
 *       neither paces nor loses — it is only B's SLIP driver; or
 *   (2) slipstack, in this process, on the pty through hal/serialport.ts (the path a host
 *       talking to a board uses), at 192.0.2.2.
 * Why not pace at both bridges: a frame would then be serialized twice (once leaving A, once
 * entering B), which no real cable does, and slipstack's side has no second pacer, so the
 * two setups would not be the same line.
 *
 * The runs. For each loss rate and each direction, 1 MB of seeded random bytes (SLIP escapes
 * at their natural rate) moves across one TCP connection: `nc -N` sends a file, `nc -l -d`
 * receives (Linux ends), or slipstack's own sender / sink in this process. Goodput is bytes
 * over the time from the sender's start (spawning nc, or tcpConnect) to the receiver reading
 * EOF; the receiver's SHA-256 must match. Every run gets fresh namespaces, a fresh pty pair,
 * fresh bridges and a fresh stack, so no run inherits TCP metrics or loss-generator state;
 * the same seed gives the data lane the same frame fates in the Linux and slipstack runs.
 * Both ends use MTU 296 (Linux sl0's default and the board firmware's), MSS 256.
 *
 * Printed: the physical limit (the formula of `bench:link`: line rate × MSS / (MTU + 2 +
 * expected escapes)); each run's goodput, its share of the limit, the sender's
 * retransmissions and retransmission timeouts, and the data direction's frames the bridge
 * lost (seeded) and dropped (queue full); for each loss rate and direction the ratio
 * slipstack / Linux against the goal (>= 1.0), and MISSED where it falls short; one JSON
 * line last. Options: --size, --loss, --dir, --peer, --rings, --queue, --seed, --cc,
 * --timeout, --pcap (see --help). Namespaces and processes are removed in finally and on
 * Ctrl-C.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { payload } from './transfer.js';
import { openSerialHal } from '../hal/serialport.js';
import type { SerialHal } from '../hal/serialport.js';
import { ptyPair } from './engines/pty.js';
import type { PtyPair } from './engines/pty.js';
import { createStack } from '../src/stack.js';
import type { Stack } from '../src/stack.js';
import { resolveConfig } from '../src/config.js';
import { parseAddr } from '../src/wire/ipv4.js';
import * as C from '../src/tcp/constants.js';
import * as stats from '../src/stats.js';

const HELP = `usage: npm run bench:peer -- [options]

Linux's TCP vs slipstack's over a 115200-baud SLIP line emulated by slipstack bridge
(root). Each run is real time: about 107 s per MB at 0% loss.

  --size N       bytes per transfer (default 1048576)
  --loss LIST    frame loss rates per direction, 0..1 (default 0,0.01,0.02,0.05)
  --dir D        to-peer (Linux A sends, as in nc -N A -> nc -l B), from-peer, or both (default both)
  --peer P       linux, slipstack, or both (default both; the ratio needs both)
  --rings LIST   slipstack's send and receive ring sizes, octets, one set of slipstack runs
                 each (default 1024,4096: the board's 4·MSS, and a host-sized 16·MSS)
  --queue N      frames that may wait for the paced line each way (default 16, the bridge's)
  --seed N       seed of the bridge's frame loss (default 42)
  --cc NAME      Linux congestion control in the namespaces (default: the kernel's default)
  --linux-window N  clamp the window both Linux ends advertise to N octets (ip route ... window N)
                 in the Linux-to-Linux runs: Linux with the memory of slipstack's rings
                 (default: no clamp, Linux's own buffers)
  --timeout S    give up a run after S seconds (default: 10 × the ideal time + 60)
  --pcap DIR     keep each run's capture from bridge A (the line, after the loss) in DIR
  -h, --help     this text
`;

// ---- the line and the addresses ----------------------------------------------------------

const BAUD = 115200;
/** Octets per second: 8N1 puts 10 bits on the wire per octet. */
const LINE_RATE = BAUD / 10;
/** Linux sl0's default MTU and the board firmware's. */
const MTU = 296;
const MSS = MTU - 40;
const ADDR_A = '192.0.2.1';
const ADDR_PEER = '192.0.2.2';
const PORT = 5001;
/** The board's default rings at this MTU (4·MSS). */
const BOARD_RINGS = resolveConfig({ mtu: MTU }).tcpRcvBuf;
/**
 * Rings for slipstack on a host (16·MSS): the bench runs slipstack in Node, as a host talking
 * to a board would, and Linux on the other side keeps hundreds of kilobytes per socket.
 */
const HOST_RINGS = 4 * BOARD_RINGS;
/** The physical limit, as in bench:link: random payload has an END or ESC (one extra octet) in 2 of 256 octets. */
const LIMIT = (LINE_RATE * MSS) / (MTU + 2 + (MSS * 2) / 256);

// ---- options -----------------------------------------------------------------------------

interface Options {
  size: number;
  losses: number[];
  dirs: Dir[];
  peers: Peer[];
  rings: number[];
  queue: number;
  seed: number;
  cc: string | null;
  /** Window clamp for both Linux ends of the Linux runs, octets (0 = none). */
  linuxWindow: number;
  timeoutS: number;
  pcapDir: string | null;
}
type Dir = 'to-peer' | 'from-peer';
type Peer = 'linux' | 'slipstack';

function usage(msg: string): never {
  process.stderr.write('bench:peer: ' + msg + " (see 'npm run bench:peer -- --help')\n");
  process.exit(2);
}

function intOpt(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) usage(`--${name} must be a whole number in ${min}..${max}, got "${v}"`);
  return n;
}

function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, strict: true, allowPositionals: false, options: {
        size: { type: 'string' }, loss: { type: 'string' }, dir: { type: 'string' }, peer: { type: 'string' },
        rings: { type: 'string' }, queue: { type: 'string' }, seed: { type: 'string' }, cc: { type: 'string' }, 'linux-window': { type: 'string' },
        timeout: { type: 'string' }, pcap: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    usage((e as Error).message.split('\n')[0]);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const size = intOpt('size', v.size, 1 << 20, 1, 1 << 30);
  const losses = (v.loss ?? '0,0.01,0.02,0.05').split(',').map((s) => {
    const p = Number(s);
    if (s.trim() === '' || !(p >= 0 && p < 1)) usage(`--loss takes rates in 0..1 separated by commas, got "${s}"`);
    return p;
  });
  const dir = v.dir ?? 'both';
  if (dir !== 'both' && dir !== 'to-peer' && dir !== 'from-peer') usage(`--dir must be to-peer, from-peer or both, got "${dir}"`);
  const peer = v.peer ?? 'both';
  if (peer !== 'both' && peer !== 'linux' && peer !== 'slipstack') usage(`--peer must be linux, slipstack or both, got "${peer}"`);
  const ideal = size / LIMIT;
  return {
    size,
    losses,
    dirs: dir === 'both' ? ['to-peer', 'from-peer'] : [dir],
    peers: peer === 'both' ? ['linux', 'slipstack'] : [peer],
    rings: (v.rings ?? BOARD_RINGS + ',' + HOST_RINGS).split(',').map((r) => intOpt('rings', r, BOARD_RINGS, 64, 65535)),
    queue: intOpt('queue', v.queue, 16, 1, 100000),
    seed: intOpt('seed', v.seed, 42, -0x80000000, 0x7fffffff),
    cc: v.cc ?? null,
    linuxWindow: v['linux-window'] === undefined ? 0 : intOpt('linux-window', v['linux-window'], 0, 256, 65535),
    timeoutS: intOpt('timeout', v.timeout, Math.ceil(10 * ideal + 60), 1, 86400),
    pcapDir: v.pcap === undefined ? null : resolve(v.pcap),
  };
}

// ---- processes, namespaces and their cleanup ---------------------------------------------

/** Everything a run starts, so that finally and Ctrl-C can remove it. */
const live = {
  children: new Set<ChildProcess>(),
  namespaces: new Set<string>(),
  pairs: new Set<PtyPair>(),
  hals: new Set<SerialHal>(),
  /** The directory holding the payload file. */
  dirs: new Set<string>(),
};

/** Set by Ctrl-C / SIGTERM: nothing new may start (a run in progress stops at its next step). */
let aborted = false;

/** Throw if the bench is being interrupted, so that no process or namespace is made after the cleanup. */
function checkAborted(): void {
  if (aborted) throw new Error('interrupted');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Start a program inside a namespace (`ip netns exec` execs it, so the child is the program). */
function spawnIn(ns: string, argv: string[], stdio: ('ignore' | 'pipe' | number)[]): ChildProcess {
  checkAborted();
  const p = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio });
  live.children.add(p);
  p.on('exit', () => live.children.delete(p));
  return p;
}

/** Run a short command inside a namespace; returns its stdout, throws one line on failure. */
function runIn(ns: string, argv: string[]): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(argv.join(' ') + ' in ' + ns + ': ' + (r.stderr || r.stdout || String(r.error)).trim().split('\n')[0]);
  return r.stdout;
}

/** SIGTERM a child and wait for it (SIGKILL after 3 s). */
function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => p.kill('SIGKILL'), 3000);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** Resolve once p has exited and its pipes are closed, or after ms (false then). */
function waitClose(p: ChildProcess, ms: number): Promise<boolean> {
  if ((p.exitCode !== null || p.signalCode !== null) && (p.stdout === null || p.stdout.closed)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    p.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** A namespace with IPv6 off (no router solicitations on the line: only the bench's traffic crosses it). */
function addNamespace(ns: string, cc: string | null): void {
  checkAborted();
  execFileSync('ip', ['netns', 'add', ns]);
  live.namespaces.add(ns);
  runIn(ns, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  runIn(ns, ['sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
  if (cc !== null) runIn(ns, ['sysctl', '-qw', 'net.ipv4.tcp_congestion_control=' + cc]);
}

/**
 * Last resort when the process exits with something still there (an interrupt that came
 * mid-step): signal every child and socat, and delete the namespaces, synchronously.
 */
process.on('exit', () => {
  for (const p of live.children) p.kill('SIGTERM');
  for (const pair of live.pairs) if (pair.proc !== null) pair.proc.kill('SIGTERM');
  for (const ns of live.namespaces) spawnSync('ip', ['netns', 'del', ns]);
  for (const d of live.dirs) rmSync(d, { recursive: true, force: true });
});

/** Remove every process, pty pair, port and namespace still there (idempotent). */
async function cleanup(): Promise<void> {
  await Promise.all(Array.from(live.children).map(stop));
  live.children.clear();
  for (const h of live.hals) await h.close();
  live.hals.clear();
  for (const p of live.pairs) await p.stop();
  live.pairs.clear();
  for (const ns of live.namespaces) spawnSync('ip', ['netns', 'del', ns]);
  live.namespaces.clear();
}

/** `slipstack bridge` inside ns; resolves once it prints its ready line, with a getter for its output. */
function startBridge(ns: string, args: string[]): Promise<{ proc: ChildProcess; out: () => string }> {
  const proc = spawnIn(ns, [process.execPath, 'dist/slipstack.mjs', 'bridge', ...args], ['ignore', 'pipe', 'pipe']);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes('ready')) {
        clearInterval(t);
        clearTimeout(giveUp);
        resolve({ proc, out: () => out });
      }
    }, 10);
    const giveUp = setTimeout(() => {
      clearInterval(t);
      reject(new Error('the bridge in ' + ns + ' did not get ready in 15 s: ' + out.trim()));
    }, 15000);
    proc.on('exit', (code) => {
      clearInterval(t);
      clearTimeout(giveUp);
      reject(new Error('the bridge in ' + ns + ' exited with ' + code + ': ' + out.trim()));
    });
  });
}

/** Wait until something listens on PORT in ns. */
async function waitListening(ns: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (runIn(ns, ['ss', '-Hltn', 'sport = :' + PORT]).includes('LISTEN')) return;
    await sleep(10);
  }
  throw new Error('nothing listens on port ' + PORT + ' in ' + ns + ' after 5 s');
}

/** One counter of a namespace's kernel: `file` is /proc/net/snmp or /proc/net/netstat (per namespace), `group` Tcp or TcpExt. */
function linuxCounter(ns: string, file: string, group: string, name: string): number {
  const lines = runIn(ns, ['cat', file]).split('\n').filter((l) => l.startsWith(group + ':'));
  const names = lines[0].split(/\s+/);
  const values = lines[1].split(/\s+/);
  return Number(values[names.indexOf(name)]);
}

// ---- the Linux receiver and sender -------------------------------------------------------

/** `nc -l -d PORT` in ns, hashing what it writes; `done` resolves at its EOF (its exit). */
function ncReceiver(ns: string): { proc: ChildProcess; done: Promise<{ t: number; bytes: number; sha: string }> } {
  const proc = spawnIn(ns, ['nc', '-l', '-d', String(PORT)], ['ignore', 'pipe', 'pipe']);
  const hash = createHash('sha256');
  let bytes = 0;
  proc.stdout!.on('data', (d: Buffer) => {
    hash.update(d);
    bytes += d.length;
  });
  proc.stderr!.resume();
  const done = new Promise<{ t: number; bytes: number; sha: string }>((resolve) => {
    proc.once('close', () => resolve({ t: performance.now(), bytes, sha: hash.digest('hex') }));
  });
  return { proc, done };
}

/** `nc -N ADDR PORT < file` in ns: sends the file, then shuts down its write side (FIN). */
function ncSender(ns: string, addr: string, file: string): ChildProcess {
  const fd = openSync(file, 'r');
  try {
    return spawnIn(ns, ['nc', '-N', addr, String(PORT)], [fd, 'ignore', 'pipe']);
  } finally {
    closeSync(fd);
  }
}

// ---- slipstack's receiver and sender -----------------------------------------------------

/** A sink on PORT: reads everything, hashes it, closes at EOF; `done` resolves then. */
function stackReceiver(stack: Stack): Promise<{ t: number; bytes: number; sha: string }> {
  const listener = stack.tcpListen(PORT, 1);
  const scratch = new Uint8Array(4096);
  const hash = createHash('sha256');
  let conn = -1;
  let bytes = 0;
  return new Promise((resolve) => {
    stack.onTcp((c, ev) => {
      if (ev === C.EV_ACCEPTABLE && conn < 0) conn = stack.tcpAccept(listener);
      if (conn < 0 || (c !== conn && c !== listener)) return;
      for (;;) {
        const n = stack.tcpRead(conn, scratch, 0, scratch.length);
        if (n > 0) {
          hash.update(scratch.subarray(0, n));
          bytes += n;
          continue;
        }
        if (n === C.READ_EOF || n < 0) {
          const t = performance.now();
          stack.tcpClose(conn);
          conn = -2; // done: ignore later events
          resolve({ t, bytes, sha: hash.digest('hex') });
        }
        return;
      }
    });
  });
}

/** Connect to ADDR_A:PORT, write all of data, close (our FIN follows the data). */
function stackSender(stack: Stack, data: Uint8Array): void {
  const conn = stack.tcpConnect(parseAddr(ADDR_A)!, PORT, 0);
  let sent = 0;
  let closed = false;
  stack.onTcp((c, ev) => {
    if (c !== conn || closed || (ev !== C.EV_CONNECTED && ev !== C.EV_WRITABLE)) return;
    while (sent < data.length) {
      const n = stack.tcpWrite(conn, data, sent, data.length - sent);
      if (n <= 0) break;
      sent += n;
    }
    if (sent === data.length) {
      closed = true;
      stack.tcpClose(conn);
    }
  });
}

// ---- one run -----------------------------------------------------------------------------

interface Row {
  peer: Peer;
  /** slipstack's rings (send = receive), octets; 0 for Linux. */
  rings: number;
  dir: Dir;
  loss: number;
  goodput: number;
  pct: number;
  seconds: number;
  bytes: number;
  sha256: 'ok' | 'MISMATCH' | 'TIMEOUT';
  /** Segments the sender retransmitted, and its retransmission timeouts. */
  retransmits: number;
  timeouts: number;
  /** Data-direction frames: offered to the paced lane, lost by seed, dropped because the queue was full. */
  frames: number;
  lost: number;
  overflow: number;
}

/** The counters of one lane from the bridge's exit summary ("P packets ..., D sent|delivered, L lost"). */
function laneCounters(out: string, lane: 'tun0 -> serial' | 'serial -> tun0'): { frames: number; delivered: number; lost: number; overflow: number } {
  const line = out.split('\n').find((l) => l.startsWith('bridge: ' + lane + ':')) ?? '';
  const n = (re: RegExp): number => Number(re.exec(line)?.[1] ?? NaN);
  const frames = n(/: (\d+) packets/);
  const delivered = n(/(\d+) (?:sent|delivered)/);
  const lost = n(/(\d+) lost/);
  // The kernel-bound lane's summary has no overflow count: what was neither delivered nor
  // lost found the queue full (the bridge is stopped only after the transfer has drained).
  const overflow = lane === 'tun0 -> serial' ? n(/(\d+) overflow/) : frames - delivered - lost;
  return { frames, delivered, lost, overflow };
}

async function runOnce(o: Options, peer: Peer, rings: number, dir: Dir, loss: number, data: Uint8Array, dataFile: string, sha: string): Promise<Row> {
  const nsA = 'sspeerA-' + process.pid;
  const nsB = 'sspeerB-' + process.pid;
  let hal: SerialHal | null = null;
  let pair: PtyPair | null = null;
  try {
    addNamespace(nsA, o.cc);
    if (peer === 'linux') addNamespace(nsB, o.cc);
    pair = await ptyPair('peer');
    live.pairs.add(pair);
    checkAborted();
    // Bridge A is the line: paced both ways, loss p on both lanes, one seed.
    const bridgeA = await startBridge(nsA, ['--port', pair.a, '--tun', 'tun0', '--local', ADDR_A, '--peer', ADDR_PEER,
      '--mtu', String(MTU), '--baud', String(BAUD), '--queue', String(o.queue), '--loss', String(loss), '--seed', String(o.seed),
      ...(o.pcapDir !== null ? ['--pcap', join(o.pcapDir, `${peer === 'linux' ? 'linux' : 'slipstack' + rings}-${dir}-${loss}.pcap`)] : [])]);
    let stack: Stack | null = null;
    if (peer === 'linux') {
      // Bridge B is only Linux B's SLIP driver: no pacing, no loss.
      await startBridge(nsB, ['--port', pair.b, '--tun', 'tun0', '--local', ADDR_PEER, '--peer', ADDR_A, '--mtu', String(MTU)]);
      if (o.linuxWindow > 0) {
        // RTAX_WINDOW: the largest window TCP advertises to that destination (ip-route(8)).
        runIn(nsA, ['ip', 'route', 'replace', ADDR_PEER, 'dev', 'tun0', 'src', ADDR_A, 'window', String(o.linuxWindow)]);
        runIn(nsB, ['ip', 'route', 'replace', ADDR_A, 'dev', 'tun0', 'src', ADDR_PEER, 'window', String(o.linuxWindow)]);
      }
    } else {
      hal = await openSerialHal(pair.b, BAUD);
      live.hals.add(hal);
      checkAborted();
      stack = createStack({ addr: ADDR_PEER, mtu: MTU, tcpSndBuf: rings, tcpRcvBuf: rings }, hal);
      hal.start(stack);
    }
    const nsPeer = peer === 'linux' ? nsB : null;
    const senderNs = dir === 'to-peer' ? nsA : nsPeer;

    // The receiver first, then the clock starts as the sender starts.
    let done: Promise<{ t: number; bytes: number; sha: string }>;
    let t0: number;
    let sender: ChildProcess | null = null;
    let receiver: ChildProcess | null = null;
    if (dir === 'to-peer') {
      if (stack !== null) done = stackReceiver(stack);
      else {
        const r = ncReceiver(nsB);
        receiver = r.proc;
        done = r.done;
        await waitListening(nsB);
      }
      t0 = performance.now();
      sender = ncSender(nsA, ADDR_PEER, dataFile);
    } else {
      const r = ncReceiver(nsA);
      receiver = r.proc;
      done = r.done;
      await waitListening(nsA);
      t0 = performance.now();
      if (stack !== null) stackSender(stack, data);
      else sender = ncSender(nsB, ADDR_A, dataFile);
    }
    let timer: ReturnType<typeof setTimeout> | null = null;
    const timeout = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), o.timeoutS * 1000); });
    const got = await Promise.race([done, timeout]);
    if (timer !== null) clearTimeout(timer);
    // Let the closes finish (the sender's nc exits on the receiver's FIN), then count.
    if (sender !== null) await waitClose(sender, 10000);
    if (receiver !== null && got === null) await stop(receiver);
    const retransmits = senderNs !== null ? linuxCounter(senderNs, '/proc/net/snmp', 'Tcp', 'RetransSegs') : stack!.counters[stats.CNT_TCP_RETRANSMITS];
    const timeouts = senderNs !== null ? linuxCounter(senderNs, '/proc/net/netstat', 'TcpExt', 'TCPTimeouts') : stack!.counters[stats.CNT_TCP_RTO_TIMEOUTS];
    await stop(bridgeA.proc);
    const lane = laneCounters(bridgeA.out(), dir === 'to-peer' ? 'tun0 -> serial' : 'serial -> tun0');
    const seconds = got === null ? o.timeoutS : (got.t - t0) / 1000;
    const bytes = got === null ? 0 : got.bytes;
    const goodput = bytes / seconds;
    return {
      peer, rings: peer === 'linux' ? 0 : rings, dir, loss, goodput: Math.round(goodput), pct: +((100 * goodput) / LIMIT).toFixed(1), seconds: +seconds.toFixed(1), bytes,
      sha256: got === null ? 'TIMEOUT' : got.sha === sha && got.bytes === data.length ? 'ok' : 'MISMATCH',
      retransmits, timeouts, frames: lane.frames, lost: lane.lost, overflow: lane.overflow,
    };
  } finally {
    await cleanup();
  }
}

// ---- the whole bench ---------------------------------------------------------------------

function pct(p: number): string {
  return (p * 100).toFixed(p * 100 === Math.round(p * 100) ? 0 : 1) + '%';
}

function who(r: { peer: Peer; rings: number }): string {
  return r.peer === 'linux' ? 'Linux' : r.rings === BOARD_RINGS ? 'slipstack' : 'slipstack/' + r.rings;
}

function describeRow(r: Row): string {
  const arrow = r.dir === 'to-peer' ? 'Linux A -> ' + who(r) + ' B' : who(r) + ' B -> Linux A';
  return `  ${arrow.padEnd(31)} ${String(r.goodput).padStart(5)} B/s = ${r.pct}% of limit, ${r.seconds} s, sha256 ${r.sha256}, ` +
    `${r.retransmits} retransmits (${r.timeouts} timeouts); data lane: ${r.frames} frames, ${r.lost} lost, ${r.overflow} queue-full`;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    process.stderr.write('bench:peer: needs root (network namespaces and TUN devices); try: sudo npm run bench:peer\n');
    process.exit(1);
  }
  for (const tool of ['ip', 'socat', 'nc', 'ss']) {
    if (spawnSync('sh', ['-c', 'command -v ' + tool]).status !== 0) {
      process.stderr.write('bench:peer: ' + tool + ' is not installed (apt-get install iproute2 socat netcat-openbsd)\n');
      process.exit(1);
    }
  }
  if (!existsSync('dist/slipstack.mjs')) {
    process.stderr.write('bench:peer: dist/slipstack.mjs is missing; run: node build.mjs --only=slipstack\n');
    process.exit(1);
  }

  const onSignal = (sig: string): void => {
    aborted = true;
    process.stderr.write('\nbench:peer: ' + sig + ', removing namespaces and processes\n');
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));

  if (o.pcapDir !== null) mkdirSync(o.pcapDir, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'slipstack-peer-'));
  live.dirs.add(dir);
  try {
    const data = payload(o.size, 20250101);
    const dataFile = join(dir, 'data.bin');
    writeFileSync(dataFile, data);
    const sha = createHash('sha256').update(data).digest('hex');

    // What Linux runs with, read in a namespace made like the runs' (and removed at once).
    const probe = 'sspeerP-' + process.pid;
    let linux: { cc: string; sack: string; timestamps: string };
    try {
      addNamespace(probe, o.cc);
      const get = (k: string): string => runIn(probe, ['sysctl', '-n', k]).trim();
      linux = { cc: get('net.ipv4.tcp_congestion_control'), sack: get('net.ipv4.tcp_sack'), timestamps: get('net.ipv4.tcp_timestamps') };
    } finally {
      await cleanup();
    }
    const slipRuns = o.peers.includes('slipstack') ? o.rings.length : 0;
    const runs = o.losses.length * o.dirs.length * ((o.peers.includes('linux') ? 1 : 0) + slipRuns);
    const ideal = o.size / LIMIT;
    const base = resolveConfig({ mtu: MTU });

    console.log(`bench:peer: ${o.size} bytes per run over a ${BAUD}-baud SLIP line, MTU ${MTU} (MSS ${MSS}) at both ends`);
    console.log(`line: slipstack bridge in Linux A's namespace paces both directions (10 bits per octet, queue ${o.queue} frames) ` +
      `and loses frames on both lanes (seed ${o.seed}); the far end is Linux B (behind an unpaced, lossless bridge) or slipstack on the pty`);
    console.log(`physical limit: ${LIMIT.toFixed(0)} B/s (line rate ${LINE_RATE} B/s × MSS ${MSS} / (MTU ${MTU} + 2 + expected escapes))`);
    console.log(`Linux: congestion control ${linux.cc}, SACK ${linux.sack === '0' ? 'off' : 'on'}, timestamps ${linux.timestamps === '0' ? 'off' : 'on'}` +
      (o.linuxWindow > 0 ? `, advertised window clamped to ${o.linuxWindow} octets at both ends (ip route window)` : '') +
      (linux.timestamps !== '0' ? ` (a Linux sender carries ${MSS - 12} data octets per segment: 12 go to the timestamp option)` : ''));
    for (const rings of slipRuns > 0 ? o.rings : []) {
      console.log(`${who({ peer: 'slipstack', rings })}: mtu ${MTU}, send/receive rings ${rings}/${rings} octets` +
        ` (${(rings / MSS).toFixed(1)}·MSS${rings === BOARD_RINGS ? ', the board default' : ', host-sized'}),` +
        ` RTO min ${base.tcpRtoMin} ms, delayed ACK ${base.tcpAckDelay} ms, ${base.tcpOooHoles} out-of-order ranges; SACK ${base.tcpSack ? 'on' : 'off'}, no timestamps`);
    }
    console.log('retransmits: a Linux sender\'s RetransSegs (segments); slipstack\'s tcp-retransmits counter (fast, SACK and timeout retransmissions;' +
      ' a timeout resends from SND.UNA, so one may stand for several segments)');
    console.log(`${runs} runs, at least ${Math.ceil((runs * ideal) / 60)} min`);

    const rows: Row[] = [];
    for (const loss of o.losses) {
      console.log(`loss ${pct(loss)} per direction:`);
      for (const d of o.dirs) {
        for (const peer of o.peers) {
          for (const rings of peer === 'linux' ? [0] : o.rings) {
            const r = await runOnce(o, peer, rings, d, loss, data, dataFile, sha);
            if (aborted) return; // a run cut short by Ctrl-C measures nothing
            rows.push(r);
            console.log(describeRow(r));
          }
        }
      }
    }

    // The ratios: slipstack / Linux for the same loss and the same direction, per ring size.
    interface Ratio { rings: number; loss: number; dir: Dir; ratio: number; met: boolean }
    const ratios: Ratio[] = [];
    for (const rings of slipRuns > 0 ? o.rings : []) {
      for (const loss of o.losses) {
        for (const d of o.dirs) {
          const lx = rows.find((r) => r.peer === 'linux' && r.dir === d && r.loss === loss);
          const ss = rows.find((r) => r.peer === 'slipstack' && r.rings === rings && r.dir === d && r.loss === loss);
          if (lx === undefined || ss === undefined) continue;
          const ok = lx.sha256 === 'ok' && ss.sha256 === 'ok';
          const ratio = ok && lx.goodput > 0 ? ss.goodput / lx.goodput : 0;
          ratios.push({ rings, loss, dir: d, ratio: +ratio.toFixed(3), met: ok && ratio >= 1 });
        }
      }
    }
    if (ratios.length > 0) {
      for (const rings of o.rings) {
        const mine = ratios.filter((x) => x.rings === rings);
        console.log(`ratio ${who({ peer: 'slipstack', rings })} / Linux (rings ${rings}; goal >= 1.0 at every loss rate):`);
        for (const x of mine) {
          const what = x.dir === 'to-peer' ? 'receiving from Linux A' : 'sending to Linux A';
          console.log(`  loss ${pct(x.loss).padStart(3)}, ${what.padEnd(22)}: ${x.ratio.toFixed(2)} (goal ${x.met ? 'met' : 'MISSED'})`);
        }
        const missed = mine.filter((x) => !x.met);
        console.log(missed.length === 0 ? '  goal met: slipstack matches or beats Linux at every loss rate and direction measured'
          : `  goal MISSED in ${missed.length} of ${mine.length}: ` + missed.map((x) => `${pct(x.loss)} ${x.dir}`).join(', '));
      }
    } else {
      console.log('no ratio: run both peers (--peer both) for slipstack / Linux');
    }
    console.log(JSON.stringify({
      size: o.size, baud: BAUD, mtu: MTU, queue: o.queue, seed: o.seed, limit: Math.round(LIMIT), linux: { ...linux, window: o.linuxWindow },
      slipstack: { rings: o.rings, rtoMin: base.tcpRtoMin, ackDelay: base.tcpAckDelay, oooHoles: base.tcpOooHoles, sack: base.tcpSack }, runs: rows, ratios,
      goalMet: ratios.length > 0 && ratios.every((x) => x.met),
    }));
  } finally {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
    live.dirs.delete(dir);
  }
}

main().then(() => { if (!aborted) process.exit(0); }, async (e: unknown) => {
  await cleanup();
  if (aborted) return; // the signal handler exits once its cleanup is done
  process.stderr.write('bench:peer: ' + (e instanceof Error ? e.message : String(e)) + '\n');
  process.exit(1);
});
