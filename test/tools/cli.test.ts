/**
 * tools/slipstack.ts, the command, run as users run it (the bundle dist/slipstack.mjs, built
 * here first): --help on every subcommand, one-line errors (exit 2 for bad options, negative
 * numbers included; exit 1 for a missing device, a permission error, a busy port, a capture
 * that cannot be written), and the serial-port commands against a board: `ping` and
 * `start --port` talk to a slipstack stack running the demo app in this process on the other
 * end of a socat pty pair.
 */
import { describe, it, expect, afterEach, beforeAll } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSerialHal } from '../../hal/serialport.js';
import type { SerialHal } from '../../hal/serialport.js';
import { createStack } from '../../src/stack.js';
import type { Stack } from '../../src/stack.js';
import { startApp, DEFAULT_CONFIG } from '../../firmware/app.js';
import { ptyPair, hasSocat } from '../../tools/lab.js';
import type { PtyPair } from '../../tools/lab.js';

const CLI = join(process.cwd(), 'dist', 'slipstack.mjs');

beforeAll(() => {
  // The bundle, fresh (the build writes it atomically, so a concurrent build is harmless).
  execFileSync(process.execPath, ['build.mjs', '--only=slipstack', '--quiet'], { stdio: 'inherit' });
}, 120_000);
const hasTshark = spawnSync('tshark', ['--version']).status === 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the command without blocking this process (a board here may have to answer it). */
function run(args: string[], opts: { uid?: number; gid?: number; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    // A budget for a loaded machine, not a figure the tests assert.
    const t = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Exactly one line on stderr, exit code `code`, nothing that looks like a stack trace. */
function expectOneLine(r: Run, code: number, line: string | RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  if (typeof line === 'string') expect(lines[0]).toBe(line);
  else expect(lines[0]).toMatch(line);
  expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) {
    try { await cleanups.pop()!(); } catch { /* release the rest anyway */ }
  }
});

/** A board (the demo app at 192.168.190.2) on end b of a fresh pty pair; the command gets end a. */
async function board(tag: string, mtu: number): Promise<{ pair: PtyPair; hal: SerialHal; stack: Stack }> {
  const pair = await ptyPair(tag);
  cleanups.push(() => pair.stop());
  const hal = await openSerialHal(pair.b, 115200);
  cleanups.push(() => hal.close());
  const stack = createStack({ addr: DEFAULT_CONFIG.addr, mtu }, hal);
  startApp(stack.net);
  hal.start(stack);
  return { pair, hal, stack };
}

describe('slipstack command: help and option errors', () => {
  it('answers --help on every subcommand', async () => {
    const main = await run(['--help']);
    expect(main.code).toBe(0);
    for (const c of ['start', 'ping', 'bridge']) expect(main.stdout).toContain(c);
    const expected: Record<string, string[]> = {
      start: ['--count', '--size', '--baud', '--pcap', '--mtu', '--port'],
      ping: ['--port', '--baud', '--count', '--size', '--addr'],
      bridge: ['--port', '--tun', '--local', '--peer', '--mtu', '--pcap', '--loss', '--delay', '--corrupt', '--baud', '--seed'],
    };
    await Promise.all(Object.keys(expected).map(async (cmd) => {
      for (const flag of ['--help', '-h']) {
        const r = await run([cmd, flag]);
        expect(r.code).toBe(0);
        expect(r.stderr).toBe('');
        expect(r.stdout).toMatch(new RegExp('^usage: slipstack ' + cmd));
        for (const o of expected[cmd]) expect(r.stdout).toContain(o);
      }
    }));
  });

  it('refuses bad options in one line with exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['ping', '--port', '/dev/ttyS0'], /^slipstack: ping needs exactly one address/],
      [['ping', '192.168.190.2'], /^slipstack: ping needs --port DEV/],
      [['ping', '192.168.300.2', '--port', '/dev/ttyS0'], /must be an IPv4 address/],
      [['ping', '192.168.190.2', '--port', '/dev/ttyS0', '--count', 'x'], /--count must be a number/],
      [['ping', '192.168.190.2', '--port', '/dev/ttyS0', '--size', '1000'], /does not fit --mtu 296/],
      [['ping', '192.168.190.2', '--port', '/dev/ttyS0', '--bogus'], /Unknown option '--bogus'.*slipstack ping --help/],
      [['bridge', '--port', '/dev/ttyS0'], /^slipstack: bridge needs --tun NAME/],
      [['bridge', '--tun', 'tun0'], /^slipstack: bridge needs --port DEV/],
      [['bridge', '--port', '/dev/ttyS0', '--tun', 'tun0', '--local', '10.0.0.1'], /give both --local and --peer/],
      [['bridge', '--port', '/dev/ttyS0', '--tun', 'tun0', '--loss', '2'], /--loss must be a number in 0\.\.1/],
      [['start', '--port', '/dev/ttyS0', '--loss', '0.1'], /--loss only applies to the simulation/],
      [['frobnicate'], /unknown command "frobnicate"/],
      // Negative numbers get the range message, not parseArgs' "argument is ambiguous".
      [['start', '--count', '-1'], /^slipstack: --count must be a number in 1\.\.100000, got "-1"$/],
      [['start', '--mtu', '-296'], /^slipstack: --mtu must be a number in 68\.\.1500, got "-296"$/],
      [['start', '--latency', '-0.5'], /^slipstack: --latency must be a number in 0\.\.60000, got "-0\.5"$/],
      [['ping', '192.168.190.2', '--port', '/dev/ttyS0', '--count', '-3'], /^slipstack: --count must be a number in 1\.\.1000000, got "-3"$/],
      [['ping', '192.168.190.2', '--port', '/dev/ttyS0', '--interval', '-Infinity'], /^slipstack: --interval must be a number in 1\.\.3600000, got "-Infinity"$/],
      [['bridge', '--port', '/dev/ttyS0', '--tun', 'tun0', '--loss', '-1'], /^slipstack: --loss must be a number in 0\.\.1, got "-1"$/],
      // A dash that is not a number is still refused as before.
      [['start', '--pcap', '-x'], /argument is ambiguous.*slipstack start --help/],
    ];
    const results = await Promise.all(cases.map((c) => run(c[0])));
    results.forEach((r, i) => expectOneLine(r, 2, cases[i][1]));
  });
});

