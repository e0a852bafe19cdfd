/**
 * Stack configuration: every setting, its default, and what it costs in RAM.
 *
 * Contract: `resolveConfig(partial)` fills defaults and validates once at start-up, throwing
 * an Error that names the bad setting (misuse gets a clear error). `SETTINGS` documents each
 * setting with a function giving the exact bytes of preallocated buffers it costs; the
 * README's table is this list, and `stack.ramBudget()` is the sum of the same buffers.
 *
 * "RAM" here is the bytes of typed-array storage the stack allocates at start-up. The
 * fixed JavaScript objects around them (a few dozen, independent of the settings) are not
 * counted; on Espruino, `process.memory()` shows the whole picture.
 */
import { parseAddr } from './wire/ipv4.js';
import { DROP_COUNT, COUNTER_COUNT } from './stats.js';
import { SACK_MAX_BLOCKS } from './wire/tcp.js';

/** What a caller may pass to createStack; every field is optional. */
export interface StackConfig {
  /** Our IPv4 address, dotted quad. */
  addr?: string;
  /** IP MTU of the SLIP link in octets (68..1500). */
  mtu?: number;
  /** TTL of the datagrams we send (RFC 9293 MUST-49: configurable). */
  ttl?: number;
  /** Size of the UDP port table. */
  udpPorts?: number;
  /** ICMP errors we may send per second, on average (RFC 1812 §4.3.2.8 rate limiting). */
  icmpErrorsPerSec?: number;
  /** ICMP errors we may send back to back before the rate applies. */
  icmpErrorBurst?: number;
  /** TCP connection table slots. */
  tcpConns?: number;
  /** TCP listen table entries. */
  tcpListeners?: number;
  /** Send ring per connection, octets. */
  tcpSndBuf?: number;
  /** Receive ring per connection, octets (the largest window we offer). */
  tcpRcvBuf?: number;
  /** Embryonic (SYN-RECEIVED) connections allowed at once; past it, SYN cookies. */
  tcpMaxSynRcvd?: number;
  /** Answer SYNs statelessly with SYN cookies when the backlog or the embryonic limit is reached. */
  tcpSynCookies?: boolean;
  /** Maximum segment lifetime, ms; TIME-WAIT lasts 2·MSL. */
  msl?: number;
  /** How long a closed connection waits in FIN-WAIT-2 for the peer's FIN, ms. */
  tcpFinWait2Timeout?: number;
  /** Delayed-ACK time, ms (0 = ACK at once). */
  tcpAckDelay?: number;
  /** Initial retransmission timeout, ms. */
  tcpRtoInitial?: number;
  /** Lower bound of the retransmission timeout, ms. */
  tcpRtoMin?: number;
  /** Upper bound of the retransmission timeout, ms. */
  tcpRtoMax?: number;
  /** R2 for data: give up after retransmitting this long, ms. */
  tcpR2?: number;
  /** R2 for a SYN: give up connecting after this long, ms. */
  tcpSynR2?: number;
  /** SYN-ACK retransmissions before an embryonic connection is dropped. */
  tcpSynAckRetries?: number;
  /** Challenge ACKs per second per connection (RFC 5961 §7). */
  tcpChallengeAcks?: number;
  /** Floor for a peer's MSS, octets. */
  tcpMinMss?: number;
  /** Entries in the state-transition trace ring. */
  traceEvents?: number;
  /** R1: retransmissions of one segment before the stack counts the path as in trouble. */
  tcpR1?: number;
  /** Holes the out-of-order assembler remembers per connection. */
  tcpOooHoles?: number;
  /** Selective acknowledgments (RFC 2018): offer SACK, report held ranges, use the peer's. */
  tcpSack?: boolean;
  /** Give up a connection whose peer has held a zero window this long, ms (0 = never; sockstress). */
  tcpPersistLimit?: number;
  /** Idle time before the first keepalive probe, ms. */
  tcpKeepIdle?: number;
  /** Time between keepalive probes, ms. */
  tcpKeepIntvl?: number;
  /** Unanswered keepalive probes before the connection is declared dead. */
  tcpKeepCnt?: number;
  /** Testing only: use this ISS for every connection instead of RFC 6528 (null = RFC 6528). */
  tcpIss?: number | null;
}

