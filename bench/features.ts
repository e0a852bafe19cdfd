/**
 * `npm run bench:features`: what each compile-time feature switch (src/features.ts) costs on
 * the real interpreters, the figures src/features.ts writes beside each switch.
 *
 * For each board profile that turns every switch on (`wifi` on Espruino, `kaluma` on
 * JerryScript), the profile is built once as it is and once per switch with that switch off
 * (`node build.mjs --without=F --outdir=...`, into a temporary directory: dist/ is not
 * touched), then loaded on its engine:
 * - Espruino 2v29 (8,190-JsVar layout, under qemu-i386): the bundle from Storage, JsVars used
 *   after boot (`process.memory()` after GC);
 * - JerryScript as Kaluma 1.2.1 builds it: the heap peak while loading and booting
 *   (`--mem-stats`).
 * Each row prints what the switch adds: bundle octets and the engine's figure, the profile as
 * it is less the profile without the switch. The RAM a switch's run-time tables take grows
 * with the configuration (src/config.ts prints it per setting); these figures are at the
 * profile's own settings (firmware/profiles.mjs). The last line is one JSON object.
 *
 * Options: --only wifi|kaluma (one profile). Engines come from ../shared/engines (or
 * SLIPSTACK_ESPRUINO / SLIPSTACK_JERRY); a profile whose engine is missing is skipped with a
 * message.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, espruinoPath, jerryPath, qemuPath } from './engines/locate.js';
import { EspruinoSession } from './engines/espruino.js';
import { jerryRun } from './engines/jerry.js';
import { PROFILES } from '../firmware/profiles.mjs';

const argv = process.argv.slice(2);
const ONLY = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;

/** The profiles measured: each has every switch on, so each switch's cost is visible. */
const MEASURED = ['wifi', 'kaluma'];

const k = (n: number): string => n.toLocaleString('en-US');
const signed = (n: number): string => (n > 0 ? '+' : n < 0 ? '-' : '') + k(Math.abs(n));

/** Build `profile` with `without` off into `dir`; the bundle's path. */
function build(profile: string, without: string[], dir: string): string {
  execFileSync(process.execPath, [join(REPO, 'build.mjs'), '--quiet', '--only=' + profile, '--without=' + without.join(','), '--outdir=' + dir], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  return join(dir, PROFILES[profile].out);
}

/** The engine's figure for a bundle: JsVars used after boot (Espruino) or the boot heap peak (JerryScript). */
async function engineFigure(engine: string, bundle: string): Promise<number> {
  if (engine === 'espruino') {
    const s = await EspruinoSession.start({ layout: 8190 });
    try {
      await s.storeBundle(bundle);
      const load = await s.loadFromStorage();
      if (!load.up) throw new Error('the bundle did not boot: ' + load.output.slice(-200));
      return (await s.memory()).usage;
    } finally {
      await s.stop();
    }
  }
  const r = await jerryRun({ which: 'jerry-kaluma', bundle, code: '', memStats: true });
  if (r.mem === null) throw new Error('no --mem-stats figures: ' + r.stderr.slice(-200));
  return r.mem.peakAllocated;
}

interface Row { feature: string; octets: number; figure: number }

async function measure(profile: string): Promise<Record<string, unknown> | null> {
  const p = PROFILES[profile];
  const engine = p.engine;
  const missing = qemuPath() === null ? 'qemu-i386' : engine === 'espruino' ? (espruinoPath(8190) === null ? 'espruino-8190' : null) : (jerryPath('jerry-kaluma') === null ? 'jerry-kaluma' : null);
  if (missing !== null) {
    console.log(`== ${profile}: skipped (${missing} not found in ../shared/engines)`);
    return null;
  }
  const unit = engine === 'espruino' ? 'JsVars after boot (8,190 layout)' : 'heap peak, octets (jerry-kaluma)';
  const features = (Object.keys(p.features) as (keyof typeof p.features)[]).filter((f) => p.features[f]) as string[];
  const dir = mkdtempSync(join(tmpdir(), 'slipstack-features-'));
  try {
    const basePath = build(profile, [], join(dir, 'base'));
    const base = { octets: statSync(basePath).size, figure: await engineFigure(engine, basePath) };
    console.log(`== ${profile} (${engine}): ${k(base.octets)} octets, ${k(base.figure)} ${unit}`);
    console.log(`  ${'switch'.padEnd(12)} ${'octets'.padStart(8)} ${(engine === 'espruino' ? 'JsVars' : 'heap').padStart(8)}`);
    const rows: Row[] = [];
    for (const f of features.concat(['(all)'])) {
      const off = f === '(all)' ? features : [f];
      const path = build(profile, off, join(dir, f.replace(/\W/g, '')));
      const row = { feature: f, octets: base.octets - statSync(path).size, figure: base.figure - (await engineFigure(engine, path)) };
      rows.push(row);
      console.log(`  ${f.padEnd(12)} ${signed(row.octets).padStart(8)} ${signed(row.figure).padStart(8)}`);
    }
    return { engine, unit, base, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const result: Record<string, unknown> = {};
for (const profile of MEASURED) {
  if (ONLY !== undefined && ONLY !== profile) continue;
  const r = await measure(profile);
  if (r !== null) result[profile] = r;
}
console.log(JSON.stringify(result));
