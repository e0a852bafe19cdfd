/**
 * `npm run bench:board`: the board bundles on the real interpreters (bench/engines/; the list
 * is bench/engines/boards.ts), for issue 11's goals. Per bundle:
 *
 * Espruino (2v29 Linux port, i386, under qemu-i386):
 * - bundle size raw and gzip;
 * - JsVars used and free (`process.memory()`, after GC) after loading from Storage and after
 *   N pings (default 1,000), on the 2,630, 5,100 and 8,190 layouts, or OUT OF MEMORY with the
 *   usage the engine was left with; what a RAM upload (the text through the REPL) does;
 * - instructions (qemu plugin, main thread, windows around the board's Serial1 'data' calls,
 *   virtual clock, so the figures repeat; bench/engines/insn.c): per ping (0, 56, 256 octets)
 *   and per 256-octet TCP segment with its ACK, each with the input whole and split into
 *   32-octet and 1-octet chunks; per serial chunk that completes no frame; the boot. The part
 *   spent in the Linux port's emulated flash (jshFlashRead: a file open, seek, read and close
 *   per read, where a board reads memory-mapped flash) is shown apart.
 * JerryScript (jerry-kaluma = 2.4 as Kaluma 1.2.1 builds it; jerry-3 if present):
 * - heap peak while loading and booting, resident heap after boot (probe: after gc(), one
 *   ArrayBuffer of the heap less the boot peak; the new peak less its size), peak over boot
 *   and N pings (`--mem-stats`);
 * - instructions as above (the peer runs in the engine: drive.js and measure.js);
 * - time per ping at 0 and 256 octets: WALL time under qemu-i386 on this machine, not native.
 * The last line is one JSON object with every figure.
 *
 * Options: --pings N (default 1000), --quick (fewer repetitions, 100 pings), --profile (top
 * functions of each Espruino measure), --repeat (run each instruction session twice and
 * report the largest difference: the determinism check), --only NAME (one bundle).
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { BOARD_BUNDLES } from './engines/boards.js';
import type { EspruinoBundle, KalumaBundle } from './engines/boards.js';
import { REPO, LAYOUTS, LAYOUT_BOARDS, espruinoPath, jerryPath, qemuPath } from './engines/locate.js';
import type { Layout } from './engines/locate.js';
import { EspruinoSession } from './engines/espruino.js';
import { EspruinoMeasure, payload } from './engines/espruino-measure.js';
import { jerryRun } from './engines/jerry.js';
import { kalumaModulesDir, kalumaScript } from './engines/kaluma-modules.js';
import { tagged } from './engines/run.js';
import type { PluginLog } from './engines/run.js';
import { nodePeer } from './engines/peer-node.js';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const QUICK = flag('--quick');
const PINGS = Number(opt('--pings') ?? (QUICK ? 100 : 1000));
const PROFILE = flag('--profile');
const REPEAT = flag('--repeat');
const ONLY = opt('--only');
/** Repetitions of each instruction measure (whole frames; chunked ones do fewer). */
const REPS = QUICK ? 2 : 5;

const M = (n: number): string => (n / 1e6).toFixed(2) + ' M';
const k = (n: number): string => n.toLocaleString('en-US');

/** Sizes of a bundle. */
function sizes(path: string): { raw: number; gzip: number } {
  const b = readFileSync(path);
  return { raw: b.length, gzip: gzipSync(b, { level: 9 }).length };
}

/** One ping frame (56 octets of data) as the 8-bit string a serial read hands over. */
function pingFrameString(size: number): string {
  const peer = nodePeer();
  return Buffer.from(peer.slip(peer.echoRequest(0x5353, 1, payload(size)))).toString('latin1');
}

/** Octets of the SLIP frame of a ping with `size` data octets (what the chunk counts divide). */
function pingFrameLen(size: number): number {
  return pingFrameString(size).length;
}

// ---------------------------------------------------------------------------------------------
// Instruction windows: labels -> per-measure figures.

