/**
 * Zero allocation, checked: after a warm-up, 10,000 pings and 10,000 UDP echoes through the
 * loopback must cause zero garbage collections. The workload runs in a child process with a
 * 1 MiB young generation, so even a few bytes of garbage per packet would trigger scavenges.
 * If this fails, the promise is broken: fix the code, never the test.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

describe('zero allocation', () => {
  it('10,000 pings and 10,000 UDP echoes after warm-up cause zero garbage collections', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-gc-'));
    try {
      const out = join(dir, 'child.mjs');
      buildSync({
        entryPoints: [join(__dirname, 'zero-gc.child.ts')],
        bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'error',
      });
      const stdout = execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', out], { encoding: 'utf8' });
      const r = JSON.parse(stdout.trim().split('\n').pop()!);
      expect(r.pings).toBe(10000);
      expect(r.echoes).toBe(10000);
      expect(r.gcs, 'gc kinds seen: ' + r.kinds.join(',')).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
