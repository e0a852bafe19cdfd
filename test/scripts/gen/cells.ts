/**
 * The cell table of the TCP state grid (test/scripts/states/, test/scripts/README-free
 * description in test/scripts/states/README.md): one row per (state, arriving segment), each
 * saying what the cell shows (its title), the RFC 9293 rule that decides it, how the state is
 * entered, and the script body after the way in. test/scripts/gen/generate.ts turns every row
 * into a .pkt file; the rows read top to bottom like the table in the README.
 *
 * - CLOSED and LISTEN rows are pure data: the segment, the answer (or none) and why.
 * - SYN-SENT rows add the extra rule text and the body after the active open.
 * - GENERIC rows hold for every synchronized state (SYN, SYN-ACK, bare FIN, RST, RST-ACK and
 *   the out-of-window segment are decided before the state matters); their texts take the state.
 * - SPECIAL rows are the ACK, FIN-ACK and data cells, whose outcome is particular to the state.
 *
 * Test tooling: allocates freely.
 */
import {
  Conn, Script, seg, listen, probeGone, probeOldDup, writeAlive, peerFin,
  RCV_BUF, MSS, PEER_WIN, PEER_MSS, RTO,
  SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT,
} from './model.js';
import type { SyncState } from './model.js';

/** The arriving segments of the grid, in file-name form (test/scripts/states/README.md). */
export const SEGMENT_KINDS = ['syn', 'syn-ack', 'ack', 'fin', 'fin-ack', 'rst', 'rst-ack', 'data', 'out-of-window'] as const;
export type Segment = (typeof SEGMENT_KINDS)[number];

/** The RFC text every synchronized-state cell refers to. */
export const SYNC_REF = 'RFC 9293 §3.10.7.4';

// ---- CLOSED and LISTEN: the segment, the answer, why ----------------------------------------

/** A cell with no connection: one inbound segment, one answer (or none). */
export interface PortRow {
  segment: Segment;
  title: string;
  inbound: string;
  reply: string | null;
  why: string;
}

/** The rule text of every CLOSED cell. */
export const CLOSED_REF = 'RFC 9293 §3.10.7.1 (CLOSED: "An incoming segment containing a RST is discarded. An incoming\n' +
  'segment not containing a RST causes a RST to be sent in response") and §3.5.2 (reset generation).';
const WITH_ACK = '<SEQ=SEG.ACK><CTL=RST>: the RST sits where the peer expects our next octet.';

/** CLOSED: no socket at all; every cell is the closed-port case (§3.10.7.1). No window, so no out-of-window cell. */
export const CLOSED_ROWS: PortRow[] = [
  { segment: 'syn', title: 'SYN: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (connection refused).', inbound: seg('<', 'S', 0, 0, null, PEER_WIN, 'mss ' + PEER_MSS), reply: seg('>', 'R.', 0, 0, 1, 0), why: 'No ACK bit: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; the SYN counts one, so ack 1.' },
  { segment: 'syn-ack', title: 'SYN-ACK: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', 'S.', 0, 0, 5000, PEER_WIN, 'mss ' + PEER_MSS), reply: seg('>', 'R', 5000, 0, null, 0), why: 'It has an ACK: ' + WITH_ACK },
  { segment: 'ack', title: 'ACK: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', '.', 1, 0, 5000, PEER_WIN), reply: seg('>', 'R', 5000, 0, null, 0), why: 'It has an ACK: ' + WITH_ACK },
  { segment: 'fin', title: 'FIN without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.', inbound: seg('<', 'F', 1, 0, null, PEER_WIN), reply: seg('>', 'R.', 0, 0, 2, 0), why: 'No ACK bit: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; the FIN counts one, so ack 1 + 1.' },
  { segment: 'fin-ack', title: 'FIN-ACK: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', 'F.', 1, 0, 5000, PEER_WIN), reply: seg('>', 'R', 5000, 0, null, 0), why: 'It has an ACK: ' + WITH_ACK },
  { segment: 'rst', title: 'RST: discarded, never answered.', inbound: seg('<', 'R', 1, 0, null, 0), reply: null, why: 'A RST is discarded: answering it could make two hosts exchange RSTs for ever.' },
  { segment: 'rst-ack', title: 'RST-ACK: discarded, never answered.', inbound: seg('<', 'R.', 1, 0, 5000, 0), reply: null, why: 'A RST is discarded, with or without ACK.' },
  { segment: 'data', title: 'data: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', 'P.', 1, 10, 5000, PEER_WIN), reply: seg('>', 'R', 5000, 0, null, 0), why: 'It has an ACK: ' + WITH_ACK + ' The data is discarded.' },
];

/** The rule text of every LISTEN cell (§3.10.7.2). */
export const LISTEN_REF = 'RFC 9293 §3.10.7.2 (segment arrives, LISTEN): first check RST (ignore it), second ' +
  'check ACK (any ACK is bad: <SEQ=SEG.ACK><CTL=RST>), third check SYN (SYN-RECEIVED, send SYN-ACK), ' +
  'fourth: anything else (no SYN, no ACK, no RST) is dropped.';