interface Figure {
  /** Mean instructions per window, the empty window's cost taken off. */
  insns: number;
  /** Of which inside the emulated flash read (Espruino only; 0 elsewhere). */
  flash: number;
  /** Windows averaged. */
  n: number;
  /** Smallest and largest window (after the same correction). */
  min: number;
  max: number;
}

/**
 * Average the windows of each label, less the mean empty window ('empty'), or, for a window
 * followed by its dry run (label~dry, Espruino's chunked deliveries), less that dry run.
 */
function figures(labels: string[], log: PluginLog): Record<string, Figure> {
  if (log.windows.length !== labels.length) {
    throw new Error('instruction windows and labels disagree: ' + log.windows.length + ' windows, ' + labels.length + ' labels');
  }
  const base = (key: 'windows' | 'incl'): number => {
    const xs = labels.map((l, i) => (l === 'empty' ? log[key][i] ?? 0 : -1)).filter((x) => x >= 0);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
  };
  const w0 = base('windows');
  const f0 = base('incl');
  const out: Record<string, Figure> = {};
  labels.forEach((l, i) => {
    if (l === 'empty' || l.endsWith('~dry')) return;
    const dry = labels[i + 1] === l + '~dry';
    const w = log.windows[i] - (dry ? log.windows[i + 1] : w0);
    const f = (log.incl[i] ?? 0) - (dry ? log.incl[i + 1] ?? 0 : f0);
    const o = (out[l] ??= { insns: 0, flash: 0, n: 0, min: Infinity, max: -Infinity });
    o.insns += w;
    o.flash += f;
    o.n++;
    o.min = Math.min(o.min, w);
    o.max = Math.max(o.max, w);
  });
  for (const o of Object.values(out)) {
    o.insns = Math.round(o.insns / o.n);
    o.flash = Math.round(o.flash / o.n);
  }
  return out;
}

/** Sum of a TCP round's two windows. */
function round(f: Record<string, Figure>, label: string): Figure | null {
  const d = f[label + '-data'];
  const a = f[label + '-ack'];
  if (!d || !a) return null;
  return { insns: d.insns + a.insns, flash: d.flash + a.flash, n: Math.min(d.n, a.n), min: d.min + a.min, max: d.max + a.max };
}

/** Top functions of all windows of a label (profiles). */
function topFunctions(labels: string[], log: PluginLog, label: string, n: number): string {
  const sum: Record<string, number> = {};
  let total = 0;
  labels.forEach((l, i) => {
    if (l !== label) return;
    total += log.windows[i];
    for (const [name, c] of Object.entries(log.profiles[i] ?? {})) sum[name] = (sum[name] ?? 0) + c;
  });
  return Object.entries(sum).sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([name, c]) => name + ' ' + ((100 * c) / total).toFixed(1) + '%').join(', ');
}

/** The measures every engine runs, in order: [label, what it is, chunk octets]. */
const MEASURES = {
  ping: [
    ['ping0', 'ping, 0 octets, whole frame'],
    ['ping56', 'ping, 56 octets, whole frame'],
    ['ping56c32', 'ping, 56 octets, 32-octet chunks'],
    ['ping56c1', 'ping, 56 octets, 1-octet chunks'],
    ['ping256', 'ping, 256 octets, whole frame'],
  ],
  partial: [
    ['partial32', 'serial chunk completing no frame, 32 octets'],
    ['partial1', 'serial chunk completing no frame, 1 octet'],
  ],
  tcp: [
    ['tcp256', '256-octet TCP segment + its ACK, whole frames'],
    ['tcp256c32', '256-octet TCP segment + its ACK, 32-octet chunks'],
    ['tcp256c1', '256-octet TCP segment + its ACK, 1-octet chunks'],
  ],
} as const;

