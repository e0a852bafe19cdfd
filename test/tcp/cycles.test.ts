/**
 * Done-when of the connection-management issue: 1,000 cycles of connect, a small transfer
 * both ways and close (alternating which side closes first) between two stacks; afterwards
 * every TIME-WAIT expires and both tables are empty; the cycles after warm-up cause zero
 * garbage collections (child process, 1 MiB young generation).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runChild } from '../../tools/alloc/child.js';

describe('connect / transfer / close cycles', () => {
  it('1,000 cycles complete, leave a clean table, and allocate nothing after warm-up', () => {
    const r = runChild(join(__dirname, 'cycles.child.ts'));
    expect(r.warm).toBe(50 * (r.warmBatches as number)); // every warm-up cycle completed too
    expect(r.cycles).toBe(1000);
    expect(r.timeWaitsBeforeDrain as number).toBeGreaterThan(0); // the closer really went through TIME-WAIT
    expect(r.leftAfterDrain).toBe(0);
    expect(r.gcs, 'gc kinds: ' + (r.kinds as string[]).join(',')).toBe(0);
  });
});
