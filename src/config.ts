/**
 * Stack configuration: every setting once, in `SETTINGS`, with its default (or the function
 * that derives it from the settings before it), its unit and range, one doc line, and what it
 * costs in RAM.
 *
 * Contract: `resolveConfig(partial)` fills defaults and validates once at start-up, in
 * SETTINGS order, throwing an Error that names the bad setting (misuse gets a clear error).
 * `ramFor(config)` sums every setting's RAM cost plus `fixedRam()`; `stack.ramBudget()` sums
 * the typed arrays the stack really allocated, and a test holds the two equal. The README's
 * table is SETTINGS printed (a test compares them line by line). `Config` lists each name
 * with its value type; the compiler holds SETTINGS to it one to one (a `Setting<Config[K]>`
 * for every key, nothing else).
 *
 * "RAM" here is the bytes of typed-array storage the stack allocates at start-up. The fixed
 * JavaScript objects around them (a few dozen, independent of the settings) are not counted;
 * on Espruino, `process.memory()` shows the whole picture.
 */
import { parseAddr } from './wire/ipv4.js';
import { DROP_COUNT, COUNTER_COUNT } from './stats.js';
import { SACK_MAX_BLOCKS } from './wire/tcp.js';
import { TCB_BYTES, LISTENER_BYTES } from './tcp/tcb.js';
import { asmWords } from './storage/assembler.js';
import { HASH_WORDS } from './tcp/hash.js';
import { TRACE_EVENT_BYTES } from './trace/events.js';
import * as F from './features.js';

/** The validated configuration, every field present (SETTINGS documents each). */
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

/** What a caller may pass to createStack: any subset of the settings. */
export type StackConfig = Partial<Config>;

/** One setting. Functions of `c` see the settings resolved before this one (SETTINGS order). */
export interface Setting<T> {
  /** The default, or how it is derived. */
  def: T | ((c: Config) => T);
  /** The derived default as the README prints it (only when def is a function). */
  defText?: string;
  /** Unit of the value: octets, ms, entries, ... ('' for none). */
  unit: string;
  /** Integer range, inclusive (hi may depend on earlier settings); absent for non-integers. */
  lo?: number;
  hi?: number | ((c: Config) => number);
  /** One line: what it is (and the RFC that says so). */
  doc: string;
  /** The RAM cost as a formula, and its value in octets (absent: costs nothing). */
  cost?: string;
  ram?: (c: Config) => number;
}

/** Four full segments: enough for fast retransmit (three duplicate ACKs need three segments behind a lost one) and to fill a serial line. */
function fourSegments(c: Config): number {
  return 4 * (c.mtu - 40 > 64 ? c.mtu - 40 : 64);
}

