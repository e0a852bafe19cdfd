// subset: host-only
/**
 * Where the real board interpreters are, and how to run them (bench/engines/*, used by
 * bench/board.ts and the engine tests in test/firmware/).
 *
 * The engines are the i386 builds described in ../shared/engines/README.md. This machine's
 * kernel (and CI's) may not execute i386 binaries, so every engine runs under `qemu-i386`
 * (Debian package qemu-user), which also hosts the instruction-counting plugin (insn.c).
 *
 * Lookup, in this order:
 * - Espruino: `SLIPSTACK_ESPRUINO` names either a DIRECTORY holding the three layouts under
 *   their README names (`espruino` 5,100 JsVars, `espruino-2630`, `espruino-8190`), or ONE
 *   binary, which then stands for every layout asked for (each result reports the `total`
 *   the binary really has, so a mismatch shows). Otherwise `<repo>/../shared/engines/`.
 * - JerryScript: `SLIPSTACK_JERRY` names a directory holding `jerry-kaluma` (and optionally
 *   `jerry-3`) or one binary used as `jerry-kaluma`. Otherwise `<repo>/../shared/engines/`.
 * - qemu: `qemu-i386` on PATH (`SLIPSTACK_QEMU` overrides the path).
 *
 * `engineSkipReason(...)` says why a test cannot run (null when it can); tests skip with it,
 * and under CI=true fail with it instead (`requireEnginesUnderCi`).
 */
import { readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasSocat } from '../../tools/lab.js';

/** The repository root. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Espruino JsVar layouts of real boards, by their count of fixed JsVars. */
export type Layout = 2630 | 5100 | 8190;
/** Every layout, smallest first. */
export const LAYOUTS: Layout[] = [2630, 5100, 8190];
/** The README's file name of each layout. */
export const LAYOUT_FILE: Record<Layout, string> = { 2630: 'espruino-2630', 5100: 'espruino', 8190: 'espruino-8190' };
/** The boards each layout stands for (engines README). */
export const LAYOUT_BOARDS: Record<Layout, string> = { 2630: 'Puck.js, MDBT42Q', 5100: 'Espruino Pico', 8190: 'Espruino WiFi' };

/** JerryScript builds. */
export type Jerry = 'jerry-kaluma' | 'jerry-3';

/** The default engine directory: ../shared/engines beside the repository. */
export function defaultEngineDir(): string {
  return resolve(REPO, '..', 'shared', 'engines');
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Path of the Espruino binary for a layout, or null. */
export function espruinoPath(layout: Layout): string | null {
  const env = process.env.SLIPSTACK_ESPRUINO;
  if (env !== undefined && env !== '') {
    if (isFile(env)) return resolve(env);
    const p = join(env, LAYOUT_FILE[layout]);
    return isFile(p) ? resolve(p) : null;
  }
  const p = join(defaultEngineDir(), LAYOUT_FILE[layout]);
  return isFile(p) ? p : null;
}

/** Path of a JerryScript binary, or null. */
export function jerryPath(which: Jerry = 'jerry-kaluma'): string | null {
  const env = process.env.SLIPSTACK_JERRY;
  if (env !== undefined && env !== '') {
    if (isFile(env)) return which === 'jerry-kaluma' ? resolve(env) : null;
    const p = join(env, which);
    return isFile(p) ? resolve(p) : null;
  }
  const p = join(defaultEngineDir(), which);
  return isFile(p) ? p : null;
}

let qemuCache: string | null | undefined;
/** Path of qemu-i386, or null when it is not installed. */
export function qemuPath(): string | null {
  if (qemuCache !== undefined) return qemuCache;
  const env = process.env.SLIPSTACK_QEMU;
  if (env !== undefined && env !== '') {
    qemuCache = isFile(env) ? env : null;
    return qemuCache;
  }
  const r = spawnSync('qemu-i386', ['--version'], { encoding: 'utf8' });
  if (r.status === 0) {
    const which = spawnSync('sh', ['-c', 'command -v qemu-i386'], { encoding: 'utf8' });
    qemuCache = which.status === 0 ? which.stdout.trim() : 'qemu-i386';
  } else {
    qemuCache = null;
  }
  return qemuCache;
}

/** True when a C compiler for the plugin is installed. */
export function hasCc(): boolean {
  return spawnSync('gcc', ['--version']).status === 0;
}

/** What a test needs. */
export interface Needs {
  espruino?: Layout;
  jerry?: Jerry;
  socat?: boolean;
}

/** Why the engines a test needs cannot run here, or null when they can. */
export function engineSkipReason(needs: Needs): string | null {
  const missing: string[] = [];
  if (qemuPath() === null) missing.push('qemu-i386 (apt-get install qemu-user)');
  if (needs.espruino !== undefined && espruinoPath(needs.espruino) === null) {
    missing.push(LAYOUT_FILE[needs.espruino] + ' (in ' + (process.env.SLIPSTACK_ESPRUINO || defaultEngineDir()) + ', or set SLIPSTACK_ESPRUINO)');
  }
  if (needs.jerry !== undefined && jerryPath(needs.jerry) === null) {
    missing.push(needs.jerry + ' (in ' + (process.env.SLIPSTACK_JERRY || defaultEngineDir()) + ', or set SLIPSTACK_JERRY)');
  }
  if (needs.socat && !hasSocat) missing.push('socat (apt-get install socat)');
  return missing.length === 0 ? null : 'missing ' + missing.join(', ');
}

/** Under CI=true a missing engine is a failure, not a skip: throws with the reason. */
export function requireEnginesUnderCi(reason: string | null): void {
  if (reason !== null && process.env.CI === 'true') {
    throw new Error('CI=true but the real-interpreter tests cannot run: ' + reason);
  }
}

/** Source of an in-engine file of bench/engines/ (peer.js, drive.js, measure.js, kaluma-stub.js). */
export function engineSource(name: string): string {
  return readFileSync(join(REPO, 'bench', 'engines', name), 'utf8');
}
