/**
 * Zero allocation, checked: after a warm-up, 10,000 pings and 10,000 UDP echoes through the
 * loopback must cause zero garbage collections. The workload runs in a child process with a
 * 1 MiB young generation, so even a few bytes of garbage per packet would trigger scavenges.
 * If this fails, the promise is broken: fix the code, never the test.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runChild } from '../../tools/alloc/child.js';

describe('zero allocation', () => {
  it('10,000 pings and 10,000 UDP echoes after warm-up cause zero garbage collections', () => {
    const r = runChild(join(__dirname, 'zero-gc.child.ts'));
    expect(r.pings).toBe(10000);
    expect(r.echoes).toBe(10000);
    expect(r.gcs, 'gc kinds seen: ' + (r.kinds as string[]).join(',')).toBe(0);
  });
});
