/**
 * `slipstack`: the host-side command. Subcommands:
 *   start   the main job: a simulated board on the loopback link (default)
 *
 * Options are parsed with Node's util.parseArgs; every subcommand answers --help. Errors in
 * the options give one clear line and exit code 2, never a stack trace.
 */
import { parseArgs } from 'node:util';
import { runStart, START_DEFAULTS } from './start.js';

const START_HELP = `usage: slipstack start [options]

Simulates a board running slipstack behind a serial line, on a virtual clock:
the host side pings it, echoes a UDP datagram off port 7, and writes a pcap.

  --count N      pings to send (default ${START_DEFAULTS.count})
  --size N       ICMP echo data bytes per ping (default ${START_DEFAULTS.size}: a 64-byte ICMP message)
  --baud N       line rate; each byte takes 10 bits (default ${START_DEFAULTS.baud})
  --latency MS   one-way latency of the line in ms (default ${START_DEFAULTS.latency})
  --loss P       probability that a frame is lost, 0..1 (default ${START_DEFAULTS.loss})
  --seed N       seed of the link's faults; the same seed gives the same run (default ${START_DEFAULTS.seed})
  --pcap PATH    where to write the capture (default ${START_DEFAULTS.pcap})
  --mtu N        IP MTU of the line, 68..1500 (default ${START_DEFAULTS.mtu}, Linux sl0's; 1006 is RFC 1055's)
  --trace        print one line per packet seen on the host side
  --port DEV     talk to a real board on a serial port instead (not available yet)
  -h, --help     this text
`;

const MAIN_HELP = `usage: slipstack <command> [options]

commands:
  start     simulate a board on a serial line: ping it, echo UDP, write a pcap (default)

Run 'slipstack <command> --help' for a command's options.
`;

function fail(msg: string): never {
  process.stderr.write('slipstack: ' + msg + '\n');
  process.exit(2);
}

function num(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) fail(`--${name} must be a number in ${min}..${max}, got "${v}"`);
  return n;
}

function cmdStart(argv: string[]): void {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        count: { type: 'string' }, size: { type: 'string' }, baud: { type: 'string' },
        latency: { type: 'string' }, loss: { type: 'string' }, seed: { type: 'string' },
        pcap: { type: 'string' }, mtu: { type: 'string' }, trace: { type: 'boolean' }, port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (e) {
    fail((e as Error).message + " (see 'slipstack start --help')");
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(START_HELP);
    return;
  }
  if (v.port !== undefined) fail('--port: talking to a real board needs the serialport HAL, which is not in this version yet');
  const opts = {
    count: num('count', v.count, START_DEFAULTS.count, 1, 100000),
    size: num('size', v.size, START_DEFAULTS.size, 0, 1472),
    baud: num('baud', v.baud, START_DEFAULTS.baud, 300, 100_000_000),
    latency: num('latency', v.latency, START_DEFAULTS.latency, 0, 60_000),
    loss: num('loss', v.loss, START_DEFAULTS.loss, 0, 1),
    seed: num('seed', v.seed, START_DEFAULTS.seed, 0, 0x7fffffff),
    pcap: v.pcap ?? START_DEFAULTS.pcap,
    trace: !!v.trace,
    interval: START_DEFAULTS.interval,
    mtu: num('mtu', v.mtu, START_DEFAULTS.mtu, 68, 1500),
  };
  if (opts.size > opts.mtu - 28) fail(`--size ${opts.size} does not fit --mtu ${opts.mtu} (at most ${opts.mtu - 28} data bytes; try --mtu 1500)`);
  runStart(opts, function (line) { process.stdout.write(line + '\n'); });
}

function main(argv: string[]): void {
  const cmd = argv[0];
  if (cmd === undefined || cmd.startsWith('-')) {
    if (cmd === '-h' || cmd === '--help') {
      process.stdout.write(MAIN_HELP);
      return;
    }
    cmdStart(argv);
    return;
  }
  if (cmd === 'start') cmdStart(argv.slice(1));
  else if (cmd === 'help') process.stdout.write(MAIN_HELP);
  else fail(`unknown command "${cmd}" (see 'slipstack --help')`);
}

main(process.argv.slice(2));
