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
}

/** The validated configuration, every field present. */
export interface Config {
  addr: string;
  mtu: number;
  ttl: number;
  udpPorts: number;
  icmpErrorsPerSec: number;
  icmpErrorBurst: number;
}

/** Defaults: an Espruino-sized stack on Linux's default SLIP MTU. */
export const DEFAULTS: Config = {
  addr: '192.168.190.2',
  mtu: 296,
  ttl: 64,
  udpPorts: 4,
  icmpErrorsPerSec: 10,
  icmpErrorBurst: 5,
};

/** One documented setting. `ram(c)` is the bytes it costs under config c. */
export interface Setting {
  name: string;
  doc: string;
  cost: string;
  ram: (c: Config) => number;
}

/** Bytes of the buffers that are always there, whatever the settings: the counters. */
export function fixedRam(): number {
  return 4 * DROP_COUNT + 4 * COUNTER_COUNT;
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
  };
  if (parseAddr(c.addr) === null) throw new Error('slipstack config: addr "' + c.addr + '" is not a dotted-quad IPv4 address');
  // RFC 791: every host must take 68-octet datagrams; 1500 is the largest link we serve.
  if (!isInt(c.mtu) || c.mtu < 68 || c.mtu > 1500) throw new Error('slipstack config: mtu must be an integer in 68..1500, got ' + c.mtu);
  // RFC 1122 §3.2.1.7: a host must not send a datagram with TTL 0.
  if (!isInt(c.ttl) || c.ttl < 1 || c.ttl > 255) throw new Error('slipstack config: ttl must be an integer in 1..255, got ' + c.ttl);
  if (!isInt(c.udpPorts) || c.udpPorts < 0 || c.udpPorts > 1024) throw new Error('slipstack config: udpPorts must be an integer in 0..1024, got ' + c.udpPorts);
  if (!(c.icmpErrorsPerSec >= 0)) throw new Error('slipstack config: icmpErrorsPerSec must be >= 0, got ' + c.icmpErrorsPerSec);
  if (!isInt(c.icmpErrorBurst) || c.icmpErrorBurst < 0) throw new Error('slipstack config: icmpErrorBurst must be an integer >= 0, got ' + c.icmpErrorBurst);
  return c;
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