/** Every setting, in the order they are resolved and the README lists them. */
// Built by a function marked pure so that a board bundle, which never reads the table (its
// configuration is resolved at build time), drops it whole.
export const SETTINGS: { [K in keyof Config]: Setting<Config[K]> } = /* @__PURE__ */ (function () { return {
  addr: { def: '192.168.190.2', unit: 'dotted quad', doc: 'our IPv4 address' },
  // RFC 791: every host must take 68-octet datagrams; 1500 is the largest link we serve.
  mtu: { def: 296, lo: 68, hi: 1500, unit: 'octets', doc: 'IP MTU of the SLIP link (296 = Linux sl0, 1006 = RFC 1055)', cost: '3·mtu + 2 (receive frame; transmit SLIP frame of 2·mtu + 2, the packet built in its last mtu)', ram: function (c) { return 3 * c.mtu + 2; } },
  // RFC 1122 §3.2.1.7: a host must not send a datagram with TTL 0.
  ttl: { def: 64, lo: 1, hi: 255, unit: 'hops', doc: 'TTL of datagrams we send (RFC 9293 MUST-49: configurable)' },
  udpPorts: { def: 4, lo: 0, hi: 1024, unit: 'entries', doc: 'UDP port table entries', cost: '2·udpPorts (port numbers; handlers are references)', ram: function (c) { return 2 * c.udpPorts; } },
  icmpErrorsPerSec: { def: 10, unit: 'per s', doc: 'ICMP error rate limit (token bucket refill, RFC 1812 §4.3.2.8)' },
  icmpErrorBurst: { def: 5, lo: 0, hi: 1000000, unit: 'errors', doc: 'ICMP error token bucket depth' },
  tcpConns: { def: 4, lo: 0, hi: 127, unit: 'slots', doc: 'TCP connection table slots (struct-of-arrays, src/tcp/tcb.ts)', cost: TCB_BYTES + '·tcpConns', ram: function (c) { return TCB_BYTES * c.tcpConns; } },
  tcpListeners: { def: 2, lo: 0, hi: 64, unit: 'entries', doc: 'TCP listen table entries', cost: LISTENER_BYTES + '·tcpListeners', ram: function (c) { return LISTENER_BYTES * c.tcpListeners; } },
  tcpSndBuf: { def: fourSegments, lo: 1, hi: 1 << 24, unit: 'octets', doc: 'send ring per connection (the retransmission queue)', cost: 'tcpConns·tcpSndBuf', ram: function (c) { return c.tcpConns * c.tcpSndBuf; }, defText: '4·(mtu − 40)' },
  // No window scaling: the window field carries at most 65535 (RFC 9293 §3.1).
  tcpRcvBuf: { def: fourSegments, lo: 1, hi: 65535, unit: 'octets', doc: 'receive ring per connection = the largest window offered', cost: 'tcpConns·tcpRcvBuf', ram: function (c) { return c.tcpConns * c.tcpRcvBuf; }, defText: '4·(mtu − 40)' },
  // Half the table by default, so a SYN flood can never hold every slot.
  tcpMaxSynRcvd: { def: function (c) { return c.tcpConns >> 1 > 0 ? c.tcpConns >> 1 : 1; }, lo: 0, hi: function (c) { return c.tcpConns; }, unit: 'connections', doc: 'embryonic (SYN-RECEIVED) connections at once; past it, SYN cookies', defText: 'tcpConns / 2' },
  tcpSynCookies: { def: F.SYN_COOKIES, unit: '', doc: 'answer SYNs past the limits with SYN cookies (RFC 4987)' },
  msl: { def: 120000, lo: 0, hi: 3600000, unit: 'ms', doc: 'maximum segment lifetime (TIME-WAIT = 2·MSL)' },
  tcpFinWait2Timeout: { def: 60000, lo: 0, hi: 3600000, unit: 'ms', doc: 'FIN-WAIT-2 limit after close()' },
  // MUST-40: an ACK is not delayed by 0.5 s or more.
  tcpAckDelay: { def: 100, lo: 0, hi: 499, unit: 'ms', doc: 'delayed-ACK time (0 = at once; RFC 9293 MUST-40: < 500)' },
  tcpRtoMin: { def: 200, lo: 1, hi: 600000, unit: 'ms', doc: 'RTO lower bound (RFC 6298 asks 1 s; 200 ms suits a dedicated serial line, see "TCP")' },
  tcpRtoMax: { def: 60000, lo: 1, hi: 3600000, unit: 'ms', doc: 'RTO upper bound (RFC 6298: at least 60 s)' },
  tcpRtoInitial: { def: 1000, lo: 1, hi: 3600000, unit: 'ms', doc: 'initial retransmission timeout (RFC 6298: 1 s)' },
  tcpR2: { def: 100000, lo: 1, hi: 86400000, unit: 'ms', doc: 'R2: give up retransmitting data after this long (SHLD-11: >= 100 s)' },
  // MUST-23: R2 for a SYN is at least 3 minutes.
  tcpSynR2: { def: 180000, lo: 180000, hi: 86400000, unit: 'ms', doc: 'R2 for a SYN (MUST-23: >= 3 min)' },
  tcpSynAckRetries: { def: 5, lo: 0, hi: 255, unit: 'retries', doc: 'SYN-ACK retransmissions before an embryonic connection is dropped' },
  tcpChallengeAcks: { def: 10, lo: 0, hi: 255, unit: 'per s', doc: 'challenge ACKs per second per connection (RFC 5961 §7)' },
  tcpMinMss: { def: 64, lo: 1, hi: 1460, unit: 'octets', doc: "floor for a peer's MSS" },
  traceEvents: { def: F.TRACE ? 32 : 0, lo: 0, hi: F.TRACE ? 100000 : 0, unit: 'entries', doc: 'state-transition trace ring entries', cost: TRACE_EVENT_BYTES + '·traceEvents', ram: function (c) { return TRACE_EVENT_BYTES * c.traceEvents; } },
  tcpR1: { def: 3, lo: 1, hi: 255, unit: 'retransmissions', doc: 'R1: retransmissions before the path counts as in trouble (SHLD-10: >= 3)' },
  tcpOooHoles: { def: F.OOO ? 4 : 0, lo: 0, hi: F.OOO ? 64 : 0, unit: 'ranges', doc: 'out-of-order ranges remembered per connection (the data waits in the receive ring)', cost: '4·(2·tcpOooHoles + 1)·tcpConns', ram: function (c) { return 4 * asmWords(c.tcpOooHoles) * c.tcpConns; } },
  tcpSack: { def: F.SACK && F.OOO, unit: '', doc: 'selective acknowledgments (RFC 2018): offer SACK, report held ranges, resend only the holes the peer reports', cost: 'tcpSack ? 4·(2·tcpOooHoles + 1)·tcpConns : 4·tcpConns', ram: function (c) { return 4 * (c.tcpSack ? asmWords(c.tcpOooHoles) : 1) * c.tcpConns; } },
  tcpPersistLimit: { def: 0, lo: 0, hi: 86400000, unit: 'ms', doc: 'give up after a zero window held this long (0 = never, MUST-37; set it against sockstress)' },
  tcpKeepIdle: { def: 7200000, lo: 1000, hi: 86400000, unit: 'ms', doc: 'idle time before a keepalive probe (MUST-28: >= 2 h; keepalive is off unless asked)' },
  tcpKeepIntvl: { def: 75000, lo: 100, hi: 86400000, unit: 'ms', doc: 'time between keepalive probes' },
  // MUST-29: one lost probe never kills a connection.
  tcpKeepCnt: { def: 9, lo: 2, hi: 255, unit: 'probes', doc: 'unanswered keepalive probes before giving up (MUST-29: more than one)' },
  tcpIss: { def: null, unit: '', lo: -2147483648, hi: 4294967295, doc: 'testing only: a fixed ISS instead of RFC 6528 (null)' },
}; })();

