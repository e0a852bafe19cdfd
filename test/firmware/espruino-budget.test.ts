/**
 * The memory budgets of the Espruino bundles on the real interpreter (BUDGETS in
 * bench/engines/boards.ts): each bundle loaded from Storage on the row's JsVar layout, its
 * JsVars used and free read after boot and again after 1,000 pings handed to Serial1's
 * listener in the engine. JsVar counts are deterministic, so these are tests. In a file of
 * their own so they run beside the functional tests (espruino-engine.test.ts); each takes
 * about a minute under qemu-i386. Engines as there: skipped with the reason without them,
 * failing under CI=true.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { EspruinoSession } from '../../bench/engines/espruino.js';
import { nodePeer } from '../../bench/engines/peer-node.js';
import { payload } from '../../bench/engines/espruino-measure.js';
import { BOARD_BUNDLES, BUDGETS } from '../../bench/engines/boards.js';
import type { EspruinoBundle, Budget } from '../../bench/engines/boards.js';
import { REPO, engineSkipReason, requireEnginesUnderCi } from '../../bench/engines/locate.js';

/** Build a bundle with build.mjs (subset check included). */
function build(name: string): void {
  execFileSync(process.execPath, ['build.mjs', '--quiet', '--only=' + name], { cwd: REPO, stdio: 'pipe' });
}

/** One 56-octet echo request as the 8-bit string a serial read hands over. */
function pingFrame(): string {
  const peer = nodePeer();
  return Buffer.from(peer.slip(peer.echoRequest(0x5353, 1, payload(56)))).toString('latin1');
}

const espruinoBundles = BOARD_BUNDLES.filter((b): b is EspruinoBundle => b.engine === 'espruino');

/** Budget rows for Espruino bundles (none until the profile bundles exist). */
const espruinoBudgets = BUDGETS.filter((row) => espruinoBundles.some((b) => b.name === row.bundle));

for (const row of espruinoBudgets) {
  const b = espruinoBundles.find((x) => x.name === row.bundle)!;
  const layout = row.layout ?? b.testLayout;
  const reason = engineSkipReason({ espruino: layout });
  requireEnginesUnderCi(reason);
  describe.skipIf(reason !== null)('budget: ' + b.name + ' on ' + layout + ' JsVars', () => {
    it(budgetTitle(row), async () => {
      build(b.build);
      const s = await EspruinoSession.start({ layout });
      try {
        await s.storeBundle(join(REPO, b.bundle));
        const load = await s.loadFromStorage();
        expect(load.oom, load.output).toBe(false);
        expect(load.up, load.output).toBe(true);
        const readings = [await s.memory()];
        const pings = row.pings ?? 1000;
        expect(await s.syntheticPings(pingFrame(), pings)).toBe(pings);
        readings.push(await s.memory());
        for (const m of readings) {
          if (row.maxUsed !== undefined) expect(m.usage).toBeLessThanOrEqual(row.maxUsed);
          if (row.minFree !== undefined) expect(m.free).toBeGreaterThanOrEqual(row.minFree);
        }
      } finally {
        await s.stop();
      }
    }, 900_000);
  });
}

function budgetTitle(row: Budget): string {
  return (row.maxUsed !== undefined ? 'at most ' + row.maxUsed + ' JsVars used' : 'at least ' + row.minFree + ' JsVars free') +
    ' after boot and after ' + (row.pings ?? 1000) + ' pings';
}