/** Print the instruction table; returns the JSON figures. */
function printInstructions(f: Record<string, Figure>, withFlash: boolean): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  const line = (label: string, what: string, fig: Figure | null | undefined, extra = ''): void => {
    if (!fig) {
      console.log('  ' + what.padEnd(50) + ' (not measured)');
      return;
    }
    const spread = fig.n > 1 && fig.max - fig.min > 0 ? ' (' + fig.n + ' runs, ' + M(fig.min) + '..' + M(fig.max) + ')' : fig.n > 1 ? ' (' + fig.n + ' runs, all equal)' : '';
    const flash = withFlash ? ', of which emulated flash ' + M(fig.flash) + ' -> ' + M(fig.insns - fig.flash) + ' without it' : '';
    console.log('  ' + what.padEnd(50) + ' ' + M(fig.insns).padStart(10) + flash + spread + extra);
    json[label] = withFlash ? { insns: fig.insns, flash: fig.flash, runs: fig.n } : { insns: fig.insns, runs: fig.n };
  };
  if (f.boot) line('boot', 'load and boot', f.boot);
  const chunks56 = pingFrameLen(56);
  for (const [label, what] of MEASURES.ping) {
    const c = label.endsWith('c32') ? Math.ceil(chunks56 / 32) : label.endsWith('c1') ? chunks56 : 1;
    line(label, what, f[label], c > 1 ? ' [' + c + ' chunks of a ' + chunks56 + '-octet frame]' : '');
  }
  for (const [label, what] of MEASURES.partial) line(label, what, f[label]);
  for (const [label, what] of MEASURES.tcp) {
    const r = round(f, label);
    const parts = r ? ' [data ' + M(f[label + '-data'].insns) + ' + ACK ' + M(f[label + '-ack'].insns) + ']' : '';
    line(label, what, r, parts);
  }
  return json;
}

// ---------------------------------------------------------------------------------------------
// Espruino.

interface LayoutResult {
  layout: Layout;
  missing?: boolean;
  oom?: boolean;
  boot?: { usage: number; free: number; total: number };
  afterPings?: { usage: number; free: number; replies: number; seconds: number };
  afterFailure?: { usage: number; free: number };
  /** The pings ran out of memory: what the engine said. */
  pingsFailed?: string;
}

async function espruinoMemory(b: EspruinoBundle, layout: Layout): Promise<LayoutResult> {
  if (espruinoPath(layout) === null) return { layout, missing: true };
  const s = await EspruinoSession.start({ layout });
  try {
    await s.storeBundle(join(REPO, b.bundle));
    const load = await s.loadFromStorage();
    if (load.oom || !load.up) {
      // An engine out of memory may not answer even this: then the figures are unknown (-1).
      const m = await s.memory().catch(() => ({ usage: -1, free: -1 }));
      return { layout, oom: load.oom, afterFailure: { usage: m.usage, free: m.free } };
    }
    const boot = await s.memory();
    const t0 = performance.now();
    let replies: number;
    try {
      replies = await s.syntheticPings(pingFrameString(56), PINGS);
    } catch (e) {
      // Booted with too few JsVars left to answer: a figure, not a crash of the bench.
      const text = String(e);
      const m = await s.memory().catch(() => null);
      const why = /LOW_MEMORY|OUT OF MEMORY/.test(text) ? 'OUT OF MEMORY' : 'failed: ' + text.slice(0, 120);
      return { layout, boot: { usage: boot.usage, free: boot.free, total: boot.total }, pingsFailed: why + (m ? ' (left with ' + k(m.usage) + ' used)' : '') };
    }
    const seconds = (performance.now() - t0) / 1000;
    const after = await s.memory();
    return { layout, boot: { usage: boot.usage, free: boot.free, total: boot.total }, afterPings: { usage: after.usage, free: after.free, replies, seconds } };
  } finally {
    await s.stop();
  }
}

