// subset: host-only
/**
 * `slipstack`: the host-side command. Subcommands:
 *   start   the main job: a simulated board on the loopback link (default), or a real board
 *           on a serial port with --port
 *   ping    ping a board over a serial port, with the host's own slipstack on the line
 *   bridge  join a SLIP serial line to a Linux TUN device (the kernel then reaches the board)
 *   lesson  a TCP scenario between two stacks as a ladder diagram (tools/lesson.ts)
 *   lab     the browser lab: two stacks in a web page (tools/lab/server.ts)
 *
 * Options are parsed with Node's util.parseArgs; every subcommand answers --help. Errors in
 * the options give one clear line and exit code 2; a port or device that cannot be opened
 * (missing, no permission, busy) gives one clear line and exit code 1; never a stack trace
 * (set SLIPSTACK_DEBUG=1 to see one for an unexpected error).
 */
import { parseArgs } from 'node:util';
import { runStart, START_DEFAULTS } from './start.js';
import { joinNegativeValues } from './args.js';
import type { OptionSpec } from './args.js';

const START_HELP = `usage: slipstack start [options]

Simulates a board running slipstack behind a serial line, on a virtual clock:
the host side pings it, echoes a UDP datagram off port 7, fetches the HTTP demo
page over TCP, and writes a pcap. With --port, does the same with a real board
(running the demo firmware, 192.168.190.2) on a serial port, in real time.

  --count N      pings to send (default ${START_DEFAULTS.count})
  --size N       ICMP echo data bytes per ping (default ${START_DEFAULTS.size}: a 64-byte ICMP message)
  --baud N       line rate; each byte takes 10 bits (default ${START_DEFAULTS.baud})
  --latency MS   one-way latency of the line in ms (default ${START_DEFAULTS.latency}; simulation only)
  --loss P       probability that a frame is lost, 0..1 (default ${START_DEFAULTS.loss}; simulation only)
  --seed N       seed of the link's faults; the same seed gives the same run (default ${START_DEFAULTS.seed}; simulation only)
  --pcap PATH    where to write the capture (default ${START_DEFAULTS.pcap}); the folder
                 must exist (only the default's out/ is made)
  --mtu N        IP MTU of the line, 68..1500 (default ${START_DEFAULTS.mtu}, Linux sl0's; 1006 is RFC 1055's)
  --trace        print one line per packet seen on the host side
  --port DEV     talk to a real board on this serial port (e.g. /dev/ttyUSB0) instead
  -h, --help     this text
`;

const PING_HELP = `usage: slipstack ping <ip> --port DEV [options]

Runs slipstack on the host, on the serial port, and pings <ip> (the board) over
SLIP, printing one line per reply like ping(8). Exits 0 if any reply came back,
1 if none did.

  --port DEV      serial port (or pseudo-terminal) the board is on (required)
  --baud N        serial line rate (default 115200)
  --count N       requests to send (default 4)
  --size N        ICMP data bytes per request (default 56)
  --addr IP       the host's own address on the line (default 192.168.190.1)
  --mtu N         IP MTU of the host's stack, 68..1500 (default 296)
  --interval MS   time between requests (default 1000)
  --timeout MS    how long to wait for replies after the last request (default 2000)
  -h, --help      this text
`;

const BRIDGE_HELP = `usage: slipstack bridge --port DEV --tun NAME [options]

Joins a SLIP serial line to a Linux TUN device: IP packets the kernel routes to
NAME go out on the serial port SLIP-encoded, and SLIP frames from the port come
in on NAME. Ping, curl, ssh and nc then reach the board, even where the kernel
has no SLIP driver. Needs root (or CAP_NET_ADMIN) for the TUN device.
Runs until SIGINT or SIGTERM, then prints its counters.

  --port DEV      serial port (or pseudo-terminal) the board is on (required)
  --tun NAME      TUN device to create or attach to (required)
  --local IP      configure NAME: ip addr add LOCAL peer PEER dev NAME, mtu, up
  --peer IP       (give both --local and --peer, or neither)
  --mtu N         IP MTU of the line, 68..65535 (default 296, Linux sl0's and the firmware's)
  --pcap FILE     record every packet both ways (LINKTYPE_RAW; opens in Wireshark)
  --baud N        serial line rate, and pace the line at N bit/s (10 bits per byte,
                  one frame at a time each way); without it: no pacing, port at 115200
  --loss P        probability that a frame is lost, 0..1 (default 0)
  --corrupt P     probability that a frame gets one bit flipped, 0..1 (default 0)
  --delay MS      added one-way delay, each way (default 0)
  --queue N       frames that may wait for the paced line each way (default 16)
  --seed N        seed of the faults; same seed and traffic, same faults (default 1)
  -h, --help      this text
`;

