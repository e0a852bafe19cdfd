/**
 * Counters: one per drop reason and one per event, each in a typed array so that the
 * per-packet path only increments an index, and tests can assert *why* a packet died.
 *
 * Contract: `DROP_*` and `CNT_*` are indices into `stack.drops` and `stack.counters`;
 * `DROP_NAMES` / `COUNTER_NAMES` give their printable names (host tools only).
 */

// Drop reasons. A frame or packet that is dropped increments exactly one of these.
/** SLIP: ESC followed by something other than ESC_END / ESC_ESC (RFC 1055). */
export const DROP_SLIP_ESCAPE = 0;
/** SLIP: frame longer than the MTU, dropped whole. */
export const DROP_SLIP_OVERFLOW = 1;
/** IPv4: shorter than a 20-octet header. */
export const DROP_IP_TRUNCATED = 2;
/** IPv4: version field is not 4. */
export const DROP_IP_VERSION = 3;
/** IPv4: IHL < 5 or header longer than the frame. */
export const DROP_IP_HEADER_LEN = 4;
/** IPv4: total length < header length or > frame length (the Ripple20 class). */
export const DROP_IP_LENGTH = 5;
/** IPv4: header checksum wrong. */
export const DROP_IP_CHECKSUM = 6;
/** IPv4: destination is not our address. */
export const DROP_IP_NOT_OURS = 7;
/** IPv4: source is broadcast, multicast or our own address (LAND). */
export const DROP_IP_BAD_SRC = 8;
/** IPv4: a fragment (MF set or offset != 0); documented deviation, no reassembly. */
export const DROP_IP_FRAGMENT = 9;
/** IPv4: a protocol we do not speak (answered with ICMP protocol unreachable). */
export const DROP_IP_PROTOCOL = 10;
/** ICMP: shorter than its 8-octet header. */
export const DROP_ICMP_TRUNCATED = 11;
/** ICMP: checksum wrong. */
export const DROP_ICMP_CHECKSUM = 12;
/** ICMP: a type we do not handle (timestamps, redirects, ...). */
export const DROP_ICMP_TYPE = 13;
/** ICMP: echo request to a broadcast address (ignored, RFC 1122 §3.2.2.6 allows it; no smurf amplifier). */
export const DROP_ICMP_BROADCAST_ECHO = 14;
/** ICMP: an error message (dest unreachable, time exceeded, ...) that no transport claimed. */
export const DROP_ICMP_ERROR = 15;
/** ICMP: source quench, silently discarded (RFC 6633, RFC 9293 MUST-55). */
export const DROP_ICMP_SOURCE_QUENCH = 16;
/** UDP: shorter than its 8-octet header. */
export const DROP_UDP_TRUNCATED = 17;
/** UDP: length field < 8 or larger than the IP payload. */
export const DROP_UDP_LENGTH = 18;
/** UDP: checksum wrong. */
export const DROP_UDP_CHECKSUM = 19;
/** UDP: no socket bound to the destination port (answered with ICMP port unreachable, rate-limited). */
export const DROP_UDP_NO_PORT = 20;
/** TCP: shorter than its 20-octet header. */
export const DROP_TCP_TRUNCATED = 21;
/** TCP: data offset < 5 or past the segment end (bad input class 4). */
export const DROP_TCP_HEADER_LEN = 22;
/** TCP: checksum wrong (MUST-3). */
export const DROP_TCP_CHECKSUM = 23;
/** TCP: malformed option (classes 1-3: length 0/1, past the header, bad MSS length; MUST-7). */
export const DROP_TCP_OPTION = 24;
/** TCP: to a broadcast address (MUST-57). */
export const DROP_TCP_BROADCAST = 25;
/** TCP: no connection and no listener (answered with RST unless it was a RST). */
export const DROP_TCP_NO_SOCKET = 26;
/** TCP: a listener got something other than a SYN (RST ignored; ACK answered with RST). */
export const DROP_TCP_LISTEN = 27;
/** TCP: a SYN found the backlog full and SYN cookies off. */
export const DROP_TCP_BACKLOG = 28;
/** TCP: a valid SYN-cookie ACK found no free slot. */
export const DROP_TCP_TABLE_FULL = 29;
/** TCP: sequence number outside the receive window (answered with a throttled ACK unless RST). */
export const DROP_TCP_OUT_OF_WINDOW = 30;
/** TCP: RST inside the window but not at RCV.NXT (RFC 5961 §3: challenge ACK). */
export const DROP_TCP_RST_CHALLENGED = 31;
/** TCP: SYN in a synchronized state (RFC 5961 §4: challenge ACK). */
export const DROP_TCP_SYN_CHALLENGED = 32;
/** TCP: no ACK bit where one is required. */
export const DROP_TCP_NO_ACK = 33;
/** TCP: unacceptable acknowledgment number (RFC 5961 §5; SYN-SENT/SYN-RECEIVED: RST sent). */
export const DROP_TCP_BAD_ACK = 34;
/** TCP: RST in SYN-SENT without an acceptable ACK. */
export const DROP_TCP_RST_IGNORED = 35;
/** TCP: data ahead of RCV.NXT (no reassembly yet; a duplicate ACK is sent). */
export const DROP_TCP_OUT_OF_ORDER = 36;
/** TCP: data after the peer's FIN (§3.10.7.4: ignored). */
export const DROP_TCP_DATA_AFTER_FIN = 37;
/** IPv4: source in 0.0.0.0/8 or 127.0.0.0/8, never valid on a wire (RFC 1122 §3.2.1.3). */
export const DROP_IP_MARTIAN_SRC = 38;
/** Number of drop reasons. */
export const DROP_COUNT = 39;

