/**
 * The RFC 5961 edge grids (test/scripts/rfc5961/<state>.pkt): in each synchronized state, blind
 * RST, SYN and ACK injection at every edge of the window, one segment at a time, then the
 * accepted RST and the proof that the connection is gone.
 *
 * Test tooling: allocates freely.
 */
import { Conn, Script, seg, SYN_RECEIVED } from './model.js';
import type { SyncState, Out } from './model.js';

const GRID_PEER_WIN = 200;

/** One RFC 5961 grid script for a synchronized state. */
export function rfc5961(st: SyncState): Out {
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