const MAIN_HELP = `usage: slipstack <command> [options]

commands:
  start     simulate a board on a serial line: ping it, echo UDP, fetch a page over TCP,
            write a pcap (default); with --port DEV, the same with a real board
  ping      ping a board over a serial port with the host's own slipstack
  bridge    join a SLIP serial line to a Linux TUN device, with optional impairments
  lesson    learn TCP: a scenario between two stacks as a ladder diagram with both
            ends' states and the reason for every step ('slipstack lesson --list')
  lab       learn TCP in a browser: two stacks, buttons, drop a segment, undo

Run 'slipstack <command> --help' for a command's options.
`;

/** A bad option: one line, exit 2. */
function fail(msg: string): never {
  process.stderr.write('slipstack: ' + msg + '\n');
  process.exit(2);
}

/** A device or run-time error: one line, exit 1. */
function die(msg: string): never {
  process.stderr.write('slipstack: ' + msg + '\n');
  process.exit(1);
}

/** The first line of an error's message, for the user. */
function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0];
}

/** Report an unexpected error in one line (with the stack under SLIPSTACK_DEBUG), exit 1. */
function crash(e: unknown): never {
  if (process.env.SLIPSTACK_DEBUG) process.stderr.write(String(e instanceof Error ? e.stack : e) + '\n');
  die(oneLine(e));
}

function num(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) fail(`--${name} must be a number in ${min}..${max}, got "${v}"`);
  return n;
}

function int(name: string, v: string | undefined, def: number, min: number, max: number): number {
  const n = num(name, v, def, min, max);
  if (!Number.isInteger(n)) fail(`--${name} must be a whole number, got "${v}"`);
  return n;
}

/** A dotted quad, or fail. */
function ipArg(name: string, v: string): string {
  if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(v) || v.split('.').some(function (p) { return Number(p) > 255; })) {
    fail(`${name} must be an IPv4 address like 192.168.190.2, got "${v}"`);
  }
  return v;
}

/** util.parseArgs with our one-line error. */
function parse(cmd: string, argv: string[], options: OptionSpec, positionals: boolean) {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options: options, strict: true, allowPositionals: positionals });
  } catch (e) {
    fail(oneLine(e) + ` (see 'slipstack ${cmd} --help')`);
  }
}

async function cmdStart(argv: string[]): Promise<void> {
  const parsed = parse('start', argv, {
    count: { type: 'string' }, size: { type: 'string' }, baud: { type: 'string' },
    latency: { type: 'string' }, loss: { type: 'string' }, seed: { type: 'string' },
    pcap: { type: 'string' }, mtu: { type: 'string' }, trace: { type: 'boolean' }, port: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, false);
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) {
    process.stdout.write(START_HELP);
    return;
  }
  const str = function (k: string): string | undefined { return v[k] as string | undefined; };
  const opts = {
    count: int('count', str('count'), START_DEFAULTS.count, 1, 100000),
    size: int('size', str('size'), START_DEFAULTS.size, 0, 1472),
    baud: num('baud', str('baud'), START_DEFAULTS.baud, 300, 100_000_000),
    latency: num('latency', str('latency'), START_DEFAULTS.latency, 0, 60_000),
    loss: num('loss', str('loss'), START_DEFAULTS.loss, 0, 1),
    seed: int('seed', str('seed'), START_DEFAULTS.seed, 0, 0x7fffffff),
    pcap: str('pcap') ?? START_DEFAULTS.pcap,
    trace: !!v.trace,
    interval: START_DEFAULTS.interval,
    mtu: int('mtu', str('mtu'), START_DEFAULTS.mtu, 68, 1500),
  };
  if (opts.size > opts.mtu - 28) fail(`--size ${opts.size} does not fit --mtu ${opts.mtu} (at most ${opts.mtu - 28} data bytes; try --mtu 1500)`);
  const port = str('port');
  const print = function (line: string): void { process.stdout.write(line + '\n'); };
  if (port === undefined) {
    await runStart(opts, print);
    return;
  }
  for (const k of ['latency', 'loss', 'seed']) if (v[k] !== undefined) fail(`--${k} only applies to the simulation, not to a real line (--port)`);
  const { runStartOnPort } = await import('./start-port.js');
  const r = await runStartOnPort({ ...opts, port: port }, print, function (line) { process.stderr.write(line + '\n'); });
  if (!r.pings.some(function (p) { return p.rtt >= 0; })) process.exitCode = 1;
}