async function espruinoRamUpload(b: EspruinoBundle, layout: Layout): Promise<string> {
  if (espruinoPath(layout) === null) return 'engine missing';
  const s = await EspruinoSession.start({ layout });
  try {
    const text = readFileSync(join(REPO, b.bundle), 'latin1');
    const r = await s.uploadToRam(text);
    if (r.up && r.responsive) return 'runs (' + (await s.memory()).usage + ' JsVars used)';
    const at = /\(:0:(\d+)\)/.exec(r.output);
    const err = /Uncaught (\w+Error: [^\r\n]*)/.exec(r.output);
    return (r.oom ? 'OUT OF MEMORY' : r.up ? 'starts' : 'fails') + (at ? ' with ' + k(Number(at[1])) + ' of ' + k(text.length) + ' octets received' : '') +
      (err ? ', then ' + err[1] : '') + (r.responsive ? '' : '; the REPL stops answering');
  } finally {
    await s.stop();
  }
}

/**
 * One counting session: boot from Storage (measured), then the pings and partial chunks
 * (`part` 'ping') or the TCP rounds ('tcp'). Two sessions, so that the TCP measures start
 * from a freshly booted board: its TCP path runs out of memory when fewer JsVars are free
 * than after boot (see the report).
 */
async function espruinoInstructions(b: EspruinoBundle, layout: Layout, part: 'ping' | 'tcp'): Promise<{ f: Record<string, Figure>; labels: string[]; log: PluginLog }> {
  const s = await EspruinoSession.start({ layout, count: true, profile: PROFILE });
  let m: EspruinoMeasure;
  const labels: string[] = [];
  try {
    await s.installVirtualClock();
    await s.storeBundle(join(REPO, b.bundle));
    const load = await s.loadFromStorage(undefined, undefined, true);
    labels.push('boot');
    if (load.oom || !load.up) throw new Error('the bundle does not boot on ' + layout + ': ' + load.output.slice(0, 300));
    await s.loadFeeder();
    m = new EspruinoMeasure(s);
    const check = (ok: boolean, what: string): void => {
      if (!ok) throw new Error('Espruino did not answer ' + what);
    };
    for (let i = 0; i < 3; i++) await m.calibrate('empty');
    if (part === 'ping') {
      for (let i = 0; i < REPS; i++) check(await m.ping(0, 0, 'ping0'), 'ping0');
      for (let i = 0; i < REPS; i++) check(await m.ping(56, 0, 'ping56'), 'ping56');
      for (let i = 0; i < 3; i++) check(await m.ping(56, 32, 'ping56c32'), 'ping56c32');
      for (let i = 0; i < (QUICK ? 1 : 2); i++) check(await m.ping(56, 1, 'ping56c1'), 'ping56c1');
      for (let i = 0; i < REPS; i++) check(await m.ping(256, 0, 'ping256'), 'ping256');
      for (let i = 0; i < 3; i++) check(await m.partial(32, 'partial32'), 'partial32');
      for (let i = 0; i < 3; i++) check(await m.partial(1, 'partial1'), 'partial1');
    } else {
      const c = await m.open(40001);
      for (let i = 0; i < REPS; i++) check(await m.tcpRound(c, 256, 0, 'tcp256'), 'tcp256');
      for (let i = 0; i < 3; i++) check(await m.tcpRound(c, 256, 32, 'tcp256c32'), 'tcp256c32');
      check(await m.tcpRound(c, 256, 1, 'tcp256c1'), 'tcp256c1');
    }
    if (m.peer.badFrames !== 0) throw new Error(m.peer.badFrames + ' broken frames from the board');
    for (let i = 0; i < 3; i++) await m.calibrate('empty');
  } catch (e) {
    await s.stop();
    throw e;
  }
  const log = await s.stop();
  labels.push(...m.labels);
  return { f: figures(labels, log), labels, log };
}

