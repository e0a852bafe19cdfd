import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStart, START_DEFAULTS } from '../../tools/start.js';

const hasTshark = spawnSync('tshark', ['--version']).status === 0;

async function withTmp<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'slipstack-start-'));
  try { return await f(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

describe('npm start (the simulated board)', () => {
  it('pings 4 times with RTTs that agree with the link model, echoes UDP, and writes a pcap', () => withTmp(async (dir) => {
    const lines: string[] = [];
    const r = await runStart({ ...START_DEFAULTS, pcap: join(dir, 's.pcap') }, (l) => lines.push(l));
    expect(r.pings).toHaveLength(4);
    for (const p of r.pings) {
      expect(p.intact).toBe(true);
      // A 64-byte ICMP message is an 84-octet IP packet: at least 86 octets framed, each way.
      expect(p.requestFrame).toBeGreaterThanOrEqual(86);
      expect(p.replyFrame).toBeGreaterThanOrEqual(86);
      const model = ((p.requestFrame + p.replyFrame) * 10 / 115200) * 1000 + 2 * START_DEFAULTS.latency;
      expect(p.model).toBeCloseTo(model, 9);
      expect(Math.abs(p.rtt - model)).toBeLessThan(0.01);
    }
    expect(r.udpEchoed).toBe(true);
    expect(r.httpOk).toBe(true);
    // 4 pings and 1 UDP echo (10 packets), then the TCP exchange: at least the handshake, the
    // request, the response, two FINs and their ACKs.
    expect(r.pcapPackets).toBeGreaterThanOrEqual(10 + 8);
    expect(lines.some((l) => l.startsWith('host TCP states: CLOSED -> SYN-SENT (connect) -> ESTABLISHED (rcv SYN-ACK)'))).toBe(true);
    expect(lines.filter((l) => /^64 bytes from 192\.168\.190\.2: icmp_seq=\d ident=0x[0-9a-f]+ time=\d+\.\d\d ms/.test(l))).toHaveLength(4);
    expect(lines.some((l) => l.startsWith('pcap: ' + join(dir, 's.pcap')))).toBe(true);
    const file = readFileSync(join(dir, 's.pcap'));
    expect(file.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(file.readUInt32LE(20)).toBe(101); // LINKTYPE_RAW
  }));

  it('reports lost pings on a lossy line and stays deterministic by seed', () => withTmp(async (dir) => {
    const run = () => runStart({ ...START_DEFAULTS, count: 20, loss: 0.3, seed: 42, pcap: join(dir, 'l.pcap') }, () => {});
    const a = await run();
    const b = await run();
    const lost = a.pings.filter((p) => p.rtt < 0).length;
    expect(lost).toBeGreaterThan(0);
    expect(lost).toBeLessThan(20);
    expect(b.pings).toEqual(a.pings);
  }));

  it('carries a 1472-byte ping at MTU 1500, and longer frames take longer', () => withTmp(async (dir) => {
    const r = await runStart({ ...START_DEFAULTS, count: 1, size: 1472, mtu: 1500, pcap: join(dir, 'b.pcap') }, () => {});
    expect(r.pings[0].intact).toBe(true);
    expect(r.pings[0].rtt).toBeGreaterThan(2 * 1502 * 10 / 115.2);
    expect(Math.abs(r.pings[0].rtt - r.pings[0].model)).toBeLessThan(0.01);
  }));

  it('writes a capture that tshark reads with zero warnings or errors, checksum validation on', () => withTmp(async (dir) => {
    if (!hasTshark) {
      if (process.env.CI === 'true') throw new Error('tshark is missing under CI=true: .ci/run must install it');
      console.warn('skipping the tshark check: tshark is not installed (apt-get install tshark)');
      return;
    }
    const pcap = join(dir, 't.pcap');
    await runStart({ ...START_DEFAULTS, size: 200, pcap }, () => {});
    const expert = execFileSync('tshark', ['-r', pcap, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
      '-q', '-z', 'expert,note'], { encoding: 'utf8' });
    expect(expert).not.toMatch(/^(Errors|Warns|Warnings) \(\d+\)/m);
    const summary = execFileSync('tshark', ['-r', pcap], { encoding: 'utf8' });
    expect(summary.match(/Echo \(ping\) reply/g)).toHaveLength(4);
    expect(summary).toMatch(/HTTP\/1\.0 200 OK/);
    // The checksum fields are really checked: damage one and tshark notices.
    const bytes = readFileSync(pcap);
    bytes[24 + 16 + 10] ^= 0xff; // first record's IP header checksum
    writeFileSync(pcap, bytes);
    const bad = execFileSync('tshark', ['-r', pcap, '-o', 'ip.check_checksum:TRUE', '-q', '-z', 'expert,note'], { encoding: 'utf8' });
    expect(bad).toMatch(/^Errors \(\d+\)/m);
  }));

  it('the command answers --help and refuses bad options in one line', () => {
    const tsx = join('node_modules', '.bin', 'tsx');
    const help = execFileSync(tsx, ['tools/slipstack.ts', 'start', '--help'], { encoding: 'utf8' });
    for (const o of ['--count', '--size', '--baud', '--latency', '--loss', '--seed', '--pcap']) expect(help).toContain(o);
    const bad = spawnSync(tsx, ['tools/slipstack.ts', 'start', '--baud', 'fast'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--baud must be a number/);
    const big = spawnSync(tsx, ['tools/slipstack.ts', 'start', '--size', '1000'], { encoding: 'utf8' });
    expect(big.status).toBe(2);
    expect(big.stderr).toMatch(/does not fit --mtu 296/);
  });
});
