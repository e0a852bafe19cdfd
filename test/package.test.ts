/**
 * The package as a user gets it: `npm pack` (which runs `prepare`, the build), the tarball
 * installed into an empty project from the npm cache only (`npm ci --offline`), then the API
 * imported from `slipstack` in TypeScript
 * (type-checked by the repository's tsc against the installed declarations, `nodenext`
 * resolution, strict) and in plain ESM (two stacks ping each other on the loopback link), and
 * the `slipstack` command run from the installed package. Every step's output is printed.
 *
 * Why a lockfile: after the repository's `npm ci`, the cache holds the tarballs of the locked
 * dependencies (found by integrity) but not the registry metadata that resolving `^13.0.0`
 * afresh needs, so `npm install --offline <tarball>` fails with ENOTCACHED. The empty project
 * therefore gets a lockfile naming the tarball (with its integrity) and, for its dependencies,
 * the repository's own locked production entries; `npm ci --offline` installs exactly those.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The environment without the npm_* variables of an outer `npm test` (they would reconfigure the inner npm). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return env;
}

/** Run a command, print what it printed, return its stdout (throws with its output on failure). */
function sh(cmd: string, args: string[], cwd: string): string {
  const shown = '$ ' + [cmd, ...args].join(' ') + '   (in ' + (cwd === ROOT ? 'the repository' : 'the empty project') + ')';
  try {
    const out = execFileSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
    console.log(shown + '\n' + out.trimEnd());
    return out;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(shown + ' failed: ' + x.message + '\n' + (x.stdout ?? '') + (x.stderr ?? ''));
  }
}

