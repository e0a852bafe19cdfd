/**
 * Writes the TCP state-grid scripts: test/scripts/states/<state>-<segment>.pkt (one script per
 * reachable cell of {11 states} x {SYN, SYN-ACK, ACK, FIN, FIN-ACK, RST, RST-ACK, data,
 * out-of-window segment}) and test/scripts/rfc5961/<state>.pkt (the RFC 5961 edge grid in each
 * synchronized state). `npx tsx tools/gen-state-scripts.ts` rewrites them all; the generated
 * .pkt files are what is committed and read, so the generator writes them to read like
 * hand-written packetdrill scripts: a header saying what the cell tests and which RFC 9293
 * §3.10 rule decides it, then the way into the state, the segment, the answer, and the proof
 * that the connection is (or is no longer) there.
 *
 * Numbers: the peer's sequence numbers are relative to its ISN, ours to our ISS (the runner's
 * convention); the `Conn` model below tracks RCV.NXT, SND.UNA, SND.NXT and the receive
 * window exactly as tcp-behaviour.md describes it (receiver SWS avoidance: the right edge
 * never moves left and moves right only in steps of at least min(tcpRcvBuf/2, MSS)).
 *
 * Host tool: uses node:fs, allocates freely.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** tcpRcvBuf in the runner's default configuration. */
const RCV_BUF = 1024;
/** Our MSS at mtu 296. */
const MSS = 256;
/** The window the scripted peer advertises in the state grid. */
const PEER_WIN = 65535;
/** The peer's MSS option on its SYNs. */
const PEER_MSS = 1460;

/** Where the scripts go. */
const ROOT = join(import.meta.dirname, '..', 'test', 'scripts');

/** What the scripted connection looks like at a point of the script. */
class Conn {
  /** Next sequence number expected from the peer (relative to its ISN). */
  rcvNxt = 0;
  /** Right edge of the window we advertised: RCV.NXT + RCV.WND. */
  right = 0;
  /** Octets received but not read by the application. */
  unread = 0;
  /** Oldest unacknowledged sequence number we sent (relative to our ISS). */
  sndUna = 0;
  /** Next sequence number we send. */
  sndNxt = 0;
  /** Octets the application wrote so far. */
  written = 0;
  /** Script time (ms) our FIN or SYN-ACK was (last) sent, for the retransmission timer. */
  rtxFrom = 0;

  /** RCV.WND as we advertise it. */
  get win(): number {
    return this.right - this.rcvNxt;
  }

  /** The peer's SYN arrived: RCV.NXT = IRS + 1, window = the empty receive ring. */
  syn(): void {
    this.rcvNxt = 1;
    this.right = 1 + RCV_BUF;
  }

  /** n in-order data octets arrived. */
  data(n: number): void {
    this.rcvNxt += n;
    this.unread += n;
    this.slide();
  }

  /** The peer's FIN arrived (it takes one sequence number, no buffer space). */
  fin(): void {
    this.rcvNxt += 1;
    this.slide();
  }

  /** The application read n octets. */
  read(n: number): void {
    this.unread -= n;
    this.slide();
  }

  /** RFC 9293 §3.8.6.2.2: move the right edge only by at least min(RCV.BUFF/2, MSS). */
  private slide(): void {
    const candidate = this.rcvNxt + RCV_BUF - this.unread;
    if (candidate - this.right >= Math.min(RCV_BUF / 2, MSS)) this.right = candidate;
  }
}

/** Seconds text of a relative time: 0 -> "+0", 100 -> "+0.1", 1200 -> "+1.2". */
function relText(ms: number): string {
  if (ms === 0) return '+0';
  return '+' + String(ms / 1000);
}

/** Seconds text of an absolute time: 100 -> "0.100". */
function absText(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * Wrap a paragraph at `width` columns. Continuation lines keep the paragraph's indentation, plus
 * three columns when it is a numbered item ("  1. ...").
 */
function wrap(text: string, width: number): string[] {
  const lead = /^\s*/.exec(text)![0];
  const indent = lead + (/^\s*\d+\. /.test(text) ? '   ' : '');
  const words = text.trim().split(/\s+/);
  const out: string[] = [];
  let cur = lead;
  for (const w of words) {
    if (cur.trim() !== '' && cur.length + 1 + w.length > width) {
      out.push(cur);
      cur = indent + w;
    } else {
      cur = cur.trim() === '' ? cur + w : cur + ' ' + w;
    }
  }
  if (cur.trim() !== '') out.push(cur);
  return out;
}

/** Lines of text to paragraphs: lines are joined with spaces, an '' line separates paragraphs (and stays). */
function paras(lines: string[]): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const l of lines) {
    if (l === '') {
      if (cur.length > 0) out.push(cur.join(' '));
      out.push('');
      cur = [];
    } else cur.push(l);
  }
  if (cur.length > 0) out.push(cur.join(' '));
  return out;
}

/** Builds one script, line by line, keeping the script clock. */
class Script {
  lines: string[] = [];
  /** Script time of the last statement, ms. */
  now = 0;
  /** Column the statements start in (after the time). */
  private width = 6;

  /** `header` is a list of paragraphs ('' = a blank comment line), wrapped to fit 98 columns. */
  constructor(header: string[], directives: string) {
    for (const h of header) {
      if (h === '') this.lines.push('//');
      else for (const l of wrap(h, 95)) this.lines.push('// ' + l);
    }
    this.lines.push('//');
    this.lines.push('// Generated by tools/gen-state-scripts.ts: change the generator, then run it again.');
    if (directives !== '') this.lines.push('// slipstack: ' + directives);
  }

  /** A comment line (preceded by a blank line). */
  say(text: string): void {
    this.lines.push('');
    for (const t of text.split('\n')) for (const l of wrap(t, 95)) this.lines.push('// ' + l);
  }

  /** A statement `dms` after the previous one. */
  after(dms: number, stmt: string): void {
    this.now += dms;
    this.push(relText(dms), stmt);
  }

  /** A statement at absolute time `ms`. */
  at(ms: number, stmt: string): void {
    if (ms < this.now) throw new Error('time goes backwards at "' + stmt + '"');
    this.now = ms;
    this.push(absText(ms), stmt);
  }

  private push(time: string, stmt: string): void {
    let t = time;
    while (t.length < this.width) t += ' ';
    this.lines.push(t + ' ' + stmt);
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** `FLAGS seq:end(len) [ack A] win W [<opts>]` for an inbound (`<`) or outbound (`>`) segment. */
function seg(dir: '<' | '>', flags: string, seq: number, len: number, ack: number | null, win: number, opts?: string): string {
  let t = dir + ' ' + flags + ' ' + seq + ':' + (seq + len) + '(' + len + ')';
  if (ack !== null) t += ' ack ' + ack;
  t += ' win ' + win;
  if (opts !== undefined) t += ' <' + opts + '>';
  return t;
}

// ---- the ways into each state -------------------------------------------------------------

/** socket, bind, listen on fd 3 at 0.000. */
function listen(s: Script): void {
  s.at(0, 'socket(..., SOCK_STREAM, IPPROTO_TCP) = 3');
  s.after(0, 'bind(3, ..., ...) = 0');
  s.after(0, 'listen(3, 1) = 0');
}

/** Passive open up to our SYN-ACK (SYN-RECEIVED) at 0.100. */
function toSynReceived(s: Script, c: Conn, peerWin: number): void {
  listen(s);
  s.at(100, seg('<', 'S', 0, 0, null, peerWin, 'mss ' + PEER_MSS));
  c.syn();
  c.sndUna = 0;
  c.sndNxt = 1;
  s.after(0, seg('>', 'S.', 0, 0, c.rcvNxt, c.win, 'mss ' + MSS));
  c.rtxFrom = s.now;
}

/** Passive open to ESTABLISHED, connection on fd 4. */
function toEstablished(s: Script, c: Conn, peerWin: number): void {
  toSynReceived(s, c, peerWin);
  s.after(100, seg('<', '.', 1, 0, 1, peerWin));
  c.sndUna = 1;
  s.after(0, 'accept(3, ..., ...) = 4');
}

/** ESTABLISHED, then close() (or shutdown(SHUT_WR)): our FIN, FIN-WAIT-1. */
function toFinWait1(s: Script, c: Conn, peerWin: number, how: 'close' | 'shutdown', sendFirst: number): void {
  toEstablished(s, c, peerWin);
  if (sendFirst > 0) sendAndAck(s, c, sendFirst, peerWin);
  s.after(100, how === 'close' ? 'close(4) = 0' : 'shutdown(4, SHUT_WR) = 0');
  s.after(0, seg('>', 'F.', c.sndNxt, 0, c.rcvNxt, c.win));
  c.sndNxt += 1;
  c.rtxFrom = s.now;
}

/** The application writes n octets; they go in one segment and the peer ACKs them. */
function sendAndAck(s: Script, c: Conn, n: number, peerWin: number): void {
  s.after(100, 'write(4, ..., ' + n + ') = ' + n);
  s.after(0, seg('>', 'P.', c.sndNxt, n, c.rcvNxt, c.win));
  c.sndNxt += n;
  c.written += n;
  s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, peerWin));
  c.sndUna = c.sndNxt;
}