async function benchEspruino(b: EspruinoBundle): Promise<Record<string, unknown>> {
  const path = join(REPO, b.bundle);
  const size = sizes(path);
  console.log('== ' + b.name + ': ' + b.bundle + ', ' + k(size.raw) + ' octets raw, ' + k(size.gzip) + ' gzip; Espruino 2v29 (Linux port, i386) under qemu-i386');
  const json: Record<string, unknown> = { size };

  console.log('JsVars, loaded from Storage (process.memory() after GC; ' + PINGS + ' pings handed to Serial1\'s listener in the engine):');
  const mem: LayoutResult[] = [];
  for (const layout of LAYOUTS) {
    const r = await espruinoMemory(b, layout);
    mem.push(r);
    const name = (layout + ' (' + LAYOUT_BOARDS[layout] + ')').padEnd(28);
    if (r.missing) console.log('  ' + name + ' engine missing');
    else if (r.afterFailure) {
      console.log('  ' + name + ' ' + (r.oom ? 'OUT OF MEMORY while loading' : 'did not start') + (r.afterFailure.usage < 0 ? ' (the REPL no longer answers)' :
        ' (left with ' + k(r.afterFailure.usage) + ' used, ' + k(r.afterFailure.free) + ' free)'));
    } else if (r.pingsFailed !== undefined) {
      console.log('  ' + name + ' after boot ' + k(r.boot!.usage) + ' used, ' + k(r.boot!.free) + ' free; the pings: ' + r.pingsFailed);
    } else {
      console.log('  ' + name + ' after boot ' + k(r.boot!.usage) + ' used, ' + k(r.boot!.free) + ' free; after ' + k(PINGS) + ' pings ' +
        k(r.afterPings!.usage) + ' used, ' + k(r.afterPings!.free) + ' free (' + r.afterPings!.replies + ' replies, ' + r.afterPings!.seconds.toFixed(0) + ' s)');
    }
  }
  json.jsvars = mem;

  console.log('RAM upload (the bundle\'s text typed into the REPL, as `espruino -p PORT file` sends it):');
  const ram: Record<string, string> = {};
  for (const layout of LAYOUTS) {
    ram[layout] = await espruinoRamUpload(b, layout);
    console.log('  ' + (layout + ' (' + LAYOUT_BOARDS[layout] + ')').padEnd(28) + ' ' + ram[layout]);
  }
  json.ramUpload = ram;

  const booted = mem.filter((r) => r.boot !== undefined).map((r) => r.layout);
  if (booted.length === 0) {
    console.log('Instructions: not measured (the bundle boots on no layout)');
    return json;
  }
  const layout = booted[booted.length - 1];
  console.log('Instructions on the ' + layout + ' layout (main thread, windows around the board\'s Serial1 \'data\' calls, empty window ' +
    'subtracted; virtual clock; the frames from the host over the REPL):');
  const runs: { f: Record<string, Figure>; labels: string[]; log: PluginLog }[] = [];
  const failures: string[] = [];
  // A 'net' bundle answers TCP in Espruino's idle loop, outside the windows around Serial1's
  // 'data' calls: only its pings are measured here.
  const parts = b.app === 'net' ? (['ping'] as const) : (['ping', 'tcp'] as const);
  for (const part of parts) {
    try {
      runs.push(await espruinoInstructions(b, layout, part));
    } catch (e) {
      failures.push(part + ': ' + (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 3).join(' / '));
    }
  }
  const merged: Record<string, Figure> = {};
  for (const r of runs) Object.assign(merged, r.f);
  json.instructions = printInstructions(merged, true);
  for (const f of failures) console.log('  FAILED ' + f);
  if (failures.length) json.instructionFailures = failures;
  if (PROFILE) {
    for (const r of runs) {
      for (const label of ['ping56', 'partial1', 'tcp256-data']) {
        if (r.labels.includes(label)) console.log('  top functions, ' + label + ': ' + topFunctions(r.labels, r.log, label, 12));
      }
    }
  }
  if (REPEAT && runs.length > 0) {
    let worst = 0;
    let rel = 0;
    let windows = 0;
    for (const part of parts) {
      const first = runs.find((r) => r.labels.includes(part === 'ping' ? 'ping56' : 'tcp256-data'));
      if (!first) continue;
      const second = await espruinoInstructions(b, layout, part);
      first.log.windows.forEach((w, i) => {
        const d = Math.abs(w - (second.log.windows[i] ?? NaN));
        worst = Math.max(worst, d);
        rel = Math.max(rel, d / w);
      });
      windows += first.log.windows.length;
    }
    console.log('  determinism: the same sessions again, ' + windows + ' windows; largest difference ' + worst + ' instructions (' + rel.toExponential(1) + ' relative)');
    json.determinism = { windows, maxDiff: worst, maxRel: rel };
  }
  return json;
}

