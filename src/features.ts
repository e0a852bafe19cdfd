/**
 * Compile-time feature switches, like lwIP's options header: what a build carries. The host build (this
 * file as it is) carries everything. A board build replaces this module with its profile's
 * values (firmware/profiles.mjs, read by build.mjs), and esbuild removes the code each switch
 * guards, so a board pays neither the code nor the RAM of what it leaves out. A switch that is
 * off also forces its run-time setting off (config.ts), so the two never disagree.
 *
 * The cost beside each switch ("Cost:") is what turning it on adds, measured by `npm run
 * bench:features` on the real interpreters (../shared/engines) against the profiles that turn
 * every switch on: on Espruino 2v29 (`wifi`: 4 connections, 1 KB rings, 16 trace entries), the
 * bundle's octets (Storage) and the JsVars used after boot; on JerryScript as Kaluma 1.2.1
 * builds it (`kaluma`: 4 connections, default settings), the bundle's octets and the heap peak
 * while loading and booting. The JsVars and heap include the RAM of the switch's tables at
 * those settings; src/config.ts gives that RAM per setting. Every switch off at once: -9,563
 * octets and -443 JsVars on wifi, -9,072 octets and -14,888 heap octets on kaluma.
 */

/**
 * Selective acknowledgments (RFC 2018, RFC 6675): the receiver reports held ranges, the sender
 * keeps a scoreboard and resends only the holes. RAM: a scoreboard of tcpOooHoles ranges per
 * connection. Pays off when several segments are in flight and losses come in bursts; with a
 * four-segment window on a clean serial line it rarely changes anything.
 * Cost: +2,369 octets and +75 JsVars (Espruino, wifi); +2,203 octets and +3,040 heap octets (Kaluma).
 */
export const SACK = true;

/**
 * SYN cookies (RFC 4987 §3.6): SYNs past the backlog or the SYN-RECEIVED limit are answered
 * statelessly. Off, such SYNs are dropped and counted; a flood then locks new clients out for
 * as long as it lasts, but never disturbs established connections.
 * Cost: +1,086 octets and +27 JsVars (Espruino, wifi); +1,037 octets and +1,408 heap octets (Kaluma).
 */
export const SYN_COOKIES = true;

/**
 * Keepalive (RFC 9293 §3.8.4, MUST-24..29: optional). Off, tcpSetKeepAlive fails with EINVAL.
 * Cost: +410 octets and +6 JsVars (Espruino, wifi); +406 octets and +472 heap octets (Kaluma).
 */
export const KEEPALIVE = true;

/**
 * The state-transition trace ring read by the teaching tools and netstat. RAM: 13 octets per
 * entry (traceEvents). Off, transitions are not recorded and traceEvents is 0.
 * Cost: +1,474 octets and +183 JsVars (Espruino, wifi); +1,392 octets and +3,696 heap octets (Kaluma).
 */
export const TRACE = true;

/**
 * The out-of-order assembler (RFC 9293 SHLD-31): data beyond a hole waits in the receive ring.
 * Off, out-of-order segments are dropped and counted; the peer resends them after the hole
 * (go-back-N), which costs a round trip per loss. RAM: tcpOooHoles ranges per connection.
 * Cost: +826 octets and +51 JsVars (Espruino, wifi); +799 octets and +1,264 heap octets (Kaluma).
 */
export const OOO = true;

/**
 * Congestion-control extras beyond RFC 5681's slow start, congestion avoidance, fast
 * retransmit and RTO: NewReno partial ACKs (RFC 6582), limited transmit (RFC 3042), early
 * retransmit (RFC 5827). They let a small window recover from a loss without a timeout.
 * Cost: +246 octets and +0 JsVars (Espruino, wifi); +217 octets and +232 heap octets (Kaluma).
 */
export const CC_EXTRAS = true;

/**
 * `netstat()` on the board's console (Espruino and Kaluma REPL): the connection table like
 * `ss -tan -o` and, with TRACE, the last transitions with their causes (src/trace/netstat.ts,
 * firmware/console.ts). Code only, no RAM until it is called; what it prints is made then.
 * Cost: +3,460 octets and +166 JsVars (Espruino, wifi); +3,301 octets and +5,712 heap octets (Kaluma).
 */
export const NETSTAT = true;
