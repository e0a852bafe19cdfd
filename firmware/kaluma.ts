/**
 * Kaluma entry point (bundled into dist/kaluma.js by build.mjs).
 *
 * Flash with `kaluma flash dist/kaluma.js --port /dev/ttyACM0`; Kaluma runs it at every
 * boot. Wire UART0 (GP0 TX, GP1 RX on a Pico) through a USB-serial adapter to the host, then
 * `slattach` and ping 192.168.190.2 as for Espruino. The Kaluma REPL lives on USB, so the
 * UART carries only SLIP.
 */
import { createNet, netRam } from '../src/net.js';
import { createKalumaHal } from '../hal/kaluma.js';
import { startApp } from './app.js';
import { CONFIG, PROFILE } from './profile.js';
import { installConsole } from './console.js';
import { NETSTAT } from '../src/features.js';

/** The SLIP line speed, in bits per second. */
const BAUD = 115200;
/** The UART the SLIP link uses. */
const UART_PORT = 0;

/** Open the UART and start the stack and the demo app. */
function main(): void {
  // `uart` is a Kaluma module; build.mjs keeps this require as it is.
  const uartModule = require('uart') as KalumaUartModule;
  const uart = new uartModule.UART(UART_PORT, { baudrate: BAUD });
  const hal = createKalumaHal(uart);
  const n = createNet(CONFIG, hal);
  // The app's poll runs its services' deadlines and the stack's timers.
  hal.start(startApp(n));
  if (NETSTAT) installConsole(n, hal.now);
  console.log('slipstack: ' + CONFIG.addr + ' up, ' + netRam(n) + ' bytes of stack RAM, profile ' + PROFILE);
}

main();