/** package.json and package-lock.json of a project that depends on the tarball at `tarball` (relative to the project). */
function projectFiles(tarball: string, tarballBytes: Buffer): { pkg: object; lock: object } {
  const repoPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const repoLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const spec = 'file:' + tarball;
  const packages: Record<string, unknown> = {
    '': { name: 'app', version: '1.0.0', dependencies: { slipstack: spec } },
    'node_modules/slipstack': {
      version: repoPkg.version, resolved: spec, integrity: 'sha512-' + createHash('sha512').update(tarballBytes).digest('base64'),
      license: repoPkg.license, dependencies: repoPkg.dependencies, bin: repoPkg.bin, engines: repoPkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(repoLock.packages as Record<string, { dev?: boolean }>)) {
    if (path !== '' && entry.dev !== true) packages[path] = entry;
  }
  return {
    pkg: { name: 'app', version: '1.0.0', private: true, type: 'module', dependencies: { slipstack: spec } },
    lock: { name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages },
  };
}

/** A TypeScript user: every part of the API, type-checked; the @ts-expect-error lines fail if the types were `any`. */
const CONSUMER_TS = `import {
  createStack, createLink, Sim, parseAddr, formatAddr, resolveConfig, DEFAULTS, SETTINGS, SETTING_NAMES, ramFor,
  withPcap, withTracer, wrapHal, STATE_NAMES, ESTABLISHED, EV_READABLE, REASON_FIN, LISTENER_BASE,
  EAGAIN, StackError, errnoName, WHY_NAMES, stats, DROP_NAMES, COUNTER_NAMES,
} from 'slipstack';
import type { Stack, Hal, Receiver, Pollable, TcpHandler, Config, StackConfig, LinkOptions } from 'slipstack';

const opts: LinkOptions = { baud: 115200, latencyMs: 1, seed: 3 };
const link = createLink(opts);
const records: number[] = [];
const hal: Hal = withTracer(withPcap(link.a, (_b, _o, len) => { records.push(len); }, 296), () => {}, 296, 'a');
const tap: Hal = wrapHal(link.b, { sent() {}, received() {} });
const config: StackConfig = { addr: '10.0.0.1', mtu: 296 };
const a: Stack = createStack(config, hal);
const b: Stack = createStack({ addr: '10.0.0.2' }, tap);
const poller: Pollable = a;
const sim = new Sim(link);
sim.add((t: number) => poller.poll(t));
sim.add((t: number) => b.poll(t));
const onTcp: TcpHandler = (handle: number, event: number, detail: number) => {
  if (event === EV_READABLE && detail !== REASON_FIN) void handle;
};
a.onTcp(onTcp);
const full: Config = resolveConfig(config);
const rx: Receiver = (_buf: Uint8Array, _off: number, len: number) => { void len; };
void rx;
const names: string[] = [STATE_NAMES[ESTABLISHED], errnoName(-EAGAIN), WHY_NAMES[1], DROP_NAMES[stats.DROP_IP_CHECKSUM],
  COUNTER_NAMES[stats.CNT_RX_PACKETS], formatAddr(parseAddr('10.0.0.2') ?? 0)];
const ram: number = ramFor(full) + SETTING_NAMES.length + SETTINGS.mtu.unit.length + DEFAULTS.mtu + LISTENER_BASE;
const e: StackError = new StackError(22, 'x');
export const summary = { names, ram, code: e.code };

// @ts-expect-error: mtu is a number
createStack({ mtu: 'big' }, hal);
// @ts-expect-error: a HAL needs write, setReceiver, now and random32
createStack({}, { now: () => 0 });
`;

/** A plain-ESM user: two stacks on the loopback link, one pings the other. */
const CONSUMER_MJS = `import { createStack, createLink, Sim, parseAddr, stats } from 'slipstack';

const link = createLink({ baud: 115200, latencyMs: 5, seed: 1 });
const a = createStack({ addr: '10.0.0.1' }, link.a);
const b = createStack({ addr: '10.0.0.2' }, link.b);
const sim = new Sim(link);
sim.add((t) => a.poll(t));
sim.add((t) => b.poll(t));
const data = new Uint8Array(56).map((_, i) => i);
let rtt = -1;
let sentAt = 0;
a.onEchoReply((src, ident, seq, buf, off, len) => {
  if (ident === 7 && len === data.length && buf.slice(off, off + len).every((x, i) => x === data[i])) rtt = link.now() - sentAt;
});
sentAt = link.now();
a.ping(parseAddr('10.0.0.2'), 7, 1, data, 0, data.length);
sim.runWhile(() => rtt < 0, 1000);
console.log(JSON.stringify({ rtt, repliesSent: b.counters[stats.CNT_ECHO_REPLIES_SENT] }));
`;

describe('the npm package', () => {
  it('packs, installs offline into an empty project, type-checks and runs from `slipstack`, and runs the slipstack command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-pack-'));
    try {
      const packDir = join(dir, 'pack');
      const app = join(dir, 'app');
      mkdirSync(packDir);
      mkdirSync(app);
      // npm pack runs `prepare` (node build.mjs --quiet) first: the tarball holds a fresh build.
      sh('npm', ['pack', '--pack-destination', packDir], ROOT);
      const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
      expect(tarball).toBeDefined();
      const listing = execFileSync('tar', ['-tzf', join(packDir, tarball!)], { encoding: 'utf8' }).trim().split('\n').sort();
      console.log('tarball: ' + tarball + ', ' + listing.length + ' files:\n  ' + listing.join('\n  '));
      for (const f of ['package/package.json', 'package/README.md', 'package/dist/index.mjs', 'package/dist/types/src/index.d.ts',
        'package/dist/slipstack.mjs', 'package/dist/espruino.js', 'package/dist/kaluma.js']) expect(listing).toContain(f);
      // Nothing but the build and the docs: no sources, tests or tools.
      expect(listing.filter((f) => !/^package\/(dist\/|package\.json$|README\.md$|LICENSE)/.test(f))).toEqual([]);

      const files = projectFiles('../pack/' + tarball, readFileSync(join(packDir, tarball!)));
      writeFileSync(join(app, 'package.json'), JSON.stringify(files.pkg, null, 2));
      writeFileSync(join(app, 'package-lock.json'), JSON.stringify(files.lock, null, 2));
      sh('npm', ['ci', '--offline', '--no-audit', '--no-fund'], app);
      expect(existsSync(join(app, 'node_modules', 'slipstack', 'dist', 'index.mjs'))).toBe(true);

      // TypeScript, as a user's project would check it against the installed declarations.
      writeFileSync(join(app, 'consumer.ts'), CONSUMER_TS);
      writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [], skipLibCheck: false },
        files: ['consumer.ts'],
      }, null, 2));
      sh(process.execPath, [TSC, '-p', 'tsconfig.json'], app);
      const listed = execFileSync(process.execPath, [TSC, '-p', 'tsconfig.json', '--listFiles'], { cwd: app, encoding: 'utf8' });
      expect(listed).toContain(join('node_modules', 'slipstack', 'dist', 'types', 'src', 'index.d.ts'));

      // Plain ESM: a ping between two stacks, through the package's main entry.
      writeFileSync(join(app, 'consumer.mjs'), CONSUMER_MJS);
      const ping = JSON.parse(sh(process.execPath, ['consumer.mjs'], app).trim()) as { rtt: number; repliesSent: number };
      // 84-octet packets, 86+ octets framed each way at 115200 baud, plus 2 × 5 ms.
      expect(ping.rtt).toBeGreaterThanOrEqual((2 * 86 * 10) / 115.2 + 10);
      expect(ping.rtt).toBeLessThan(40);
      expect(ping.repliesSent).toBe(1);

      // The command, from the installed package's bin.
      const help = sh('npx', ['--no-install', 'slipstack', '--help'], app);
      expect(help).toMatch(/^usage: slipstack <command>/);
      const start = sh('npx', ['--no-install', 'slipstack', 'start', '--count', '2', '--pcap', 'start.pcap'], app);
      expect(start).toMatch(/2 packets transmitted, 2 received, 0% packet loss/);
      expect(start).toMatch(/HTTP over TCP: GET http:\/\/192\.168\.190\.2\/ -> "HTTP\/1\.0 200 OK"/);
      expect(readFileSync(join(app, 'start.pcap')).readUInt32LE(0)).toBe(0xa1b2c3d4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
