/**
 * Why things happened, in words: the reason for each state transition of the trace
 * (src/trace/events.ts: from, to, cause) with the RFC 9293 section that prescribes it, and
 * the reason for each segment a stack sent (stack.txReason, WHY_*).
 *
 * Contract: plain functions of numbers that return English strings ('rcv FIN in FIN-WAIT-1',
 * '§3.10.7.4 eighth'); they never throw (an unknown code gives a neutral text). Inside the
 * board subset, so a board console can print the same reasons; called only by teaching views,
 * never on the packet path (they build strings).
 *
 * Section names follow RFC 9293 §3.10 (Event Processing): §3.10.7.2 LISTEN, §3.10.7.3 SYN-SENT
 * and §3.10.7.4 (the other states) check an arriving segment in steps "first" to "eighth";
 * §3.10.1-5 are the user calls OPEN, SEND, RECEIVE, CLOSE, ABORT; §3.10.8 the timeouts.
 */
import * as C from '../tcp/constants.js';
import * as ev from './events.js';

/** CAUSE_REBOOT of the teaching views (src/trace/story.ts): the host lost all its state. */
export const CAUSE_REBOOT = 64;

/** The state name, or '?' for a number outside 0..10. */
export function stateName(s: number): string {
  return s >= 0 && s < C.STATE_NAMES.length ? C.STATE_NAMES[s] : '?';
}

/** What made the connection move from `from` to `to` ('rcv FIN in FIN-WAIT-1'). */
export function causeText(from: number, to: number, cause: number): string {
  const f = stateName(from);
  switch (cause) {
    case ev.CAUSE_CONNECT: return 'active OPEN (connect)';
    case ev.CAUSE_LISTEN: return 'passive OPEN (listen)';
    case ev.CAUSE_SEND: return 'SEND in LISTEN: the endpoint turns active';
    case ev.CAUSE_RCV_SYN: return from === C.SYN_SENT ? 'rcv SYN in SYN-SENT (simultaneous open)' : 'rcv SYN in ' + f;
    case ev.CAUSE_RCV_SYN_ACK: return 'rcv SYN,ACK in SYN-SENT';
    case ev.CAUSE_RCV_ACK: return 'rcv ACK of our ' + (from === C.SYN_RECEIVED ? 'SYN' : 'FIN') + ' in ' + f;
    case ev.CAUSE_RCV_FIN: return 'rcv FIN in ' + f;
    case ev.CAUSE_RCV_FIN_ACK: return 'rcv FIN that acks our FIN in ' + f;
    case ev.CAUSE_RCV_RST:
      if (from === C.SYN_SENT) return 'rcv RST,ACK in SYN-SENT: connection refused';
      if (to === C.LISTEN) return 'rcv RST in SYN-RECEIVED (passive open)';
      return 'rcv RST in ' + f;
    case ev.CAUSE_CLOSE:
      if (to === C.CLOSED && from !== C.SYN_SENT && from !== C.LISTEN) return 'CLOSE with unread data: RST';
      return 'CLOSE in ' + f;
    case ev.CAUSE_ABORT: return 'ABORT in ' + f;
    case ev.CAUSE_TIMEOUT_2MSL: return '2·MSL timer expired in TIME-WAIT';
    case ev.CAUSE_TIMEOUT_RTX:
      if (from === C.SYN_SENT) return 'SYN retransmissions gave up';
      if (from === C.SYN_RECEIVED) return 'SYN,ACK retransmissions gave up';
      return 'retransmissions gave up (R2)';
    case ev.CAUSE_TIMEOUT_FIN_WAIT_2: return 'FIN-WAIT-2 timer expired: the peer never closed';
    case ev.CAUSE_RECYCLE: return 'TIME-WAIT slot reused for a new connection';
    case ev.CAUSE_COOKIE: return 'rcv ACK with a valid SYN cookie in LISTEN';
    case ev.CAUSE_UNLISTEN: return 'its listener was closed';
    case ev.CAUSE_ICMP: return 'ICMP unreachable in SYN-SENT';
    case ev.CAUSE_TIMEOUT_KEEPALIVE: return 'keepalive probes unanswered';
    case CAUSE_REBOOT: return 'the host rebooted: every connection forgotten';
    default: return 'cause ' + cause;
  }
}

