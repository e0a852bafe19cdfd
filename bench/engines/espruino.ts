// subset: host-only
/**
 * The real Espruino interpreter (2v29, Linux port, i386, under qemu-i386) as a board: a REPL
 * session that loads a bundle the way users do, reads its memory, and runs the deterministic
 * measurements of bench/board.ts.
 *
 * Contract:
 * - `EspruinoSession.start({ layout, count })` starts the engine in a fresh temporary directory
 *   (so its emulated flash `espruino.flash` starts empty) with the REPL on a pipe, and waits
 *   for the prompt. Every command is one line typed with echo off (`\x10`), followed by a sync
 *   line that prints a unique tag; `run(code)` resolves with the text the command printed,
 *   `value(expr)` with the JSON value of an expression. Commands are short: the engines README
 *   warns that bulk text typed into this port's REPL can be corrupted (its IO queue has no
 *   lock), so code goes through Storage, read by the engine from a host file, except in
 *   `uploadToRam`, which reports what a RAM upload does.
 * - `storeBundle(path)` writes a file into Storage in 1 KB pieces read by the engine itself
 *   (`E.openFile`, the README's reliable form), as "save to flash" does, and checks the stored
 *   length; `mapSerial1(pty)` maps Serial1 to a pty before loading (the bundle's own
 *   `Serial1.setup(115200)` then keeps that path); `loadFromStorage()` runs
 *   `eval(require('Storage').read(name))` and reports whether the bundle said it was up and
 *   whether the engine ran OUT OF MEMORY; `memory()` reads `process.memory()` (which runs a
 *   garbage collection first).
 * - `syntheticPings(frame, n)` hands the board `n` copies of one SLIP frame by calling its
 *   Serial1 'data' listener directly, in one typed line, with Serial1.write replaced for the
 *   duration by a counter (removed again, so memory readings afterwards see the board's own
 *   state only); it resolves with the number of frames the board wrote. It needs no pty and no
 *   wall-clock waits: the run costs only the board's own work.
 * - For instruction counts (`count: true`, qemu's plugin insn.c; windows toggled at E.clip's
 *   entry, the emulated flash counted apart): `installVirtualClock()` (BEFORE loading)
 *   replaces getTime with a virtual clock and E.hwRand with a constant and captures Serial1's
 *   output, so the board's behaviour and its work no longer depend on wall-clock time or
 *   chance; `loadFeeder()` then loads the feeder (ESPRUINO_GLUE) from Storage, and `feed(bytes,
 *   chunk, measure)` hands the board bytes the host made (espruino-measure.ts) and returns
 *   what it wrote. Windows open and close inside single typed lines, never across an idle REPL.
 * - `stop()` quits the engine (`quit()`, SIGKILL after a grace period), deletes the directory,
 *   and returns the instruction windows when counting. Callers stop in a `finally`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, statSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { espruinoPath, qemuPath, LAYOUT_FILE } from './locate.js';
import type { Layout } from './locate.js';
import { pluginArgs, parsePluginLog, symbolAddress } from './run.js';
import type { PluginLog } from './run.js';

/** `process.memory()` of Espruino (the fields the harness uses). */
export interface EspruinoMemory {
  /** JsVars in use (excluding REPL history). */
  usage: number;
  free: number;
  /** The fixed count of JsVars of this build. */
  total: number;
  /** JsVars held by REPL history. */
  history: number;
}

/** What loading a bundle did. */
export interface LoadResult {
  /** The bundle printed its "slipstack: ... up" line. */
  up: boolean;
  /** The engine printed OUT OF MEMORY. */
  oom: boolean;
  /** Everything the load printed. */
  output: string;
}

/** The Storage file name the bundle goes to. */
export const STORAGE_NAME = 'slip.js';

/** The marker Espruino prints when it runs out of JsVars. */
export const OOM_TEXT = 'OUT OF MEMORY';

/** Quote a string for JavaScript source (JSON is valid JS for strings). */
function q(s: string): string {
  return JSON.stringify(s);
}

