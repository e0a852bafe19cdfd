// subset: host-only
/**
 * Running an engine binary under qemu-i386, optionally with the instruction-counting plugin
 * (bench/engines/insn.c), and reading what it printed.
 *
 * Contract: `buildPlugin()` compiles insn.c with gcc (once for all processes, see there) and
 * returns the .so path. `runEngine(o)` starts `qemu-i386 [-plugin ...] binary
 * args` in `o.cwd`, holds its stdin open without writing (Espruino's Linux port reads garbage
 * from a closed stdin; engines README), resolves when the process exits or is killed after
 * `o.timeoutMs` (then `timedOut` is true), and returns stdout, stderr, the exit code, the
 * wall time and, with the plugin, the instruction counts: `windows[k]` is the count of the
 * k-th measured window (see insn.c), `profiles[k]` its flat profile when asked for, and
 * `mainInsns` the total of the main guest thread.
 * Instruction counts of the main thread are deterministic for a given input; the other
 * threads (Espruino's reader thread) depend on wall-clock time and are left out.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync, renameSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, qemuPath } from './locate.js';

/** The i386 system call the plugin toggles JerryScript's windows on (Date.now()). */
export const SYS_CLOCK_GETTIME64 = 403;

/** How the plugin toggles windows: on a system call number, or at a function's entry address. */
export type Toggle = { sys: number } | { addr: number };

/**
 * Plugin argument string for a toggle, the optional function counted inclusively (its entry
 * address) and the optional flat profile.
 */
export function pluginArgs(t: Toggle, profile: boolean, incl?: number): string {
  const a = 'sys' in t ? 'sys=' + t.sys : 'addr=0x' + t.addr.toString(16);
  return buildPlugin() + ',' + a + (incl !== undefined ? ',incl=0x' + incl.toString(16) : '') + (profile ? ',profile=on' : '');
}

/** Address of a function in an engine binary's symbol table (nm, from binutils, which gcc needs). */
export function symbolAddress(binary: string, name: string): number {
  const r = spawnSync('nm', [binary], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error('nm ' + binary + ' failed: ' + (r.error ? r.error.message : r.stderr));
  const m = new RegExp('^([0-9a-f]+) [Tt] ' + name + '$', 'm').exec(r.stdout);
  if (!m) throw new Error(name + ' not found in the symbol table of ' + binary);
  return parseInt(m[1], 16);
}

/** What the plugin's log says. */
export interface PluginLog {
  /** Instructions of each closed window, in order. */
  windows: number[];
  /** Per window, the part spent in the inclusively counted function (plugin arg incl=). */
  incl: number[];
  /** Per window (with profile=on): function name -> instructions. */
  profiles: Record<string, number>[];
  /** Instructions of the main guest thread. */
  mainInsns: number;
}

/** Parse the plugin's log text. */
export function parsePluginLog(text: string): PluginLog {
  const windows: number[] = [];
  const incl: number[] = [];
  const profiles: Record<string, number>[] = [];
  let mainInsns = 0;
  for (const line of text.split('\n')) {
    const w = /^window (\d+) (\d+)$/.exec(line);
    if (w) {
      windows[Number(w[1])] = Number(w[2]);
      continue;
    }
    const i = /^incl (\d+) (\d+)$/.exec(line);
    if (i) {
      incl[Number(i[1])] = Number(i[2]);
      continue;
    }
    const p = /^sym (\d+) (.+) (\d+)$/.exec(line);
    if (p) {
      const k = Number(p[1]);
      (profiles[k] ??= {})[p[2]] = Number(p[3]);
      continue;
    }
    const v = /^insns vcpu 0 (\d+)$/.exec(line);
    if (v) mainInsns = Number(v[1]);
  }
  return { windows, incl, profiles, mainInsns };
}

let pluginPath: string | null = null;

/**
 * Compile the plugin with gcc, once: into the temporary directory under a name made from a
 * hash of insn.c, so every process (test workers, the bench) reuses one build and a change
 * of the source makes a new one. Written to a private name, then renamed. Throws with gcc's
 * message if it fails.
 */
export function buildPlugin(): string {
  if (pluginPath !== null && existsSync(pluginPath)) return pluginPath;
  const src = join(REPO, 'bench', 'engines', 'insn.c');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
  const out = join(tmpdir(), 'slipstack-insn-' + hash + '.so');
  if (!existsSync(out)) {
    const tmp = out + '.' + process.pid + '.tmp';
    const r = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-o', tmp, src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error('gcc could not build the qemu plugin: ' + (r.error ? r.error.message : r.stderr));
    renameSync(tmp, out);
  }
  pluginPath = out;
  return out;
}

/** Options of runEngine. */
export interface RunOptions {
  /** The engine binary (i386). */
  binary: string;
  args: string[];
  cwd: string;
  /** Kill after this many ms (default 600 s). */
  timeoutMs?: number;
  /** Count instructions in windows (see insn.c); `profile` adds a flat profile per window. */
  plugin?: { toggle: Toggle; profile?: boolean };
}

/** What runEngine returns. */
export interface RunResult extends PluginLog {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Wall time of the whole run, ms. */
  ms: number;
}

/** Run one engine to completion. */
export function runEngine(o: RunOptions): Promise<RunResult> {
  const qemu = qemuPath();
  if (qemu === null) return Promise.reject(new Error('qemu-i386 not found (apt-get install qemu-user)'));
  const args: string[] = [];
  let logDir: string | null = null;
  let log = '';
  if (o.plugin !== undefined) {
    logDir = mkdtempSync(join(tmpdir(), 'slipstack-qlog-'));
    log = join(logDir, 'plugin.log');
    args.push('-plugin', pluginArgs(o.plugin.toggle, o.plugin.profile === true), '-d', 'plugin', '-D', log);
  }
  args.push(o.binary, ...o.args);
  const t0 = performance.now();
  const p = spawn(qemu, args, { cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  p.stdout.on('data', (d: Buffer) => out.push(d));
  p.stderr.on('data', (d: Buffer) => err.push(d));
  p.stdin.on('error', () => { /* the engine exited first */ });
  return new Promise<RunResult>((resolvePromise, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, o.timeoutMs ?? 600_000);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const plog = parsePluginLog(logDir !== null && existsSync(log) ? readFileSync(log, 'utf8') : '');
      if (logDir !== null) rmSync(logDir, { recursive: true, force: true });
      resolvePromise({
        stdout: Buffer.concat(out).toString('latin1'),
        stderr: Buffer.concat(err).toString('latin1'),
        code, signal, timedOut, ms: performance.now() - t0, ...plog,
      });
    });
  });
}

/** Lines `@@key json` a script printed, by key (last one wins). */
export function tagged(stdout: string): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/[\r\xff]/g, '');
    const m = /@@([A-Za-z0-9_.-]+) (.*)$/.exec(line);
    if (m) {
      try {
        r[m[1]] = JSON.parse(m[2]);
      } catch {
        r[m[1]] = m[2];
      }
    }
  }
  return r;
}
