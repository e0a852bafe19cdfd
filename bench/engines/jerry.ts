// subset: host-only
/**
 * The real JerryScript interpreter as Kaluma 1.2.1 builds it for the RP2040 (engines README:
 * `jerry-kaluma`, 2.4.0, 180 KB heap; optionally `jerry-3`), under qemu-i386.
 *
 * Contract: `jerryRun(o)` runs, in one realm and in this order, kaluma-stub.js (what Kaluma
 * gives: `require('uart')`, timers on a virtual clock, `millis`, `console`), the bundle with
 * `"use strict";` prepended (Kaluma parses programs in strict mode), then `o.code` (also
 * strict), each as its own file as the command line takes them; `o.before` scripts go between
 * the stub and the bundle, `o.after` ones between the bundle and `o.code`. `o.code` can use the glue
 * below (the driver API of drive.js) and, with `o.peer`, `makePeer`/`makeDriver`. The result
 * has the process output, the `@@key json` lines it printed (`tagged`), and with `--mem-stats`
 * the heap figures JerryScript prints at exit (`Peak allocated` and the peaks by kind; the
 * `Allocated` figure at exit is 0, printed after cleanup, so only peaks mean anything).
 * With `o.count`, `__mark()` toggles an instruction window (a `Date.now()`, the one
 * clock_gettime64 system call the run makes; insn.c).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineSource, jerryPath } from './locate.js';
import type { Jerry } from './locate.js';
import { runEngine, SYS_CLOCK_GETTIME64 } from './run.js';
import type { RunResult } from './run.js';

/** The heap figures of `--mem-stats`, octets. */
export interface JerryMemStats {
  heapSize: number;
  peakAllocated: number;
  /** Peak of byte-code, strings, objects and properties (as printed). */
  peaks: Record<string, number>;
}

/** What jerryRun returns. */
export interface JerryResult extends RunResult {
  mem: JerryMemStats | null;
  /** An uncaught error or a fatal out-of-memory was reported. */
  failed: boolean;
  /** JerryScript ran out of heap (its fatal ERR_OUT_OF_MEMORY exits with code 10). */
  oom: boolean;
}

/**
 * Glue for drive.js on Kaluma: chunks are fresh Uint8Arrays (as Kaluma's UART hands them
 * over), output is what the HAL wrote (it already passes standalone copies).
 */
export const JERRY_GLUE = `
var __out = [];
__fromBoard = function (d) { __out.push(d); };
var __takeOutput = function () { var o = __out; __out = []; return o; };
var __makeChunks = function (bytes, size) {
  if (!size) return [bytes];
  var r = [];
  for (var i = 0; i < bytes.length; i += size) r.push(bytes.slice(i, i + size));
  return r;
};
var __deliverChunks = function (chunks) { for (var i = 0; i < chunks.length; i++) __toBoard(chunks[i]); };
var __mark = function () { Date.now(); };
`;

/** Options of jerryRun. */
export interface JerryOptions {
  which?: Jerry;
  /** Path of the bundle (dist/kaluma.js); null runs the stub and code alone. */
  bundle: string | null;
  /** Script run after the bundle (strict mode). */
  code: string;
  /** Scripts run after the stub and before the bundle, each its own file (what a firmware offers besides the stub: Kaluma's modules). */
  before?: string[];
  /** Scripts run after the bundle and before `code`, each its own file, in strict mode. */
  after?: string[];
  /** Load peer.js and drive.js (and the glue) before `code`. */
  peer?: boolean;
  /** Print heap statistics at exit (--mem-stats). */
  memStats?: boolean;
  /** Count instructions in __mark() windows (and with `profile`, by function; jerry binaries are stripped, so names are "?"). */
  count?: boolean;
  profile?: boolean;
  /** With `count`: the first window is the bundle's load and boot (a mark after the stub, one before the code). */
  measureBoot?: boolean;
  timeoutMs?: number;
}