/** The validated configuration, every field present. */
export interface Config {
  addr: string;
  mtu: number;
  ttl: number;
  udpPorts: number;
  icmpErrorsPerSec: number;
  icmpErrorBurst: number;
  tcpConns: number;
  tcpListeners: number;
  tcpSndBuf: number;
  tcpRcvBuf: number;
  tcpMaxSynRcvd: number;
  tcpSynCookies: boolean;
  msl: number;
  tcpFinWait2Timeout: number;
  tcpAckDelay: number;
  tcpRtoInitial: number;
  tcpRtoMin: number;
  tcpRtoMax: number;
  tcpR2: number;
  tcpSynR2: number;
  tcpSynAckRetries: number;
  tcpChallengeAcks: number;
  tcpMinMss: number;
  traceEvents: number;
  tcpR1: number;
  tcpOooHoles: number;
  tcpSack: boolean;
  tcpPersistLimit: number;
  tcpKeepIdle: number;
  tcpKeepIntvl: number;
  tcpKeepCnt: number;
  tcpIss: number | null;
}

/** Bytes of one connection's fields in the struct-of-arrays table (rings not included). */
export const TCB_BYTES = 226;
/** Bytes of one listen-table entry: port, backlog, pending count. */
export const LISTENER_BYTES = 5;
/** Bytes of one trace entry: time (8), connection (2), from, to, cause. */
export const TRACE_EVENT_BYTES = 13;

/** Defaults: an Espruino-sized stack on Linux's default SLIP MTU. */
export const DEFAULTS: Config = {
  addr: '192.168.190.2',
  mtu: 296,
  ttl: 64,
  udpPorts: 4,
  icmpErrorsPerSec: 10,
  icmpErrorBurst: 5,
  tcpConns: 4,
  tcpListeners: 2,
  tcpSndBuf: 1024,
  tcpRcvBuf: 1024,
  tcpMaxSynRcvd: 2,
  tcpSynCookies: true,
  msl: 120000,
  tcpFinWait2Timeout: 60000,
  tcpAckDelay: 100,
  tcpRtoInitial: 1000,
  tcpRtoMin: 200,
  tcpRtoMax: 60000,
  tcpR2: 100000,
  tcpSynR2: 180000,
  tcpSynAckRetries: 5,
  tcpChallengeAcks: 10,
  tcpMinMss: 64,
  traceEvents: 32,
  tcpR1: 3,
  tcpOooHoles: 4,
  tcpSack: true,
  tcpPersistLimit: 0,
  tcpKeepIdle: 7200000,
  tcpKeepIntvl: 75000,
  tcpKeepCnt: 9,
  tcpIss: null,
};

/** One documented setting. `ram(c)` is the bytes it costs under config c. */
export interface Setting {
  name: string;
  doc: string;
  cost: string;
  ram: (c: Config) => number;
}

/**
 * Bytes of the buffers that are always there, whatever the settings: the counters, the ISN
 * hash state, and the SACK block edges of TCP's two segment reprs (received, being sent).
 */
export function fixedRam(): number {
  return 4 * DROP_COUNT + 4 * COUNTER_COUNT + 16 + 2 * 8 * SACK_MAX_BLOCKS;
}

