/**
 * Espruino entry point (bundled into dist/espruino.js by build.mjs).
 *
 * Upload the bundle (Web IDE, or `espruino -p /dev/ttyACM0 -b 115200 dist/espruino.js`),
 * then on the host: `sudo slattach -L -p slip -s 115200 /dev/ttyUSB0 &`, give sl0 the address
 * 192.168.190.1 peer 192.168.190.2, and `ping 192.168.190.2`.
 *
 * What it does, in `onInit` (which Espruino also calls at power-on after `save()`):
 * moves the REPL console to USB (or the internal loopback port) so it stays off the SLIP
 * UART, builds the HAL on Serial1 at 115200 baud, the stack and the demo app once, and
 * (re)starts the HAL. Requires Espruino 2v14 or later (object literal shorthand, which
 * esbuild's minifier emits).
 */
import { createNet, netRam } from '../src/net.js';
import type { Net } from '../src/net.js';
import { createEspruinoHal } from '../hal/espruino.js';
import type { EspruinoHal } from '../hal/espruino.js';
import { startApp } from './app.js';
import type { App } from './app.js';
import { CONFIG, PROFILE } from './profile.js';
import { installConsole } from './console.js';
import { NETSTAT } from '../src/features.js';

/** The SLIP line speed, in bits per second. */
const BAUD = 115200;

let hal: EspruinoHal | null = null;
let net: Net | null = null;
let app: App | null = null;

/** Keep the REPL off Serial1: otherwise it would read our packets as JavaScript. */
function moveConsole(): void {
  if (typeof USB !== 'undefined' && USB) USB.setConsole(true);
  else if (typeof LoopbackA !== 'undefined' && LoopbackA) LoopbackA.setConsole(true);
}

/** Espruino calls onInit at power-on; we also call it once when the bundle loads. */
function onInit(): void {
  moveConsole();
  if (hal === null || net === null || app === null) {
    hal = createEspruinoHal(Serial1, BAUD);
    const n = createNet(CONFIG, hal);
    net = n;
    app = startApp(n);
    if (NETSTAT) installConsole(n, hal.now);
    console.log('slipstack: ' + CONFIG.addr + ' up, ' + netRam(n) + ' bytes of stack RAM, profile ' + PROFILE);
  }
  // The app's poll runs its services' deadlines and the stack's timers.
  hal.start(app);
}

// Espruino only calls a GLOBAL onInit; this bundle is wrapped in a function. `globalThis`
// exists from Espruino 2v22, `global` on every version.
const root = (typeof globalThis !== 'undefined' ? globalThis : global) as unknown as { onInit: () => void };
root.onInit = onInit;
onInit();