/** Parse `--mem-stats` output. */
export function parseMemStats(text: string): JerryMemStats | null {
  const size = /Heap size = (\d+)/.exec(text);
  const peak = /Peak allocated = (\d+)/.exec(text);
  if (!size || !peak) return null;
  const peaks: Record<string, number> = {};
  for (const m of text.matchAll(/Peak allocated (\w[\w ]*?) = (\d+)/g)) peaks[m[1].trim()] = Number(m[2]);
  return { heapSize: Number(size[1]), peakAllocated: Number(peak[1]), peaks };
}

const oddStartup = new Map<string, boolean>();

/**
 * Whether the binary makes an odd number of clock_gettime64 calls before a script runs (the
 * command line seeds its random generator from the clock: one call, in both builds here). An
 * odd count would leave every window toggle one off, so counted runs then begin with one extra
 * `Date.now()` and drop the window it closes. Found by running `Date.now();` alone: a window
 * is printed only if the startup left one open.
 */
async function startupIsOdd(binary: string): Promise<boolean> {
  const known = oddStartup.get(binary);
  if (known !== undefined) return known;
  const dir = mkdtempSync(join(tmpdir(), 'slipstack-jerry-'));
  try {
    writeFileSync(join(dir, 'probe.js'), 'Date.now();\n');
    const r = await runEngine({ binary, args: ['probe.js'], cwd: dir, plugin: { toggle: { sys: SYS_CLOCK_GETTIME64 } } });
    const odd = r.windows.length === 1;
    oddStartup.set(binary, odd);
    return odd;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run stub + bundle + code on JerryScript. */
export async function jerryRun(o: JerryOptions): Promise<JerryResult> {
  const which = o.which ?? 'jerry-kaluma';
  const binary = jerryPath(which);
  if (binary === null) throw new Error(which + ' not found');
  const realign = o.count === true && (await startupIsOdd(binary));
  const dir = mkdtempSync(join(tmpdir(), 'slipstack-jerry-'));
  try {
    const bootMark = o.count === true && o.measureBoot === true;
    // With an odd startup, one extra Date.now() first (after the directive) realigns the toggles.
    let stub = engineSource('kaluma-stub.js');
    if (realign) stub = stub.replace('"use strict";\n', '"use strict";\nDate.now();\n');
    writeFileSync(join(dir, 'stub.js'), stub + (bootMark ? '\nDate.now();\n' : ''));
    const files = ['stub.js'];
    (o.before ?? []).forEach((src, i) => {
      writeFileSync(join(dir, 'before' + i + '.js'), src);
      files.push('before' + i + '.js');
    });
    if (o.bundle !== null) {
      writeFileSync(join(dir, 'bundle.js'), '"use strict";\n' + readFileSync(o.bundle, 'utf8'));
      files.push('bundle.js');
    }
    if (o.peer) {
      writeFileSync(join(dir, 'peer.js'), '"use strict";\n' + engineSource('peer.js') + '\n' + engineSource('drive.js') + '\n' + engineSource('measure.js') + '\n' + JERRY_GLUE);
      files.push('peer.js');
    }
    (o.after ?? []).forEach((src, i) => {
      writeFileSync(join(dir, 'after' + i + '.js'), '"use strict";\n' + src);
      files.push('after' + i + '.js');
    });
    writeFileSync(join(dir, 'main.js'), '"use strict";\n' + (bootMark ? 'Date.now();\n' : '') + o.code + '\n');
    files.push('main.js');
    const args = (o.memStats ? ['--mem-stats'] : []).concat(files);
    const r = await runEngine({
      binary, args, cwd: dir, timeoutMs: o.timeoutMs,
      plugin: o.count ? { toggle: { sys: SYS_CLOCK_GETTIME64 }, profile: o.profile } : undefined,
    });
    const mem = parseMemStats(r.stderr + r.stdout);
    const failed = r.code !== 0 || /Unhandled exception|Script Error|ERR_OUT_OF_MEMORY|out of memory/i.test(r.stdout + r.stderr);
    if (realign) {
      r.windows.shift();
      r.incl.shift();
      r.profiles.shift();
    }
    const oom = r.code === 10;
    return { ...r, mem, failed, oom };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
