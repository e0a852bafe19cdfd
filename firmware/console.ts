/**
 * Console commands of the board firmware: `netstat()` prints the connection table (like
 * `ss -tan -o`) and the last state transitions with their causes, on the REPL of the board
 * (Espruino's on USB, Kaluma's on USB), never on the SLIP line. Built in with the NETSTAT
 * switch (src/features.ts, per profile in firmware/profiles.mjs).
 *
 * Contract: `installConsole(net, now)` defines the global `netstat(max)`; `max` is how many
 * transitions to show (8 when not given). Everything it prints is made when it is called
 * (src/trace/netstat.ts allocates rows and strings), so it costs no RAM in between.
 */
import type { Net } from '../src/net.js';
import { netstatLines } from '../src/trace/netstat.js';

/** Transitions `netstat()` shows when not told. */
const TRANSITIONS = 8;

/** Define the global `netstat()` for this stack; `now` is the HAL's clock. */
export function installConsole(n: Net, now: () => number): void {
  // `globalThis` from Espruino 2v22 and in JerryScript; `global` on every Espruino and Kaluma.
  const root = (typeof globalThis !== 'undefined' ? globalThis : global) as unknown as { netstat: (max?: number) => void };
  root.netstat = function (max?: number): void {
    const lines = netstatLines(n.t, n.addr, now(), typeof max === 'number' && max >= 0 ? max : TRANSITIONS);
    for (let i = 0; i < lines.length; i++) console.log(lines[i]);
  };
}
