/**
 * `npm run pkt -- [--strict] [--tolerance MS] [--remote-isn N] [--ladder] <script>.pkt|<dir> ...`
 * (package.json: `"pkt": "tsx tools/pkt/cli.ts"`): run packetdrill-format scripts against
 * slipstack (tools/pkt/run.ts).
 *
 * Output: one line per script, `PASS <script>.pkt (N lines, M ignored)` or
 * `FAIL <script>.pkt:LINE <what>: expected ... vs actual ...` followed by the last lines of the
 * ladder (what was sent and received, with times); the ignored statements are listed under
 * their script; then one JSON line `{"passed":N,"failed":M,"ignored":K,"scripts":T}`.
 * Directories are searched for *.pkt files, recursively, in name order. Exit status 1 when
 * a script failed, 2 for bad options.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { joinNegativeValues } from '../args.js';
import { runScript } from './run.js';
import type { RunOptions } from './run.js';

const HELP = `usage: npm run pkt -- [options] file.pkt|dir ...

Runs packetdrill-format TCP scripts against slipstack on a virtual clock.

  --strict          compare win and TCP options of outbound segments too
  --tolerance MS    how far from its time an outbound packet may be (default 25)
  --remote-isn N    the scripted peer's ISN (default 1000000)
  --ladder          print the whole ladder of every script, not only of failures
  -h, --help        this text

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

/** Run the command with `argv` (no node/script prefix); returns the exit status. `base` adds run options (tests pass a fake stack). */
export function pktMain(argv: string[], print: (line: string) => void, base?: RunOptions): number {
  let parsed;
  try {
    const options = {
      strict: { type: 'boolean' }, tolerance: { type: 'string' }, 'remote-isn': { type: 'string' },
      ladder: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
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
  let passed = 0;
  let failed = 0;
  let ignored = 0;
  for (const f of files) {
    const r = runScript(readFileSync(f, 'utf8'), opts);
    ignored += r.ignored.length;
    if (r.ok) {
      passed++;
      print('PASS ' + f + ' (' + r.statements + ' lines, ' + r.ignored.length + ' ignored)');
    } else {
      failed++;
      print('FAIL ' + f + ':' + r.line + ' ' + r.message);
    }
    for (const i of r.ignored) print('  ' + i);
    const ladder = v.ladder ? r.ladder : r.ok ? [] : r.ladder.slice(-LADDER_TAIL);
    for (const l of ladder) print('  | ' + l);
  }
  print(JSON.stringify({ passed, failed, ignored, scripts: files.length }));
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = pktMain(process.argv.slice(2), (l) => process.stdout.write(l + '\n'));
}