/** The peer's FIN arrives (acknowledging `ack`); we ACK it. */
function peerFin(s: Script, c: Conn, dms: number, ack: number, peerWin: number): void {
  s.after(dms, seg('<', 'F.', c.rcvNxt, 0, ack, peerWin));
  c.fin();
  c.sndUna = ack;
  s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
}

// ---- the state table ----------------------------------------------------------------------

/** How a synchronized state is entered, proven alive, and proven gone. */
interface SyncState {
  /** File-name stem: `established`. */
  stem: string;
  /** RFC name: `ESTABLISHED`. */
  name: string;
  /** One line: how the script gets there. */
  how: string;
  /** Emit the way in. `how` = shutdown keeps the application reading (FIN-WAIT data cells). */
  reach(s: Script, c: Conn, peerWin: number, how: 'close' | 'shutdown', sendFirst: number): void;
  /** Emit the proof that the connection still works after a dropped segment. */
  alive(s: Script, c: Conn, peerWin: number): void;
  /** Emit the proof that an accepted RST ended it. */
  gone(s: Script, c: Conn, peerWin: number): void;
  /** What an accepted RST does here (tcp-behaviour.md, RFC 9293 §3.10.7.4 second check). */
  resetText: string;
}

/** Our FIN (or SYN-ACK) retransmission would be due 1 s (the initial RTO) after it was sent. */
const RTO = 1000;

/** A probe for a connection that should be gone: an ACK gets <SEQ=SEG.ACK><CTL=RST>. */
function probeGone(s: Script, c: Conn, peerWin: number, atMs: number | null, why: string): void {
  s.say(why);
  if (atMs === null) s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, peerWin));
  else s.at(atMs, seg('<', '.', c.rcvNxt, 0, c.sndNxt, peerWin));
  s.after(0, seg('>', 'R', c.sndNxt, 0, null, 0));
}

/** After a RST while the application still holds the socket: ECONNRESET, close, then a probe. */
function goneWithFd(s: Script, c: Conn, peerWin: number): void {
  s.say('The application learns of the reset (RFC 9293 MUST-12: not an orderly close) and closes.');
  s.after(0, 'getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0');
  s.after(0, 'close(4) = 0');
  probeGone(s, c, peerWin, null, 'The TCB is gone: an ACK for the 4-tuple now reaches the listener, which answers any\n' +
    'ACK with <SEQ=SEG.ACK><CTL=RST> (§3.10.7.2), as a closed port would (§3.10.7.1).');
}

/** An old duplicate ACK (seq below RCV.NXT) is unacceptable and gets an ACK (§3.10.7.4 first check). */
function probeOldDup(s: Script, c: Conn, peerWin: number, atMs: number | null, why: string): void {
  s.say(why);
  const line = seg('<', '.', c.rcvNxt - 1, 0, c.sndNxt, peerWin);
  if (atMs === null) s.after(100, line);
  else s.at(atMs, line);
  s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
}

/** The application writes 10 octets and the peer ACKs them. */
function writeAlive(s: Script, c: Conn, peerWin: number, dms: number): void {
  s.say('The connection still works: data from us, ACKed by the peer.');
  sendAndAckAfter(s, c, 10, peerWin, dms);
}

function sendAndAckAfter(s: Script, c: Conn, n: number, peerWin: number, dms: number): void {
  s.after(dms, 'write(4, ..., ' + n + ') = ' + n);
  s.after(0, seg('>', 'P.', c.sndNxt, n, c.rcvNxt, c.win));
  c.sndNxt += n;
  c.written += n;
  s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, peerWin));
  c.sndUna = c.sndNxt;
}

const SYN_RECEIVED: SyncState = {
  stem: 'syn-received',
  name: 'SYN-RECEIVED',
  how: 'a passive open: the listener on port 8080 gets a SYN and answers SYN-ACK (RCV.NXT 1, SND.UNA 0, SND.NXT 1, RCV.WND 1024).',
  reach(s, c, peerWin) {
    s.say('SYN-RECEIVED by a passive open.');
    toSynReceived(s, c, peerWin);
  },
  alive(s, c, peerWin) {
    s.say('The handshake can still complete: the peer\'s ACK of our SYN makes it ESTABLISHED.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, peerWin));
    c.sndUna = c.sndNxt;
    s.after(0, 'accept(3, ..., ...) = 4');
    sendAndAckAfter(s, c, 10, peerWin, 0);
  },
  gone(s, c, peerWin) {
    probeGone(s, c, peerWin, c.rtxFrom + RTO + 200,
      'Back in LISTEN: our SYN-ACK is not retransmitted (no TCB), and an ACK that would have\n' +
      'completed the handshake is now answered by the listener with <SEQ=SEG.ACK><CTL=RST> (§3.10.7.2).');
  },
  resetText: 'back to LISTEN, nothing sent (the connection came from a passive OPEN)',
};

const ESTABLISHED: SyncState = {
  stem: 'established',
  name: 'ESTABLISHED',
  how: 'a passive open, accepted (RCV.NXT 1, SND.NXT 1, RCV.WND 1024).',
  reach(s, c, peerWin, _how, sendFirst) {
    s.say('ESTABLISHED by a passive open.');
    toEstablished(s, c, peerWin);
    if (sendFirst > 0) sendAndAck(s, c, sendFirst, peerWin);
  },
  alive(s, c, peerWin) { writeAlive(s, c, peerWin, 100); },
  gone: goneWithFd,
  resetText: 'CLOSED, the application gets ECONNRESET',
};

const FIN_WAIT_1: SyncState = {
  stem: 'fin-wait-1',
  name: 'FIN-WAIT-1',
  how: 'ESTABLISHED by a passive open, then the application closes: our FIN is unacknowledged\n' +
    '(RCV.NXT 1, SND.UNA 1, SND.NXT 2, RCV.WND 1024).',
  reach(s, c, peerWin, how, sendFirst) {
    s.say('FIN-WAIT-1: ESTABLISHED, then ' + (how === 'close' ? 'close()' : 'shutdown(SHUT_WR), so the application can still read') + '.');
    toFinWait1(s, c, peerWin, how, sendFirst);
  },
  alive(s, c, peerWin) {
    s.say('The close goes on as usual: the peer ACKs our FIN (FIN-WAIT-2), then sends its own (TIME-WAIT).');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, peerWin));
    c.sndUna = c.sndNxt;
    peerFin(s, c, 100, c.sndNxt, peerWin);
  },
  gone(s, c, peerWin) {
    probeGone(s, c, peerWin, c.rtxFrom + RTO + 200,
      'The TCB is gone: our FIN is not retransmitted, and an ACK for the 4-tuple reaches the\n' +
      'listener, which answers any ACK with <SEQ=SEG.ACK><CTL=RST> (§3.10.7.2).');
  },
  resetText: 'CLOSED (the application has already closed; nothing is sent)',
};

const FIN_WAIT_2: SyncState = {
  stem: 'fin-wait-2',
  name: 'FIN-WAIT-2',
  how: 'FIN-WAIT-1, then the peer ACKs our FIN (RCV.NXT 1, SND.UNA = SND.NXT = 2, RCV.WND 1024).',
  reach(s, c, peerWin, how, sendFirst) {
    s.say('FIN-WAIT-2: ESTABLISHED, ' + (how === 'close' ? 'close()' : 'shutdown(SHUT_WR) (so the application can still read)') +
      ', and the peer ACKs our FIN.');
    toFinWait1(s, c, peerWin, how, sendFirst);
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, peerWin));
    c.sndUna = c.sndNxt;
  },
  alive(s, c, peerWin) {
    s.say('The close goes on as usual: the peer\'s FIN takes us to TIME-WAIT.');
    peerFin(s, c, 100, c.sndNxt, peerWin);
  },
  gone(s, c, peerWin) {
    probeGone(s, c, peerWin, null,
      'The TCB is gone: an ACK for the 4-tuple reaches the listener, which answers any ACK\n' +
      'with <SEQ=SEG.ACK><CTL=RST> (§3.10.7.2).');
  },
  resetText: 'CLOSED (the application has already closed; nothing is sent)',
};

