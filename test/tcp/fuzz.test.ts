/**
 * The TCP state fuzzer (test/tcp/fuzz.ts) in the suite: a bounded number of episodes from a
 * fixed seed, so a run is the same every time (`npm run fuzz` runs more, from any seed, and
 * prints the seed and path of a failure). Each episode is random but structured traffic from
 * a hostile peer plus a random application, with every invariant checked after every step
 * and every slot required to come free within the documented bound once the peer falls
 * silent. The coverage check keeps the generator honest: the episodes must really drive
 * connections through the states, not bounce off the listener.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runEpisode, episodeArb, newCoverage } from './fuzz.js';
import * as C from '../../src/tcp/constants.js';
import * as stats from '../../src/stats.js';

describe('TCP state fuzzer', () => {
  it('1000 episodes of up to 200 steps: no exception, no broken invariant, every slot freed within its bound', () => {
    const cov = newCoverage();
    fc.assert(fc.property(episodeArb(200), (ep) => { runEpisode(ep, cov); }), { seed: 9, numRuns: 1000 });
    expect(cov.episodes).toBe(1000);
    expect(cov.segmentsIn).toBeGreaterThan(10000);
    const reached = C.STATE_NAMES.filter((_, s) => cov.states & (1 << s));
    for (const s of ['LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'LAST-ACK', 'TIME-WAIT']) {
      expect(reached).toContain(s);
    }
    expect(cov.transitions.size).toBeGreaterThan(18);
    expect(cov.misuse).toBeGreaterThan(0); // misuse was tried, and refused with StackError
    // The data path ran too: loss recovery, probes, the defences.
    for (const k of [stats.CNT_TCP_RTO_TIMEOUTS, stats.CNT_TCP_FAST_RETRANSMITS, stats.CNT_TCP_SACK_RETRANSMITS, stats.CNT_TCP_WINDOW_PROBES,
      stats.CNT_TCP_KEEPALIVE_PROBES, stats.CNT_TCP_CHALLENGE_ACKS, stats.CNT_SYN_COOKIES_OK, stats.CNT_TCP_TIMEOUTS]) {
      expect(cov.counters[k], stats.COUNTER_NAMES[k]).toBeGreaterThan(0);
    }
  });
});
