/**
 * Espruino entry point (bundled into dist/espruino.js by build.mjs).
 *
 * Put the bundle in Storage as `.bootcde` (README "Putting it on an Espruino"; a RAM upload
 * runs out of memory), then on the host: `sudo slattach -L -p slip -s 115200 /dev/ttyUSB0 &`,
 * give sl0 the address 192.168.190.1 peer 192.168.190.2, and `ping 192.168.190.2`.
 *
 * What it does (firmware/espruino-boot.ts): the HAL on Serial1 at 115200 baud, the stack and
 * the demo app (firmware/app.ts) once, then in `onInit` the REPL off the SLIP UART and the HAL
 * (re)started with the app's poll. Requires Espruino 2v14 or later (object literal
 * shorthand, which esbuild's minifier emits).
 */
import { startApp } from './app.js';
import { bootEspruino } from './espruino-boot.js';

// The app's poll runs its services' deadlines and the stack's timers.
bootEspruino(startApp, '');
