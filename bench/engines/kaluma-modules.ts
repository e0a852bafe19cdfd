// subset: host-only
/**
 * Kaluma 1.2.1's own JavaScript modules (`events`, `stream`, `net`, `http`, `uart`; Apache-2.0,
 * ../shared/engines/kaluma-1.2.1/, engines README), loaded at test time from that folder and
 * never copied into this repository, with what Kaluma's C side gives them, for the `__netdev`
 * tests (test/firmware/netdev.test.ts in a Node vm, test/firmware/kaluma-net.test.ts on
 * jerry-kaluma).
 *
 * Contract:
 * - `kalumaModulesDir()`: `SLIPSTACK_KALUMA_MODULES` if set, else `kaluma-1.2.1/` beside the
 *   jerry-kaluma binary found by locate.ts (SLIPSTACK_JERRY), else in ../shared/engines; null
 *   when it holds no `Kaluma's `net``. `kalumaSkipReason()` says why the tests cannot run (or null).
 * - `kalumaScript(dir)` is one script (strict mode, ES5 apart from the modules themselves)
 *   that defines what Kaluma defines before a program runs and the modules expect:
 *   `global`, `process.binding(process.binding.stream | uart)` (the stream natives as empty
 *   classes; the UART native hands what is written to `__fromBoard(data)` and takes input
 *   through `__toBoard(bytes)`), a global `SystemError(errno)` (an Error with `errno` and
 *   `code`), `TextEncoder` (one octet per character, what Kaluma's `http` uses it for), and `require`,
 *   which wraps each module as Kaluma does, `(function (exports, require, module) {...})`, and
 *   caches it. It expects `setTimeout`, `console` and `__fromBoard` to exist (kaluma-stub.js,
 *   or the vm sandbox's globals).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultEngineDir, jerryPath } from './locate.js';

/** The module names, in Kaluma's spelling. */
export const KALUMA_MODULES = ['events', 'stream', 'net', 'http', 'uart'];

/** The folder holding Kaluma 1.2.1's modules, or null. */
export function kalumaModulesDir(): string | null {
  const env = process.env.SLIPSTACK_KALUMA_MODULES;
  const candidates: string[] = [];
  if (env !== undefined && env !== '') candidates.push(env);
  else {
    const jerry = jerryPath('jerry-kaluma');
    if (jerry !== null) candidates.push(join(dirname(jerry), 'kaluma-1.2.1'));
    candidates.push(join(defaultEngineDir(), 'kaluma-1.2.1'));
  }
  for (const c of candidates) if (existsSync(join(c, 'net.js'))) return c;
  return null;
}

/** Why the modules are missing, or null. */
export function kalumaSkipReason(): string | null {
  return kalumaModulesDir() === null
    ? 'Kaluma 1.2.1 modules (kaluma-1.2.1/net.js in ' + (process.env.SLIPSTACK_KALUMA_MODULES || defaultEngineDir()) + ', or set SLIPSTACK_KALUMA_MODULES)'
    : null;
}

/** The script that gives a realm Kaluma's globals and `require` over the modules in `dir`. */
export function kalumaScript(dir: string): string {
  const mods = KALUMA_MODULES.map((m) => JSON.stringify(m) + ': function (exports, require, module) {\n' +
    readFileSync(join(dir, m + '.js'), 'utf8') + '\n}').join(',\n');
  return `"use strict";
var global = Function('return this')();
var __uartRx = null;
var process = {
  binding: function (b) {
    if (b === 'stream') return { StdInNative: function () {}, StdOutNative: function () {} };
    if (b === 'uart') {
      var U = function (port, options, cb) { this.port = port; __uartRx = cb; };
      U.prototype.write = function (data) { __fromBoard(data); };
      U.prototype.close = function () {};
      return { UART: U, PARITY_NONE: 0, PARITY_ODD: 1, PARITY_EVEN: 2, FLOW_NONE: 0, FLOW_RTS: 1, FLOW_CTS: 2, FLOW_RTS_CTS: 3 };
    }
    throw new Error('no binding ' + b);
  },
};
process.binding.stream = 'stream';
process.binding.uart = 'uart';
var __toBoard = function (bytes) { __uartRx(bytes); };
var SystemError = function (errno) {
  var e = new Error('system error ' + errno);
  e.errno = errno;
  e.code = errno;
  return e;
};
var TextEncoder = function () {};
TextEncoder.prototype.encode = function (s) {
  var u = new Uint8Array(s.length);
  for (var i = 0; i < s.length; i++) u[i] = s.charCodeAt(i) & 255;
  return u;
};
var __kalumaModules = {
${mods}
};
var __kalumaCache = {};
require = function (name) {
  var m = __kalumaCache[name];
  if (m) return m.exports;
  var f = __kalumaModules[name];
  if (!f) throw new Error('Kaluma: no module ' + name);
  m = { exports: {} };
  __kalumaCache[name] = m;
  f.call(m.exports, m.exports, require, m);
  return m.exports;
};
`;
}
