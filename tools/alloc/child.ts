/**
 * Run a workload file in a child Node process with a small young generation, after bundling
 * it with esbuild, and return the JSON line it prints last. V8 compiles on the main thread
 * (`--no-concurrent-recompilation`): on a loaded machine the background compiler could finish
 * after the measured window had begun, and code still unoptimized boxes numbers, so a
 * zero-collection test failed now and then. Shared by the zero-allocation tests
 * (test/alloc/, test/tcp/) and `npm run bench:host` (bench/host.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

export function runChild(entry: string, env: Record<string, string> = {}): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'slipstack-child-'));
  try {
    const out = join(dir, 'child.mjs');
    buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'error' });
    const stdout = execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', '--no-concurrent-recompilation', out], { encoding: 'utf8', env: { ...process.env, ...env } });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