/** The names in SETTINGS order. */
export const SETTING_NAMES = /* @__PURE__ */ Object.keys(SETTINGS) as (keyof Config)[];

/**
 * Bytes of the buffers that are always there, whatever the settings: the counters, the ISN
 * hash state, and the SACK block edges of TCP's two segment reprs (received, being sent).
 */
export function fixedRam(): number {
  return 4 * DROP_COUNT + 4 * COUNTER_COUNT + 4 * HASH_WORDS + 2 * 8 * SACK_MAX_BLOCKS;
}

/** Number.isInteger is missing on Espruino. */
function isInt(x: unknown): boolean {
  return typeof x === 'number' && x === Math.floor(x) && x - x === 0;
}

/** Apply defaults and validate, in SETTINGS order; throws on a bad setting. */
export function resolveConfig(partial: StackConfig | undefined): Config {
  const p = (partial || {}) as Record<string, unknown>;
  const c = {} as Record<string, unknown>;
  const cfg = c as unknown as Config;
  for (let k = 0; k < SETTING_NAMES.length; k++) {
    const name = SETTING_NAMES[k];
    const s = SETTINGS[name] as Setting<unknown>;
    let x = p[name];
    if (x === undefined) x = typeof s.def === 'function' ? (s.def as (c: Config) => unknown)(cfg) : s.def;
    if (s.lo !== undefined && x !== null) {
      const hi = typeof s.hi === 'function' ? s.hi(cfg) : (s.hi as number);
      if (!isInt(x) || (x as number) < s.lo || (x as number) > hi) {
        throw new Error('slipstack config: ' + name + ' must be an integer in ' + s.lo + '..' + hi + ', got ' + String(x));
      }
    } else if (typeof s.def === 'boolean' && typeof x !== 'boolean') {
      throw new Error('slipstack config: ' + name + ' must be true or false, got ' + String(x));
    } else if (x === true && s.def === false && (name === 'tcpSack' || name === 'tcpSynCookies')) {
      // A feature this build left out (src/features.ts) cannot be switched on at run time.
      throw new Error('slipstack config: ' + name + ' is not in this build (src/features.ts)');
    }
    c[name] = x;
  }
  if (typeof cfg.addr !== 'string' || parseAddr(cfg.addr) === null) throw new Error('slipstack config: addr "' + String(cfg.addr) + '" is not a dotted-quad IPv4 address');
  if (!(typeof cfg.icmpErrorsPerSec === 'number' && cfg.icmpErrorsPerSec >= 0)) throw new Error('slipstack config: icmpErrorsPerSec must be >= 0, got ' + String(cfg.icmpErrorsPerSec));
  // RFC 6298 §2.4/2.5: the initial RTO, like every other, lies within the bounds.
  if (cfg.tcpRtoMax < cfg.tcpRtoMin) throw new Error('slipstack config: tcpRtoMax must be >= tcpRtoMin (' + cfg.tcpRtoMin + '), got ' + cfg.tcpRtoMax);
  if (cfg.tcpRtoInitial < cfg.tcpRtoMin || cfg.tcpRtoInitial > cfg.tcpRtoMax) {
    throw new Error('slipstack config: tcpRtoInitial must be in ' + cfg.tcpRtoMin + '..' + cfg.tcpRtoMax + ', got ' + cfg.tcpRtoInitial);
  }
  for (const k of Object.keys(p)) if (!(k in SETTINGS)) throw new Error('slipstack config: unknown setting "' + k + '"');
  return cfg;
}

/** The defaults, resolved (the derived ones at the default MTU and table size). */
export const DEFAULTS: Config = /* @__PURE__ */ resolveConfig({});

/** Total bytes the settings cost (equals stack.ramBudget()). */
export function ramFor(c: Config): number {
  let total = fixedRam();
  for (let k = 0; k < SETTING_NAMES.length; k++) {
    const s = SETTINGS[SETTING_NAMES[k]] as Setting<unknown>;
    if (s.ram !== undefined) total += s.ram(c);
  }
  return total;
}

/** The budget item by item: [setting, octets] pairs, the fixed part first (host tools; allocates). */
export function ramReport(c: Config): [string, number][] {
  const out: [string, number][] = [['counters and hash state (fixed)', fixedRam()]];
  for (let k = 0; k < SETTING_NAMES.length; k++) {
    const s = SETTINGS[SETTING_NAMES[k]] as Setting<unknown>;
    out.push([SETTING_NAMES[k], s.ram !== undefined ? s.ram(c) : 0]);
  }
  return out;
}