/** Printable drop reason names, indexed by DROP_*. */
export const DROP_NAMES: string[] = [
  'slip-escape', 'slip-overflow',
  'ip-truncated', 'ip-version', 'ip-header-len', 'ip-length', 'ip-checksum', 'ip-not-ours',
  'ip-bad-src', 'ip-fragment', 'ip-protocol',
  'icmp-truncated', 'icmp-checksum', 'icmp-type', 'icmp-broadcast-echo', 'icmp-error', 'icmp-source-quench',
  'udp-truncated', 'udp-length', 'udp-checksum', 'udp-no-port',
  'tcp-truncated', 'tcp-header-len', 'tcp-checksum', 'tcp-option', 'tcp-broadcast', 'tcp-no-socket',
  'tcp-listen', 'tcp-backlog', 'tcp-table-full', 'tcp-out-of-window', 'tcp-rst-challenged',
  'tcp-syn-challenged', 'tcp-no-ack', 'tcp-bad-ack', 'tcp-rst-ignored', 'tcp-out-of-order', 'tcp-data-after-fin',
  'ip-martian-src',
];

// Event counters.
/** SLIP frames decoded. */
export const CNT_RX_FRAMES = 0;
/** IPv4 packets accepted (passed every IP check). */
export const CNT_RX_PACKETS = 1;
/** IPv4 packets sent. */
export const CNT_TX_PACKETS = 2;
/** Octets written to the line, SLIP framing included. */
export const CNT_TX_OCTETS = 3;
/** Octets read from the line. */
export const CNT_RX_OCTETS = 4;
/** ICMP echo requests answered. */
export const CNT_ECHO_REPLIES_SENT = 5;
/** ICMP echo replies received. */
export const CNT_ECHO_REPLIES_RECEIVED = 6;
/** UDP datagrams delivered to a handler. */
export const CNT_UDP_DELIVERED = 7;
/** UDP datagrams sent. */
export const CNT_UDP_SENT = 8;
/** ICMP errors sent (port / protocol unreachable). */
export const CNT_ICMP_ERRORS_SENT = 9;
/** ICMP errors not sent because of the rate limit. */
export const CNT_ICMP_ERRORS_LIMITED = 10;
/** Bytes discarded before the first SLIP END (line noise at start-up). */
export const CNT_SLIP_HUNT_OCTETS = 11;
/** Empty SLIP frames (back-to-back END), ignored by design. */
export const CNT_SLIP_EMPTY = 12;
/** TCP segments sent (any kind). */
export const CNT_TCP_SEGMENTS_SENT = 13;
/** TCP RSTs sent. */
export const CNT_TCP_RST_SENT = 14;
/** RFC 5961 challenge ACKs sent. */
export const CNT_TCP_CHALLENGE_ACKS = 15;
/** Challenge ACKs suppressed by the per-connection limit. */
export const CNT_TCP_CHALLENGE_ACKS_LIMITED = 16;
/** SYN-ACKs sent with a SYN cookie instead of a table slot. */
export const CNT_SYN_COOKIES_SENT = 17;
/** Connections created from a valid SYN-cookie ACK. */
export const CNT_SYN_COOKIES_OK = 18;
/** Retransmission timeouts that resent something. */
export const CNT_TCP_RETRANSMITS = 19;
/** Connections given up after R2 / SYN retries / SYN-ACK retries. */
export const CNT_TCP_TIMEOUTS = 20;
/** ICMP errors recorded as soft errors on a TCP connection (RFC 5927). */
export const CNT_TCP_SOFT_ERRORS = 21;
/** Fast retransmits (three duplicate ACKs, or fewer with early retransmit). */
export const CNT_TCP_FAST_RETRANSMITS = 22;
/** Retransmission timeouts (a subset of tcp-retransmits). */
export const CNT_TCP_RTO_TIMEOUTS = 23;
/** Zero-window probes sent. */
export const CNT_TCP_WINDOW_PROBES = 24;
/** Keepalive probes sent. */
export const CNT_TCP_KEEPALIVE_PROBES = 25;
/** Times a segment reached R1 retransmissions. */
export const CNT_TCP_R1 = 26;
/** Holes resent because the peer's SACK blocks showed them missing (RFC 6675), a subset of tcp-retransmits. */
export const CNT_TCP_SACK_RETRANSMITS = 27;
/** Retransmissions found lost (data sent after them was SACKed while their hole stayed open). */
export const CNT_TCP_LOST_RETRANSMITS = 28;
/** Number of counters. */
export const COUNTER_COUNT = 29;

/** Printable counter names, indexed by CNT_*. */
export const COUNTER_NAMES: string[] = [
  'rx-frames', 'rx-packets', 'tx-packets', 'tx-octets', 'rx-octets',
  'echo-replies-sent', 'echo-replies-received', 'udp-delivered', 'udp-sent',
  'icmp-errors-sent', 'icmp-errors-limited', 'slip-hunt-octets', 'slip-empty',
  'tcp-segments-sent', 'tcp-rst-sent', 'tcp-challenge-acks', 'tcp-challenge-acks-limited',
  'syn-cookies-sent', 'syn-cookies-ok', 'tcp-retransmits', 'tcp-timeouts', 'tcp-soft-errors',
  'tcp-fast-retransmits', 'tcp-rto-timeouts', 'tcp-window-probes', 'tcp-keepalive-probes', 'tcp-r1',
  'tcp-sack-retransmits', 'tcp-lost-retransmits',
];
