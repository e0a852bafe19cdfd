/**
 * The lab: network namespaces, pseudo-terminal pairs, processes inside namespaces, the
 * `slipstack bridge` between them, and tcpdump captures, with one cleanup for all of it.
 * Shared by the interop suite (test/interop/) and `npm run bench:peer` (bench/peer.ts), and by
 * the serial tests that only need a pty pair.
 *
 * Contract:
 * - `ptyPair(tag)` starts socat with two linked ptys (`PTY,raw,echo=0,link=A PTY,...,link=B`),
 *   the host-side stand-in for a serial cable: bytes written to one end come out of the other.
 *   `stop()` kills socat (which removes the links), `restart()` makes a new pair on the same
 *   links. While socat runs an end may be closed and opened again; when socat dies, both
 *   ends' readers see the line drop.
 * - `createScope()` returns a Scope: everything made through it (namespaces, processes, pty
 *   pairs, and whatever is handed to `own`) is removed by `close()`, which never throws and
 *   may be called again (a later run can reuse the scope). `closeSync()` is the last resort
 *   of an exiting process: signals and namespace deletion only. After `abort()` nothing new
 *   starts (an interrupted bench must not make a namespace after its cleanup).
 * - A namespace is made with IPv6 off (no router solicitations: only the caller's traffic
 *   crosses it) and `lo` up. Deleting it first kills whatever still runs inside.
 * - Processes run inside a namespace through `ip netns exec` (which execs the program, so
 *   the child is the program itself), each in its own process group so that stopping it also
 *   reaches the children of a shell. Nothing waits synchronously except `runSync`: the caller
 *   (a stack in this process) must keep answering while a command runs.
 * - `capture(...)` runs tcpdump and stops it without guessing at time: `stop(until)` first
 *   waits for the packet the caller knows comes last (tcpdump prints every packet as it
 *   writes it), then interrupts tcpdump, waits for it to exit with its pipes drained, and
 *   reads the kernel's drop count from the summary tcpdump prints last. A missing summary is
 *   an error that says how tcpdump ended.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';

// ---- small things ------------------------------------------------------------------------

/** Resolve after ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll `cond` every 10 ms until it holds or `timeoutMs` passed; resolves with its last value.
 * For conditions that become true by themselves (a packet still on the line): the budget is a
 * generous bound for a loaded machine, never a figure a test asserts.
 */
export async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) return false;
    await sleep(10);
  }
  return true;
}

/** SHA-256 of bytes, hex. */
export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** True when this process runs as root. */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** The programs of `names` that are not on the PATH. */
export function missingTools(names: string[]): string[] {
  return names.filter((t) => spawnSync('sh', ['-c', 'command -v ' + t]).status !== 0);
}

// ---- pseudo-terminal pairs ---------------------------------------------------------------

/** True when socat is installed. */
export const hasSocat = spawnSync('socat', ['-V']).status === 0;

/** A running socat pty pair. */
export interface PtyPair {
  /** Path (a symlink to /dev/pts/N) of one end. */
  a: string;
  /** Path of the other end. */
  b: string;
  /** The socat process (null while stopped). */
  proc: ChildProcess | null;
  /** Kill socat and wait for it to exit. */
  stop(): Promise<void>;
  /** Start a new socat on the same links. */
  restart(): Promise<void>;
}

let ptyCounter = 0;

