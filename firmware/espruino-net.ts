/**
 * Espruino entry point of the net variant (bundled into dist/espruino-net.js by build.mjs,
 * profile `pico-net` of firmware/profiles.mjs): the stack on Serial1 at 115200 baud as in
 * firmware/espruino.ts, slipstack installed under Espruino's own `net` and `http` through the
 * NetworkJS driver (firmware/networkjs.ts), and the demo's services written with those stock
 * modules, as any Espruino example would be:
 * - HTTP on port 80 (`require('http').createServer`): the demo page (firmware/app.ts
 *   HTTP_BODY) for any request, then Espruino closes the connection;
 * - TCP echo on port 7 (`require('net').createServer`, RFC 862).
 * Ping replies need nothing: the stack answers them. There is no UDP echo (the driver maps
 * `dgram` too; a user can add one).
 *
 * Everything here runs once, at boot (firmware/espruino-boot.ts; `onInit`, which Espruino
 * also calls at power-on after `save()`, only restarts the HAL); the per-connection objects are Espruino's own (`net` allocates them), so this
 * firmware is not zero-allocation above the driver (networkjs.ts says where it ends).
 */
import type { Net } from '../src/net.js';
import { netPoll } from '../src/net.js';
import { createNetworkJsDriver } from './networkjs.js';
import { HTTP_BODY, HTTP_PORT, ECHO_PORT } from './app.js';
import { bootEspruino } from './espruino-boot.js';

/** `end`, kept out of the reach of the build's property shortening (see startServices). */
const END = 'end';

/** What `net` hands a connection callback (the part used here). */
interface Socket {
  on(event: string, listener: (data: string) => void): void;
  write(data: string): void;
}

/** What `http` hands a request callback (the part used here). */
interface Response {
  writeHead(status: number, headers: { [name: string]: string | number }): void;
  [END](data: string): void;
}

/** The binary string of buf[0, len): where the driver's allocation happens (one string). */
function toStr(buf: Uint8Array, len: number): string {
  return E.toString(new Uint8Array(buf.buffer, buf.byteOffset, len));
}

/** The octets of a binary string (one Uint8Array). */
function toBytes(s: string): Uint8Array {
  return E.toUint8Array(s);
}

/** The services, with the board's own modules (once, after the driver is installed). */
function startServices(): void {
  require('http').createServer(function (_req: unknown, res: Response) {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': HTTP_BODY.length });
    // Through a name: build.mjs shortens every property name src/ declares, `end` among them.
    res[END](HTTP_BODY);
  }).listen(HTTP_PORT);
  require('net').createServer(function (c: Socket) {
    c.on('data', function (d: string) { c.write(d); });
  }).listen(ECHO_PORT);
}

bootEspruino(function (n: Net) {
  require('NetworkJS').create(createNetworkJsDriver(n, toStr, toBytes));
  startServices();
  return { poll: function (now: number): number { return netPoll(n, now); } };
}, ', net and http');
