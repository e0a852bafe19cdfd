/**
 * The demo application, the same on every board: a UDP echo service on port 7 (RFC 862).
 * Ping replies need nothing here: the stack answers ICMP echo requests by itself.
 *
 * Contract: `startApp(stack)` binds port 7 once; each datagram that arrives is sent back
 * to its sender's address and port, from port 7, straight out of the stack's receive buffer
 * (no copy, no allocation). `DEFAULT_CONFIG` is the boards' stack configuration.
 */
import type { Stack } from '../src/stack.js';

/** RFC 862: the echo service's well-known port. */
export const ECHO_PORT = 7;

/**
 * The boards' configuration: the board is 192.168.190.2 at the far end of a SLIP link
 * (the host side is 192.168.190.1, see the README), with Linux sl0's default MTU of 296
 * octets so a board and `slattach` agree without tuning.
 */
export const DEFAULT_CONFIG = { addr: '192.168.190.2', mtu: 296 };

/** Start the demo services on `stack`. */
export function startApp(stack: Stack): void {
  stack.udpBind(ECHO_PORT, function (data: Uint8Array, off: number, len: number, srcAddr: number, srcPort: number, dstPort: number) {
    // RFC 862: "send back any data received", to the sender, from the echo port.
    stack.udpSend(srcAddr, srcPort, dstPort, data, off, len);
  });
}