/** Start socat and resolve once it has made both ptys (its "starting data transfer loop" notice). */
function startSocat(a: string, b: string): Promise<ChildProcess> {
  const p = spawn('socat', ['-d', '-d', 'PTY,raw,echo=0,link=' + a, 'PTY,raw,echo=0,link=' + b], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise<ChildProcess>(function (resolve, reject) {
    let err = '';
    const timer = setTimeout(function () {
      p.kill('SIGKILL');
      reject(new Error('socat did not start within 5 s: ' + err));
    }, 5000);
    p.stderr!.on('data', function (d: Buffer) {
      err += d.toString();
      if (err.includes('starting data transfer loop')) {
        clearTimeout(timer);
        resolve(p);
      }
    });
    p.on('error', function (e) {
      clearTimeout(timer);
      reject(e);
    });
    p.on('exit', function (code) {
      clearTimeout(timer);
      reject(new Error('socat exited with ' + code + ': ' + err));
    });
  });
}

/** Stop one process: SIGTERM, SIGKILL after graceMs; resolves once it exited. */
function stopProcess(p: ChildProcess, graceMs: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise<void>(function (resolve) {
    const t = setTimeout(function () { p.kill('SIGKILL'); }, graceMs);
    p.once('exit', function () {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** Make a pty pair with unique link paths under /tmp (tag names the user). */
export async function ptyPair(tag: string): Promise<PtyPair> {
  const base = '/tmp/sst-' + process.pid + '-' + tag + '-' + ptyCounter++;
  const pair: PtyPair = {
    a: base + '-a',
    b: base + '-b',
    proc: null,
    async stop(): Promise<void> {
      const p = pair.proc;
      pair.proc = null;
      if (p !== null) await stopProcess(p, 2000);
    },
    async restart(): Promise<void> {
      await pair.stop();
      pair.proc = await startSocat(pair.a, pair.b);
    },
  };
  pair.proc = await startSocat(pair.a, pair.b);
  return pair;
}

// ---- processes ---------------------------------------------------------------------------

/** A finished command. */
export interface RunResult {
  /** Exit code (null: ended by a signal, see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  /** Wall time, ms. */
  ms: number;
}

/** A process started through a scope. */
export interface Child {
  proc: ChildProcess;
  /** Its standard output so far ('' when not collected). */
  out(): string;
  /** Its standard error so far. */
  err(): string;
  /** Resolves once it exited and its pipes are drained (every byte it wrote is in out/err). */
  exited: Promise<RunResult>;
}

/** How to start a process. */
export interface SpawnOptions {
  /** A file descriptor for its standard input (default: none). */
  stdin?: number;
  /** Collect its standard output as text (default true; false leaves `proc.stdout` to the caller). */
  collect?: boolean;
}

/** A tcpdump capture in progress. */
export interface Capture {
  child: Child;
  /**
   * Wait until tcpdump has written a packet whose one-line summary matches `until` (the last
   * packet the caller expects; null: none), then interrupt it, wait for it to exit, and return
   * the kernel's drop count from its summary. Throws when a step fails, saying how tcpdump ended.
   */
  stop(until: RegExp | null, timeoutMs?: number): Promise<{ dropped: number; captured: number; err: string }>;
}

/** Everything a lab user makes, and its cleanup. */
export interface Scope {
  /** Make network namespace `ns` (IPv6 off, lo up; `cc`: its TCP congestion control). */
  namespace(ns: string, cc?: string | null): void;
  /** Start argv inside ns (null: in this host's namespace), in its own process group. */
  spawn(ns: string | null, argv: string[], opts?: SpawnOptions): Child;
  /** Run argv inside ns and wait for it (never blocks the event loop); killed after timeoutMs (default 60 s). */
  run(ns: string | null, argv: string[], timeoutMs?: number): Promise<RunResult>;
  /** Run a short command inside ns synchronously; returns its stdout, throws one line on failure. */
  runSync(ns: string, argv: string[]): string;
  /** A pty pair that close() stops. */
  pty(tag: string): Promise<PtyPair>;
  /** Something else close() must close (a serial HAL, say); close() forgets it afterwards. */
  own(thing: { close(): Promise<void> }): void;
  /** Resolve once `pattern` appears in the child's stdout or stderr (rejects after timeoutMs, default 10 s, or if it exits). */
  waitFor(child: Child, pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolve once a TCP listener on `port` shows in `ss -ltn` inside ns (default timeout 10 s). */
  waitListening(ns: string, port: number, timeoutMs?: number): Promise<void>;
  /** Stop a child: SIGTERM (or `signal`) to its process group, SIGKILL after graceMs (default 2 s); resolves with its result. */
  stop(child: Child, signal?: NodeJS.Signals, graceMs?: number): Promise<RunResult>;
  /** `slipstack bridge` (dist/slipstack.mjs) with args inside ns; resolves once it is ready (15 s at most). */
  bridge(ns: string, args: string[]): Promise<Child>;
  /** tcpdump on `iface` (MTU at most SNAPLEN) inside ns writing `file` (a pcap), with an optional filter; resolves once it listens. */
  capture(ns: string, iface: string, file: string, filter?: string): Promise<Capture>;
  /** Refuse to start anything from now on. */
  abort(): void;
  readonly aborted: boolean;
  /** Stop every process, close what it owns, stop the pty pairs, delete the namespaces (never throws). */
  close(): Promise<void>;
  /** Last resort when the process exits: signal what runs and delete the namespaces, synchronously. */
  closeSync(): void;
}

/** tcpdump's snapshot length in `capture`, octets: whole packets on lines of MTU up to this. */
export const SNAPLEN = 2048;

/** Kill every process left in ns and delete it. */
function deleteNamespace(ns: string): void {
  const left = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout?.split('\n').filter((s) => /^\d+$/.test(s)) ?? [];
  for (const pid of left) {
    try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
  }
  spawnSync('ip', ['netns', 'del', ns]);
}

/** The argv that runs `argv` inside ns. */
function inNs(ns: string | null, argv: string[]): string[] {
  return ns === null ? argv : ['ip', 'netns', 'exec', ns, ...argv];
}

/** A new, empty scope. */
export function createScope(): Scope {
  const children = new Set<Child>();
  const namespaces = new Set<string>();
  const pairs = new Set<PtyPair>();
  const owned = new Set<{ close(): Promise<void> }>();
  let aborted = false;

  function check(): void {
    if (aborted) throw new Error('interrupted');
  }

  function signalGroup(p: ChildProcess, signal: NodeJS.Signals): void {
    if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
    try { process.kill(-p.pid, signal); } catch { /* gone */ }
  }

  const scope: Scope = {
    get aborted() {
      return aborted;
    },

    abort(): void {
      aborted = true;
    },

    namespace(ns: string, cc?: string | null): void {
      check();
      execFileSync('ip', ['netns', 'add', ns]);
      namespaces.add(ns);
      scope.runSync(ns, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      scope.runSync(ns, ['sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      if (cc !== undefined && cc !== null) scope.runSync(ns, ['sysctl', '-qw', 'net.ipv4.tcp_congestion_control=' + cc]);
    },

    spawn(ns: string | null, argv: string[], opts?: SpawnOptions): Child {
      check();
      const cmd = inNs(ns, argv);
      const collect = opts?.collect !== false;
      const proc = spawn(cmd[0], cmd.slice(1), { stdio: [opts?.stdin ?? 'ignore', 'pipe', 'pipe'], detached: true });
      let out = '';
      let err = '';
      const t0 = performance.now();
      if (collect) proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
      proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
      const child: Child = {
        proc,
        out: () => out,
        err: () => err,
        exited: new Promise<RunResult>((resolve) => {
          proc.on('error', (e) => { err += String(e); });
          // 'close' comes after 'exit' once stdout and stderr have ended: nothing is left unread.
          proc.on('close', (code, signal) => {
            children.delete(child);
            resolve({ code, signal, out, err, ms: performance.now() - t0 });
          });
        }),
      };
      children.add(child);
      return child;
    },

    async run(ns: string | null, argv: string[], timeoutMs?: number): Promise<RunResult> {
      const c = scope.spawn(ns, argv);
      const limit = timeoutMs ?? 60000;
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        void scope.stop(c);
      }, limit);
      const r = await c.exited;
      clearTimeout(timer);
      if (killed) r.err += '\n(killed after ' + limit + ' ms)';
      return r;
    },

    runSync(ns: string, argv: string[]): string {
      const r = spawnSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(argv.join(' ') + ' in ' + ns + ': ' + (r.stderr || r.stdout || String(r.error)).trim().split('\n')[0]);
      return r.stdout;
    },

    async pty(tag: string): Promise<PtyPair> {
      check();
      const pair = await ptyPair(tag);
      pairs.add(pair);
      return pair;
    },

    own(thing: { close(): Promise<void> }): void {
      owned.add(thing);
    },

    waitFor(child: Child, pattern: RegExp, timeoutMs?: number): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const limit = timeoutMs ?? 10000;
        const t0 = performance.now();
        let done = false;
        child.exited.then((r) => {
          if (done) return;
          done = true;
          if (pattern.test(r.out) || pattern.test(r.err)) resolve();
          else reject(new Error('exited (' + (r.code ?? r.signal) + ') before printing ' + pattern + ': ' + r.err + r.out));
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
    },

    async waitListening(ns: string, port: number, timeoutMs?: number): Promise<void> {
      const limit = timeoutMs ?? 10000;
      const t0 = performance.now();
      for (;;) {
        const r = await scope.run(ns, ['ss', '-Hltn', 'sport = :' + port]);
        if (r.out.includes(':' + port)) return;
        if (performance.now() - t0 > limit) throw new Error('nothing listens on port ' + port + ' in ' + ns + ' after ' + limit + ' ms');
        await sleep(20);
      }
    },

    async stop(child: Child, signal?: NodeJS.Signals, graceMs?: number): Promise<RunResult> {
      const p = child.proc;
      const t = setTimeout(() => signalGroup(p, 'SIGKILL'), graceMs ?? 2000);
      signalGroup(p, signal ?? 'SIGTERM');
      const r = await child.exited;
      clearTimeout(t);
      return r;
    },

    async bridge(ns: string, args: string[]): Promise<Child> {
      const b = scope.spawn(ns, [process.execPath, 'dist/slipstack.mjs', 'bridge', ...args]);
      try {
        await scope.waitFor(b, /ready/, 15000);
      } catch (e) {
        await scope.stop(b);
        throw new Error('the bridge in ' + ns + ' did not get ready: ' + (e as Error).message);
      }
      return b;
    },

    async capture(ns: string, iface: string, file: string, filter?: string): Promise<Capture> {
      // -l --print: one line per packet on stdout as it is written (-U: the file is flushed per
      // packet too), so a caller can wait for the last packet it expects instead of sleeping.
      // -s: in immediate mode libpcap's ring has fixed-size slots of the snapshot length, so
      // with the default (262144 octets) the 16 MB buffer (-B) holds only 64 packets, and a
      // burst of full-size segments overflows it whenever tcpdump falls behind (the kernel
      // then drops and counts them). At 2048 octets (a whole packet on a line of MTU <= 2048)
      // it holds 8192.
      const argv = ['tcpdump', '-i', iface, '--immediate-mode', '-s', String(SNAPLEN), '-B', '16384', '-U', '-l', '--print', '-n', '-w', file];
      if (filter !== undefined) argv.push(filter);
      const child = scope.spawn(ns, argv);
      await scope.waitFor(child, new RegExp('listening on ' + iface));
      return {
        child,
        async stop(until: RegExp | null, timeoutMs?: number) {
          if (until !== null) await scope.waitFor(child, until, timeoutMs ?? 10000);
          // tcpdump leaves its capture loop on SIGINT and prints its summary before it exits.
          const r = await scope.stop(child, 'SIGINT', 5000);
          const dropped = /(\d+) packets? dropped by kernel/.exec(r.err);
          const captured = /(\d+) packets? captured/.exec(r.err);
          if (dropped === null || captured === null) {
            throw new Error('tcpdump ended (' + (r.signal !== null ? 'signal ' + r.signal : 'exit ' + r.code) +
              ') without its summary; stderr: ' + JSON.stringify(r.err));
          }
          return { dropped: Number(dropped[1]), captured: Number(captured[1]), err: r.err };
        },
      };
    },

    async close(): Promise<void> {
      await Promise.all(Array.from(children).map((c) => scope.stop(c).catch(() => undefined)));
      children.clear();
      for (const o of Array.from(owned)) {
        try { await o.close(); } catch { /* keep cleaning */ }
      }
      owned.clear();
      for (const p of Array.from(pairs)) {
        try { await p.stop(); } catch { /* keep cleaning */ }
      }
      pairs.clear();
      for (const ns of namespaces) deleteNamespace(ns);
      namespaces.clear();
    },

    closeSync(): void {
      for (const c of children) signalGroup(c.proc, 'SIGKILL');
      for (const p of pairs) if (p.proc !== null) p.proc.kill('SIGTERM');
      for (const ns of namespaces) deleteNamespace(ns);
    },
  };
  return scope;
}

