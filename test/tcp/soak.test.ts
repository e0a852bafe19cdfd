/**
 * Fault soak (done-when of the data-transfer issue): 200 seeded transfers of random sizes from
 * 0 to 64 KB over a line with 10% loss, 5% duplication, 5% reordering and 1% bit flips. Every
 * byte arrives exactly (SHA-256), no transfer gets stuck (each must finish within its time
 * budget), every table is empty afterwards (TIME-WAIT included), and nothing throws.
 */
import { describe, expect, it } from 'vitest';
import { transfer, payload } from '../../bench/transfer.js';

describe('fault soak', () => {
  it('200 transfers over a bad line: byte-exact, never stuck, tables empty, nothing thrown', () => {
    let x = 12345;
    const rnd = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 4294967296; };
    const failures: string[] = [];
    let bytes = 0;
    for (let k = 0; k < 200; k++) {
      const size = Math.floor(rnd() * 65537);
      const mtu = rnd() < 0.5 ? 296 : 1006;
      const data = payload(size, k + 1);
      const r = transfer(data, { mtu, msl: 2000 }, {
        baud: 115200, latencyMs: 5, seed: 1000 + k, tickMs: 1,
        loss: 0.1, duplicate: 0.05, reorder: 0.05, bitFlip: 0.01,
      }, rnd() < 0.5, 600_000);
      bytes += r.bytes;
      if (!r.ok || !r.clean) failures.push(`#${k} size ${size} mtu ${mtu}: ok=${r.ok} clean=${r.clean} got ${r.bytes} in ${r.ms} ms`);
    }
    expect(failures).toEqual([]);
    expect(bytes).toBeGreaterThan(200 * 20000); // the sizes really were spread up to 64 KB
  });
});