const RST_ACK = 'Any ACK is bad in LISTEN: <SEQ=SEG.ACK><CTL=RST> (our ISS is not known yet: the seq is the ack as sent).';

/** LISTEN on port 8080 (§3.10.7.2); the SYN cell is the handshake itself (`listenSyn`). No window, so no out-of-window cell. */
export const LISTEN_ROWS: PortRow[] = [
  { segment: 'syn-ack', title: 'SYN-ACK: <SEQ=SEG.ACK><CTL=RST> (the ACK check comes before the SYN check).', inbound: seg('<', 'S.', 0, 0, 5000, PEER_WIN, 'mss ' + PEER_MSS), reply: seg('>', 'R', 5000, 0, null, 0), why: RST_ACK },
  { segment: 'ack', title: 'ACK: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', '.', 1, 0, 5000, PEER_WIN), reply: seg('>', 'R', 5000, 0, null, 0), why: RST_ACK },
  { segment: 'fin', title: 'FIN without ACK: dropped silently.', inbound: seg('<', 'F', 1, 0, null, PEER_WIN), reply: null, why: 'No RST, no ACK, no SYN: "drop the segment and return".' },
  { segment: 'fin-ack', title: 'FIN-ACK: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', 'F.', 1, 0, 5000, PEER_WIN), reply: seg('>', 'R', 5000, 0, null, 0), why: RST_ACK },
  { segment: 'rst', title: 'RST: ignored.', inbound: seg('<', 'R', 1, 0, null, 0), reply: null, why: '"An incoming RST segment could not be valid ... An incoming RST should be ignored."' },
  { segment: 'rst-ack', title: 'RST-ACK: ignored (the RST check comes before the ACK check).', inbound: seg('<', 'R.', 1, 0, 5000, 0), reply: null, why: 'A RST is ignored in LISTEN, ACK or not.' },
  { segment: 'data', title: 'data: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', 'P.', 1, 10, 5000, PEER_WIN), reply: seg('>', 'R', 5000, 0, null, 0), why: RST_ACK + ' The data is discarded.' },
];

/** LISTEN + SYN: the handshake, from the listener's side. */
export function listenSyn(s: Script): void {
  s.say('A listener on port 8080.');
  listen(s);
  s.say('The SYN: RCV.NXT = IRS+1, our SYN-ACK carries our ISS, our MSS (256) and our window (1024).');
  s.at(100, seg('<', 'S', 0, 0, null, PEER_WIN, 'mss ' + PEER_MSS));
  s.after(0, seg('>', 'S.', 0, 0, 1, RCV_BUF, 'mss ' + MSS));
  s.say('The handshake completes and the connection is accepted.');
  s.after(100, seg('<', '.', 1, 0, 1, PEER_WIN));
  s.after(0, 'accept(3, ..., ...) = 4');
}

/** The listener still works: a SYN is answered and the handshake completes. */
export function listenAlive(s: Script): void {
  s.say('The listener still works: a SYN gets our SYN-ACK and the connection is accepted.');
  s.after(100, seg('<', 'S', 0, 0, null, PEER_WIN, 'mss ' + PEER_MSS));
  s.after(0, seg('>', 'S.', 0, 0, 1, RCV_BUF, 'mss ' + MSS));
  s.after(100, seg('<', '.', 1, 0, 1, PEER_WIN));
  s.after(0, 'accept(3, ..., ...) = 4');
}

// ---- SYN-SENT (§3.10.7.3) ---------------------------------------------------------------------

/** A SYN-SENT cell: its title, rule text beyond the common one, and the body after connect(). `alive` shows the handshake can still complete. */
export interface SynSentRow {
  segment: Segment;
  title: string;
  extra: string[];
  body(s: Script, alive: () => void): void;
}

/** The rule text of every SYN-SENT cell. */
export const SYN_SENT_REF = [
  'RFC 9293 §3.10.7.3 (segment arrives, SYN-SENT): first check the ACK (unacceptable if',
  'SEG.ACK =< ISS or SEG.ACK > SND.NXT: <SEQ=SEG.ACK><CTL=RST> unless RST), second the RST (with an',
  'acceptable ACK: "connection reset", CLOSED; without ACK: drop), fourth the SYN (with our SYN',
  'ACKed: ESTABLISHED; without: SYN-RECEIVED), fifth: "If neither of the SYN or RST bits is set,',
  'then drop the segment and return."',
];

/** Still SYN-SENT: the right SYN-ACK completes the handshake. */
export function synSentAlive(s: Script): void {
  s.say('Still SYN-SENT: the right SYN-ACK completes the handshake.');
  s.after(100, seg('<', 'S.', 0, 0, 1, PEER_WIN, 'mss ' + PEER_MSS));
  s.after(0, seg('>', '.', 1, 0, 1, RCV_BUF));
  s.after(0, 'getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0');
}