// ---------------------------------------------------------------------------------------------
// JerryScript.

/** The in-engine measures, the same as on Espruino. */
function jerryMeasureCode(reps: number): string {
  return `
var peer = makePeer([192, 168, 190, 1], [192, 168, 190, 2]);
var D = makeDriver(peer), M = makeMeasure(peer, D);
var ok = true;
var need = function (n, want) { if (n !== want) ok = false; };
for (var i = 0; i < 3; i++) D.calibrate('empty');
need(M.pings(${reps}, 0, 0, 'ping0'), ${reps});
need(M.pings(${reps}, 56, 0, 'ping56'), ${reps});
need(M.pings(3, 56, 32, 'ping56c32'), 3);
need(M.pings(2, 56, 1, 'ping56c1'), 2);
need(M.pings(${reps}, 256, 0, 'ping256'), ${reps});
need(M.partial(3, 32, 'partial32'), 3);
need(M.partial(3, 1, 'partial1'), 3);
var c = M.open(40001);
need(M.tcpRounds(c, ${reps}, 256, 0, 'tcp256'), ${reps});
need(M.tcpRounds(c, 3, 256, 32, 'tcp256c32'), 3);
need(M.tcpRounds(c, 1, 256, 1, 'tcp256c1'), 1);
for (var i = 0; i < 3; i++) D.calibrate('empty');
print('@@ok ' + JSON.stringify(ok && peer.badFrames === 0));
print('@@labels ' + JSON.stringify(D.labels));
`;
}

async function jerryInstructions(bundle: string, which: 'jerry-kaluma' | 'jerry-3'): Promise<{ f: Record<string, Figure>; log: PluginLog }> {
  const r = await jerryRun({ which, bundle, code: jerryMeasureCode(REPS), peer: true, count: true, measureBoot: true });
  const t = tagged(r.stdout);
  if (r.failed || t.ok !== true) throw new Error(which + ': the measured exchanges failed: ' + (r.stdout + r.stderr).slice(-800));
  const labels = ['boot', ...(t.labels as string[])];
  return { f: figures(labels, r), log: r };
}

/**
 * A Kaluma net bundle: its heap while loading and booting after Kaluma 1.2.1's own modules, and
 * the modules' share (their peak alone). Its requests are measured by its functional test.
 */
async function benchKalumaNet(b: KalumaBundle): Promise<Record<string, unknown>> {
  const path = join(REPO, b.bundle);
  const size = sizes(path);
  console.log('== ' + b.name + ': ' + b.bundle + ', ' + k(size.raw) + ' octets raw, ' + k(size.gzip) + ' gzip; JerryScript under qemu-i386');
  const dir = kalumaModulesDir();
  if (dir === null || jerryPath('jerry-kaluma') === null) {
    console.log('  not measured: Kaluma 1.2.1\'s modules or jerry-kaluma missing');
    return { size };
  }
  const kaluma = kalumaScript(dir);
  const boot = await jerryRun({ which: 'jerry-kaluma', bundle: path, before: [kaluma], code: '', memStats: true });
  const mods = await jerryRun({ which: 'jerry-kaluma', bundle: null, before: [kaluma], code: 'require("http"); require("uart");', memStats: true });
  if (boot.failed || boot.mem === null || mods.mem === null) {
    console.log('  boot failed' + (boot.oom ? ': OUT OF MEMORY' : '') + ': ' + (boot.stdout + boot.stderr).slice(-400));
    return { size, boot: boot.oom ? 'out of memory' : 'failed' };
  }
  console.log('jerry-kaluma, heap (--mem-stats, of 184,312 octets), Kaluma 1.2.1\'s events, stream, net, http and uart loaded first:');
  console.log('  peak while loading and booting ' + k(boot.mem.peakAllocated) + ' (Kaluma\'s modules alone ' + k(mods.mem.peakAllocated) +
    '); requests: test/firmware/kaluma-net.test.ts');
  return { size, bootPeak: boot.mem.peakAllocated, modulesPeak: mods.mem.peakAllocated };
}

