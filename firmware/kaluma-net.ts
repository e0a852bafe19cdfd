/**
 * Kaluma entry point of the net variant (bundled into dist/kaluma-net.js by build.mjs, profile
 * `kaluma-net` of firmware/profiles.mjs): the stack on UART 0 at 115200 baud as in
 * firmware/kaluma.ts, slipstack installed as Kaluma's network device (`global.__netdev`, the
 * driver firmware/netdev.ts), and the demo's services written with Kaluma's own modules, as
 * any Kaluma example would be:
 * - HTTP on port 80 (`require('http').createServer`): the demo page (firmware/app.ts
 *   HTTP_BODY) for any request; Kaluma's http sends it chunked (its writeHead always adds
 *   `transfer-encoding: chunked`) and then ends its side; the driver frees the connection once
 *   the client has closed too;
 * - TCP echo on port 7 (`require('net').createServer`, RFC 862): what arrives goes back, and
 *   the client's end (its FIN) is answered with ours after the echo.
 * Ping replies need nothing: the stack answers them. There is no UDP echo (Kaluma 1.2.1 has no
 * `dgram`).
 *
 * Everything here runs once, at boot. The per-connection objects are Kaluma's own (`net` and
 * `http` allocate them), so this firmware is not zero-allocation above the driver (netdev.ts
 * says where it ends).
 */
import { createNet, netRam, netPoll } from '../src/net.js';
import { createKalumaHal } from '../hal/kaluma.js';
import { createNetdev } from './netdev.js';
import type { Netdev } from './netdev.js';
import { HTTP_BODY, HTTP_PORT, ECHO_PORT } from './app.js';
import { CONFIG, PROFILE } from './profile.js';
import { installConsole } from './console.js';
import { NETSTAT } from '../src/features.js';

/** The SLIP line speed, in bits per second. */
const BAUD = 115200;
/** The UART the SLIP link uses. */
const UART_PORT = 0;
/** `end`, kept out of the reach of the build's property shortening (src/ declares an `end`). */
const END = 'end';

/** What Kaluma's `net` hands a connection callback (the part used here). */
interface Socket {
  on(event: string, listener: (data: string) => void): void;
  write(data: string): void;
  [END](): void;
}

/** What Kaluma's `http` hands a request callback (the part used here). */
interface Response {
  writeHead(status: number, message: string, headers: { [name: string]: string }): void;
  [END](data: string): void;
}

/** A server of Kaluma's `net` or `http`. */
interface Server {
  on(event: string, listener: (s: Socket) => void): void;
  listen(port: number): void;
}

/** An 'error' listener that keeps a connection's error from being an uncaught exception. */
function ignore(): void {}

/** The services, with Kaluma's own modules (once, after the driver is installed). */
function startServices(): void {
  const web = require('http').createServer(function (_req: unknown, res: Response) {
    // Kaluma's writeHead takes (status, message, headers); it adds the chunked encoding itself.
    res.writeHead(200, 'OK', { 'Content-Type': 'text/plain' });
    res[END](HTTP_BODY);
  }) as Server;
  // A client that resets makes its socket emit 'error'; http attaches no listener for it.
  web.on('connection', function (s: Socket) { s.on('error', ignore); });
  web.listen(HTTP_PORT);
  const echo = require('net').createServer(function (c: Socket) {
    c.on('data', function (d: string) { c.write(d); });
    // RFC 862 echo ends when the client does: our FIN after what is still to echo.
    c.on(END, function () { c[END](); });
    c.on('error', ignore);
  }) as Server;
  echo.listen(ECHO_PORT);
}

/** Open the UART, start the stack, install the driver and the services. */
function main(): void {
  // `uart`, `net` and `http` are Kaluma modules; build.mjs keeps these requires as they are.
  const uartModule = require('uart') as KalumaUartModule;
  const uart = new uartModule.UART(UART_PORT, { baudrate: BAUD });
  const hal = createKalumaHal(uart);
  const n = createNet(CONFIG, hal);
  const dev: Netdev = createNetdev(n, hal.wake!);
  // `global` is Kaluma's name for the global object (globalThis in JerryScript too).
  const root = (typeof globalThis !== 'undefined' ? globalThis : global) as unknown as { __netdev: Netdev };
  root.__netdev = dev;
  hal.start({ poll: function (now: number): number { dev.poll(); return netPoll(n, now); } });
  startServices();
  if (NETSTAT) installConsole(n, hal.now);
  console.log('slipstack: ' + CONFIG.addr + ' up, ' + netRam(n) + ' bytes of stack RAM, profile ' + PROFILE + ', net and http');
}

main();
