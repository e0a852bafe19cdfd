/**
 * Interop with the Linux kernel over a lossy line (needs root): the bridge (tools/bridge.ts)
 * loses 2% of the frames in each direction, by seed, and 1 MB still crosses byte-exact
 * between Linux's TCP and slipstack's, both ways (test/interop/lab.ts has the setup).
 * Retransmission, fast retransmit and recovery are exercised on both ends against a real
 * peer. Without root the tests say why and stop (under CI=true they fail).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLab, kernelLab, sha256, LINUX_ADDR, STACK_ADDR } from './lab.js';
import type { Lab } from './lab.js';
import * as stats from '../../src/stats.js';

const MB = 1 << 20;
const LOSS = '0.02';
const SEED = '20240';

/** Deterministic test data with every octet value (SLIP END and ESC included). */
function pattern(len: number, k: number): Buffer {
  const b = Buffer.alloc(len);
  let x = (k * 2654435761) | 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const kernel = kernelLab();
let lab: Lab | null = null;
const data = pattern(MB, 5);

describe('Linux ⇄ slipstack with 2% seeded frame loss each way (root, network namespace)', () => {
  beforeAll(async () => {
    if (!kernel) return;
    await openLab('lossy', {}, ['--loss', LOSS, '--seed', SEED], (l) => { lab = l; });
    writeFileSync(join((lab as unknown as Lab).dir, 'data.bin'), data);
  }, 60_000);

  afterAll(async () => {
    if (lab !== null) await lab.close();
  }, 30_000);

  /** Linux's TcpExtTCPSackRecovery inside the namespace: recoveries driven by the peer's SACK blocks. */
  async function linuxSackRecoveries(l: Lab): Promise<number> {
    const r = await l.run(['nstat', '-asz', 'TcpExtTCPSackRecovery']);
    const m = /TcpExtTCPSackRecovery\s+(\d+)/.exec(r.out);
    expect(m, r.out + r.err).not.toBeNull();
    return Number(m![1]);
  }

  it('moves 1 MB Linux -> stack byte-exact (nc -l on Linux, SHA-256 on the stack\'s side), Linux recovering from our SACK blocks', async () => {
    if (!lab) return;
    const rtx = lab.stack.counters[stats.CNT_TCP_RETRANSMITS];
    const sackBefore = await linuxSackRecoveries(lab);
    const nc = lab.spawn(['sh', '-c', 'exec nc -N -l ' + LINUX_ADDR + ' 9001 < ' + join(lab.dir, 'data.bin')]);
    await lab.waitListening(9001);
    const x = await lab.exchange(LINUX_ADDR, 9001, { send: new Uint8Array(0), afterSend: 'none', timeoutMs: 50_000 });
    expect(x.received.length).toBe(MB);
    expect(sha256(x.received)).toBe(sha256(data));
    expect((await nc.exited).code).toBe(0);
    // RFC 2018: both SYNs offered SACK, our ACKs carried the blocks, and Linux's sender used
    // them to recover (its SACK recovery counter moved; without SACK it stays at 0).
    const sackRecoveries = (await linuxSackRecoveries(lab)) - sackBefore;
    expect(sackRecoveries).toBeGreaterThan(0);
    console.log('2% loss, 1 MB Linux -> stack: ' + Math.round(x.ms) + ' ms (' + (MB / 1024 / (x.ms / 1000)).toFixed(0) + ' KB/s), ' +
      (lab.stack.counters[stats.CNT_TCP_RETRANSMITS] - rtx) + ' stack retransmissions, ' + sackRecoveries + ' Linux SACK recoveries');
  });

  it('moves 1 MB stack -> Linux byte-exact (nc -l on Linux, SHA-256 on Linux\'s side)', async () => {
    if (!lab) return;
    const rtx = lab.stack.counters[stats.CNT_TCP_RETRANSMITS];
    const sink = join(lab.dir, 'sink.bin');
    const nc = lab.spawn(['sh', '-c', 'exec nc -l ' + LINUX_ADDR + ' 9000 > ' + sink]);
    await lab.waitListening(9000);
    const t0 = performance.now();
    const x = await lab.exchange(LINUX_ADDR, 9000, { send: data, afterSend: 'close', timeoutMs: 50_000 });
    expect(x.sent).toBe(MB);
    const r = await nc.exited;
    const ms = performance.now() - t0;
    expect(r.code, r.err).toBe(0);
    const got = readFileSync(sink);
    expect(got.length).toBe(MB);
    expect(sha256(got)).toBe(sha256(data));
    const retransmits = lab.stack.counters[stats.CNT_TCP_RETRANSMITS] - rtx;
    // 2% of ~720 data segments were lost on the way out: the stack had to resend some.
    expect(retransmits).toBeGreaterThan(0);
    console.log('2% loss, 1 MB stack -> Linux: ' + Math.round(ms) + ' ms (' + (MB / 1024 / (ms / 1000)).toFixed(0) + ' KB/s), ' +
      retransmits + ' stack retransmissions');
  });

  it('echoes 1 MB through nc and the stack\'s echo server byte-exact: Linux -> stack -> Linux', async () => {
    if (!lab) return;
    const out = join(lab.dir, 'echo.out');
    const r = await lab.run(['sh', '-c', 'nc -N ' + STACK_ADDR + ' 7 < ' + join(lab.dir, 'data.bin') + ' > ' + out], 50_000);
    expect(r.code, r.err).toBe(0);
    const back = readFileSync(out);
    expect(back.length).toBe(MB);
    expect(sha256(back)).toBe(sha256(data));
    console.log('2% loss, 1 MB nc echo round trip: ' + Math.round(r.ms) + ' ms');
  });

  it('really lost frames both ways, by seed (the bridge\'s counters)', async () => {
    if (!lab) return;
    const out = await lab.stopBridge();
    const toSerial = /tun0 -> serial: (\d+) packets .*?, (\d+) lost/.exec(out);
    const toTun = /serial -> tun0: (\d+) packets .*?, (\d+) lost/.exec(out);
    expect(toSerial, out).not.toBeNull();
    expect(toTun, out).not.toBeNull();
    for (const m of [toSerial!, toTun!]) {
      const packets = Number(m[1]);
      const lost = Number(m[2]);
      expect(packets).toBeGreaterThan(1000);
      // 2% of the frames, give or take the binomial spread.
      expect(lost / packets).toBeGreaterThan(0.01);
      expect(lost / packets).toBeLessThan(0.03);
    }
    console.log(out.trim().split('\n').filter((s) => /->/.test(s)).join('\n'));
  });
});
