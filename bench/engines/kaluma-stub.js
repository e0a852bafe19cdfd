"use strict";
// What Kaluma 1.2 gives a program, for the JerryScript command line (which has only `print`,
// `gc` and a few test helpers; engines README): `require('uart')` with a UART whose 'data'
// listeners the harness calls, `setTimeout`/`clearTimeout` on a virtual clock, `millis()`
// and `console`. Kept small (it is parsed into the same heap the bundle is measured in).
// The harness (bench/engines/jerry.ts) sets `__fromBoard` to take what the board writes and
// drives `__toBoard(bytes)` and `__tick(ms)`; `Math.random` is made constant so that runs
// are repeatable (the HAL also stirs in the clock and each chunk's length).
var __now = 0;
var __timers = [];
var __nextTimer = 1;
var millis = function () { return __now; };
var setTimeout = function (fn, ms) {
  var id = __nextTimer++;
  __timers.push({ id: id, at: __now + (ms > 0 ? ms : 0), fn: fn });
  return id;
};
var clearTimeout = function (id) {
  for (var i = 0; i < __timers.length; i++) {
    if (__timers[i].id === id) { __timers.splice(i, 1); return; }
  }
};
// Move the clock on by ms, running every timer that falls due, earliest first.
var __tick = function (ms) {
  var end = __now + ms;
  for (;;) {
    var k = -1;
    for (var i = 0; i < __timers.length; i++) if (__timers[i].at <= end && (k < 0 || __timers[i].at < __timers[k].at)) k = i;
    if (k < 0) break;
    var t = __timers[k];
    __timers.splice(k, 1);
    if (t.at > __now) __now = t.at;
    t.fn();
  }
  __now = end;
};
var __log = [];
var console = {
  log: function () {
    var s = '';
    for (var i = 0; i < arguments.length; i++) s += (i ? ' ' : '') + String(arguments[i]);
    __log.push(s);
    print(s);
  },
};
console.error = console.log;
var __uart = null;
var __fromBoard = function (data) {};
var __UART = function (port, options) {
  this.port = port;
  this.options = options;
  this.listeners = [];
  __uart = this;
};
__UART.prototype.on = function (ev, fn) { if (ev === 'data') this.listeners.push(fn); };
__UART.prototype.write = function (data) { __fromBoard(data); };
__UART.prototype.close = function () {};
var __toBoard = function (bytes) {
  for (var i = 0; i < __uart.listeners.length; i++) __uart.listeners[i](bytes);
};
var require = function (name) {
  if (name === 'uart') return { UART: __UART };
  throw new Error('Kaluma stub: no module ' + name);
};
Math.random = function () { return 0.25; };