/** Quote an 8-bit string as printable ASCII JavaScript source (\xNN for everything else). */
export function jsString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) out += s[i];
    else out += '\\x' + (c & 0xff).toString(16).padStart(2, '0');
  }
  return out + '"';
}

/**
 * One line of JavaScript that writes `bundlePath` into Storage as `name`, the engine reading the
 * host file itself in 1 KB pieces (engines README), then drops its variables.
 */
export function storageUploadCode(bundlePath: string, name: string = STORAGE_NAME): string {
  return 'var __s=require("Storage");__s.erase(' + q(name) + ');var __f=E.openFile(' + q(bundlePath) + ',"r"),' +
    '__n=require("fs").statSync(' + q(bundlePath) + ').size,__o=0,__d;' +
    'while((__d=__f.read(1024))!==undefined){__s.write(' + q(name) + ',__d,__o,__n);__o+=__d.length;}__f.close();' +
    '__f=__d=undefined;delete __f;delete __d;delete __o;delete __n;delete __s;';
}

/** A running Espruino REPL. */
export class EspruinoSession {
  readonly layout: Layout;
  readonly binary: string;
  /** The engine's working directory (holds espruino.flash). */
  readonly dir: string;
  private proc: ChildProcess;
  private out = '';
  private seq = 0;
  private exited = false;
  private waiters: (() => void)[] = [];
  /** The plugin's log file when counting, else null. */
  private log: string | null;

