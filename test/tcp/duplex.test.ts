/**
 * Done-when of issue 9: two slipstacks move 1 MB each way over one connection at MTU 68 (a
 * 28-octet MSS, 112-octet rings) on a line with 10% loss, 5% duplication and 10% reordering,
 * byte-exact, over 20 seeds; both tables are empty afterwards. Both retransmission timers
 * fire together many times in such a run: before bare ACKs carried SND.MAX, this ended in
 * ETIMEDOUT on both sides (test/tcp/deadlock.test.ts shows the mechanism).
 * `npm run bench:duplex` prints the figures of the same runs.
 */
import { describe, expect, it } from 'vitest';
import { duplex, BAD_LINE } from '../../bench/duplex.js';
const MB = 1_000_000;

describe('1 MB each way at MTU 68 with loss, duplication and reordering', () => {
  for (let first = 1; first <= 20; first += 5) {
    it(`seeds ${first}..${first + 4}: byte-exact both ways, tables empty`, () => {
      const bad: string[] = [];
      for (let seed = first; seed < first + 5; seed++) {
        const r = duplex(MB, MB, { mtu: 68, msl: 2000 }, { ...BAD_LINE, seed }, 3_600_000);
        if (!r.ok || !r.clean || r.lost < 10000 || r.duplicated < 3000 || r.reordered < 6000) bad.push(`seed ${seed}: ${JSON.stringify(r)}`);
      }
      expect(bad).toEqual([]);
    });
  }
});
