/**
 * build.mjs's variant flags, which `npm run bench:features` uses to measure what each feature
 * switch costs: `--without=F,...` builds the board bundles with those switches off (and the
 * settings they bound back to their defaults), `--outdir=DIR` writes them to DIR and leaves
 * dist/ alone, and an unknown switch fails the build before anything is written.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../bench/engines/locate.js';

function build(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['build.mjs', '--quiet'].concat(args), { cwd: REPO, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

describe('build.mjs --without and --outdir', () => {
  it('builds a profile without a switch into another directory, smaller and without its code, dist/ untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-build-'));
    try {
      execFileSync(process.execPath, ['build.mjs', '--quiet', '--only=wifi', '--outdir=' + join(dir, 'all')], { cwd: REPO });
      const distBefore = existsSync(join(REPO, 'dist', 'espruino-wifi.js')) ? statSync(join(REPO, 'dist', 'espruino-wifi.js')).mtimeMs : -1;
      // TRACE bounds traceEvents, which the wifi profile sets to 16: it must go with the switch.
      const r = build(['--only=wifi', '--without=NETSTAT,TRACE', '--outdir=' + join(dir, 'lean')]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const all = readFileSync(join(dir, 'all', 'espruino-wifi.js'), 'utf8');
      const lean = readFileSync(join(dir, 'lean', 'espruino-wifi.js'), 'utf8');
      expect(all).toContain('netstat');
      expect(lean).not.toContain('netstat');
      expect(lean.length).toBeLessThan(all.length - 3000);
      expect(existsSync(join(REPO, 'dist', 'espruino-wifi.js')) ? statSync(join(REPO, 'dist', 'espruino-wifi.js')).mtimeMs : -1).toBe(distBefore);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses a switch it does not know, naming the ones it does, and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-build-'));
    try {
      const r = build(['--only=kaluma', '--without=SAKC', '--outdir=' + dir]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/unknown feature "SAKC".*SACK/);
      expect(existsSync(join(dir, 'kaluma.js'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