  private constructor(layout: Layout, binary: string, dir: string, proc: ChildProcess, log: string | null) {
    this.log = log;
    this.layout = layout;
    this.binary = binary;
    this.dir = dir;
    this.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => {
      this.out += d.toString('latin1');
      this.notify();
    });
    proc.stderr!.on('data', (d: Buffer) => {
      this.out += d.toString('latin1');
      this.notify();
    });
    proc.stdin!.on('error', () => { /* the engine is gone */ });
    proc.on('close', () => {
      this.exited = true;
      this.notify();
    });
  }

  /** Start the engine of `layout` (or `binary`) and wait for its prompt. */
  static async start(o: { layout: Layout; binary?: string; count?: boolean; profile?: boolean; timeoutMs?: number }): Promise<EspruinoSession> {
    const qemu = qemuPath();
    if (qemu === null) throw new Error('qemu-i386 not found (apt-get install qemu-user)');
    const binary = o.binary ?? espruinoPath(o.layout);
    if (binary === null) throw new Error(LAYOUT_FILE[o.layout] + ' not found');
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-espruino-'));
    const log = o.count ? join(dir, 'plugin.log') : null;
    const args = log !== null
      ? ['-plugin', pluginArgs({ addr: symbolAddress(binary, MARK_FUNCTION) }, o.profile === true, symbolAddress(binary, FLASH_READ_FUNCTION)),
        '-d', 'plugin', '-D', log, binary]
      : [binary];
    const proc = spawn(qemu, args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    const s = new EspruinoSession(o.layout, binary, dir, proc, log);
    try {
      await s.waitFor((t) => /\n>/.test(t), o.timeoutMs ?? 30_000, 'the REPL prompt');
      // A first command proves the REPL answers (and lets the banner finish).
      await s.run('1', 30_000);
    } catch (e) {
      await s.stop();
      throw e;
    }
    return s;
  }

  /** Everything the engine printed so far. */
  get output(): string {
    return this.out;
  }

  /** True once the process exited. */
  get gone(): boolean {
    return this.exited;
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Wait until `test(output)` holds; rejects after ms or when the engine exits. */
  private waitFor(test: (out: string) => boolean, ms: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const end = Date.now() + ms;
      const check = (): void => {
        if (test(this.out)) {
          clearTimeout(timer);
          resolve();
          return;
        }
        if (this.exited) {
          clearTimeout(timer);
          reject(new Error('espruino exited while waiting for ' + what + '; output:\n' + this.tail()));
          return;
        }
        if (Date.now() >= end) return;
        this.waiters.push(check);
      };
      const timer = setTimeout(() => {
        reject(new Error('timed out after ' + ms + ' ms waiting for ' + what + '; output:\n' + this.tail()));
      }, ms);
      check();
    });
  }

  /** The last 2 KB of output, for error messages. */
  tail(): string {
    return this.out.slice(-2000).replace(/\xff/g, '');
  }

  /** Type one line with echo off. */
  private type(line: string): void {
    this.proc.stdin!.write(Buffer.from('\x10' + line + '\n', 'latin1'));
  }

  /**
   * Run one line of code; resolves with what it printed (up to the sync tag that follows it).
   * Rejects if the tag does not come within ms.
   */
  async run(code: string, ms = 60_000): Promise<string> {
    const tag = '@@S' + ++this.seq + '@@';
    const from = this.out.length;
    this.type(code);
    this.type('print(' + q(tag.slice(0, 3)) + '+' + q(tag.slice(3)) + ')');
    await this.waitFor((t) => t.indexOf(tag, from) >= 0, ms, 'the end of: ' + code.slice(0, 80));
    return this.out.slice(from, this.out.indexOf(tag, from));
  }

  /**
   * Evaluate an expression and return its JSON value. The value is printed between unique
   * tags; a corrupted line (engines README) shows up as a missing value and is retried.
   */
  async value<T>(expr: string, ms = 60_000): Promise<T> {
    let last = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const tag = '@@V' + ++this.seq + '@@';
      const text = await this.run('print(' + q(tag.slice(0, 3)) + '+' + q(tag.slice(3)) + '+JSON.stringify(' + expr + ')+' + q('@@E') + ')', ms);
      const m = new RegExp(tag + '(.*?)@@E').exec(text);
      if (m) return JSON.parse(m[1]) as T;
      last = text;
    }
    throw new Error('no value for ' + expr + ' after 3 attempts; last output:\n' + last);
  }

  /** `process.memory()` (a garbage collection runs first). */
  memory(): Promise<EspruinoMemory> {
    return this.value<EspruinoMemory>('process.memory()');
  }

  /** Write the bundle into Storage (read by the engine from the host file); checks the length. */
  async storeBundle(bundlePath: string, name: string = STORAGE_NAME): Promise<void> {
    const size = statSync(bundlePath).size;
    let last = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      last = await this.run(storageUploadCode(bundlePath, name), 120_000);
      const stored = await this.value<number>('(require("Storage").read(' + q(name) + ')||"").length');
      if (stored === size) return;
    }
    throw new Error('could not store ' + bundlePath + ' in Storage; last output:\n' + last);
  }

  /** Map Serial1 to a pty (before loading: the bundle's own setup keeps the path). */
  async mapSerial1(path: string): Promise<void> {
    const text = await this.run('Serial1.setup(115200,{path:' + q(path) + '})');
    if (/error/i.test(text)) throw new Error('Serial1.setup failed: ' + text);
  }

  /**
   * Run the bundle from Storage, as a board does at boot from flash; with `measure` (counting
   * sessions) inside an instruction window.
   */
  async loadFromStorage(name: string = STORAGE_NAME, ms = 300_000, measure = false): Promise<LoadResult> {
    const code = 'eval(require("Storage").read(' + q(name) + '))';
    const output = await this.run(measure ? 'E.clip(0,0,0);' + code + ';E.clip(0,0,0)' : code, ms);
    return { up: /slipstack: \S+ up/.test(output), oom: output.includes(OOM_TEXT), output };
  }

  /**
   * Send the bundle's text through the REPL as a RAM upload does (`espruino -p PORT file`,
   * the Web IDE's "Send to RAM"): one line, echo off, in 256-octet writes 20 ms apart.
   * Resolves with what the engine printed; never rejects on the engine's failure (the outcome
   * is reported, not asserted: Espruino can also corrupt bulk REPL input, engines README).
   * After a failure the REPL may be left inside an unfinished statement: two Ctrl-C clear it;
   * `responsive` says whether the REPL answered afterwards (on the 2,630 layout it did not).
   */
  async uploadToRam(code: string, ms = 30_000): Promise<LoadResult & { responsive: boolean }> {
    const from = this.out.length;
    const line = Buffer.from('\x10' + code.replace(/\n/g, ' ') + '\n', 'latin1');
    for (let i = 0; i < line.length && !this.exited; i += 256) {
      this.proc.stdin!.write(line.subarray(i, i + 256));
      await new Promise((r) => setTimeout(r, 20));
    }
    const tag = '@@R' + ++this.seq + '@@';
    this.type('print(' + q(tag.slice(0, 3)) + '+' + q(tag.slice(3)) + ')');
    let done = await this.waitFor((t) => t.indexOf(tag, from) >= 0, ms, 'the end of the RAM upload').then(() => true, () => false);
    if (!done && !this.exited) {
      this.proc.stdin!.write('\x03\x03');
      await new Promise((r) => setTimeout(r, 500));
      this.type('print(' + q(tag.slice(0, 3)) + '+' + q(tag.slice(3)) + ')');
      done = await this.waitFor((t) => t.indexOf(tag, from) >= 0, 15_000, 'the REPL after a RAM upload').then(() => true, () => false);
    }
    const output = this.out.slice(from);
    return { up: /slipstack: \S+ up/.test(output), oom: output.includes(OOM_TEXT), output, responsive: done };
  }

  /**
   * Hand the board `n` copies of the SLIP frame `frame` (an 8-bit string) through its Serial1
   * 'data' listener, one call each, in one typed line; resolves with the frames it wrote.
   */
  async syntheticPings(frame: string, n: number, ms = 1_800_000): Promise<number> {
    const code = '(function(){var h=Serial1["#ondata"];if(Array.isArray(h))h=h[0];var k=0,f=' + jsString(frame) + ';' +
      'Serial1.write=function(){k++;};try{for(var i=0;i<' + n + ';i++)h(f);}finally{delete Serial1.write;}' +
      'print("@@P"+"ONG "+k);})()';
    const text = await this.run(code, ms);
    const m = /@@PONG (\d+)/.exec(text);
    if (!m) throw new Error('synthetic pings did not finish: ' + text.slice(-500));
    return Number(m[1]);
  }

  /**
   * Make the board deterministic for instruction counts (call BEFORE loading the bundle):
   * getTime reads a virtual clock (`__vt`, ms), E.hwRand is constant, and Serial1's output is
   * captured for drive.js instead of written. The capture is a copy as a string (`E.toString`,
   * native): measured on Espruino 2v29, it costs ~0.1 M instructions per frame where a copy as
   * `new Uint8Array(d)` cost 0.4 M for a ping's reply and 1.1 M for a full segment, and the
   * windows around the 'data' calls count it.
   */
  async installVirtualClock(): Promise<void> {
    await this.run('var __vt=1000000,__out=[];global.getTime=function(){return __vt/1000;};' +
      'E.hwRand=function(){return 0x2545f491;};Serial1.write=function(d){__out.push(E.toString(d));};');
  }

  /** Load the feeder glue (ESPRUINO_GLUE) from Storage; after installVirtualClock and the bundle. */
  async loadFeeder(): Promise<void> {
    const file = join(this.dir, 'feeder.js');
    writeFileSync(file, ESPRUINO_GLUE);
    await this.storeBundle(file, 'feeder.js');
    const text = await this.run('eval(require("Storage").read("feeder.js"))');
    if (/error|OUT OF MEMORY/i.test(text)) throw new Error('loading the feeder failed: ' + text);
  }

  /**
   * Hand the board `bytes` (SLIP-framed input) through its Serial1 'data' listener, split
   * every `chunk` octets (0: one piece), inside an instruction window when `measure`; resolves
   * with what the board wrote meanwhile (the capture of installVirtualClock), one byte array
   * per write. The bytes travel in a file the engine reads itself, not through the REPL.
   * `dry` runs the same delivery loop with a listener that does nothing (ESPRUINO_GLUE).
   */
  async feed(bytes: Uint8Array, chunk: number, measure: boolean, dry = false): Promise<Uint8Array[]> {
    const file = join(this.dir, 'in' + ++this.seq + '.bin');
    writeFileSync(file, bytes);
    const text = await this.run('__feed(' + q(file) + ',' + bytes.length + ',' + chunk + ',' + (measure ? 1 : 0) + ',' + (dry ? 1 : 0) + ')');
    rmSync(file, { force: true });
    if (text.includes(OOM_TEXT)) throw new Error('the board ran out of memory: ' + text.slice(0, 400));
    if (!text.includes('@@FED')) throw new Error('feed did not complete: ' + text.slice(0, 400));
    return outputs(text);
  }

  /** Move the virtual clock on by ms; resolves with what the board wrote (its timers run in the event loop). */
  async tick(ms: number): Promise<Uint8Array[]> {
    await this.run('__vt+=' + ms);
    await new Promise((r) => setTimeout(r, 100)); // the board's (real) poll timer picks the new time up
    return outputs(await this.run('__dump()'));
  }

  /** Quit and clean up (kills the engine if quit() does not end it); returns the windows when counting. */
  async stop(): Promise<PluginLog> {
    if (!this.exited) {
      try {
        this.type('quit()');
      } catch { /* stdin closed */ }
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
      await new Promise<void>((r) => {
        if (this.exited) r();
        else this.proc.once('close', () => r());
      });
      clearTimeout(t);
    }
    const plog = parsePluginLog(this.log !== null && existsSync(this.log) ? readFileSync(this.log, 'utf8') : '');
    rmSync(this.dir, { recursive: true, force: true });
    return plog;
  }
}

