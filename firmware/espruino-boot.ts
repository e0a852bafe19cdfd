/**
 * What both Espruino entry points (firmware/espruino.ts, firmware/espruino-net.ts) do at power-on:
 * move the REPL console off the SLIP UART (to USB, or the internal loopback port), build the
 * HAL on Serial1 at 115200 baud, the stack and the firmware's services once, and (re)start
 * the HAL with what the services want polled.
 *
 * Contract: `bootEspruino(start, what)` builds the HAL, the stack and the services once,
 * defines the global `onInit` (Espruino calls only a GLOBAL one, at power-on after `save()`),
 * which moves the console and (re)starts the HAL, and calls it once now. `start(net, hal)`
 * returns the Pollable the HAL drives (the stack's poll, or an app wrapping it); `what` ends
 * the boot line. With the NETSTAT switch, `netstat()` is defined.
 */
import { createNet, netRam } from '../src/net.js';
import type { Net } from '../src/net.js';
import type { Pollable } from '../src/hal.js';
import { createEspruinoHal } from '../hal/espruino.js';
import type { EspruinoHal } from '../hal/espruino.js';
import { CONFIG, PROFILE } from './profile.js';
import { installConsole } from './console.js';
import { NETSTAT } from '../src/features.js';

/** The SLIP line speed, in bits per second. */
const BAUD = 115200;

/** Keep the REPL off Serial1: otherwise it would read our packets as JavaScript. */
function moveConsole(): void {
  if (typeof USB !== 'undefined' && USB) USB.setConsole(true);
  else if (typeof LoopbackA !== 'undefined' && LoopbackA) LoopbackA.setConsole(true);
}

/**
 * Build the HAL, the stack and the services now; define the global onInit that (re)starts the
 * HAL, and run it. Everything is built here, at the top of the boot, not inside onInit: the
 * functions only this boot calls are then called by nothing afterwards, and the build deletes
 * them once the boot is over (tools/release.mjs: JsVars back for the user).
 */
export function bootEspruino(start: (n: Net, hal: EspruinoHal) => Pollable, what: string): void {
  const hal = createEspruinoHal(Serial1, BAUD);
  const n = createNet(CONFIG, hal);
  const polled = start(n, hal);
  if (NETSTAT) installConsole(n, hal.now);
  function onInit(): void {
    moveConsole();
    hal.start(polled);
  }
  // `globalThis` exists from Espruino 2v22, `global` on every version.
  const root = (typeof globalThis !== 'undefined' ? globalThis : global) as unknown as { onInit: () => void };
  root.onInit = onInit;
  onInit();
  console.log('slipstack: ' + CONFIG.addr + ' up, ' + netRam(n) + ' bytes of stack RAM, profile ' + PROFILE + what);
}
