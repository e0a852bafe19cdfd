/**
 * Board profiles: what each board bundle carries (features, src/features.ts) and how its stack
 * is configured (settings, src/config.ts), and the budgets the build enforces. Like lwIP's
 * options header per port: one entry per board family. build.mjs builds one bundle per profile;
 * the engine tests (test/firmware/) load them on the real interpreters and assert their memory
 * budget; `npm run bench:board` measures them all.
 *
 * Costs (bench:board on the real interpreters, Espruino 2v29 JsVars of 13 octets):
 * - each TCP connection slot: TCB fields + both rings (tcpSndBuf + tcpRcvBuf octets) + the
 *   demo app's 256-octet buffer; at 1024/1024 rings about 190 JsVars, at 512/512 about 110;
 * - features: see src/features.ts; code is paid in bundle octets and, on Espruino, in JsVars
 *   for every function and name the bundle defines.
 * The bundle budgets are ratchets, lowered as the bundles shrink. They rose twice, each time
 * for a measured gain: by 250-450 octets when tools/inline.mjs began to trade flash for RAM
 * and time on Espruino (an inlined helper's expression is longer than its call; the builds
 * lost about 130 JsVars and 1-2% of the instructions per packet), by 350 on Kaluma for
 * the word-wise checksum (hal/kaluma.ts: 6-10% fewer instructions per packet), and by 100 on
 * Espruino for the HAL holding the text of chunks without an END (hal/espruino.ts: a serial
 * chunk that completes no frame 3.26 -> 0.19 M instructions, a TCP segment in 1-octet chunks
 * 173 -> 104 M).
 *
 * Plain JavaScript (build.mjs reads it with Node), in the board subset's spirit: data only.
 */

/** What every board runs: the demo app's address and Linux sl0's MTU. */
const BOARD = { addr: '192.168.190.2', mtu: 296 };

export const PROFILES = {
  /** The Espruino default: Pico (5,100 JsVars, 48 KB of Storage). Four connections, the demo app. */
  pico: {
    engine: 'espruino',
    entry: 'firmware/espruino.ts',
    out: 'espruino.js',
    target: 'es2015',
    features: { SACK: false, SYN_COOKIES: true, KEEPALIVE: false, TRACE: false, OOO: true, CC_EXTRAS: true, NETSTAT: false },
    // No trace: only netstat() reads it on a board, and the Pico cannot spare netstat's RAM
    // (the trace costs 114 JsVars: its ring and its code's functions).
    // Rings of 512 (two segments of MSS 256 in flight each way): 1,024 would cost 320 JsVars
    // more (4 slots x 1 KB more, 13 octets a JsVar) for a line this slow.
    config: { ...BOARD, tcpConns: 4, tcpListeners: 2, tcpSndBuf: 512, tcpRcvBuf: 512, tcpOooHoles: 2, udpPorts: 2 },
    // Ratchet: lowered as the bundle shrinks; the goal is 24,576 (half the Pico's Storage).
    budget: { bundle: 35450 },
  },
  /** The Puck and the MDBT42Q (2,630 JsVars): two connections, the same demo app, no extras. */
  puck: {
    engine: 'espruino',
    entry: 'firmware/espruino.ts',
    out: 'espruino-puck.js',
    target: 'es2015',
    features: { SACK: false, SYN_COOKIES: false, KEEPALIVE: false, TRACE: false, OOO: false, CC_EXTRAS: false, NETSTAT: false },
    // Rings of one segment (MSS 256): the interpreter, not the line, sets the pace. A 256-octet
    // segment and its ACK cost about 53 M instructions (bench:board), near half a second of
    // a board's CPU at the board issue's scale (44.5 M for 0.4 s on a Pico), against 26 ms on
    // the wire at 115200 baud: a second segment in flight would only wait in a buffer. Rings
    // of 512 cost 79 JsVars more (measured: 1,883 used after boot against 1,804).
    config: { ...BOARD, tcpConns: 2, tcpListeners: 2, tcpSndBuf: 256, tcpRcvBuf: 256, tcpMaxSynRcvd: 1, udpPorts: 1 },
    // Ratchet, as for pico.
    budget: { bundle: 33050 },
  },
  /**
   * The Espruino WiFi (8,190 JsVars): everything, with 1 KB rings, and `netstat()` on the
   * console (about 3.3 KB of code and 190 JsVars, which the Pico cannot spare).
   */
  wifi: {
    engine: 'espruino',
    entry: 'firmware/espruino.ts',
    out: 'espruino-wifi.js',
    target: 'es2015',
    features: { SACK: true, SYN_COOKIES: true, KEEPALIVE: true, TRACE: true, OOO: true, CC_EXTRAS: true, NETSTAT: true },
    config: { ...BOARD, tcpConns: 4, tcpListeners: 2, tcpSndBuf: 1024, tcpRcvBuf: 1024, traceEvents: 16 },
    budget: { bundle: 42600 },
  },
  /**
   * The Pico's profile with the board's own `net` and `http` on slipstack
   * (firmware/espruino-net.ts, the NetworkJS driver firmware/networkjs.ts) serving the demo;
   * it runs on the Pico's 5,100 JsVars, and so on the Espruino WiFi too.
   */
  'pico-net': {
    engine: 'espruino',
    entry: 'firmware/espruino-net.ts',
    out: 'espruino-net.js',
    target: 'es2015',
    features: { SACK: false, SYN_COOKIES: true, KEEPALIVE: false, TRACE: false, OOO: true, CC_EXTRAS: true, NETSTAT: false },
    // Three listeners: the demo's two and one for the user's own server. Two UDP entries
    // (dgram sockets), each holding one received datagram (MTU - 20 octets) for Espruino.
    // Rings of 512, as for pico.
    config: { ...BOARD, tcpConns: 4, tcpListeners: 3, tcpSndBuf: 512, tcpRcvBuf: 512, tcpOooHoles: 2, udpPorts: 2 },
    // Ratchet, as for pico.
    budget: { bundle: 37700 },
  },
  /** Kaluma 1.2.x on the RP2040 (JerryScript, 180 KB heap). */
  kaluma: {
    engine: 'jerry',
    entry: 'firmware/kaluma.ts',
    out: 'kaluma.js',
    target: 'es2019',
    features: { SACK: true, SYN_COOKIES: true, KEEPALIVE: true, TRACE: true, OOO: true, CC_EXTRAS: true, NETSTAT: true },
    config: { ...BOARD, tcpConns: 4, tcpListeners: 2 },
    // Ratchet, as for pico.
    budget: { bundle: 40850 },
  },
  /**
   * Kaluma again, with Kaluma's own `net` and `http` on slipstack (firmware/kaluma-net.ts, the
   * `__netdev` driver firmware/netdev.ts) serving the demo.
   */
  'kaluma-net': {
    engine: 'jerry',
    entry: 'firmware/kaluma-net.ts',
    out: 'kaluma-net.js',
    target: 'es2019',
    features: { SACK: true, SYN_COOKIES: true, KEEPALIVE: true, TRACE: true, OOO: true, CC_EXTRAS: true, NETSTAT: true },
    // Three listeners: the demo's two and one for the user's own server.
    config: { ...BOARD, tcpConns: 4, tcpListeners: 3 },
    // Ratchet, as for pico.
    budget: { bundle: 45900 },
  },
};