describe('slipstack command: a capture that cannot be written', () => {
  it('fails in one line with exit 1 before any traffic, and creates no directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-cli-'));
    try {
      const missing = join(dir, 'no', 'such', 'folder');
      const pcap = join(missing, 'x.pcap');
      const msg = 'slipstack: cannot write the capture ' + pcap + ': no such directory ' + missing;
      // The simulation, and a real port: the capture is checked before the port is opened.
      const [sim, port] = await Promise.all([
        run(['start', '--pcap', pcap]),
        run(['start', '--port', '/dev/ttyNOPE' + process.pid, '--pcap', pcap]),
      ]);
      expectOneLine(sim, 1, msg);
      expect(sim.stdout).toBe('');
      expectOneLine(port, 1, msg);
      expect(existsSync(join(dir, 'no'))).toBe(false);
      // A file where the folder should be.
      writeFileSync(join(dir, 'file'), '');
      const under = join(dir, 'file', 'x.pcap');
      expectOneLine(await run(['start', '--pcap', under]), 1, 'slipstack: cannot write the capture ' + under + ': ' + join(dir, 'file') + ' is not a directory');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes the default out/ (one level, in the current directory) and writes only the file there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-cli-'));
    try {
      const r = await run(['start', '--count', '1'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(dir, 'out', 'slipstack-start.pcap')).readUInt32LE(0)).toBe(0xa1b2c3d4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes a negative value where the range allows one (bridge --seed -5 gets as far as the port)', async () => {
    const dev = '/dev/ttyNOPE' + process.pid;
    expectOneLine(await run(['bridge', '--port', dev, '--tun', 'sstnope1', '--seed', '-5']), 1, 'slipstack: cannot open ' + dev + ': no such device');
  });
});

describe('slipstack command: a port that cannot be opened', () => {
  it('says "no such device" in one line and exits 1, for ping, start and bridge', async () => {
    const dev = '/dev/ttyNOPE' + process.pid;
    const msg = 'slipstack: cannot open ' + dev + ': no such device';
    const [ping, start, bridge] = await Promise.all([
      run(['ping', '192.168.190.2', '--port', dev]),
      run(['start', '--port', dev]),
      run(['bridge', '--port', dev, '--tun', 'sstnope0']),
    ]);
    expectOneLine(ping, 1, msg);
    expectOneLine(start, 1, msg);
    expectOneLine(bridge, 1, msg);
  });

  it('says "permission denied" in one line and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-cli-'));
    try {
      const dev = join(dir, 'ttyLOCKED');
      writeFileSync(dev, '');
      chmodSync(dev, 0o000);
      // root ignores file modes, so as root the command runs as nobody.
      const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
      if (asRoot) chmodSync(dir, 0o755);
      const r = await run(['ping', '192.168.190.2', '--port', dev], asRoot ? { uid: 65534, gid: 65534 } : {});
      expectOneLine(r, 1, 'slipstack: cannot open ' + dev + ": permission denied (is your user in the port's group, e.g. dialout?)");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(hasSocat || process.env.CI === 'true')('says "port is busy" in one line and exits 1 when another program holds the port', async () => {
    const pair = await ptyPair('busy');
    cleanups.push(() => pair.stop());
    const holder = await openSerialHal(pair.a, 115200);
    cleanups.push(() => holder.close());
    const [ping, start] = await Promise.all([
      run(['ping', '192.168.190.2', '--port', pair.a]),
      run(['start', '--port', pair.a]),
    ]);
    const msg = 'slipstack: cannot open ' + pair.a + ': port is busy (another program has it open)';
    expectOneLine(ping, 1, msg);
    expectOneLine(start, 1, msg);
  });
});