/**
 * The feeder on Espruino: `__feed(path, n, chunk, measure, dry)` reads n octets from a host
 * file (E.openFile) and calls the board's Serial1 'data' listener directly (synchronously, no
 * IO queue) with them: whole, or cut every `chunk` octets into the 8-bit strings a serial read
 * hands over. With `measure` the calls sit inside an instruction window (E.clip's entry toggles
 * it, insn.c). Chunks are cut inside the window, one `substr` before each call: a list of
 * them made beforehand would hold two JsVars per chunk, and the board's TCP path runs out of
 * memory with that much less free. So a chunked delivery is followed by a `dry` one: the same
 * loop with a listener that does nothing, whose window is subtracted. Then it prints what the
 * board wrote (`@@O base64` per write) and `@@FED`. `__dump()` prints pending output alone.
 */
export const ESPRUINO_GLUE = `
var __dump = function () {
  for (var i = 0; i < __out.length; i++) print("@@O " + btoa(__out[i]));
  __out = [];
};
var __nop = function (d) {};
var __feed = function (path, n, chunk, measure, dry) {
  var f = E.openFile(path, "r"), s = n ? f.read(n) : "";
  f.close();
  var h = Serial1["#ondata"];
  if (Array.isArray(h)) h = h[0];
  if (dry) h = __nop;
  if (!chunk) {
    if (measure) E.clip(0, 0, 0);
    if (s.length) h(s);
    if (measure) E.clip(0, 0, 0);
  } else {
    if (measure) E.clip(0, 0, 0);
    for (var i = 0; i < s.length; i += chunk) h(s.substr(i, chunk));
    if (measure) E.clip(0, 0, 0);
  }
  s = undefined;
  __dump();
  print("@@FED");
};
`;

/** The board's writes in a feeder's output (`@@O base64` lines). */
function outputs(text: string): Uint8Array[] {
  const r: Uint8Array[] = [];
  for (const m of text.matchAll(/@@O ([A-Za-z0-9+/=]*)/g)) r.push(new Uint8Array(Buffer.from(m[1], 'base64')));
  return r;
}

/**
 * The native function whose entry toggles a window (insn.c, addr=): E.clip, which neither
 * the bundles nor the harness use otherwise. Cheap, no system call, no exception.
 */
export const MARK_FUNCTION = 'jswrap_espruino_clip';

/**
 * The Linux port's flash read (targets/linux: it opens, seeks, reads and closes the file
 * espruino.flash on every call), counted inclusively and reported apart: a board reads its
 * flash as memory, so this part of the instruction count is an artefact of the port.
 */
export const FLASH_READ_FUNCTION = 'jshFlashRead';