async function benchKaluma(b: KalumaBundle): Promise<Record<string, unknown>> {
  const path = join(REPO, b.bundle);
  const size = sizes(path);
  console.log('== ' + b.name + ': ' + b.bundle + ', ' + k(size.raw) + ' octets raw, ' + k(size.gzip) + ' gzip; JerryScript under qemu-i386');
  const json: Record<string, unknown> = { size };
  for (const which of ['jerry-kaluma', 'jerry-3'] as const) {
    if (jerryPath(which) === null) {
      console.log(which + ': engine missing');
      continue;
    }
    const j: Record<string, unknown> = {};
    json[which] = j;
    console.log(which + (which === 'jerry-kaluma' ? ' (2.4.0 as Kaluma 1.2.1 builds it for the RP2040)' : ' (3.0.0, same flags)') + ', heap (--mem-stats, of 184,312 octets):');
    const boot = await jerryRun({ which, bundle: path, code: '', memStats: true });
    if (boot.failed || boot.mem === null) {
      console.log('  boot failed' + (boot.oom ? ': OUT OF MEMORY' : '') + ': ' + (boot.stdout + boot.stderr).slice(-400));
      j.boot = boot.oom ? 'out of memory' : 'failed';
      continue;
    }
    const p = boot.mem.peaks;
    console.log('  peak while loading and booting ' + k(boot.mem.peakAllocated) + ' (byte code ' + k(p['byte code data'] ?? 0) + ', strings ' +
      k(p['string data'] ?? 0) + ', objects ' + k(p['object data'] ?? 0) + ', properties ' + k(p['property data'] ?? 0) + ')');
    j.bootPeak = boot.mem.peakAllocated;
    j.bootPeaks = p;
    // Resident after boot: after gc(), one ArrayBuffer as large as surely fits (the heap less the
    // boot peak, less 2 KB) sets a new peak on top of what stays: resident = that peak - its size.
    const PROBE = boot.mem.heapSize - boot.mem.peakAllocated - 2048;
    const probeCode = 'gc(); var __probe = new ArrayBuffer(' + PROBE + '); __probe = null;';
    const probe = await jerryRun({ which, bundle: path, code: probeCode, memStats: true });
    const probeStub = await jerryRun({ which, bundle: null, code: probeCode, memStats: true });
    if (!probe.failed && probe.mem && probeStub.mem && probe.mem.peakAllocated - PROBE < 0) {
      // JerryScript 3.0 does not count the probe's ArrayBuffer data in the heap it reports (the
      // peak rose by less than the buffer), so the difference would be negative: no figure.
      console.log('  resident after boot: not measured (this engine does not count the ' + k(PROBE) + '-octet probe in its heap peak)');
    } else if (!probe.failed && probe.mem && probeStub.mem && probe.mem.peakAllocated > boot.mem.peakAllocated) {
      const resident = probe.mem.peakAllocated - PROBE;
      const own = probe.mem.peakAllocated - probeStub.mem.peakAllocated;
      console.log('  resident after boot ~' + k(resident) + ' (probe), of which the bundle ' + k(own) + ' (the rest: the Kaluma stub and the probe)');
      j.residentAfterBoot = resident;
      j.bundleResident = own;
    } else {
      console.log('  resident after boot: not measured (the ' + k(PROBE) + '-octet probe ' +
        (probe.oom ? 'ran out of heap' : 'did not rise above the boot peak: ' + (probe.mem ? k(probe.mem.peakAllocated) : 'failed')) + ')');
    }
    const frame = Array.from(nodePeer().slip(nodePeer().echoRequest(0x5353, 1, payload(56))));
    const pingCode = 'var f = new Uint8Array(' + JSON.stringify(frame) + '), n = 0;\n__fromBoard = function () { n++; };\n' +
      'for (var i = 0; i < ' + PINGS + '; i++) __toBoard(f.slice());\nprint("@@replies " + n);';
    const pings = await jerryRun({ which, bundle: path, code: pingCode, memStats: true });
    const replies = tagged(pings.stdout).replies;
    console.log('  peak over boot and ' + k(PINGS) + ' pings ' + (pings.mem ? k(pings.mem.peakAllocated) : 'failed') + ' (' + replies + ' replies)');
    j.pingsPeak = pings.mem?.peakAllocated ?? null;
    j.pingReplies = replies;

    console.log('  instructions (in-engine peer, windows around the UART \'data\' calls, empty window subtracted, virtual clock):');
    const ins = await jerryInstructions(path, which);
    j.instructions = printInstructions(ins.f, false);
    if (REPEAT) {
      const again = await jerryInstructions(path, which);
      const d = ins.log.windows.map((w, i) => Math.abs(w - (again.log.windows[i] ?? NaN)));
      console.log('  determinism: a second run gave ' + again.log.windows.length + ' windows; largest difference ' + Math.max(...d) + ' instructions');
      j.determinism = { windows: d.length, maxDiff: Math.max(...d) };
    }

    // Wall time is noisy (a shared machine, qemu's translation, the collector): three runs of
    // n pings at each size, the fastest run of each counts.
    const n = QUICK ? 200 : 1000;
    let best0 = Infinity;
    let best256 = Infinity;
    let failed = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const timing = await jerryRun({ which, bundle: path, code: 'var peer = makePeer([192,168,190,1],[192,168,190,2]); var M = makeMeasure(peer, makeDriver(peer));\n' +
        'print("@@t0 " + JSON.stringify(M.timePings(' + n + ', 0)));\nprint("@@t256 " + JSON.stringify(M.timePings(' + n + ', 256)));', peer: true });
      const t = tagged(timing.stdout);
      const t0 = t.t0 as [number, number] | undefined;
      const t256 = t.t256 as [number, number] | undefined;
      if (!t0 || !t256 || t0[1] !== n || t256[1] !== n) {
        failed = (timing.stdout + timing.stderr).slice(-300);
        break;
      }
      best0 = Math.min(best0, t0[0]);
      best256 = Math.min(best256, t256[0]);
    }
    if (failed === '') {
      const us0 = (1000 * best0) / n;
      const us256 = (1000 * best256) / n;
      const perOctet = (us256 - us0) / 256;
      console.log('  time per ping, WALL time under qemu-i386 on this machine (not native; fastest of 3 runs of ' + n + '): 0 octets ' +
        us0.toFixed(0) + ' us, 256 octets ' + us256.toFixed(0) + ' us = ' + us0.toFixed(0) + ' us + ' + perOctet.toFixed(2) + ' us/octet');
      j.timePerPingUs = { octets0: +us0.toFixed(1), octets256: +us256.toFixed(1), perOctet: +perOctet.toFixed(3), underQemu: true };
    } else {
      console.log('  time per ping: failed ' + failed);
    }
  }
  return json;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (qemuPath() === null) {
    console.error('bench:board needs qemu-i386 (apt-get install qemu-user) and the engines of ../shared/engines');
    process.exitCode = 1;
    return;
  }
  const t0 = performance.now();
  const out: Record<string, unknown> = { pings: PINGS, quick: QUICK };
  for (const b of BOARD_BUNDLES) {
    if (ONLY !== undefined && b.name !== ONLY) continue;
    out[b.name] = b.engine === 'espruino' ? await benchEspruino(b) : b.app === 'net' ? await benchKalumaNet(b) : await benchKaluma(b);
  }
  console.log('(' + ((performance.now() - t0) / 1000).toFixed(0) + ' s)');
  console.log(JSON.stringify(out));
}

await main();
