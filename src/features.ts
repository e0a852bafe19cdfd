/**
 * Compile-time feature switches, like lwIP's options header: what a build carries. The host build (this
 * file as it is) carries everything. A board build replaces this module with its profile's
 * values (firmware/profiles.mjs, read by build.mjs), and esbuild removes the code each switch
 * guards, so a board pays neither the code nor the RAM of what it leaves out. A switch that is
 * off also forces its run-time setting off (config.ts), so the two never disagree.
 *
 * The cost beside each switch is what it adds to the Espruino bundle (octets, minified) and to
 * RAM per connection; `npm run bench:board` measures the bundles.
 */

/**
 * Selective acknowledgments (RFC 2018, RFC 6675): the receiver reports held ranges, the sender
 * keeps a scoreboard and resends only the holes. RAM: a scoreboard of tcpOooHoles ranges per
 * connection. Pays off when several segments are in flight and losses come in bursts; with a
 * four-segment window on a clean serial line it rarely changes anything.
 */
export const SACK = true;

/**
 * SYN cookies (RFC 4987 §3.6): SYNs past the backlog or the SYN-RECEIVED limit are answered
 * statelessly. Off, such SYNs are dropped and counted; a flood then locks new clients out for
 * as long as it lasts, but never disturbs established connections.
 */
export const SYN_COOKIES = true;

/** Keepalive (RFC 9293 §3.8.4, MUST-24..29: optional). Off, tcpSetKeepAlive fails with EINVAL. */
export const KEEPALIVE = true;

/**
 * The state-transition trace ring read by the teaching tools and netstat. RAM: 13 octets per
 * entry (traceEvents). Off, transitions are not recorded and traceEvents is 0.
 */
export const TRACE = true;

/**
 * The out-of-order assembler (RFC 9293 SHLD-31): data beyond a hole waits in the receive ring.
 * Off, out-of-order segments are dropped and counted; the peer resends them after the hole
 * (go-back-N), which costs a round trip per loss. RAM: tcpOooHoles ranges per connection.
 */
export const OOO = true;

/**
 * Congestion-control extras beyond RFC 5681's slow start, congestion avoidance, fast
 * retransmit and RTO: NewReno partial ACKs (RFC 6582), limited transmit (RFC 3042), early
 * retransmit (RFC 5827). They let a small window recover from a loss without a timeout.
 */
export const CC_EXTRAS = true;

/**
 * `netstat()` on the board's console (Espruino and Kaluma REPL): the connection table like
 * `ss -tan -o` and, with TRACE, the last transitions with their causes (src/trace/netstat.ts,
 * firmware/console.ts). Code only, no RAM until it is called; what it prints is made then.
 */
export const NETSTAT = true;