export const SYN_SENT_ROWS: SynSentRow[] = [
  { segment: 'syn', title: 'SYN (simultaneous open): SYN-RECEIVED, our SYN again with an ACK.', extra: [
    'MUST-10: simultaneous open. Our SYN-ACK repeats our ISS (seq 0) and ACKs the peer\'s SYN.'],
  body: (s) => {
    s.say('The peer\'s SYN crosses ours: SYN-RECEIVED.');
    s.at(100, seg('<', 'S', 0, 0, null, PEER_WIN, 'mss ' + PEER_MSS));
    s.after(0, seg('>', 'S.', 0, 0, 1, RCV_BUF, 'mss ' + MSS));
    s.say('The peer ACKs our SYN: ESTABLISHED; data flows.');
    s.after(100, seg('<', '.', 1, 0, 1, PEER_WIN));
    s.after(0, 'getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0');
    s.after(100, 'write(3, ..., 10) = 10');
    s.after(0, seg('>', 'P.', 1, 10, 1, RCV_BUF));
    s.after(100, seg('<', '.', 1, 0, 11, PEER_WIN));
  } },
  { segment: 'syn-ack', title: 'SYN-ACK acknowledging our SYN: ESTABLISHED, we ACK the peer\'s SYN.', extra: [],
  body: (s) => {
    s.say('The SYN-ACK (ack = ISS+1): ESTABLISHED.');
    s.at(100, seg('<', 'S.', 0, 0, 1, PEER_WIN, 'mss ' + PEER_MSS));
    s.after(0, seg('>', '.', 1, 0, 1, RCV_BUF));
    s.after(0, 'getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0');
    s.after(100, 'write(3, ..., 10) = 10');
    s.after(0, seg('>', 'P.', 1, 10, 1, RCV_BUF));
    s.after(100, seg('<', '.', 1, 0, 11, PEER_WIN));
  } },
  { segment: 'ack', title: 'ACK of our SYN, without SYN: dropped.', extra: ['The ACK is acceptable, but with neither SYN nor RST the segment is dropped.'],
  body: (s, alive) => {
    s.say('An acceptable ACK (ack = ISS+1), no SYN: dropped, nothing sent.');
    s.at(100, seg('<', '.', 1, 0, 1, PEER_WIN));
    alive();
  } },
  { segment: 'fin', title: 'FIN without ACK: dropped.', extra: ['No ACK to check, no RST, no SYN: dropped.'],
  body: (s, alive) => {
    s.say('A bare FIN: dropped, nothing sent.');
    s.at(100, seg('<', 'F', 1, 0, null, PEER_WIN));
    alive();
  } },
  { segment: 'fin-ack', title: 'FIN-ACK acknowledging our SYN: dropped.', extra: ['The ACK is acceptable, but with neither SYN nor RST the segment is dropped.'],
  body: (s, alive) => {
    s.say('A FIN with an acceptable ACK, no SYN: dropped, nothing sent.');
    s.at(100, seg('<', 'F.', 1, 0, 1, PEER_WIN));
    alive();
  } },
  { segment: 'rst', title: 'RST without ACK: dropped.', extra: ['Second check: "Otherwise (no ACK), drop the segment and return." A RST must prove it',
    'answers our SYN by acknowledging it; RFC 5961 §3 does not apply in SYN-SENT.'],
  body: (s, alive) => {
    s.say('A RST without ACK: dropped, nothing sent.');
    s.at(100, seg('<', 'R', 0, 0, null, 0));
    alive();
  } },
  { segment: 'rst-ack', title: 'RST-ACK acknowledging our SYN: connection refused, CLOSED.', extra: [
    'Second check: "If the ACK was acceptable, then signal to the user \'error: connection reset\',',
    'drop the segment, enter CLOSED state, delete TCB" (ECONNREFUSED, see scenarios/connection-refused.pkt).'],
  body: (s) => {
    s.say('RST with ack = ISS+1: refused.');
    s.at(100, seg('<', 'R.', 0, 0, 1, 0));
    s.after(0, 'getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0');
    s.say('The TCB is gone: no SYN retransmission at 1.000; a late SYN-ACK reaches a closed port.');
    s.at(1200, seg('<', 'S.', 0, 0, 1, PEER_WIN, 'mss ' + PEER_MSS));
    s.after(0, seg('>', 'R', 1, 0, null, 0));
  } },
  { segment: 'data', title: 'data acknowledging our SYN, without SYN: dropped.', extra: ['The ACK is acceptable, but with neither SYN nor RST the segment is dropped, data and all.'],
  body: (s, alive) => {
    s.say('10 octets with an acceptable ACK, no SYN: dropped, nothing sent.');
    s.at(100, seg('<', 'P.', 1, 10, 1, PEER_WIN));
    alive();
    s.say('The dropped octets were never delivered.');
    s.after(0, 'read(3, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)');
  } },
  { segment: 'out-of-window', title: 'SYN-ACK with an unacceptable ACK: <SEQ=SEG.ACK><CTL=RST>, stay in SYN-SENT.', extra: [
    'In SYN-SENT there is no receive window yet; the "window" is the range of acceptable ACKs,',
    'ISS < SEG.ACK =< SND.NXT. A SYN-ACK for something else (an old duplicate, RFC 9293 §3.5',
    'Figure 8 "Recovery from Old Duplicate SYN") gets a RST so the peer drops its stale',
    'connection; ours goes on waiting.'],
  body: (s, alive) => {
    s.say('A SYN-ACK acknowledging ISS+1000, which we never sent: RST with seq = that ack.');
    s.at(100, seg('<', 'S.', 0, 0, 1000, PEER_WIN, 'mss ' + PEER_MSS));
    s.after(0, seg('>', 'R', 1000, 0, null, 0));
    alive();
  } },
];

