/**
 * Writes the TCP state-grid scripts from the cell table beside it (test/scripts/gen/cells.ts):
 * test/scripts/states/<state>-<segment>.pkt, one script per reachable cell of {11 states} x
 * {SYN, SYN-ACK, ACK, FIN, FIN-ACK, RST, RST-ACK, data, out-of-window segment}, and
 * test/scripts/rfc5961/<state>.pkt, the RFC 5961 edge grid in each synchronized state
 * (test/scripts/gen/grid.ts). `npx tsx test/scripts/gen/generate.ts` rewrites them all; the
 * generated .pkt files are what is committed and read, so they are written to read like
 * hand-written packetdrill scripts: a header saying what the cell tests and which RFC 9293
 * §3.10 rule decides it, then the way into the state, the segment, the answer, and the proof
 * that the connection is (or is no longer) there. test/scripts/gen/generate.test.ts checks
 * that the committed files are exactly what this writes.
 *
 * Test tooling: uses node:fs, allocates freely.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Conn, Script, seg, paras, listen, PEER_WIN, RCV_BUF, MSS, SYNC_STATES } from './model.js';
import type { Out, SyncState } from './model.js';
import {
  CLOSED_ROWS, CLOSED_REF, LISTEN_ROWS, LISTEN_REF, SYN_SENT_ROWS, SYN_SENT_REF, GENERIC_ROWS, SPECIAL_ROWS, SEGMENT_KINDS,
  listenSyn, listenAlive, synSentAlive,
} from './cells.js';
import type { PortRow, SynSentRow, SyncRow } from './cells.js';
import { rfc5961 } from './grid.js';

/** Where the scripts go: test/scripts/. */
export const SCRIPTS = join(import.meta.dirname, '..');

/** A CLOSED cell: the segment to a port nobody listens on, the answer, and the same answer again. */
function closedScript(r: PortRow): Out {
  const s = new Script(['CLOSED + ' + r.title, CLOSED_REF.replace(/\n/g, ' '), '',
    'CLOSED is the port nobody listens on (no socket at all). With no connection there is no ISS: ' +
    'the numbers are as the segments give them (ack values as sent). A "window" does not exist ' +
    'here, so there is no out-of-window cell.'], '');
  s.say(r.why);
  s.at(100, r.inbound);
  if (r.reply !== null) s.after(0, r.reply);
  s.say(r.reply === null ? 'Nothing was sent for it: the next segment\'s RST is the only packet. The port answers as before.'
    : 'The port answers the same way every time: nothing was created.');
  s.after(100, seg('<', '.', 1, 0, 5000, PEER_WIN));
  s.after(0, seg('>', 'R', 5000, 0, null, 0));
  return { dir: 'states', name: 'closed-' + r.segment + '.pkt', text: s.text() };
}

/** A LISTEN cell: the segment to the listener, the answer, nothing accepted, and the listener still works. */
function listenScript(r: PortRow): Out {
  const s = new Script(['LISTEN + ' + r.title, LISTEN_REF, '', 'In LISTEN there is no window yet, so there is no out-of-window cell.'], '');
  s.say('A listener on port 8080.');
  listen(s);
  s.say(r.why);
  s.at(100, r.inbound);
  if (r.reply !== null) s.after(0, r.reply);
  s.say('Nothing was accepted from it:');
  s.after(0, 'accept(3, ..., ...) = -1 EAGAIN (Resource temporarily unavailable)');
  listenAlive(s);
  return { dir: 'states', name: 'listen-' + r.segment + '.pkt', text: s.text() };
}

/** LISTEN + SYN: the handshake itself. */
function listenSynScript(): Out {
  const s = new Script(['LISTEN + SYN: SYN-RECEIVED, our SYN-ACK <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.', LISTEN_REF], '');
  listenSyn(s);
  return { dir: 'states', name: 'listen-syn.pkt', text: s.text() };
}

/** A SYN-SENT cell: connect(), then the row's body. */
function synSentScript(r: SynSentRow): Out {
  const s = new Script(['SYN-SENT + ' + r.title, SYN_SENT_REF.join(' '), ...(r.extra.length > 0 ? ['', r.extra.join(' ')] : []), '',
    'Into SYN-SENT: connect() (SND.UNA = ISS, SND.NXT = ISS+1; our SYN would be retransmitted at 1.000).'], '');
  s.say('SYN-SENT: an active open.');
  s.at(0, 'socket(..., SOCK_STREAM, IPPROTO_TCP) = 3');
  s.after(0, 'connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)');
  s.after(0, seg('>', 'S', 0, 0, null, RCV_BUF, 'mss ' + MSS + ',nop,nop,sackOK'));
  r.body(s, () => synSentAlive(s));
  return { dir: 'states', name: 'syn-sent-' + r.segment + '.pkt', text: s.text() };
}

/** A synchronized-state cell: the way into `st`, then the row's body. */
function syncScript(st: SyncState, r: SyncRow): Out {
  const c = new Conn();
  const header = [st.name + ' + ' + r.title, ...paras(r.rule), '', 'Into ' + st.name + ': ' + st.how];
  const s = new Script(header, r.directives ?? '');
  st.reach(s, c, PEER_WIN, r.how, 0);
  r.body(s, c);
  return { dir: 'states', name: st.stem + '-' + r.segment + '.pkt', text: s.text() };
}

/** The row of a synchronized state's cell: the generic one, or the state's own. */
function syncRow(st: SyncState, segment: string): SyncRow {
  const g = GENERIC_ROWS.find((r) => r.segment === segment);
  if (g !== undefined) {
    return { segment: g.segment, how: 'close', title: g.title(st), rule: g.rule(st), body: (s, c) => g.body(s, c, st) };
  }
  const own = SPECIAL_ROWS.find((r) => r.state === st && r.segment === segment);
  if (own === undefined) throw new Error('no cell ' + st.stem + '/' + segment);
  return own;
}

/** Every generated script. */
export function generate(): Out[] {
  const out: Out[] = [];
  for (const k of SEGMENT_KINDS) {
    const r = CLOSED_ROWS.find((x) => x.segment === k);
    if (r !== undefined) out.push(closedScript(r));
  }
  for (const k of SEGMENT_KINDS) {
    if (k === 'syn') out.push(listenSynScript());
    const r = LISTEN_ROWS.find((x) => x.segment === k);
    if (r !== undefined) out.push(listenScript(r));
  }
  for (const k of SEGMENT_KINDS) out.push(synSentScript(SYN_SENT_ROWS.find((x) => x.segment === k)!));
  for (const st of SYNC_STATES) for (const k of SEGMENT_KINDS) out.push(syncScript(st, syncRow(st, k)));
  for (const st of SYNC_STATES) out.push(rfc5961(st));
  return out;
}

function main(): void {
  const out = generate();
  for (const o of out) {
    mkdirSync(join(SCRIPTS, o.dir), { recursive: true });
    writeFileSync(join(SCRIPTS, o.dir, o.name), o.text);
  }
  console.log('wrote ' + out.length + ' scripts under ' + SCRIPTS);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