const CLOSE_WAIT: SyncState = {
  stem: 'close-wait',
  name: 'CLOSE-WAIT',
  how: 'ESTABLISHED by a passive open, then the peer\'s FIN (RCV.NXT 2, SND.NXT 1, RCV.WND 1023:\n' +
    'the FIN moved RCV.NXT but not the right edge).',
  reach(s, c, peerWin, _how, sendFirst) {
    s.say('CLOSE-WAIT: ESTABLISHED, then the peer\'s FIN, which the application reads as end-of-file.');
    toEstablished(s, c, peerWin);
    if (sendFirst > 0) sendAndAck(s, c, sendFirst, peerWin);
    peerFin(s, c, 100, c.sndNxt, peerWin);
    s.after(0, 'read(4, ..., 100) = 0');
  },
  alive(s, c, peerWin) { writeAlive(s, c, peerWin, 100); },
  gone: goneWithFd,
  resetText: 'CLOSED, the application gets ECONNRESET',
};

const CLOSING: SyncState = {
  stem: 'closing',
  name: 'CLOSING',
  how: 'FIN-WAIT-1, then the peer\'s FIN crosses ours (it does not ACK our FIN)\n' +
    '(RCV.NXT 2, SND.UNA 1, SND.NXT 2, RCV.WND 1023).',
  reach(s, c, peerWin, _how, sendFirst) {
    s.say('CLOSING: we close, and the peer\'s FIN crosses ours (simultaneous close).');
    toFinWait1(s, c, peerWin, 'close', sendFirst);
    peerFin(s, c, 50, c.sndUna, peerWin);
  },
  alive(s, c, peerWin) {
    s.say('Still CLOSING: the ACK of our FIN takes us to TIME-WAIT, nothing sent.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, peerWin));
    c.sndUna = c.sndNxt;
    probeOldDup(s, c, peerWin, null, 'TIME-WAIT answers an old duplicate ACK with an ACK.');
  },
  gone(s, c, peerWin) {
    probeGone(s, c, peerWin, c.rtxFrom + RTO + 200,
      'The TCB is gone: our FIN is not retransmitted, and an ACK for the 4-tuple reaches the\n' +
      'listener, which answers any ACK with <SEQ=SEG.ACK><CTL=RST> (§3.10.7.2).');
  },
  resetText: 'CLOSED, nothing sent',
};

const LAST_ACK: SyncState = {
  stem: 'last-ack',
  name: 'LAST-ACK',
  how: 'CLOSE-WAIT, then the application closes: our FIN is unacknowledged\n' +
    '(RCV.NXT 2, SND.UNA 1, SND.NXT 2, RCV.WND 1023).',
  reach(s, c, peerWin, _how, sendFirst) {
    s.say('LAST-ACK: the peer closes first (CLOSE-WAIT), then our application closes too.');
    toEstablished(s, c, peerWin);
    if (sendFirst > 0) sendAndAck(s, c, sendFirst, peerWin);
    peerFin(s, c, 100, c.sndNxt, peerWin);
    s.after(0, 'read(4, ..., 100) = 0');
    s.after(100, 'close(4) = 0');
    s.after(0, seg('>', 'F.', c.sndNxt, 0, c.rcvNxt, c.win));
    c.sndNxt += 1;
    c.rtxFrom = s.now;
  },
  alive(s, c, peerWin) {
    s.say('Still LAST-ACK: the ACK of our FIN ends the connection, nothing sent.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, peerWin));
    c.sndUna = c.sndNxt;
    probeGone(s, c, peerWin, null, 'Gone: an ACK for the 4-tuple reaches the listener: <SEQ=SEG.ACK><CTL=RST> (§3.10.7.2).');
  },
  gone(s, c, peerWin) {
    probeGone(s, c, peerWin, c.rtxFrom + RTO + 200,
      'The TCB is gone: our FIN is not retransmitted, and an ACK for the 4-tuple reaches the\n' +
      'listener, which answers any ACK with <SEQ=SEG.ACK><CTL=RST> (§3.10.7.2).');
  },
  resetText: 'CLOSED, nothing sent',
};

const TIME_WAIT: SyncState = {
  stem: 'time-wait',
  name: 'TIME-WAIT',
  how: 'FIN-WAIT-1, then the peer\'s FIN/ACK acknowledges our FIN\n' +
    '(RCV.NXT 2, SND.UNA = SND.NXT = 2, RCV.WND 1023).',
  reach(s, c, peerWin, _how, sendFirst) {
    s.say('TIME-WAIT: we close, and the peer ACKs our FIN and sends its own in one segment.');
    toFinWait1(s, c, peerWin, 'close', sendFirst);
    peerFin(s, c, 100, c.sndNxt, peerWin);
  },
  alive(s, c, peerWin) {
    probeOldDup(s, c, peerWin, null,
      'The TIME-WAIT slot is still there: an old duplicate ACK (seq below RCV.NXT) is\n' +
      'unacceptable and answered with an ACK (§3.10.7.4 first check).');
  },
  gone(s, c, peerWin) {
    probeGone(s, c, peerWin, null,
      'The TCB is gone before 2 MSL: an ACK for the 4-tuple reaches the listener, which answers\n' +
      'any ACK with <SEQ=SEG.ACK><CTL=RST> (§3.10.7.2).');
  },
  resetText: 'CLOSED at once (RFC 9293 takes the RST; RFC 1337 TIME-WAIT assassination is not guarded against)',
};

const SYNC_STATES: SyncState[] = [SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT];

// ---- the cells ----------------------------------------------------------------------------

/** One generated file. */
interface Out {
  dir: string;
  name: string;
  text: string;
}

/** The RFC text every synchronized-state cell refers to. */
const SYNC_REF = 'RFC 9293 §3.10.7.4';

/** A synchronized-state cell whose body does not depend on the state beyond the hooks. */
function syncCell(st: SyncState, kind: string): Out {
  const c = new Conn();
  const header: string[] = [];
  const file = st.stem + '-' + kind + '.pkt';
  let s: Script;
  const begin = (title: string, rule: string[], how: 'close' | 'shutdown') => {
    header.push(st.name + ' + ' + title);
    header.push(...paras(rule));
    header.push('');
    header.push('Into ' + st.name + ': ' + st.how);
    s = new Script(header, '');
    st.reach(s, c, PEER_WIN, how, 0);
    return s;
  };
  switch (kind) {
    case 'syn': {
      s = begin('SYN (in the window, at RCV.NXT): challenge ACK, the SYN is dropped.', [
        SYNC_REF + ', fourth check (RFC 5961 §4.2): a SYN in a synchronized state, whatever its',
        'sequence number, is answered with a "challenge ACK" <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>',
        'and dropped; a genuine peer that restarted answers it with a RST, a blind attacker learns nothing.',
        ...(st === SYN_RECEIVED ? ['',
          'Note: for SYN-RECEIVED from a passive OPEN, RFC 9293\'s text returns to LISTEN; slipstack',
          'treats SYN-RECEIVED as synchronized here (tcp-behaviour.md) and sends the challenge ACK.'] : []),
      ], 'close');
      s.say('A SYN at RCV.NXT: challenge ACK, nothing else changes.');
      s.after(100, seg('<', 'S', c.rcvNxt, 0, null, PEER_WIN));
      s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
      st.alive(s, c, PEER_WIN);
      break;
    }
    case 'syn-ack': {
      s = begin('SYN-ACK (in the window, at RCV.NXT): challenge ACK, the segment is dropped.', [
        SYNC_REF + ', fourth check (RFC 5961 §4.2): the SYN bit decides before the ACK is looked',
        'at: challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, drop.',
      ], 'close');
      s.say('A SYN-ACK at RCV.NXT acknowledging SND.NXT: challenge ACK, and its ACK is not processed.');
      s.after(100, seg('<', 'S.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
      s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
      st.alive(s, c, PEER_WIN);
      break;
    }
    case 'fin': {
      s = begin('FIN without ACK (at RCV.NXT): dropped silently.', [
        SYNC_REF + ', fifth check: "if the ACK bit is off, drop the segment and return". Every',
        'segment after the SYN must carry an ACK, so the FIN is not even looked at.',
      ], 'close');
      s.say('A bare FIN (no ACK bit) at RCV.NXT: dropped, nothing sent.');
      s.after(100, seg('<', 'F', c.rcvNxt, 0, null, PEER_WIN));
      st.alive(s, c, PEER_WIN);
      break;
    }
    case 'rst':
    case 'rst-ack': {
      const withAck = kind === 'rst-ack';
      s = begin((withAck ? 'RST-ACK' : 'RST') + ' at RCV.NXT: the connection is reset.', [
        SYNC_REF + ', second check (RFC 5961 §3.2): a RST whose SEG.SEQ is exactly RCV.NXT resets',
        'the connection: ' + st.resetText + '.' + (withAck ? ' The ACK field of a RST is not looked at.' : ''),
      ], 'close');
      s.say((withAck ? 'A RST with ACK' : 'A RST') + ' at RCV.NXT: ' + st.resetText + '.');
      s.after(100, seg('<', withAck ? 'R.' : 'R', c.rcvNxt, 0, withAck ? c.sndNxt : null, 0));
      st.gone(s, c, PEER_WIN);
      break;
    }
    case 'out-of-window': {
      s = begin('data beyond the window (SEG.SEQ = RCV.NXT + RCV.WND): ACK, drop.', [
        SYNC_REF + ', first check: the segment is not acceptable (no octet of it lies in',
        '[RCV.NXT, RCV.NXT+RCV.WND)), so "send an acknowledgment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>"',
        'and drop it. The ACK tells a confused peer where we really are.',
      ], 'close');
      const at = c.rcvNxt + c.win;
      s.say('10 octets starting just past the right edge (' + c.rcvNxt + ' + ' + c.win + ' = ' + at + '): ACK, drop.');
      s.after(100, seg('<', 'P.', at, 10, c.sndNxt, PEER_WIN));
      s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
      st.alive(s, c, PEER_WIN);
      break;
    }
    default: {
      const special = SPECIAL[st.stem + '/' + kind];
      if (special === undefined) throw new Error('no cell ' + st.stem + '/' + kind);
      return special();
    }
  }
  return { dir: 'states', name: file, text: s.text() };
}

/** Cells whose outcome is particular to the state: ACK, FIN-ACK and data. */
const SPECIAL: Record<string, () => Out> = {};

/** Register a special cell built from a state, a title, the rule, and a body. */
function special(st: SyncState, kind: string, how: 'close' | 'shutdown', title: string, rule: string[],
  body: (s: Script, c: Conn) => void, directives?: string): void {
  SPECIAL[st.stem + '/' + kind] = () => {
    const c = new Conn();
    const header = [st.name + ' + ' + title, ...paras(rule), '', 'Into ' + st.name + ': ' + st.how];
    const s = new Script(header, directives || '');
    st.reach(s, c, PEER_WIN, how, 0);
    body(s, c);
    return { dir: 'states', name: st.stem + '-' + kind + '.pkt', text: s.text() };
  };
}

// SYN-RECEIVED
special(SYN_RECEIVED, 'ack', 'close', 'ACK of our SYN: ESTABLISHED.', [
  SYNC_REF + ', fifth check, SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT, then enter',
  'ESTABLISHED state and continue processing". The three-way handshake is complete.',
], (s, c) => {
  s.say('The ACK of our SYN: ESTABLISHED, nothing sent; the connection is ready for accept().');
  s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  c.sndUna = c.sndNxt;
  s.after(0, 'accept(3, ..., ...) = 4');
  writeAlive(s, c, PEER_WIN, 100);
});
special(SYN_RECEIVED, 'fin-ack', 'close', 'FIN-ACK: ESTABLISHED by its ACK, then CLOSE-WAIT by its FIN.', [
  SYNC_REF + ': the fifth check takes the ACK (SYN-RECEIVED -> ESTABLISHED, "continue',
  'processing"), the eighth check the FIN (ESTABLISHED -> CLOSE-WAIT, ACK it).',
], (s, c) => {
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
});
special(SYN_RECEIVED, 'data', 'close', 'data with the ACK of our SYN: ESTABLISHED, and the data is taken.', [
  SYNC_REF + ': the fifth check takes the ACK (SYN-RECEIVED -> ESTABLISHED, "continue',
  'processing"), the seventh check the text (ESTABLISHED: deliver it, ACK it).',
], (s, c) => {
  s.say('10 octets that also ACK our SYN: ESTABLISHED, the data is ACKed at once.');
  s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
  c.sndUna = c.sndNxt;
  c.data(10);
  s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
  s.after(0, 'accept(3, ..., ...) = 4');
  s.after(0, 'read(4, ..., 10) = 10');
  c.read(10);
});

// ESTABLISHED
special(ESTABLISHED, 'ack', 'close', 'ACK of our data: SND.UNA advances, nothing is sent.', [
  SYNC_REF + ', fifth check, ESTABLISHED: "If SND.UNA < SEG.ACK =< SND.NXT, then set SND.UNA',
  '<- SEG.ACK", and the acknowledged data leaves the retransmission queue: it is never sent again.',
], (s, c) => {
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
});
special(ESTABLISHED, 'fin-ack', 'close', 'FIN-ACK: CLOSE-WAIT, the FIN is ACKed at once.', [
  SYNC_REF + ', eighth check, ESTABLISHED: "Enter the CLOSE-WAIT state", advance RCV.NXT over',
  'the FIN and acknowledge it; the application reads end-of-file.',
], (s, c) => {
  s.say('The peer\'s FIN: we ACK it (RCV.NXT 2; the right edge stays at 1025, so the window is 1023).');
  peerFin(s, c, 100, c.sndNxt, PEER_WIN);
  s.after(0, 'read(4, ..., 100) = 0');
  s.say('We can still close in our own time: LAST-ACK, then CLOSED.');
  s.after(100, 'close(4) = 0');
  s.after(0, seg('>', 'F.', c.sndNxt, 0, c.rcvNxt, c.win));
  c.sndNxt += 1;
  s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
});
special(ESTABLISHED, 'data', 'close', 'data at RCV.NXT: delivered and ACKed.', [
  SYNC_REF + ', seventh check, ESTABLISHED: deliver the text to the receive buffer, advance',
  'RCV.NXT, send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (at once: tcpAckDelay=0).',
], (s, c) => {
  s.say('10 octets: ACKed at once; they wait in the receive ring, so the window is 1014.');
  s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
  c.data(10);
  s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
  s.after(0, 'read(4, ..., 10) = 10');
  c.read(10);
});

// FIN-WAIT-1
special(FIN_WAIT_1, 'ack', 'close', 'ACK of our FIN: FIN-WAIT-2.', [
  SYNC_REF + ', fifth check, FIN-WAIT-1: "if the FIN segment is now acknowledged, then enter',
  'FIN-WAIT-2 and continue processing in that state". Nothing is sent.',
], (s, c) => {
  s.say('The ACK of our FIN: FIN-WAIT-2, nothing sent.');
  s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  c.sndUna = c.sndNxt;
  s.say('Our FIN is not retransmitted when the RTO would have run out; the peer\'s FIN then\n' +
    'takes us to TIME-WAIT.');
  peerFin(s, c, 1200, c.sndNxt, PEER_WIN);
});
special(FIN_WAIT_1, 'fin-ack', 'close', 'FIN-ACK acknowledging our FIN: TIME-WAIT directly.', [
  SYNC_REF + ': the fifth check takes the ACK (FIN-WAIT-1 -> FIN-WAIT-2), the eighth the FIN:',
  '"FIN-WAIT-1 STATE: If our FIN has been ACKed (perhaps in this segment), then enter TIME-WAIT".',
  'scenarios/fin-wait-1-fin-ack.pkt follows it to the end of TIME-WAIT.',
], (s, c) => {
  s.say('The peer ACKs our FIN and sends its own: TIME-WAIT; we ACK the FIN.');
  peerFin(s, c, 100, c.sndNxt, PEER_WIN);
  probeOldDup(s, c, PEER_WIN, c.rtxFrom + RTO + 200,
    'Our FIN is not retransmitted, and TIME-WAIT answers an old duplicate ACK with an ACK.');
});
special(FIN_WAIT_1, 'data', 'shutdown', 'data at RCV.NXT: delivered and ACKed (we only closed our side).', [
  SYNC_REF + ', seventh check, FIN-WAIT-1: deliver the text and ACK it, as in ESTABLISHED (the',
  'peer may go on sending after our FIN: a half-close). The segment also ACKs our FIN (FIN-WAIT-2).',
], (s, c) => {
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
});

// FIN-WAIT-2
special(FIN_WAIT_2, 'ack', 'close', 'a duplicate ACK: ignored.', [
  SYNC_REF + ', fifth check, ESTABLISHED rules (which FIN-WAIT-2 includes): "If the ACK is a',
  'duplicate (SEG.ACK =< SND.UNA), it can be ignored." Nothing is sent.',
], (s, c) => {
  s.say('The same ACK again: nothing happens.');
  s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  FIN_WAIT_2.alive(s, c, PEER_WIN);
});
special(FIN_WAIT_2, 'fin-ack', 'close', 'FIN-ACK: TIME-WAIT, the FIN is ACKed.', [
  SYNC_REF + ', eighth check, FIN-WAIT-2: "Enter the TIME-WAIT state. Start the time-wait',
  'timer, turn off the other timers." The FIN is acknowledged.',
], (s, c) => {
  s.say('The peer\'s FIN: TIME-WAIT, we ACK it.');
  peerFin(s, c, 100, c.sndNxt, PEER_WIN);
  probeOldDup(s, c, PEER_WIN, null, 'TIME-WAIT answers an old duplicate ACK with an ACK.');
});
special(FIN_WAIT_2, 'data', 'shutdown', 'data at RCV.NXT: delivered and ACKed (we only closed our side).', [
  SYNC_REF + ', seventh check, FIN-WAIT-2: deliver the text and ACK it, as in ESTABLISHED',
  '(a half-close: the peer may send for as long as it likes after our FIN).',
], (s, c) => {
  s.say('10 octets: delivered, ACKed at once.');
  s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
  c.data(10);
  s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
  s.after(0, 'read(4, ..., 10) = 10');
  c.read(10);
  s.say('Then the peer closes too: TIME-WAIT (window ' + (c.right - c.rcvNxt - 1) + ': the right edge stays at 1025).');
  peerFin(s, c, 100, c.sndNxt, PEER_WIN);
  s.after(0, 'read(4, ..., 10) = 0');
});

// CLOSE-WAIT
special(CLOSE_WAIT, 'ack', 'close', 'ACK of our data: SND.UNA advances, nothing is sent.', [
  SYNC_REF + ', fifth check, CLOSE-WAIT: "Do the same processing as for the ESTABLISHED state":',
  'SND.UNA <- SEG.ACK, the acknowledged data is never sent again.',
], (s, c) => {
  s.say('We send 10 octets (our side is still open); the ACK for them arrives.');
  s.after(100, 'write(4, ..., 10) = 10');
  s.after(0, seg('>', 'P.', c.sndNxt, 10, c.rcvNxt, c.win));
  c.sndNxt += 10;
  s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  c.sndUna = c.sndNxt;
  probeOldDup(s, c, PEER_WIN, s.now + 1200,
    'Nothing is retransmitted when the RTO (1 s) would have run out; the connection still\n' +
    'answers an old duplicate (seq below RCV.NXT) with an ACK.');
});
special(CLOSE_WAIT, 'fin-ack', 'close', 'a FIN again (at RCV.NXT): ACKed, CLOSE-WAIT stays.', [
  SYNC_REF + ', eighth check, CLOSE-WAIT: "Remain in the CLOSE-WAIT state." We already have the',
  'peer\'s FIN; we ACK again with the same RCV.NXT (tcp-behaviour.md: "stay (ACK again)").',
], (s, c) => {
  s.say('A FIN at RCV.NXT: acknowledged again, RCV.NXT does not move.');
  s.after(100, seg('<', 'F.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
  CLOSE_WAIT.alive(s, c, PEER_WIN);
});
special(CLOSE_WAIT, 'data', 'close', 'data at RCV.NXT (after the peer\'s FIN): ignored.', [
  SYNC_REF + ', seventh check, CLOSE-WAIT: "This should not occur, since a FIN has been received',
  'from the remote side. Ignore the segment text." The application still reads end-of-file.',
], (s, c) => {
  s.say('10 octets past the peer\'s FIN: not delivered, nothing sent.');
  s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
  s.after(0, 'read(4, ..., 10) = 0');
  CLOSE_WAIT.alive(s, c, PEER_WIN);
});

// CLOSING
special(CLOSING, 'ack', 'close', 'ACK of our FIN: TIME-WAIT.', [
  SYNC_REF + ', fifth check, CLOSING: "if the ACK acknowledges our FIN, then enter the TIME-WAIT',
  'state; otherwise, ignore the segment." Nothing is sent.',
], (s, c) => {
  s.say('The ACK of our FIN: TIME-WAIT, nothing sent.');
  s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  c.sndUna = c.sndNxt;
  probeOldDup(s, c, PEER_WIN, c.rtxFrom + RTO + 200,
    'Our FIN is not retransmitted, and TIME-WAIT answers an old duplicate ACK with an ACK.');
});
special(CLOSING, 'fin-ack', 'close', 'a FIN again, acknowledging our FIN: TIME-WAIT, the FIN is ACKed.', [
  SYNC_REF + ': the fifth check takes the ACK (CLOSING -> TIME-WAIT), the eighth the FIN',
  '(TIME-WAIT: "Remain in the TIME-WAIT state", acknowledge it, restart the 2 MSL timer).',
], (s, c) => {
  s.say('A FIN at RCV.NXT that ACKs our FIN: TIME-WAIT, and the FIN is acknowledged (RCV.NXT stays 2).');
  s.after(100, seg('<', 'F.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  c.sndUna = c.sndNxt;
  s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
  probeOldDup(s, c, PEER_WIN, c.rtxFrom + RTO + 200,
    'Our FIN is not retransmitted, and TIME-WAIT answers an old duplicate ACK with an ACK.');
});
special(CLOSING, 'data', 'close', 'data at RCV.NXT acknowledging our FIN: TIME-WAIT, the text is ignored.', [
  SYNC_REF + ': the fifth check takes the ACK (CLOSING -> TIME-WAIT); the seventh check,',
  '"This should not occur, since a FIN has been received from the remote side. Ignore the segment text."',
], (s, c) => {
  s.say('10 octets past the peer\'s FIN, ACKing our FIN: TIME-WAIT, nothing sent.');
  s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
  c.sndUna = c.sndNxt;
  probeOldDup(s, c, PEER_WIN, c.rtxFrom + RTO + 200,
    'Our FIN is not retransmitted, and TIME-WAIT answers an old duplicate ACK with an ACK.');
});

// LAST-ACK
const LAST_ACK_GONE = 'The TCB is gone: our FIN is not retransmitted, and an ACK for the 4-tuple reaches the\n' +
  'listener, which answers any ACK with <SEQ=SEG.ACK><CTL=RST> (§3.10.7.2).';
special(LAST_ACK, 'ack', 'close', 'ACK of our FIN: CLOSED.', [
  SYNC_REF + ', fifth check, LAST-ACK: "The only thing that can arrive in this state is an',
  'acknowledgment of our FIN. If our FIN is now acknowledged, delete the TCB, enter the CLOSED',
  'state, and return." Nothing is sent.',
], (s, c) => {
  s.say('The ACK of our FIN: CLOSED, nothing sent.');
  s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  c.sndUna = c.sndNxt;
  probeGone(s, c, PEER_WIN, c.rtxFrom + RTO + 200, LAST_ACK_GONE);
});
special(LAST_ACK, 'fin-ack', 'close', 'a FIN again, acknowledging our FIN: CLOSED, nothing sent.', [
  SYNC_REF + ', fifth check, LAST-ACK: our FIN is acknowledged, so "delete the TCB, enter the',
  'CLOSED state, and return": the FIN is never looked at (the eighth check is not reached).',
], (s, c) => {
  s.say('A FIN at RCV.NXT that ACKs our FIN: CLOSED, nothing sent.');
  s.after(100, seg('<', 'F.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  c.sndUna = c.sndNxt;
  probeGone(s, c, PEER_WIN, c.rtxFrom + RTO + 200, LAST_ACK_GONE);
});
special(LAST_ACK, 'data', 'close', 'data at RCV.NXT acknowledging our FIN: CLOSED, nothing sent.', [
  SYNC_REF + ', fifth check, LAST-ACK: our FIN is acknowledged, so "delete the TCB, enter the',
  'CLOSED state, and return": the text is never looked at.',
], (s, c) => {
  s.say('10 octets past the peer\'s FIN, ACKing our FIN: CLOSED, nothing sent.');
  s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
  c.sndUna = c.sndNxt;
  probeGone(s, c, PEER_WIN, c.rtxFrom + RTO + 200, LAST_ACK_GONE);
});

// TIME-WAIT
special(TIME_WAIT, 'ack', 'close', 'a duplicate ACK: ignored.', [
  SYNC_REF + ', fifth check, TIME-WAIT: "The only thing that can arrive in this state is a',
  'retransmission of the remote FIN." An in-window ACK is ignored; nothing is sent.',
], (s, c) => {
  s.say('An ACK at RCV.NXT (a duplicate): nothing happens.');
  s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  TIME_WAIT.alive(s, c, PEER_WIN);
});
special(TIME_WAIT, 'fin-ack', 'close', 'a FIN (at RCV.NXT): ACKed, the 2 MSL timer restarts.', [
  SYNC_REF + ', eighth check, TIME-WAIT: "Remain in the TIME-WAIT state. Restart the 2 MSL',
  'time-wait timeout." and acknowledge the FIN. We already have the peer\'s FIN, so RCV.NXT stays 2',
  '(a FIN takes its sequence number once). scenarios/time-wait-fin-retransmit.pkt shows the same',
  'restart for the usual case, a retransmission of the first FIN.',
  '',
  'MSL is 1 s here: TIME-WAIT, entered at 0.400, would end at 2.400; the FIN at 1.400 moves the end to 3.400.',
], (s, c) => {
  s.say('One second into TIME-WAIT, a FIN at RCV.NXT: ACKed, and the 2 MSL timer starts again.');
  s.at(1400, seg('<', 'F.', c.rcvNxt, 0, c.sndNxt, PEER_WIN));
  s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, c.win));
  probeOldDup(s, c, PEER_WIN, 2900, 'At 2.900, past the first end of TIME-WAIT, the slot is still there: an old\n' +
    'duplicate ACK is answered with an ACK.');
  probeGone(s, c, PEER_WIN, 3500, 'At 3.500, past the restarted end, it is gone: the listener answers the ACK with\n' +
    '<SEQ=SEG.ACK><CTL=RST> (§3.10.7.2).');
}, 'msl=1000');
special(TIME_WAIT, 'data', 'close', 'data at RCV.NXT (after the peer\'s FIN): ignored.', [
  SYNC_REF + ', seventh check, TIME-WAIT: "This should not occur, since a FIN has been received',
  'from the remote side. Ignore the segment text." Nothing is sent.',
], (s, c) => {
  s.say('10 octets past the peer\'s FIN: ignored, nothing sent.');
  s.after(100, seg('<', 'P.', c.rcvNxt, 10, c.sndNxt, PEER_WIN));
  TIME_WAIT.alive(s, c, PEER_WIN);
});

// ---- CLOSED, LISTEN, SYN-SENT ---------------------------------------------------------------

/** CLOSED: no socket at all; every cell is the closed-port case (§3.10.7.1). */
function closedCell(kind: string): Out {
  const ref = 'RFC 9293 §3.10.7.1 (CLOSED: "An incoming segment containing a RST is discarded. An incoming\n' +
    'segment not containing a RST causes a RST to be sent in response") and §3.5.2 (reset generation).';
  const withAck = '<SEQ=SEG.ACK><CTL=RST>: the RST sits where the peer expects our next octet.';
  const cells: Record<string, { title: string; inbound: string; reply: string | null; why: string }> = {
    'syn': { title: 'SYN: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (connection refused).', inbound: seg('<', 'S', 0, 0, null, PEER_WIN, 'mss ' + PEER_MSS), reply: seg('>', 'R.', 0, 0, 1, 0), why: 'No ACK bit: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; the SYN counts one, so ack 1.' },
    'syn-ack': { title: 'SYN-ACK: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', 'S.', 0, 0, 5000, PEER_WIN, 'mss ' + PEER_MSS), reply: seg('>', 'R', 5000, 0, null, 0), why: 'It has an ACK: ' + withAck },
    'ack': { title: 'ACK: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', '.', 1, 0, 5000, PEER_WIN), reply: seg('>', 'R', 5000, 0, null, 0), why: 'It has an ACK: ' + withAck },
    'fin': { title: 'FIN without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.', inbound: seg('<', 'F', 1, 0, null, PEER_WIN), reply: seg('>', 'R.', 0, 0, 2, 0), why: 'No ACK bit: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; the FIN counts one, so ack 1 + 1.' },
    'fin-ack': { title: 'FIN-ACK: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', 'F.', 1, 0, 5000, PEER_WIN), reply: seg('>', 'R', 5000, 0, null, 0), why: 'It has an ACK: ' + withAck },
    'rst': { title: 'RST: discarded, never answered.', inbound: seg('<', 'R', 1, 0, null, 0), reply: null, why: 'A RST is discarded: answering it could make two hosts exchange RSTs for ever.' },
    'rst-ack': { title: 'RST-ACK: discarded, never answered.', inbound: seg('<', 'R.', 1, 0, 5000, 0), reply: null, why: 'A RST is discarded, with or without ACK.' },
    'data': { title: 'data: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', 'P.', 1, 10, 5000, PEER_WIN), reply: seg('>', 'R', 5000, 0, null, 0), why: 'It has an ACK: ' + withAck + ' The data is discarded.' },
  };
  const cell = cells[kind];
  const s = new Script(['CLOSED + ' + cell.title, ref.replace(/\n/g, ' '), '',
    'CLOSED is the port nobody listens on (no socket at all). With no connection there is no ISS: ' +
    'the numbers are as the segments give them (ack values as sent). A "window" does not exist ' +
    'here, so there is no out-of-window cell.'], '');
  s.say(cell.why);
  s.at(100, cell.inbound);
  if (cell.reply !== null) s.after(0, cell.reply);
  s.say(cell.reply === null ? 'Nothing was sent for it: the next segment\'s RST is the only packet. The port answers as before.'
    : 'The port answers the same way every time: nothing was created.');
  s.after(100, seg('<', '.', 1, 0, 5000, PEER_WIN));
  s.after(0, seg('>', 'R', 5000, 0, null, 0));
  return { dir: 'states', name: 'closed-' + kind + '.pkt', text: s.text() };
}

/** The listener still works: a SYN is answered and the handshake completes. */
function listenAlive(s: Script): void {
  s.say('The listener still works: a SYN gets our SYN-ACK and the connection is accepted.');
  s.after(100, seg('<', 'S', 0, 0, null, PEER_WIN, 'mss ' + PEER_MSS));
  s.after(0, seg('>', 'S.', 0, 0, 1, RCV_BUF, 'mss ' + MSS));
  s.after(100, seg('<', '.', 1, 0, 1, PEER_WIN));
  s.after(0, 'accept(3, ..., ...) = 4');
}

/** LISTEN cells (§3.10.7.2). */
function listenCell(kind: string): Out {
  const ref = 'RFC 9293 §3.10.7.2 (segment arrives, LISTEN): first check RST (ignore it), second';
  const ref2 = 'check ACK (any ACK is bad: <SEQ=SEG.ACK><CTL=RST>), third check SYN (SYN-RECEIVED, send SYN-ACK),';
  const ref3 = 'fourth: anything else (no SYN, no ACK, no RST) is dropped.';
  const rstAck = 'Any ACK is bad in LISTEN: <SEQ=SEG.ACK><CTL=RST> (our ISS is not known yet: the seq is the ack as sent).';
  const cells: Record<string, { title: string; inbound: string; reply: string | null; why: string }> = {
    'syn-ack': { title: 'SYN-ACK: <SEQ=SEG.ACK><CTL=RST> (the ACK check comes before the SYN check).', inbound: seg('<', 'S.', 0, 0, 5000, PEER_WIN, 'mss ' + PEER_MSS), reply: seg('>', 'R', 5000, 0, null, 0), why: rstAck },
    'ack': { title: 'ACK: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', '.', 1, 0, 5000, PEER_WIN), reply: seg('>', 'R', 5000, 0, null, 0), why: rstAck },
    'fin': { title: 'FIN without ACK: dropped silently.', inbound: seg('<', 'F', 1, 0, null, PEER_WIN), reply: null, why: 'No RST, no ACK, no SYN: "drop the segment and return".' },
    'fin-ack': { title: 'FIN-ACK: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', 'F.', 1, 0, 5000, PEER_WIN), reply: seg('>', 'R', 5000, 0, null, 0), why: rstAck },
    'rst': { title: 'RST: ignored.', inbound: seg('<', 'R', 1, 0, null, 0), reply: null, why: '"An incoming RST segment could not be valid ... An incoming RST should be ignored."' },
    'rst-ack': { title: 'RST-ACK: ignored (the RST check comes before the ACK check).', inbound: seg('<', 'R.', 1, 0, 5000, 0), reply: null, why: 'A RST is ignored in LISTEN, ACK or not.' },
    'data': { title: 'data: <SEQ=SEG.ACK><CTL=RST>.', inbound: seg('<', 'P.', 1, 10, 5000, PEER_WIN), reply: seg('>', 'R', 5000, 0, null, 0), why: rstAck + ' The data is discarded.' },
  };
  if (kind === 'syn') {
    const s = new Script(['LISTEN + SYN: SYN-RECEIVED, our SYN-ACK <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.', ref + ' ' + ref2 + ' ' + ref3], '');
    s.say('A listener on port 8080.');
    listen(s);
    s.say('The SYN: RCV.NXT = IRS+1, our SYN-ACK carries our ISS, our MSS (256) and our window (1024).');
    s.at(100, seg('<', 'S', 0, 0, null, PEER_WIN, 'mss ' + PEER_MSS));
    s.after(0, seg('>', 'S.', 0, 0, 1, RCV_BUF, 'mss ' + MSS));
    s.say('The handshake completes and the connection is accepted.');
    s.after(100, seg('<', '.', 1, 0, 1, PEER_WIN));
    s.after(0, 'accept(3, ..., ...) = 4');
    return { dir: 'states', name: 'listen-syn.pkt', text: s.text() };
  }
  const cell = cells[kind];
  const s = new Script(['LISTEN + ' + cell.title, ref + ' ' + ref2 + ' ' + ref3, '',
    'In LISTEN there is no window yet, so there is no out-of-window cell.'], '');
  s.say('A listener on port 8080.');
  listen(s);
  s.say(cell.why);
  s.at(100, cell.inbound);
  if (cell.reply !== null) s.after(0, cell.reply);
  s.say('Nothing was accepted from it:');
  s.after(0, 'accept(3, ..., ...) = -1 EAGAIN (Resource temporarily unavailable)');
  listenAlive(s);
  return { dir: 'states', name: 'listen-' + kind + '.pkt', text: s.text() };
}

/** SYN-SENT cells (§3.10.7.3). */
function synSentCell(kind: string): Out {
  const ref = [
    'RFC 9293 §3.10.7.3 (segment arrives, SYN-SENT): first check the ACK (unacceptable if',
    'SEG.ACK =< ISS or SEG.ACK > SND.NXT: <SEQ=SEG.ACK><CTL=RST> unless RST), second the RST (with an',
    'acceptable ACK: "connection reset", CLOSED; without ACK: drop), fourth the SYN (with our SYN',
    'ACKed: ESTABLISHED; without: SYN-RECEIVED), fifth: "If neither of the SYN or RST bits is set,',
    'then drop the segment and return."',
  ];
  const s0 = (title: string, extra: string[]) => {
    const s = new Script(['SYN-SENT + ' + title, ref.join(' '), ...(extra.length > 0 ? ['', extra.join(' ')] : []), '',
      'Into SYN-SENT: connect() (SND.UNA = ISS, SND.NXT = ISS+1; our SYN would be retransmitted at 1.000).'], '');
    s.say('SYN-SENT: an active open.');
    s.at(0, 'socket(..., SOCK_STREAM, IPPROTO_TCP) = 3');
    s.after(0, 'connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)');
    s.after(0, seg('>', 'S', 0, 0, null, RCV_BUF, 'mss ' + MSS + ',nop,nop,sackOK'));
    return s;
  };
  const alive = (s: Script) => {
    s.say('Still SYN-SENT: the right SYN-ACK completes the handshake.');
    s.after(100, seg('<', 'S.', 0, 0, 1, PEER_WIN, 'mss ' + PEER_MSS));
    s.after(0, seg('>', '.', 1, 0, 1, RCV_BUF));
    s.after(0, 'getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0');
  };
  let s: Script;
  switch (kind) {
    case 'syn':
      s = s0('SYN (simultaneous open): SYN-RECEIVED, our SYN again with an ACK.', [
        'MUST-10: simultaneous open. Our SYN-ACK repeats our ISS (seq 0) and ACKs the peer\'s SYN.']);
      s.say('The peer\'s SYN crosses ours: SYN-RECEIVED.');
      s.at(100, seg('<', 'S', 0, 0, null, PEER_WIN, 'mss ' + PEER_MSS));
      s.after(0, seg('>', 'S.', 0, 0, 1, RCV_BUF, 'mss ' + MSS));
      s.say('The peer ACKs our SYN: ESTABLISHED; data flows.');
      s.after(100, seg('<', '.', 1, 0, 1, PEER_WIN));
      s.after(0, 'getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0');
      s.after(100, 'write(3, ..., 10) = 10');
      s.after(0, seg('>', 'P.', 1, 10, 1, RCV_BUF));
      s.after(100, seg('<', '.', 1, 0, 11, PEER_WIN));
      break;
    case 'syn-ack':
      s = s0('SYN-ACK acknowledging our SYN: ESTABLISHED, we ACK the peer\'s SYN.', []);
      s.say('The SYN-ACK (ack = ISS+1): ESTABLISHED.');
      s.at(100, seg('<', 'S.', 0, 0, 1, PEER_WIN, 'mss ' + PEER_MSS));
      s.after(0, seg('>', '.', 1, 0, 1, RCV_BUF));
      s.after(0, 'getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0');
      s.after(100, 'write(3, ..., 10) = 10');
      s.after(0, seg('>', 'P.', 1, 10, 1, RCV_BUF));
      s.after(100, seg('<', '.', 1, 0, 11, PEER_WIN));
      break;
    case 'ack':
      s = s0('ACK of our SYN, without SYN: dropped.', ['The ACK is acceptable, but with neither SYN nor RST the segment is dropped.']);
      s.say('An acceptable ACK (ack = ISS+1), no SYN: dropped, nothing sent.');
      s.at(100, seg('<', '.', 1, 0, 1, PEER_WIN));
      alive(s);
      break;
    case 'fin':
      s = s0('FIN without ACK: dropped.', ['No ACK to check, no RST, no SYN: dropped.']);
      s.say('A bare FIN: dropped, nothing sent.');
      s.at(100, seg('<', 'F', 1, 0, null, PEER_WIN));
      alive(s);
      break;
    case 'fin-ack':
      s = s0('FIN-ACK acknowledging our SYN: dropped.', ['The ACK is acceptable, but with neither SYN nor RST the segment is dropped.']);
      s.say('A FIN with an acceptable ACK, no SYN: dropped, nothing sent.');
      s.at(100, seg('<', 'F.', 1, 0, 1, PEER_WIN));
      alive(s);
      break;
    case 'rst':
      s = s0('RST without ACK: dropped.', ['Second check: "Otherwise (no ACK), drop the segment and return." A RST must prove it',
        'answers our SYN by acknowledging it; RFC 5961 §3 does not apply in SYN-SENT.']);
      s.say('A RST without ACK: dropped, nothing sent.');
      s.at(100, seg('<', 'R', 0, 0, null, 0));
      alive(s);
      break;
    case 'rst-ack':
      s = s0('RST-ACK acknowledging our SYN: connection refused, CLOSED.', [
        'Second check: "If the ACK was acceptable, then signal to the user \'error: connection reset\',',
        'drop the segment, enter CLOSED state, delete TCB" (ECONNREFUSED, see scenarios/connection-refused.pkt).']);
      s.say('RST with ack = ISS+1: refused.');
      s.at(100, seg('<', 'R.', 0, 0, 1, 0));
      s.after(0, 'getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0');
      s.say('The TCB is gone: no SYN retransmission at 1.000; a late SYN-ACK reaches a closed port.');
      s.at(1200, seg('<', 'S.', 0, 0, 1, PEER_WIN, 'mss ' + PEER_MSS));
      s.after(0, seg('>', 'R', 1, 0, null, 0));
      break;
    case 'data':
      s = s0('data acknowledging our SYN, without SYN: dropped.', ['The ACK is acceptable, but with neither SYN nor RST the segment is dropped, data and all.']);
      s.say('10 octets with an acceptable ACK, no SYN: dropped, nothing sent.');
      s.at(100, seg('<', 'P.', 1, 10, 1, PEER_WIN));
      alive(s);
      s.say('The dropped octets were never delivered.');
      s.after(0, 'read(3, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)');
      break;
    case 'out-of-window':
      s = s0('SYN-ACK with an unacceptable ACK: <SEQ=SEG.ACK><CTL=RST>, stay in SYN-SENT.', [
        'In SYN-SENT there is no receive window yet; the "window" is the range of acceptable ACKs,',
        'ISS < SEG.ACK =< SND.NXT. A SYN-ACK for something else (an old duplicate, RFC 9293 §3.5',
        'Figure 8 "Recovery from Old Duplicate SYN") gets a RST so the peer drops its stale',
        'connection; ours goes on waiting.']);
      s.say('A SYN-ACK acknowledging ISS+1000, which we never sent: RST with seq = that ack.');
      s.at(100, seg('<', 'S.', 0, 0, 1000, PEER_WIN, 'mss ' + PEER_MSS));
      s.after(0, seg('>', 'R', 1000, 0, null, 0));
      alive(s);
      break;
    default:
      throw new Error('no SYN-SENT cell ' + kind);
  }
  return { dir: 'states', name: 'syn-sent-' + kind + '.pkt', text: s.text() };
}

// ---- RFC 5961 edge grids --------------------------------------------------------------------

/** The peer's window in the RFC 5961 grids: small, so SND.UNA - MAX.SND.WND lands on a readable number. */
const GRID_PEER_WIN = 200;

/** One RFC 5961 grid script for a synchronized state. */
function rfc5961(st: SyncState): Out {
  const c = new Conn();
  const synRcvd = st === SYN_RECEIVED;
  const header = [
    'RFC 5961 edge grid in ' + st.name + ': blind RST, SYN and ACK injection (CVE-2004-0230).',
    'RFC 9293 §3.10.7.4 first check (sequence acceptability), second check (RST, RFC 5961 §3.2),',
    'fourth check (SYN, RFC 5961 §4.2), fifth check (ACK acceptability, RFC 5961 §5.2' +
      (synRcvd ? '; in SYN-RECEIVED the fifth check\'s own rule: an unacceptable ACK gets <SEQ=SEG.ACK><CTL=RST>' : '') + ').',
    '',
    'The checks, each its own segment, 0.1 s apart (challenge ACKs are limited to 10 per second',
    'per connection, RFC 5961 §7; this script provokes at most four):',
    '  1. RST just outside the left edge, SEG.SEQ = RCV.NXT-1: dropped silently.',
    '  2. RST just outside the right edge, SEG.SEQ = RCV.NXT+RCV.WND: dropped silently.',
    '  3. RST at the right edge, SEG.SEQ = RCV.NXT+RCV.WND-1: in the window but not RCV.NXT:',
    '     challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, dropped.',
    '  4. SYN inside the window: challenge ACK, dropped.',
    ...(synRcvd ? [
      '  5. ACK with SEG.ACK = SND.NXT+1 (acknowledges what we never sent): <SEQ=SEG.ACK><CTL=RST>.',
      '  6. ACK with SEG.ACK = SND.UNA (= ISS; must be above it): <SEQ=SEG.ACK><CTL=RST>.',
      '  7. RST at the left edge, SEG.SEQ = RCV.NXT: reset: ' + st.resetText + '.',
      'A RST sent by us in 5-6 does not end our embryonic connection: the peer\'s side is the one',
      'told to go away.',
    ] : [
      '  5. ACK with SEG.ACK = SND.NXT+1 (acknowledges what we never sent): ACK, dropped.',
      '  6. ACK with SEG.ACK = SND.UNA-MAX.SND.WND-1 (older than any window): ACK, dropped.',
      '  7. ACK with SEG.ACK = SND.UNA-MAX.SND.WND (the oldest acceptable): a harmless duplicate, ignored.',
      '  8. RST at the left edge, SEG.SEQ = RCV.NXT: reset: ' + st.resetText + '.',
      '',
      'The peer advertises a window of ' + GRID_PEER_WIN + ' (so MAX.SND.WND = ' + GRID_PEER_WIN + ') and we send ' +
        GRID_PEER_WIN + ' octets first, so',
      'SND.UNA-MAX.SND.WND is a small number instead of a wrapped one.',
    ]),
    '',
    'The RTO floor is pinned to RFC 6298\'s 1 s (tcpRtoMin=1000; the stack\'s default is 200 ms), so',
    'the retransmission of our FIN does not fall between the checks.',
    '',
    'Into ' + st.name + ': ' + st.how.replace(/\s*\([^)]*\)\.$/, '.'),
  ];
  const s = new Script(header, 'tcpRtoMin=1000');
  st.reach(s, c, GRID_PEER_WIN, 'close', synRcvd ? 0 : GRID_PEER_WIN);
  const w = c.win;
  const challenge = () => s.after(0, seg('>', '.', c.sndNxt, 0, c.rcvNxt, w));
  s.say('Here RCV.NXT = ' + c.rcvNxt + ', RCV.WND = ' + w + ', SND.UNA = ' + c.sndUna + ', SND.NXT = ' + c.sndNxt +
    (synRcvd ? '.' : ', MAX.SND.WND = ' + GRID_PEER_WIN + '.'));
  s.say('1. RST at RCV.NXT-1 = ' + (c.rcvNxt - 1) + ': outside the window, dropped silently.');
  s.after(100, seg('<', 'R', c.rcvNxt - 1, 0, null, 0));
  s.say('2. RST at RCV.NXT+RCV.WND = ' + (c.rcvNxt + w) + ': outside the window, dropped silently.');
  s.after(100, seg('<', 'R', c.rcvNxt + w, 0, null, 0));
  s.say('3. RST at RCV.NXT+RCV.WND-1 = ' + (c.rcvNxt + w - 1) + ': in the window, not RCV.NXT: challenge ACK.');
  s.after(100, seg('<', 'R', c.rcvNxt + w - 1, 0, null, 0));
  challenge();
  s.say('4. SYN at ' + 500 + ', inside the window: challenge ACK.');
  s.after(100, seg('<', 'S', 500, 0, null, GRID_PEER_WIN));
  challenge();
  if (synRcvd) {
    s.say('5. SEG.ACK = SND.NXT+1 = ' + (c.sndNxt + 1) + ': not acceptable in SYN-RECEIVED: <SEQ=SEG.ACK><CTL=RST>.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt + 1, GRID_PEER_WIN));
    s.after(0, seg('>', 'R', c.sndNxt + 1, 0, null, 0));
    s.say('6. SEG.ACK = SND.UNA = ' + c.sndUna + ' (it must be above SND.UNA): <SEQ=SEG.ACK><CTL=RST>.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndUna, GRID_PEER_WIN));
    s.after(0, seg('>', 'R', c.sndUna, 0, null, 0));
    s.say('7. RST at RCV.NXT = ' + c.rcvNxt + ': ' + st.resetText + '.');
  } else {
    const low = c.sndUna - GRID_PEER_WIN;
    s.say('5. SEG.ACK = SND.NXT+1 = ' + (c.sndNxt + 1) + ': too new: ACK, dropped.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, c.sndNxt + 1, GRID_PEER_WIN));
    challenge();
    s.say('6. SEG.ACK = SND.UNA-MAX.SND.WND-1 = ' + c.sndUna + '-' + GRID_PEER_WIN + '-1 = ' + (low - 1) + ': too old: ACK, dropped.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, low - 1, GRID_PEER_WIN));
    challenge();
    s.say('7. SEG.ACK = SND.UNA-MAX.SND.WND = ' + low + ': acceptable, an old duplicate: ignored, nothing sent.');
    s.after(100, seg('<', '.', c.rcvNxt, 0, low, GRID_PEER_WIN));
    s.say('8. RST at RCV.NXT = ' + c.rcvNxt + ': ' + st.resetText + '.');
  }
  s.after(100, seg('<', 'R', c.rcvNxt, 0, null, 0));
  st.gone(s, c, GRID_PEER_WIN);
  return { dir: 'rfc5961', name: st.stem + '.pkt', text: s.text() };
}

// ---- main ---------------------------------------------------------------------------------

/** The segment kinds of the grid, in file-name form. */
export const SEGMENT_KINDS = ['syn', 'syn-ack', 'ack', 'fin', 'fin-ack', 'rst', 'rst-ack', 'data', 'out-of-window'];

/** Every generated script. */
export function generate(): Out[] {
  const out: Out[] = [];
  for (const k of SEGMENT_KINDS) if (k !== 'out-of-window') out.push(closedCell(k));
  for (const k of SEGMENT_KINDS) if (k !== 'out-of-window') out.push(listenCell(k));
  for (const k of SEGMENT_KINDS) out.push(synSentCell(k));
  for (const st of SYNC_STATES) for (const k of SEGMENT_KINDS) out.push(syncCell(st, k));
  for (const st of SYNC_STATES) out.push(rfc5961(st));
  return out;
}

function main(): void {
  const out = generate();
  for (const o of out) {
    mkdirSync(join(ROOT, o.dir), { recursive: true });
    writeFileSync(join(ROOT, o.dir, o.name), o.text);
  }
  console.log('wrote ' + out.length + ' scripts under ' + ROOT);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