async function cmdPing(argv: string[]): Promise<void> {
  const parsed = parse('ping', argv, {
    port: { type: 'string' }, baud: { type: 'string' }, count: { type: 'string' }, size: { type: 'string' },
    addr: { type: 'string' }, mtu: { type: 'string' }, interval: { type: 'string' }, timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) {
    process.stdout.write(PING_HELP);
    return;
  }
  const { runPing, PING_DEFAULTS } = await import('./ping.js');
  const str = function (k: string): string | undefined { return v[k] as string | undefined; };
  if (parsed.positionals.length !== 1) fail("ping needs exactly one address to ping (see 'slipstack ping --help')");
  const target = ipArg('the address to ping', parsed.positionals[0]);
  const port = str('port');
  if (port === undefined) fail("ping needs --port DEV, the serial port the board is on (see 'slipstack ping --help')");
  const o = {
    target: target,
    port: port,
    baud: int('baud', str('baud'), PING_DEFAULTS.baud, 50, 100_000_000),
    count: int('count', str('count'), PING_DEFAULTS.count, 1, 1_000_000),
    size: int('size', str('size'), PING_DEFAULTS.size, 0, 1472),
    addr: ipArg('--addr', str('addr') ?? PING_DEFAULTS.addr),
    mtu: int('mtu', str('mtu'), PING_DEFAULTS.mtu, 68, 1500),
    interval: num('interval', str('interval'), PING_DEFAULTS.interval, 1, 3_600_000),
    timeout: num('timeout', str('timeout'), PING_DEFAULTS.timeout, 0, 3_600_000),
  };
  if (o.size > o.mtu - 28) fail(`--size ${o.size} does not fit --mtu ${o.mtu} (at most ${o.mtu - 28} data bytes; try --mtu 1500)`);
  if (o.addr === o.target) fail('--addr (our address) and the address to ping must differ');
  // Ctrl-C stops early and still prints the statistics, like ping(8).
  const ac = new AbortController();
  const onSignal = function (): void { ac.abort(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const s = await runPing(o, function (line) { process.stdout.write(line + '\n'); },
    function (line) { process.stderr.write(line + '\n'); }, ac.signal);
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  process.exitCode = s.received > 0 ? 0 : 1;
}

async function cmdBridge(argv: string[]): Promise<void> {
  const parsed = parse('bridge', argv, {
    port: { type: 'string' }, tun: { type: 'string' }, local: { type: 'string' }, peer: { type: 'string' },
    mtu: { type: 'string' }, pcap: { type: 'string' }, loss: { type: 'string' }, delay: { type: 'string' },
    corrupt: { type: 'string' }, baud: { type: 'string' }, seed: { type: 'string' }, queue: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, false);
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) {
    process.stdout.write(BRIDGE_HELP);
    return;
  }
  const { openBridge, BRIDGE_DEFAULTS } = await import('./bridge.js');
  const str = function (k: string): string | undefined { return v[k] as string | undefined; };
  const port = str('port');
  const tun = str('tun');
  if (port === undefined) fail("bridge needs --port DEV, the serial port the board is on (see 'slipstack bridge --help')");
  if (tun === undefined) fail("bridge needs --tun NAME, the TUN device to use (see 'slipstack bridge --help')");
  const local = str('local');
  const peer = str('peer');
  if ((local === undefined) !== (peer === undefined)) fail('give both --local and --peer, or neither');
  if (local !== undefined && local === peer) fail('--local and --peer must be different addresses');
  const o = {
    port: port,
    tun: tun,
    local: local === undefined ? null : ipArg('--local', local),
    peer: peer === undefined ? null : ipArg('--peer', peer),
    mtu: int('mtu', str('mtu'), BRIDGE_DEFAULTS.mtu, 68, 65535),
    setMtu: v.mtu !== undefined,
    pcap: str('pcap') ?? null,
    loss: num('loss', str('loss'), BRIDGE_DEFAULTS.loss, 0, 1),
    corrupt: num('corrupt', str('corrupt'), BRIDGE_DEFAULTS.corrupt, 0, 1),
    delayMs: num('delay', str('delay'), BRIDGE_DEFAULTS.delayMs, 0, 60_000),
    baud: int('baud', str('baud'), BRIDGE_DEFAULTS.baud, 50, 100_000_000),
    seed: int('seed', str('seed'), BRIDGE_DEFAULTS.seed, -0x80000000, 0x7fffffff),
    queue: int('queue', str('queue'), BRIDGE_DEFAULTS.queue, 1, 100_000),
    reopenMs: BRIDGE_DEFAULTS.reopenMs,
  };
  const warn = function (line: string): void { process.stderr.write(line + '\n'); };
  let stop = function (_code: number): void {};
  const bridge = await openBridge({ ...o, onFatal: function () { stop(1); } }, warn);
  const impair: string[] = [];
  if (o.baud > 0) impair.push('paced at ' + o.baud + ' baud, queue ' + o.queue);
  if (o.loss > 0) impair.push('loss ' + o.loss);
  if (o.corrupt > 0) impair.push('corrupt ' + o.corrupt);
  if (o.delayMs > 0) impair.push('delay ' + o.delayMs + ' ms');
  if (impair.length > 0) impair.push('seed ' + o.seed);
  process.stdout.write('bridge: ' + bridge.tun.name + (o.local !== null ? ' (' + o.local + ' peer ' + o.peer + ', mtu ' + o.mtu + ')' : '') +
    ' <-> ' + o.port + ' (SLIP)' + (impair.length ? ', ' + impair.join(', ') : '') + (o.pcap !== null ? ', capture ' + o.pcap : '') +
    '; ready, Ctrl-C to stop\n');
  let stopping = false;
  stop = function (code: number): void {
    if (stopping) return;
    stopping = true;
    bridge.close().then(function () {
      for (const line of bridge.summary()) process.stdout.write(line + '\n');
      process.exit(code);
    }, crash);
  };
  process.on('SIGINT', function () { stop(0); });
  process.on('SIGTERM', function () { stop(0); });
}

async function cmdLesson(argv: string[]): Promise<void> {
  const { lessonCommand, UsageError } = await import('./lesson.js');
  try {
    process.stdout.write(lessonCommand(argv));
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
}

async function cmdLab(argv: string[]): Promise<void> {
  const { labCommand, LabUsageError } = await import('./lab/server.js');
  try {
    await labCommand(argv, function (line) { process.stdout.write(line + '\n'); });
  } catch (e) {
    if (e instanceof LabUsageError) fail(e.message);
    throw e;
  }
}

async function main(argv: string[]): Promise<void> {
  const cmd = argv[0];
  if (cmd === undefined || cmd.startsWith('-')) {
    if (cmd === '-h' || cmd === '--help') {
      process.stdout.write(MAIN_HELP);
      return;
    }
    await cmdStart(argv);
    return;
  }
  if (cmd === 'start') await cmdStart(argv.slice(1));
  else if (cmd === 'ping') await cmdPing(argv.slice(1));
  else if (cmd === 'bridge') await cmdBridge(argv.slice(1));
  else if (cmd === 'lesson') await cmdLesson(argv.slice(1));
  else if (cmd === 'lab') await cmdLab(argv.slice(1));
  else if (cmd === 'help') process.stdout.write(MAIN_HELP);
  else fail(`unknown command "${cmd}" (see 'slipstack --help')`);
}

// `slipstack ... | head`: a reader that went away is not an error.
process.stdout.on('error', function (e: NodeJS.ErrnoException) {
  if (e.code === 'EPIPE') process.exit(0);
  crash(e);
});
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
main(process.argv.slice(2)).catch(crash);
