/**
 * Sequence numbers wrap at 2^32 (RFC 9293 §3.4; bad-input class 14, docs/BAD-INPUT.md): transfers
 * whose ISNs sit just below 2^32, in both directions, over a lossy line so that
 * retransmission, the assembler and the window all cross the wrap.
 */
import { describe, expect, it } from 'vitest';
import { transfer, payload } from '../../bench/transfer.js';

describe('sequence wraparound', () => {
  for (const reverse of [false, true]) {
    for (const iss of [0xffffff00, 0xfffffffe]) {
      it(`${reverse ? 'B->A' : 'A->B'} with ISN ${iss.toString(16)} (both ends), 2% loss and reordering`, () => {
        const data = payload(40000, iss & 0xff);
        const r = transfer(data, { mtu: 296, msl: 1000, tcpIss: iss }, { baud: 115200, latencyMs: 5, seed: 3, loss: 0.02, reorder: 0.05, tickMs: 1 }, reverse, 600_000);
        expect(r.ok).toBe(true);
        expect(r.retransmits).toBeGreaterThan(0); // recovery really happened across the wrap
        expect(r.clean).toBe(true);
      });
    }
  }
});