/** Every setting with its RAM cost, in the order the README lists them. */
export const SETTINGS: Setting[] = [
  {
    name: 'addr', doc: 'our IPv4 address', cost: '0',
    ram: function (_c: Config) { return 0; },
  },
  {
    name: 'mtu', doc: 'IP MTU of the SLIP link (296 = Linux sl0, 1006 = RFC 1055)',
    cost: '4·mtu + 2 (receive frame, transmit packet, transmit SLIP frame of 2·mtu + 2)',
    ram: function (c: Config) { return c.mtu + c.mtu + (2 * c.mtu + 2); },
  },
  {
    name: 'ttl', doc: 'TTL of datagrams we send', cost: '0',
    ram: function (_c: Config) { return 0; },
  },
  {
    name: 'udpPorts', doc: 'UDP port table entries', cost: '2·udpPorts (port numbers; handlers are references)',
    ram: function (c: Config) { return 2 * c.udpPorts; },
  },
  {
    name: 'icmpErrorsPerSec', doc: 'ICMP error rate limit (token bucket refill per second)', cost: '0',
    ram: function (_c: Config) { return 0; },
  },
  {
    name: 'icmpErrorBurst', doc: 'ICMP error token bucket depth', cost: '0',
    ram: function (_c: Config) { return 0; },
  },
  {
    name: 'tcpConns', doc: 'TCP connection table slots (struct-of-arrays)', cost: TCB_BYTES + '·tcpConns',
    ram: function (c: Config) { return TCB_BYTES * c.tcpConns; },
  },
  {
    name: 'tcpListeners', doc: 'TCP listen table entries', cost: LISTENER_BYTES + '·tcpListeners',
    ram: function (c: Config) { return LISTENER_BYTES * c.tcpListeners; },
  },
  {
    name: 'tcpSndBuf', doc: 'send ring per connection, octets (default 4·(mtu − 40): four full segments)', cost: 'tcpConns·tcpSndBuf',
    ram: function (c: Config) { return c.tcpConns * c.tcpSndBuf; },
  },
  {
    name: 'tcpRcvBuf', doc: 'receive ring per connection = largest window offered, octets (default 4·(mtu − 40))', cost: 'tcpConns·tcpRcvBuf',
    ram: function (c: Config) { return c.tcpConns * c.tcpRcvBuf; },
  },
  { name: 'tcpMaxSynRcvd', doc: 'embryonic (SYN-RECEIVED) connections at once; past it, SYN cookies', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpSynCookies', doc: 'answer SYNs past the limits with SYN cookies (RFC 4987)', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'msl', doc: 'maximum segment lifetime, ms (TIME-WAIT = 2·MSL)', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpFinWait2Timeout', doc: 'FIN-WAIT-2 limit after close(), ms', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpAckDelay', doc: 'delayed-ACK time, ms (0 = at once; RFC 9293 MUST-40: < 500)', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpRtoInitial', doc: 'initial retransmission timeout, ms (RFC 6298: 1 s)', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpRtoMin', doc: 'RTO lower bound, ms (RFC 6298 asks 1 s; 200 ms suits a dedicated serial line, see "TCP")', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpRtoMax', doc: 'RTO upper bound, ms (RFC 6298: at least 60 s)', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpR2', doc: 'R2: give up retransmitting data after this long, ms (SHLD-11: >= 100 s)', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpSynR2', doc: 'R2 for a SYN, ms (MUST-23: >= 3 min)', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpSynAckRetries', doc: 'SYN-ACK retransmissions before an embryonic connection is dropped', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpChallengeAcks', doc: 'challenge ACKs per second per connection (RFC 5961 §7)', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpMinMss', doc: "floor for a peer's MSS, octets", cost: '0', ram: function (_c: Config) { return 0; } },
  {
    name: 'traceEvents', doc: 'state-transition trace ring entries', cost: TRACE_EVENT_BYTES + '·traceEvents',
    ram: function (c: Config) { return TRACE_EVENT_BYTES * c.traceEvents; },
  },
  { name: 'tcpR1', doc: 'R1: retransmissions before the path counts as in trouble (SHLD-10: >= 3)', cost: '0', ram: function (_c: Config) { return 0; } },
  {
    name: 'tcpOooHoles', doc: 'out-of-order ranges remembered per connection (the data waits in the receive ring)', cost: '8·tcpOooHoles·tcpConns',
    ram: function (c: Config) { return 8 * c.tcpOooHoles * c.tcpConns; },
  },
  {
    name: 'tcpSack', doc: "selective acknowledgments (RFC 2018): offer SACK, report held ranges, resend only the holes the peer reports (a scoreboard of tcpOooHoles ranges)", cost: 'tcpSack ? 8·tcpOooHoles·tcpConns : 0',
    ram: function (c: Config) { return c.tcpSack ? 8 * c.tcpOooHoles * c.tcpConns : 0; },
  },
  { name: 'tcpPersistLimit', doc: 'give up after a zero window held this long, ms (0 = never, MUST-37; set it against sockstress)', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpKeepIdle', doc: 'idle time before a keepalive probe, ms (MUST-28: >= 2 h; keepalive is off unless asked)', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpKeepIntvl', doc: 'time between keepalive probes, ms', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpKeepCnt', doc: 'unanswered keepalive probes before giving up (MUST-29: more than one)', cost: '0', ram: function (_c: Config) { return 0; } },
  { name: 'tcpIss', doc: 'testing only: a fixed ISS instead of RFC 6528 (null)', cost: '0', ram: function (_c: Config) { return 0; } },
];

/** Apply defaults and validate; throws on a bad setting. */
export function resolveConfig(partial: StackConfig | undefined): Config {
  const p = partial || {};
  const c: Config = {
    addr: p.addr !== undefined ? p.addr : DEFAULTS.addr,
    mtu: p.mtu !== undefined ? p.mtu : DEFAULTS.mtu,
    ttl: p.ttl !== undefined ? p.ttl : DEFAULTS.ttl,
    udpPorts: p.udpPorts !== undefined ? p.udpPorts : DEFAULTS.udpPorts,
    icmpErrorsPerSec: p.icmpErrorsPerSec !== undefined ? p.icmpErrorsPerSec : DEFAULTS.icmpErrorsPerSec,
    icmpErrorBurst: p.icmpErrorBurst !== undefined ? p.icmpErrorBurst : DEFAULTS.icmpErrorBurst,
    tcpConns: pick(p.tcpConns, DEFAULTS.tcpConns),
    tcpListeners: pick(p.tcpListeners, DEFAULTS.tcpListeners),
    // Four full segments by default: enough for fast retransmit (three duplicate ACKs need
    // three segments behind a lost one) and to fill a serial line's bandwidth-delay product.
    tcpSndBuf: 0,
    tcpRcvBuf: 0,
    tcpMaxSynRcvd: 0,
    tcpSynCookies: p.tcpSynCookies !== undefined ? p.tcpSynCookies : DEFAULTS.tcpSynCookies,
    msl: pick(p.msl, DEFAULTS.msl),
    tcpFinWait2Timeout: pick(p.tcpFinWait2Timeout, DEFAULTS.tcpFinWait2Timeout),
    tcpAckDelay: pick(p.tcpAckDelay, DEFAULTS.tcpAckDelay),
    tcpRtoInitial: pick(p.tcpRtoInitial, DEFAULTS.tcpRtoInitial),
    tcpRtoMin: pick(p.tcpRtoMin, DEFAULTS.tcpRtoMin),
    tcpRtoMax: pick(p.tcpRtoMax, DEFAULTS.tcpRtoMax),
    tcpR2: pick(p.tcpR2, DEFAULTS.tcpR2),
    tcpSynR2: pick(p.tcpSynR2, DEFAULTS.tcpSynR2),
    tcpSynAckRetries: pick(p.tcpSynAckRetries, DEFAULTS.tcpSynAckRetries),
    tcpChallengeAcks: pick(p.tcpChallengeAcks, DEFAULTS.tcpChallengeAcks),
    tcpMinMss: pick(p.tcpMinMss, DEFAULTS.tcpMinMss),
    traceEvents: pick(p.traceEvents, DEFAULTS.traceEvents),
    tcpR1: pick(p.tcpR1, DEFAULTS.tcpR1),
    tcpOooHoles: pick(p.tcpOooHoles, DEFAULTS.tcpOooHoles),
    tcpSack: p.tcpSack !== undefined ? p.tcpSack : DEFAULTS.tcpSack,
    tcpPersistLimit: pick(p.tcpPersistLimit, DEFAULTS.tcpPersistLimit),
    tcpKeepIdle: pick(p.tcpKeepIdle, DEFAULTS.tcpKeepIdle),
    tcpKeepIntvl: pick(p.tcpKeepIntvl, DEFAULTS.tcpKeepIntvl),
    tcpKeepCnt: pick(p.tcpKeepCnt, DEFAULTS.tcpKeepCnt),
    tcpIss: p.tcpIss !== undefined ? p.tcpIss : DEFAULTS.tcpIss,
  };
  c.tcpSndBuf = p.tcpSndBuf !== undefined ? p.tcpSndBuf : 4 * (c.mtu - 40 > 64 ? c.mtu - 40 : 64);
  c.tcpRcvBuf = p.tcpRcvBuf !== undefined ? p.tcpRcvBuf : 4 * (c.mtu - 40 > 64 ? c.mtu - 40 : 64);
  // Half the table by default, so a SYN flood can never hold every slot.
  c.tcpMaxSynRcvd = p.tcpMaxSynRcvd !== undefined ? p.tcpMaxSynRcvd : (c.tcpConns >> 1 > 0 ? c.tcpConns >> 1 : 1);
  if (parseAddr(c.addr) === null) throw new Error('slipstack config: addr "' + c.addr + '" is not a dotted-quad IPv4 address');
  // RFC 791: every host must take 68-octet datagrams; 1500 is the largest link we serve.
  if (!isInt(c.mtu) || c.mtu < 68 || c.mtu > 1500) throw new Error('slipstack config: mtu must be an integer in 68..1500, got ' + c.mtu);
  // RFC 1122 §3.2.1.7: a host must not send a datagram with TTL 0.
  if (!isInt(c.ttl) || c.ttl < 1 || c.ttl > 255) throw new Error('slipstack config: ttl must be an integer in 1..255, got ' + c.ttl);
  if (!isInt(c.udpPorts) || c.udpPorts < 0 || c.udpPorts > 1024) throw new Error('slipstack config: udpPorts must be an integer in 0..1024, got ' + c.udpPorts);
  if (!(c.icmpErrorsPerSec >= 0)) throw new Error('slipstack config: icmpErrorsPerSec must be >= 0, got ' + c.icmpErrorsPerSec);
  if (!isInt(c.icmpErrorBurst) || c.icmpErrorBurst < 0) throw new Error('slipstack config: icmpErrorBurst must be an integer >= 0, got ' + c.icmpErrorBurst);
  intIn('tcpConns', c.tcpConns, 0, 127);
  intIn('tcpListeners', c.tcpListeners, 0, 64);
  intIn('tcpSndBuf', c.tcpSndBuf, 1, 1 << 24);
  // No window scaling: the window field carries at most 65535 (RFC 9293 §3.1).
  intIn('tcpRcvBuf', c.tcpRcvBuf, 1, 65535);
  intIn('tcpMaxSynRcvd', c.tcpMaxSynRcvd, 0, c.tcpConns);
  intIn('msl', c.msl, 0, 3600000);
  intIn('tcpFinWait2Timeout', c.tcpFinWait2Timeout, 0, 3600000);
  // MUST-40: an ACK is not delayed by 0.5 s or more.
  intIn('tcpAckDelay', c.tcpAckDelay, 0, 499);
  intIn('tcpRtoMin', c.tcpRtoMin, 1, 600000);
  intIn('tcpRtoMax', c.tcpRtoMax, c.tcpRtoMin, 3600000);
  intIn('tcpRtoInitial', c.tcpRtoInitial, c.tcpRtoMin, c.tcpRtoMax);
  intIn('tcpR2', c.tcpR2, 1, 86400000);
  // MUST-23: R2 for a SYN is at least 3 minutes.
  intIn('tcpSynR2', c.tcpSynR2, 180000, 86400000);
  intIn('tcpSynAckRetries', c.tcpSynAckRetries, 0, 255);
  intIn('tcpChallengeAcks', c.tcpChallengeAcks, 0, 255);
  intIn('tcpMinMss', c.tcpMinMss, 1, 1460);
  intIn('traceEvents', c.traceEvents, 0, 100000);
  intIn('tcpR1', c.tcpR1, 1, 255);
  intIn('tcpOooHoles', c.tcpOooHoles, 0, 64);
  intIn('tcpPersistLimit', c.tcpPersistLimit, 0, 86400000);
  intIn('tcpKeepIdle', c.tcpKeepIdle, 1000, 86400000);
  intIn('tcpKeepIntvl', c.tcpKeepIntvl, 100, 86400000);
  // MUST-29: one lost probe never kills a connection.
  intIn('tcpKeepCnt', c.tcpKeepCnt, 2, 255);
  if (c.tcpIss !== null) intIn('tcpIss', c.tcpIss, -2147483648, 4294967295);
  return c;
}

/** The given value, or the default when undefined. */
function pick(v: number | undefined, d: number): number {
  return v !== undefined ? v : d;
}

/** Throw unless x is an integer in lo..hi. */
function intIn(name: string, x: number, lo: number, hi: number): void {
  if (!isInt(x) || x < lo || x > hi) throw new Error('slipstack config: ' + name + ' must be an integer in ' + lo + '..' + hi + ', got ' + x);
}

/** Number.isInteger is missing on Espruino. */
function isInt(x: number): boolean {
  return typeof x === 'number' && x === Math.floor(x) && x === x;
}

/** Total bytes the settings cost (equals stack.ramBudget()). */
export function ramFor(c: Config): number {
  let total = fixedRam();
  for (let i = 0; i < SETTINGS.length; i++) total += SETTINGS[i].ram(c);
  return total;
}
