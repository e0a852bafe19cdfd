/**
 * `npm run pkt -- [options] <script>.pkt|dir ...` (package.json: `"pkt": "tsx tools/pkt/cli.ts"`):
 * run packetdrill-format scripts against slipstack (tools/pkt/run.ts).
 *
 * Output: one line per script, `PASS <script>.pkt (N lines, M ignored)`,
 * `FAIL <script>.pkt:LINE <what>: expected ... vs actual ...` followed by the last lines of the
 * ladder (what was sent and received, with times), `UNSUPPORTED <script>.pkt:LINE <feature>`,
 * or `OS-CHOICE <script>.pkt:LINE <choice>: <divergence>` (a syntax error is a FAIL with
 * `syntax:`); the ignored statements and the notes are listed under their script; then one
 * JSON line `{"passed":N,"failed":M,"unsupported":U,"osChoice":O,"ignored":K,"scripts":T}`.
 * With `--summary` the per-script lines give way to a table by directory (scripts, parsed,
 * passed, failed, unsupported, os-choice) and the most common reasons with an example each.
 * Directories are searched for *.pkt files, recursively, in name order. Exit status 1 when a
 * script did not pass, 2 for bad options.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { joinNegativeValues } from '../args.js';
import { runScript } from './run.js';
import type { RunOptions, RunResult } from './run.js';

const HELP = `usage: npm run pkt -- [options] file.pkt|dir ...

Runs packetdrill-format TCP scripts against slipstack on a virtual clock.

  --strict             compare win, TCP options and buffer sizes too; fail on ignored calls
                       that assert a result and on packets sent after the last line
  --tolerance MS       how far from its time an outbound packet may be (default 25;
                       a script's --tolerance_usecs line overrides it)
  --remote-isn N       the scripted peer's ISN (default 1000000)
  --define NAME[=VAL]  define NAME for #ifdef (repeatable); with =VAL, also replace the
                       word NAME by VAL in statements (packetdrill's -D)
  --config KEY=VAL     stack configuration for every script (repeatable), e.g. mtu=1500
  --host linux|freebsd the host settings the public suites assume (1500-octet link, the
                       OS's delayed-ACK time and socket buffers); --config overrides them
  --summary            print a table by directory and the most common reasons
  --ladder             print the whole ladder of every script, not only of failures
  -h, --help           this text

Script header directives (comments real packetdrill ignores) override these:
  // slipstack: remote_isn=4294967000 msl=1000 mtu=296 tcpRcvBuf=1024 strict
`;

/** Lines of ladder printed under a FAIL line. */
const LADDER_TAIL = 10;

/** Every *.pkt under `p` (a file is taken as given). */
function collect(p: string, out: string[]): void {
  if (statSync(p).isDirectory()) {
    for (const name of readdirSync(p).sort()) {
      const q = join(p, name);
      if (statSync(q).isDirectory() || name.endsWith('.pkt')) collect(q, out);
    }
  } else {
    out.push(p);
  }
}

/**
 * The host a public suite's scripts were written against, as stack settings: a 1500-octet
 * link (packetdrill's tun device), the delayed-ACK time and the default socket buffers
 * (receive buffers capped at 65535: slipstack does not scale windows).
 */
export const HOSTS: Record<string, Record<string, number>> = {
  // Linux: TCP_DELACK_MIN 40 ms; the packetdrill suite's defaults script sets tcp_wmem's default to 256 KiB.
  linux: { mtu: 1500, tcpAckDelay: 40, tcpRcvBuf: 65535, tcpSndBuf: 262144 },
  // FreeBSD: net.inet.tcp.delacktime 100 ms, recvspace 65536, sendspace 32768.
  freebsd: { mtu: 1500, tcpAckDelay: 100, tcpRcvBuf: 65535, tcpSndBuf: 32768 },
};

/** A `KEY=VALUE` configuration entry, typed like header directives; null when malformed. */
function configEntry(s: string): [string, number | string | boolean] | null {
  const m = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/.exec(s);
  if (!m) return null;
  const raw = m[2];
  if (/^-?\d+(\.\d+)?$/.test(raw)) return [m[1], Number(raw)];
  if (raw === 'true' || raw === 'false') return [m[1], raw === 'true'];
  return [m[1], raw];
}