/** The RFC section that prescribes the transition ('§3.10.7.4 eighth'); RFC 9293 unless named. */
export function causeSection(from: number, to: number, cause: number): string {
  switch (cause) {
    case ev.CAUSE_CONNECT:
    case ev.CAUSE_LISTEN: return '§3.10.1';
    case ev.CAUSE_SEND: return '§3.10.2';
    case ev.CAUSE_RCV_SYN: return from === C.SYN_SENT ? '§3.10.7.3 fourth' : '§3.10.7.2 third';
    case ev.CAUSE_RCV_SYN_ACK: return '§3.10.7.3 fourth';
    case ev.CAUSE_RCV_ACK: return '§3.10.7.4 fifth';
    case ev.CAUSE_RCV_FIN:
    case ev.CAUSE_RCV_FIN_ACK: return '§3.10.7.4 eighth';
    case ev.CAUSE_RCV_RST: return from === C.SYN_SENT ? '§3.10.7.3 second' : '§3.10.7.4 second';
    case ev.CAUSE_CLOSE:
    case ev.CAUSE_UNLISTEN: return '§3.10.4';
    case ev.CAUSE_ABORT: return '§3.10.5';
    case ev.CAUSE_TIMEOUT_2MSL: return '§3.10.8';
    case ev.CAUSE_TIMEOUT_RTX: return '§3.8.3';
    case ev.CAUSE_TIMEOUT_FIN_WAIT_2: return 'no RFC timer; like Linux tcp_fin_timeout';
    case ev.CAUSE_RECYCLE: return 'RFC 1122 §4.2.2.13';
    case ev.CAUSE_COOKIE: return 'RFC 4987 §3.6';
    case ev.CAUSE_ICMP: return '§3.9.2.2';
    case ev.CAUSE_TIMEOUT_KEEPALIVE: return '§3.8.4';
    case CAUSE_REBOOT: return '§3.5.1';
    default: return '';
  }
}

/** 'rcv FIN in FIN-WAIT-1 → CLOSING, §3.10.7.4 eighth': the whole reason of one transition. */
export function transitionText(from: number, to: number, cause: number): string {
  const sec = causeSection(from, to, cause);
  return causeText(from, to, cause) + ' → ' + stateName(to) + (sec !== '' ? ', ' + sec : '');
}

/** Why a segment was sent, in words ('delayed ACK timer'). */
export function whyText(why: number): string {
  switch (why) {
    case ev.WHY_SYN: return 'SYN: active open';
    case ev.WHY_SYN_ACK: return 'SYN,ACK: answers a SYN';
    case ev.WHY_DATA: return 'new data';
    case ev.WHY_ACK: return 'ACK at once';
    case ev.WHY_DELAYED_ACK: return 'delayed-ACK timer';
    case ev.WHY_WINDOW_UPDATE: return 'window update: the application read';
    case ev.WHY_FIN: return 'FIN: the application closed';
    case ev.WHY_RTO: return 'retransmission timeout';
    case ev.WHY_FAST_RETRANSMIT: return 'fast retransmit: duplicate ACKs';
    case ev.WHY_SACK_RETRANSMIT: return 'SACK retransmit: a hole the peer reported';
    case ev.WHY_PERSIST: return 'zero-window probe (persist timer)';
    case ev.WHY_KEEPALIVE: return 'keepalive probe';
    case ev.WHY_CHALLENGE_ACK: return 'challenge ACK: unacceptable segment';
    case ev.WHY_RST: return 'RST: no such connection, or a bad ACK';
    case ev.WHY_RST_ABORT: return 'RST: the application aborted';
    case ev.WHY_COOKIE: return 'SYN,ACK with a SYN cookie';
    case ev.WHY_TIME_WAIT_ACK: return 'TIME-WAIT acks the repeated FIN, 2·MSL restarts';
    case -1: return 'injected by the lesson';
    default: return '';
  }
}

/** The section behind a WHY_* ('§3.8.6.3'); RFC 9293 unless named. */
export function whySection(why: number): string {
  switch (why) {
    case ev.WHY_SYN: return '§3.10.1';
    case ev.WHY_SYN_ACK: return '§3.10.7.2-3';
    case ev.WHY_DATA: return '§3.10.2';
    case ev.WHY_ACK:
    case ev.WHY_DELAYED_ACK: return '§3.8.6.3';
    case ev.WHY_WINDOW_UPDATE: return '§3.8.6.2.2';
    case ev.WHY_FIN: return '§3.10.4';
    case ev.WHY_RTO: return 'RFC 6298 §5';
    case ev.WHY_FAST_RETRANSMIT: return 'RFC 5681 §3.2';
    case ev.WHY_SACK_RETRANSMIT: return 'RFC 6675 §5';
    case ev.WHY_PERSIST: return '§3.8.6.1';
    case ev.WHY_KEEPALIVE: return '§3.8.4';
    case ev.WHY_CHALLENGE_ACK: return 'RFC 5961 §3-5';
    case ev.WHY_RST: return '§3.5.2';
    case ev.WHY_RST_ABORT: return '§3.10.5';
    case ev.WHY_COOKIE: return 'RFC 4987 §3.6';
    case ev.WHY_TIME_WAIT_ACK: return '§3.10.7.4';
    default: return '';
  }
}