// ---- the synchronized states ------------------------------------------------------------------

/** A synchronized-state cell: how the state is entered, what the cell shows, the rule, and the body after the way in. */
export interface SyncRow {
  segment: Segment;
  /** `shutdown` keeps the application reading (the FIN-WAIT data cells). */
  how: 'close' | 'shutdown';
  title: string;
  rule: string[];
  body(s: Script, c: Conn): void;
  /** The script's `// slipstack:` configuration line, if any. */
  directives?: string;
}

/** A row that holds for every synchronized state: its texts and body take the state. */
export interface GenericRow {
  segment: Segment;
  title(st: SyncState): string;
  rule(st: SyncState): string[];
  body(s: Script, c: Conn, st: SyncState): void;
}

/** The cells decided before the state matters: the same rule in all eight synchronized states. */
export const GENERIC_ROWS: GenericRow[] = [
  { segment: 'syn', title: () => 'SYN (in the window, at RCV.NXT): challenge ACK, the SYN is dropped.',
    rule: (st) => [
      SYNC_REF + ', fourth check (RFC 5961 §4.2): a SYN in a synchronized state, whatever its',
      'sequence number, is answered with a "challenge ACK" <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>',
      'and dropped; a genuine peer that restarted answers it with a RST, a blind attacker learns nothing.',
      ...(st === SYN_RECEIVED ? ['',
        'Note: for SYN-RECEIVED from a passive OPEN, RFC 9293\'s text returns to LISTEN; slipstack',
        'treats SYN-RECEIVED as synchronized here and sends the challenge ACK.'] : []),
    ],
    body: (s, c, st) => {
      s.say('A SYN at RCV.NXT: challenge ACK, nothing else changes.');
      s.after(100, seg('<', 'S', c.rcvNxt, 0, null, PEER_WIN));
      s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
      st.alive(s, c, PEER_WIN);
    } },
  { segment: 'syn-ack', title: () => 'SYN-ACK (in the window, at RCV.NXT): challenge ACK, the segment is dropped.',
    rule: () => [
      SYNC_REF + ', fourth check (RFC 5961 §4.2): the SYN bit decides before the ACK is looked',
      'at: challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, drop.',
    ],
    body: (s, c, st) => {
      s.say('A SYN-ACK at RCV.NXT acknowledging SND.NXT: challenge ACK, and its ACK is not processed.');
      s.after(100, seg('<', 'S.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
      s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
      st.alive(s, c, PEER_WIN);
    } },
  { segment: 'fin', title: () => 'FIN without ACK (at RCV.NXT): dropped silently.',
    rule: () => [
      SYNC_REF + ', fifth check: "if the ACK bit is off, drop the segment and return". Every',
      'segment after the SYN must carry an ACK, so the FIN is not even looked at.',
    ],
    body: (s, c, st) => {
      s.say('A bare FIN (no ACK bit) at RCV.NXT: dropped, nothing sent.');
      s.after(100, seg('<', 'F', c.rcvNxt, 0, null, PEER_WIN));
      st.alive(s, c, PEER_WIN);
    } },
  rstRow(false),
  rstRow(true),
  { segment: 'out-of-window', title: () => 'data beyond the window (SEG.SEQ = RCV.NXT + RCV.WND): ACK, drop.',
    rule: () => [
      SYNC_REF + ', first check: the segment is not acceptable (no octet of it lies in',
      '[RCV.NXT, RCV.NXT+RCV.WND)), so "send an acknowledgment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>"',
      'and drop it. The ACK tells a confused peer where we really are.',
    ],
    body: (s, c, st) => {
      const at = c.rcvNxt + c.win;
      s.say('10 octets starting just past the right edge (' + c.rcvNxt + ' + ' + c.win + ' = ' + at + '): ACK, drop.');
      s.after(100, seg('<', 'P.', at, 10, c.sndNxt, PEER_WIN));
      s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
      st.alive(s, c, PEER_WIN);
    } },
];

/** The RST and RST-ACK rows: a RST at RCV.NXT resets, whatever the ACK field says. */
function rstRow(withAck: boolean): GenericRow {
  return {
    segment: withAck ? 'rst-ack' : 'rst',
    title: () => (withAck ? 'RST-ACK' : 'RST') + ' at RCV.NXT: the connection is reset.',
    rule: (st) => [
      SYNC_REF + ', second check (RFC 5961 §3.2): a RST whose SEG.SEQ is exactly RCV.NXT resets',
      'the connection: ' + st.resetText + '.' + (withAck ? ' The ACK field of a RST is not looked at.' : ''),
    ],
    body: (s, c, st) => {
      s.say((withAck ? 'A RST with ACK' : 'A RST') + ' at RCV.NXT: ' + st.resetText + '.');
      s.after(100, seg('<', withAck ? 'R.' : 'R', c.rcvNxt, 0, withAck ? c.sndNxt : null, 0));
      st.gone(s, c, PEER_WIN);
    },
  };
}

// ---- the state-specific cells: ACK, FIN-ACK and data ---------------------------------------------

/** LAST-ACK's proof that the connection is gone (its three rows use it). */
const LAST_ACK_GONE = 'The TCB is gone: our FIN is not retransmitted, and an ACK for the 4-tuple reaches the\n' +
  'listener, which answers any ACK with <SEQ=SEG.ACK><CTL=RST> (§3.10.7.2).';

/** The ACK, FIN-ACK and data cells, whose outcome is particular to the state, by state. */
export const SPECIAL_ROWS: (SyncRow & { state: SyncState })[] = [
  // SYN-RECEIVED
  { state: SYN_RECEIVED, segment: 'ack', how: 'close', title: 'ACK of our SYN: ESTABLISHED.', rule: [
    SYNC_REF + ', fifth check, SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT, then enter',
    'ESTABLISHED state and continue processing". The three-way handshake is complete.',
  ], body: (s, c) => {
    s.say('The ACK of our SYN: ESTABLISHED, nothing sent; the connection is ready for accept().');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    s.after(0, 'accept(3, ..., ...) = 4');
    writeAlive(s, c, PEER_WIN, 100);
  } },
  { state: SYN_RECEIVED, segment: 'fin-ack', how: 'close', title: 'FIN-ACK: ESTABLISHED by its ACK, then CLOSE-WAIT by its FIN.', rule: [
    SYNC_REF + ': the fifth check takes the ACK (SYN-RECEIVED -> ESTABLISHED, "continue',
    'processing"), the eighth check the FIN (ESTABLISHED -> CLOSE-WAIT, ACK it).',
  ], body: (s, c) => {
    s.say('ACK of our SYN and a FIN in one segment: we ACK the FIN (CLOSE-WAIT).');
    s.after(100, seg('<', 'F.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    c.fin();
    s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
    s.say('The connection can be accepted; its first read is end-of-file. Then we close (LAST-ACK -> CLOSED).');
    s.after(0, 'accept(3, ..., ...) = 4');
    s.after(0, 'read(4, ..., 100) = 0');
    s.after(100, 'close(4) = 0');
    s.after(0, seg('>', 'F.', c.sndNxt, 0, c.rcvNxt, c.win));
    c.sndNxt += 1;
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  } },
  { state: SYN_RECEIVED, segment: 'data', how: 'close', title: 'data with the ACK of our SYN: ESTABLISHED, and the data is taken.', rule: [
    SYNC_REF + ': the fifth check takes the ACK (SYN-RECEIVED -> ESTABLISHED, "continue',
    'processing"), the seventh check the text (ESTABLISHED: deliver it, ACK it).',
  ], body: (s, c) => {
    s.say('10 octets that also ACK our SYN: ESTABLISHED, the data is ACKed at once.');
    s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    c.data(10);
    s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
    s.after(0, 'accept(3, ..., ...) = 4');
    s.after(0, 'read(4, ..., 10) = 10');
    c.read(10);
  } },

  // ESTABLISHED
  { state: ESTABLISHED, segment: 'ack', how: 'close', title: 'ACK of our data: SND.UNA advances, nothing is sent.', rule: [
    SYNC_REF + ', fifth check, ESTABLISHED: "If SND.UNA < SEG.ACK =< SND.NXT, then set SND.UNA',
    '<- SEG.ACK", and the acknowledged data leaves the retransmission queue: it is never sent again.',
  ], body: (s, c) => {
    s.say('We send 10 octets; the ACK for them arrives.');
    s.after(100, 'write(4, ..., 10) = 10');
    s.after(0, seg('>', 'P.', c.sndNxt, 10, c.rcvNxt, c.win));
    c.sndNxt += 10;
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    s.say('Nothing is retransmitted when the RTO (1 s) would have run out, and data from the peer\n' +
      'still flows.');
    s.after(1200, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
    c.data(10);
    s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
    s.after(0, 'read(4, ..., 10) = 10');
    c.read(10);
  } },
  { state: ESTABLISHED, segment: 'fin-ack', how: 'close', title: 'FIN-ACK: CLOSE-WAIT, the FIN is ACKed at once.', rule: [
    SYNC_REF + ', eighth check, ESTABLISHED: "Enter the CLOSE-WAIT state", advance RCV.NXT over',
    'the FIN and acknowledge it; the application reads end-of-file.',
  ], body: (s, c) => {
    s.say('The peer\'s FIN: we ACK it (RCV.NXT 2; the right edge stays at 1025, so the window is 1023).');
    peerFin(s, c, 100, c.sndNxt, PEER_WIN);
    s.after(0, 'read(4, ..., 100) = 0');
    s.say('We can still close in our own time: LAST-ACK, then CLOSED.');
    s.after(100, 'close(4) = 0');
    s.after(0, seg('>', 'F.', c.sndNxt, 0, c.rcvNxt, c.win));
    c.sndNxt += 1;
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  } },
  { state: ESTABLISHED, segment: 'data', how: 'close', title: 'data at RCV.NXT: delivered and ACKed.', rule: [
    SYNC_REF + ', seventh check, ESTABLISHED: deliver the text to the receive buffer, advance',
    'RCV.NXT, send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (at once: tcpAckDelay=0).',
  ], body: (s, c) => {
    s.say('10 octets: ACKed at once; they wait in the receive ring, so the window is 1014.');
    s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
    c.data(10);
    s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
    s.after(0, 'read(4, ..., 10) = 10');
    c.read(10);
  } },

  // FIN-WAIT-1
  { state: FIN_WAIT_1, segment: 'ack', how: 'close', title: 'ACK of our FIN: FIN-WAIT-2.', rule: [
    SYNC_REF + ', fifth check, FIN-WAIT-1: "if the FIN segment is now acknowledged, then enter',
    'FIN-WAIT-2 and continue processing in that state". Nothing is sent.',
  ], body: (s, c) => {
    s.say('The ACK of our FIN: FIN-WAIT-2, nothing sent.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    s.say('Our FIN is not retransmitted when the RTO would have run out; the peer\'s FIN then\n' +
      'takes us to TIME-WAIT.');
    peerFin(s, c, 1200, c.sndNxt, PEER_WIN);
  } },
  { state: FIN_WAIT_1, segment: 'fin-ack', how: 'close', title: 'FIN-ACK acknowledging our FIN: TIME-WAIT directly.', rule: [
    SYNC_REF + ': the fifth check takes the ACK (FIN-WAIT-1 -> FIN-WAIT-2), the eighth the FIN:',
    '"FIN-WAIT-1 STATE: If our FIN has been ACKed (perhaps in this segment), then enter TIME-WAIT".',
    'scenarios/fin-wait-1-fin-ack.pkt follows it to the end of TIME-WAIT.',
  ], body: (s, c) => {
    s.say('The peer ACKs our FIN and sends its own: TIME-WAIT; we ACK the FIN.');
    peerFin(s, c, 100, c.sndNxt, PEER_WIN);
    probeOldDup(s, c, PEER_WIN, c.rtxFrom + RTO + 200,
      'Our FIN is not retransmitted, and TIME-WAIT answers an old duplicate ACK with an ACK.');
  } },
  { state: FIN_WAIT_1, segment: 'data', how: 'shutdown', title: 'data at RCV.NXT: delivered and ACKed (we only closed our side).', rule: [
    SYNC_REF + ', seventh check, FIN-WAIT-1: deliver the text and ACK it, as in ESTABLISHED (the',
    'peer may go on sending after our FIN: a half-close). The segment also ACKs our FIN (FIN-WAIT-2).',
  ], body: (s, c) => {
    s.say('10 octets (which also ACK our FIN): delivered, ACKed at once.');
    s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    c.data(10);
    s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
    s.after(0, 'read(4, ..., 10) = 10');
    c.read(10);
    s.say('Then the peer closes too: TIME-WAIT. (The ring is empty again, but 11 octets of new space\n' +
      'is less than one MSS, so the right edge stays at 1025: window ' + (c.right - c.rcvNxt - 1) + '.)');
    peerFin(s, c, 100, c.sndNxt, PEER_WIN);
    s.after(0, 'read(4, ..., 10) = 0');
  } },

  // FIN-WAIT-2
  { state: FIN_WAIT_2, segment: 'ack', how: 'close', title: 'a duplicate ACK: ignored.', rule: [
    SYNC_REF + ', fifth check, ESTABLISHED rules (which FIN-WAIT-2 includes): "If the ACK is a',
    'duplicate (SEG.ACK =< SND.UNA), it can be ignored." Nothing is sent.',
  ], body: (s, c) => {
    s.say('The same ACK again: nothing happens.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    FIN_WAIT_2.alive(s, c, PEER_WIN);
  } },
  { state: FIN_WAIT_2, segment: 'fin-ack', how: 'close', title: 'FIN-ACK: TIME-WAIT, the FIN is ACKed.', rule: [
    SYNC_REF + ', eighth check, FIN-WAIT-2: "Enter the TIME-WAIT state. Start the time-wait',
    'timer, turn off the other timers." The FIN is acknowledged.',
  ], body: (s, c) => {
    s.say('The peer\'s FIN: TIME-WAIT, we ACK it.');
    peerFin(s, c, 100, c.sndNxt, PEER_WIN);
    probeOldDup(s, c, PEER_WIN, null, 'TIME-WAIT answers an old duplicate ACK with an ACK.');
  } },
  { state: FIN_WAIT_2, segment: 'data', how: 'shutdown', title: 'data at RCV.NXT: delivered and ACKed (we only closed our side).', rule: [
    SYNC_REF + ', seventh check, FIN-WAIT-2: deliver the text and ACK it, as in ESTABLISHED',
    '(a half-close: the peer may send for as long as it likes after our FIN).',
  ], body: (s, c) => {
    s.say('10 octets: delivered, ACKed at once.');
    s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
    c.data(10);
    s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
    s.after(0, 'read(4, ..., 10) = 10');
    c.read(10);
    s.say('Then the peer closes too: TIME-WAIT (window ' + (c.right - c.rcvNxt - 1) + ': the right edge stays at 1025).');
    peerFin(s, c, 100, c.sndNxt, PEER_WIN);
    s.after(0, 'read(4, ..., 10) = 0');
  } },

  // CLOSE-WAIT
  { state: CLOSE_WAIT, segment: 'ack', how: 'close', title: 'ACK of our data: SND.UNA advances, nothing is sent.', rule: [
    SYNC_REF + ', fifth check, CLOSE-WAIT: "Do the same processing as for the ESTABLISHED state":',
    'SND.UNA <- SEG.ACK, the acknowledged data is never sent again.',
  ], body: (s, c) => {
    s.say('We send 10 octets (our side is still open); the ACK for them arrives.');
    s.after(100, 'write(4, ..., 10) = 10');
    s.after(0, seg('>', 'P.', c.sndNxt, 10, c.rcvNxt, c.win));
    c.sndNxt += 10;
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    probeOldDup(s, c, PEER_WIN, s.now + 1200,
      'Nothing is retransmitted when the RTO (1 s) would have run out; the connection still\n' +
      'answers an old duplicate (seq below RCV.NXT) with an ACK.');
  } },
  { state: CLOSE_WAIT, segment: 'fin-ack', how: 'close', title: 'a FIN again (at RCV.NXT): ACKed, CLOSE-WAIT stays.', rule: [
    SYNC_REF + ', eighth check, CLOSE-WAIT: "Remain in the CLOSE-WAIT state." We already have the',
    'peer\'s FIN; we ACK again with the same RCV.NXT.',
  ], body: (s, c) => {
    s.say('A FIN at RCV.NXT: acknowledged again, RCV.NXT does not move.');
    s.after(100, seg('<', 'F.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
    CLOSE_WAIT.alive(s, c, PEER_WIN);
  } },
  { state: CLOSE_WAIT, segment: 'data', how: 'close', title: 'data at RCV.NXT (after the peer\'s FIN): ignored.', rule: [
    SYNC_REF + ', seventh check, CLOSE-WAIT: "This should not occur, since a FIN has been received',
    'from the remote side. Ignore the segment text." The application still reads end-of-file.',
  ], body: (s, c) => {
    s.say('10 octets past the peer\'s FIN: not delivered, nothing sent.');
    s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
    s.after(0, 'read(4, ..., 10) = 0');
    CLOSE_WAIT.alive(s, c, PEER_WIN);
  } },

  // CLOSING
  { state: CLOSING, segment: 'ack', how: 'close', title: 'ACK of our FIN: TIME-WAIT.', rule: [
    SYNC_REF + ', fifth check, CLOSING: "if the ACK acknowledges our FIN, then enter the TIME-WAIT',
    'state; otherwise, ignore the segment." Nothing is sent.',
  ], body: (s, c) => {
    s.say('The ACK of our FIN: TIME-WAIT, nothing sent.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    probeOldDup(s, c, PEER_WIN, c.rtxFrom + RTO + 200,
      'Our FIN is not retransmitted, and TIME-WAIT answers an old duplicate ACK with an ACK.');
  } },
  { state: CLOSING, segment: 'fin-ack', how: 'close', title: 'a FIN again, acknowledging our FIN: TIME-WAIT, the FIN is ACKed.', rule: [
    SYNC_REF + ': the fifth check takes the ACK (CLOSING -> TIME-WAIT), the eighth the FIN',
    '(TIME-WAIT: "Remain in the TIME-WAIT state", acknowledge it, restart the 2 MSL timer).',
  ], body: (s, c) => {
    s.say('A FIN at RCV.NXT that ACKs our FIN: TIME-WAIT, and the FIN is acknowledged (RCV.NXT stays 2).');
    s.after(100, seg('<', 'F.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
    probeOldDup(s, c, PEER_WIN, c.rtxFrom + RTO + 200,
      'Our FIN is not retransmitted, and TIME-WAIT answers an old duplicate ACK with an ACK.');
  } },
  { state: CLOSING, segment: 'data', how: 'close', title: 'data at RCV.NXT acknowledging our FIN: TIME-WAIT, the text is ignored.', rule: [
    SYNC_REF + ': the fifth check takes the ACK (CLOSING -> TIME-WAIT); the seventh check,',
    '"This should not occur, since a FIN has been received from the remote side. Ignore the segment text."',
  ], body: (s, c) => {
    s.say('10 octets past the peer\'s FIN, ACKing our FIN: TIME-WAIT, nothing sent.');
    s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    probeOldDup(s, c, PEER_WIN, c.rtxFrom + RTO + 200,
      'Our FIN is not retransmitted, and TIME-WAIT answers an old duplicate ACK with an ACK.');
  } },

  // LAST-ACK
  { state: LAST_ACK, segment: 'ack', how: 'close', title: 'ACK of our FIN: CLOSED.', rule: [
    SYNC_REF + ', fifth check, LAST-ACK: "The only thing that can arrive in this state is an',
    'acknowledgment of our FIN. If our FIN is now acknowledged, delete the TCB, enter the CLOSED',
    'state, and return." Nothing is sent.',
  ], body: (s, c) => {
    s.say('The ACK of our FIN: CLOSED, nothing sent.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    probeGone(s, c, PEER_WIN, c.rtxFrom + RTO + 200, LAST_ACK_GONE);
  } },
  { state: LAST_ACK, segment: 'fin-ack', how: 'close', title: 'a FIN again, acknowledging our FIN: CLOSED, nothing sent.', rule: [
    SYNC_REF + ', fifth check, LAST-ACK: our FIN is acknowledged, so "delete the TCB, enter the',
    'CLOSED state, and return": the FIN is never looked at (the eighth check is not reached).',
  ], body: (s, c) => {
    s.say('A FIN at RCV.NXT that ACKs our FIN: CLOSED, nothing sent.');
    s.after(100, seg('<', 'F.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    probeGone(s, c, PEER_WIN, c.rtxFrom + RTO + 200, LAST_ACK_GONE);
  } },
  { state: LAST_ACK, segment: 'data', how: 'close', title: 'data at RCV.NXT acknowledging our FIN: CLOSED, nothing sent.', rule: [
    SYNC_REF + ', fifth check, LAST-ACK: our FIN is acknowledged, so "delete the TCB, enter the',
    'CLOSED state, and return": the text is never looked at.',
  ], body: (s, c) => {
    s.say('10 octets past the peer\'s FIN, ACKing our FIN: CLOSED, nothing sent.');
    s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
    c.sndUna = c.sndNxt;
    probeGone(s, c, PEER_WIN, c.rtxFrom + RTO + 200, LAST_ACK_GONE);
  } },

  // TIME-WAIT
  { state: TIME_WAIT, segment: 'ack', how: 'close', title: 'a duplicate ACK: ignored.', rule: [
    SYNC_REF + ', fifth check, TIME-WAIT: "The only thing that can arrive in this state is a',
    'retransmission of the remote FIN." An in-window ACK is ignored; nothing is sent.',
  ], body: (s, c) => {
    s.say('An ACK at RCV.NXT (a duplicate): nothing happens.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    TIME_WAIT.alive(s, c, PEER_WIN);
  } },
  { state: TIME_WAIT, segment: 'fin-ack', how: 'close', title: 'a FIN (at RCV.NXT): ACKed, the 2 MSL timer restarts.', rule: [
    SYNC_REF + ', eighth check, TIME-WAIT: "Remain in the TIME-WAIT state. Restart the 2 MSL',
    'time-wait timeout." and acknowledge the FIN. We already have the peer\'s FIN, so RCV.NXT stays 2',
    '(a FIN takes its sequence number once). scenarios/time-wait-fin-retransmit.pkt shows the same',
    'restart for the usual case, a retransmission of the first FIN.',
    '',
    'MSL is 1 s here: TIME-WAIT, entered at 0.400, would end at 2.400; the FIN at 1.400 moves the end to 3.400.',
  ], body: (s, c) => {
    s.say('One second into TIME-WAIT, a FIN at RCV.NXT: ACKed, and the 2 MSL timer starts again.');
    s.at(1400, seg('<', 'F.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
    s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
    probeOldDup(s, c, PEER_WIN, 2900, 'At 2.900, past the first end of TIME-WAIT, the slot is still there: an old\n' +
      'duplicate ACK is answered with an ACK.');
    probeGone(s, c, PEER_WIN, 3500, 'At 3.500, past the restarted end, it is gone: the listener answers the ACK with\n' +
      '<SEQ=SEG.ACK><CTL=RST> (§3.10.7.2).');
  }, directives: 'msl=1000' },
  { state: TIME_WAIT, segment: 'data', how: 'close', title: 'data at RCV.NXT (after the peer\'s FIN): ignored.', rule: [
    SYNC_REF + ', seventh check, TIME-WAIT: "This should not occur, since a FIN has been received',
    'from the remote side. Ignore the segment text." Nothing is sent.',
  ], body: (s, c) => {
    s.say('10 octets past the peer\'s FIN: ignored, nothing sent.');
    s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
    TIME_WAIT.alive(s, c, PEER_WIN);
  } },
];