/** Per-directory counts for --summary. */
interface Row { scripts: number; parsed: number; passed: number; failed: number; unsupported: number; osChoice: number }

/** A reason with the volatile parts (numbers, quoted segments) taken out, for grouping. */
export function reasonKey(r: RunResult): string {
  if (r.verdict === 'unsupported' || r.verdict === 'os-choice') {
    return r.verdict + ': ' + r.reason.replace(/ ?\((first at )?line \d+\)/g, '').replace(/\b(of|ours:|MTU|kind) \d+\b/g, '$1 N')
      .replace(/=(ipv6|\d+)\b/g, '=…').replace(/\| .*$/, '').trim();
  }
  if (r.verdict === 'syntax') return 'syntax: ' + r.message.replace(/^syntax: /, '').replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N');
  const what = r.message.replace(/: expected .*$/, '').replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N');
  return r.verdict + ': ' + what;
}

/** The --summary report: a table by directory (relative to the common root) and the top reasons. */
function summary(files: string[], results: RunResult[], root: string, print: (line: string) => void): void {
  const rows = new Map<string, Row>();
  const total: Row = { scripts: 0, parsed: 0, passed: 0, failed: 0, unsupported: 0, osChoice: 0 };
  const reasons = new Map<string, { n: number; example: string }>();
  for (let i = 0; i < files.length; i++) {
    const dir = relative(root, dirname(files[i])) || '.';
    let row = rows.get(dir);
    if (row === undefined) { row = { scripts: 0, parsed: 0, passed: 0, failed: 0, unsupported: 0, osChoice: 0 }; rows.set(dir, row); }
    const r = results[i];
    for (const x of [row, total]) {
      x.scripts++;
      if (r.verdict !== 'syntax') x.parsed++;
      if (r.verdict === 'pass') x.passed++;
      else if (r.verdict === 'fail' || r.verdict === 'syntax') x.failed++;
      else if (r.verdict === 'unsupported') x.unsupported++;
      else x.osChoice++;
    }
    if (r.verdict !== 'pass') {
      const k = reasonKey(r);
      const e = reasons.get(k);
      const example = relative(root, files[i]) + ':' + r.line + ' ' + (r.verdict === 'os-choice' || r.verdict === 'unsupported' ? r.reason + ' | ' : '') + r.message;
      if (e === undefined) reasons.set(k, { n: 1, example });
      else e.n++;
    }
  }
  const pad = (s: string | number, n: number) => (String(s) + ' '.repeat(n)).slice(0, Math.max(n, String(s).length));
  const lpad = (s: string | number, n: number) => (' '.repeat(n) + String(s)).slice(-Math.max(n, String(s).length));
  const width = Math.max(9, ...Array.from(rows.keys()).map((d) => d.length));
  const head = pad('directory', width) + ' scripts parsed passed failed unsupported os-choice';
  print(head);
  const line = (d: string, x: Row) => print(pad(d, width) + ' ' + lpad(x.scripts, 7) + ' ' + lpad(x.parsed, 6) + ' ' + lpad(x.passed, 6) + ' ' +
    lpad(x.failed, 6) + ' ' + lpad(x.unsupported, 11) + ' ' + lpad(x.osChoice, 9));
  for (const d of Array.from(rows.keys()).sort()) line(d, rows.get(d) as Row);
  line('total', total);
  print('');
  print('reasons (count, then one example):');
  for (const [k, v] of Array.from(reasons.entries()).sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1))) {
    print(lpad(v.n, 5) + '  ' + k);
    print('       e.g. ' + v.example);
  }
}

/** The longest directory all paths share. */
function commonRoot(paths: string[]): string {
  if (paths.length === 0) return '.';
  let root = dirname(paths[0]);
  for (const p of paths) while (root !== '.' && root !== '/' && !(p + '/').startsWith(root + '/')) root = dirname(root);
  return root;
}

