/**
 * Command-line helpers shared by the host commands (tools/slipstack.ts, tools/pkt/cli.ts,
 * bench/peer.ts), which parse their options with Node's util.parseArgs.
 */

/** parseArgs' option table. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/**
 * `--name -1` becomes `--name=-1`: parseArgs takes a value that starts with a dash for an
 * option and calls it ambiguous, so a negative number would never reach the command's range
 * check. Only values of string options that look like numbers are joined (`--port -x` still
 * fails as before), and nothing after `--` is touched.
 */
export function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      for (let k = i; k < argv.length; k++) out.push(argv[k]);
      break;
    }
    const spec = a.startsWith('--') && a.indexOf('=') < 0 ? options[a.slice(2)] : undefined;
    if (spec !== undefined && spec.type === 'string' && i + 1 < argv.length && /^-(\d|\.\d|Infinity$)/.test(argv[i + 1])) {
      out.push(a + '=' + argv[i + 1]);
      i++;
    } else out.push(a);
  }
  return out;
}