describe.runIf(hasSocat || process.env.CI === 'true')('slipstack command: a board on a serial line (socat pty pair)', () => {
  it('ping: prints a line per reply like ping(8), then the statistics, and exits 0', async () => {
    const b = await board('ping', 1500);
    const r = await run(['ping', '192.168.190.2', '--port', b.pair.a, '--count', '3', '--interval', '100', '--size', '1000', '--mtu', '1500']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^PING 192\.168\.190\.2 \(192\.168\.190\.2\) 1000\(1028\) bytes of data/);
    expect(lines.filter((l) => /^1008 bytes from 192\.168\.190\.2: icmp_seq=[123] time=\d+\.\d+ ms$/.test(l))).toHaveLength(3);
    expect(r.stdout).toContain('--- 192.168.190.2 ping statistics ---');
    expect(r.stdout).toMatch(/^3 packets transmitted, 3 received, 0% packet loss, time \d+ms$/m);
    expect(r.stdout).toMatch(/^rtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms$/m);
    expect(b.stack.drops.reduce((a, x) => a + x, 0)).toBe(0);
  });

  it('ping: reports 100% loss and exits 1 when nothing answers', async () => {
    const pair = await ptyPair('silent'); // nobody on the other end
    cleanups.push(() => pair.stop());
    const r = await run(['ping', '192.168.190.2', '--port', pair.a, '--count', '2', '--interval', '50', '--timeout', '200']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^2 packets transmitted, 0 received, 100% packet loss/m);
    expect(r.stdout).not.toContain('rtt min');
  });

  it('start --port: the main job against the board (4 pings, UDP echo, HTTP over TCP, pcap), in the simulation\'s format', async () => {
    const b = await board('start', 296);
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-cli-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pcap = join(dir, 'board.pcap');
    const r = await run(['start', '--port', b.pair.a, '--pcap', pcap]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('slipstack: board 192.168.190.2 on ' + b.pair.a + ', a 115200-baud SLIP line (mtu 296)');
    // The same ping line as the simulation (test/tools/start.test.ts), with the frames' line time.
    expect(lines.filter((l) => /^64 bytes from 192\.168\.190\.2: icmp_seq=\d ident=0x[0-9a-f]+ time=\d+\.\d\d ms \(link model \d+\.\d\d ms: \d+\+\d+ frame octets at 115200 baud\)$/.test(l))).toHaveLength(4);
    expect(r.stdout).toMatch(/^4 packets transmitted, 4 received, 0% packet loss, rtt min\/avg\/max = /m);
    expect(r.stdout).toMatch(/^UDP echo: 43 bytes to 192\.168\.190\.2:7 came back intact in \d+\.\d\d ms$/m);
    expect(r.stdout).toMatch(/^HTTP over TCP: GET http:\/\/192\.168\.190\.2\/ -> "HTTP\/1\.0 200 OK"/m);
    expect(r.stdout).toMatch(/^host TCP states: CLOSED -> SYN-SENT \(connect\) -> ESTABLISHED \(rcv SYN-ACK\)/m);
    expect(r.stdout).toMatch(new RegExp('^pcap: ' + pcap.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + ' \\(\\d+ packets, LINKTYPE_RAW\\)', 'm'));
    const file = readFileSync(pcap);
    expect(file.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(file.readUInt32LE(20)).toBe(101);
    if (hasTshark) {
      const t = spawnSync('tshark', ['-r', pcap, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
        '-o', 'tcp.check_checksum:TRUE', '-q', '-z', 'expert,note'], { encoding: 'utf8' });
      expect(t.status).toBe(0);
      expect(t.stdout).not.toMatch(/^(Errors|Warns|Warnings) \(\d+\)/m);
      const summary = spawnSync('tshark', ['-r', pcap], { encoding: 'utf8' }).stdout;
      expect(summary.match(/Echo \(ping\) reply/g)).toHaveLength(4);
    }
  });
});