/** Run the command with `argv` (no node/script prefix); returns the exit status. `base` adds run options (tests pass a fake stack). */
export function pktMain(argv: string[], print: (line: string) => void, base?: RunOptions): number {
  let parsed;
  try {
    const options = {
      strict: { type: 'boolean' }, tolerance: { type: 'string' }, 'remote-isn': { type: 'string' },
      define: { type: 'string', multiple: true }, config: { type: 'string', multiple: true }, host: { type: 'string' },
      summary: { type: 'boolean' }, ladder: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    } as const;
    parsed = parseArgs({
      args: joinNegativeValues(argv, options),
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    print('pkt: ' + (e as Error).message + ' (see --help)');
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    print(HELP.trimEnd());
    return 0;
  }
  const opts: RunOptions = { ...base, strict: !!v.strict };
  if (v.tolerance !== undefined) {
    const n = Number(v.tolerance);
    if (!(n >= 0 && n === Math.floor(n))) { print('pkt: --tolerance must be a whole number of ms, got "' + v.tolerance + '"'); return 2; }
    opts.tolerance = n;
  }
  if (v['remote-isn'] !== undefined) {
    const n = Number(v['remote-isn']);
    if (!(n >= 0 && n <= 4294967295 && n === Math.floor(n))) { print('pkt: --remote-isn must be in 0..4294967295, got "' + v['remote-isn'] + '"'); return 2; }
    opts.remoteIsn = n;
  }
  if (v.define !== undefined) {
    for (const d of v.define) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*(=.*)?$/.test(d)) { print('pkt: --define takes NAME or NAME=VALUE, got "' + d + '"'); return 2; }
    }
    opts.defines = [...(opts.defines || []), ...v.define];
  }
  if (v.host !== undefined) {
    const h = HOSTS[v.host];
    if (h === undefined) { print('pkt: --host takes ' + Object.keys(HOSTS).join(' or ') + ', got "' + v.host + '"'); return 2; }
    opts.config = { ...opts.config, ...h };
  }
  if (v.config !== undefined) {
    const config: Record<string, number | string | boolean> = { ...opts.config };
    for (const c of v.config) {
      const kv = configEntry(c);
      if (kv === null) { print('pkt: --config takes KEY=VALUE, got "' + c + '"'); return 2; }
      config[kv[0]] = kv[1];
    }
    opts.config = config;
  }
  if (parsed.positionals.length === 0) {
    print('pkt: no scripts given (see --help)');
    return 2;
  }
  const files: string[] = [];
  for (const p of parsed.positionals) {
    try {
      collect(p, files);
    } catch (e) {
      print('pkt: ' + (e as Error).message);
      return 2;
    }
  }
  // A script that does not parse counts as failed (the summary table shows it as not parsed).
  const counts = { passed: 0, failed: 0, unsupported: 0, osChoice: 0, ignored: 0 };
  const results: RunResult[] = [];
  for (const f of files) {
    const r = runScript(readFileSync(f, 'utf8'), opts);
    results.push(r);
    counts.ignored += r.ignored.length;
    if (r.verdict === 'pass') counts.passed++;
    else if (r.verdict === 'fail' || r.verdict === 'syntax') counts.failed++;
    else if (r.verdict === 'unsupported') counts.unsupported++;
    else counts.osChoice++;
    if (v.summary) continue;
    if (r.ok) print('PASS ' + f + ' (' + r.statements + ' lines, ' + r.ignored.length + ' ignored)');
    else if (r.verdict === 'fail' || r.verdict === 'syntax') print('FAIL ' + f + ':' + r.line + ' ' + r.message);
    else if (r.verdict === 'unsupported' && r.message === 'unsupported: ' + r.reason) print('UNSUPPORTED ' + f + ':' + r.line + ' ' + r.reason);
    else print((r.verdict === 'os-choice' ? 'OS-CHOICE ' : 'UNSUPPORTED ') + f + ':' + r.line + ' ' + r.reason + ': ' + r.message);
    for (const i of r.ignored) print('  ' + i);
    for (const n of r.notes) print('  note: ' + n);
    const ladder = v.ladder ? r.ladder : r.ok ? [] : r.ladder.slice(-LADDER_TAIL);
    for (const l of ladder) print('  | ' + l);
  }
  if (v.summary) {
    summary(files, results, commonRoot(files), print);
  }
  print(JSON.stringify({ passed: counts.passed, failed: counts.failed, unsupported: counts.unsupported, osChoice: counts.osChoice, ignored: counts.ignored, scripts: files.length }));
  return counts.passed === files.length ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = pktMain(process.argv.slice(2), (l) => process.stdout.write(l + '\n'));
}
