// subset: host-only
/**
 * The ladder diagram of a Story (src/trace/story.ts) as terminal text: one line per event,
 * A's state column on the left, B's on the right, the segments between them with their
 * direction, and on the right of each line why it happened.
 *
 *    time ms  A              segment                                      B
 *      0.000  SYN-SENT       connect(192.168.190.2:80)                    │             active OPEN (connect) → SYN-SENT, §3.10.1
 *      0.000  │              #1 S 0:0(0) win 1024 <mss 256,…> ──────────▶ │             SYN: active open, §3.10.1
 *
 * Contract:
 * - `ladderLines(story, strings)` returns the diagram; `timelineLines` each end's states with
 *   when it entered them and how long it stayed; `netstatLines` the netstat snapshots;
 *   `lessonText` all of it with a header, as `slipstack lesson` prints it.
 * - A state column shows the state where the main connection's transition happened and `│`
 *   elsewhere; an application call, a segment's arrival and the transition it caused are one
 *   line when they happen at the same moment on the same end.
 * - Pure functions of the story: the same story gives the same text.
 */
import type { Story, StoryEvent, SegEvent, StateEvent } from './story.js';
import { timeline } from './story.js';
import type { Strings } from './i18n.js';
import { displayWidth } from './i18n.js';
import { stateName } from './explain.js';
import { formatNetstat } from './netstat.js';

/** Width of a state column. */
const COL = 13;

/** s padded with spaces to n display columns. */
function pad(s: string, n: number): string {
  const w = displayWidth(s);
  return w >= n ? s : s + ' '.repeat(n - w);
}

/** s padded on the left to n columns. */
function padLeft(s: string, n: number): string {
  const w = displayWidth(s);
  return w >= n ? s : ' '.repeat(n - w) + s;
}

/** A time in ms, three decimals. */
export function ms(t: number): string {
  return t.toFixed(3);
}

/** The segment in packetdrill notation: 'S. 0:0(0) ack 1 win 1024 <mss 256,sackOK>'. */
export function segLabel(s: SegEvent): string {
  if (s.other !== '') return s.other;
  let t = s.flags + ' ' + s.seq + ':' + ((s.seq + s.len) >>> 0) + '(' + s.len + ')';
  if (s.hasAck) t += ' ack ' + s.ack;
  t += ' win ' + s.win;
  if (s.opts !== '') t += ' <' + s.opts + '>';
  return t;
}

/** The arrow of a segment for a middle column of width w: '#1 LABEL ───▶' or '◀─── LABEL #2', cut short with ✕ when lost. */
function arrow(s: SegEvent, w: number): string {
  const text = '#' + s.n + ' ' + segLabel(s) + (s.spoof !== '' ? ' [' + s.spoof + ']' : '');
  const gone = s.fate === 'lost' || s.fate === 'dropped';
  const room = w - displayWidth(text) - 2;
  const dashes = room > 2 ? room : 2;
  if (s.from === 0) {
    if (gone) return text + ' ' + '─'.repeat(dashes >> 1) + '✕';
    return text + ' ' + '─'.repeat(dashes) + '▶';
  }
  if (gone) return padLeft('✕' + '─'.repeat(dashes >> 1) + ' ' + text, w);
  return '◀' + '─'.repeat(dashes) + ' ' + text;
}

/** The note of a segment: why it was sent, and its fate. */
function segNote(story: Story, s: SegEvent, str: Strings): string {
  let note = str.why(s.why);
  if (s.fate === 'lost') note += ' — ' + str.lost + ' (--loss ' + story.loss + ', seed ' + story.seed + ')';
  if (s.fate === 'dropped') note += ' — ' + str.dropped + ' (--drop)';
  if (s.fate === 'flight') note += ' — ' + str.inFlight;
  return note;
}

/** One rendered line before padding: time, the two columns, the middle, the note. */
interface Row {
  t: number;
  cols: string[];
  mid: string;
  /** Middle text belongs to the right side (B's call, or an arrival at A is left: see below). */
  right: boolean;
  note: string[];
}

/** The rows of the diagram, one per event or merged group of events. */
function rows(story: Story, str: Strings): Row[] {
  const out: Row[] = [];
  const evs: StoryEvent[] = story.events;
  let last: Row | null = null;
  /** The end and kind of what `last` shows, so that a transition can join it. */
  let lastEnd = -1;
  let lastJoinable = false;
  for (let i = 0; i < evs.length; i++) {
    const e = evs[i];
    if (e.kind === 'netstat') continue;
    if (e.kind === 'state') {
      const st = e as StateEvent;
      const text = str.transition(st.from, st.to, st.cause);
      const who = (st.end === 0 ? 'A' : 'B') + (st.main ? '' : ' #' + st.conn + (st.remote !== '' ? ' (' + st.remote + ')' : ''));
      if (last !== null && lastJoinable && lastEnd === st.end && last.t === st.t && (!st.main || last.cols[st.end] === '│')) {
        if (st.main) last.cols[st.end] = stateName(st.to);
        last.note.push(who + ': ' + text);
        continue;
      }
      const cols = ['│', '│'];
      if (st.main) cols[st.end] = stateName(st.to);
      last = { t: st.t, cols: cols, mid: '', right: st.end === 1, note: [who + ': ' + text] };
      out.push(last);
      lastEnd = st.end;
      lastJoinable = false;
      continue;
    }
    if (e.kind === 'app') {
      last = { t: e.t, cols: ['│', '│'], mid: e.call + (e.result !== '' ? ' = ' + e.result : ''), right: e.end === 1, note: [] };
      out.push(last);
      lastEnd = e.end;
      lastJoinable = true;
      continue;
    }
    if (e.kind === 'seg') {
      last = { t: e.t, cols: ['│', '│'], mid: '', right: false, note: [segNote(story, e, str)] };
      (last as Row & { seg?: SegEvent }).seg = e;
      out.push(last);
      lastEnd = e.from;
      lastJoinable = false;
      continue;
    }
    // An arrival: '#n ▶' against the receiver's column; its drops beside it.
    const note: string[] = [];
    if (e.drops.length > 0) note.push(str.discarded + ': ' + e.drops.join(', '));
    last = { t: e.t, cols: ['│', '│'], mid: e.end === 1 ? '▶ #' + e.n : '#' + e.n + ' ◀', right: e.end === 1, note: note };
    out.push(last);
    lastEnd = e.end;
    lastJoinable = true;
  }
  return out;
}

/** The diagram lines (with its two header lines). */
export function ladderLines(story: Story, str: Strings): string[] {
  const rs = rows(story, str);
  let w = 30;
  for (const r of rs) {
    const seg = (r as Row & { seg?: SegEvent }).seg;
    const need = seg !== undefined ? displayWidth('#' + seg.n + ' ' + segLabel(seg) + (seg.spoof !== '' ? ' [' + seg.spoof + ']' : '')) + 6 : displayWidth(r.mid);
    if (need > w) w = need;
  }
  const tw = 10;
  const lines: string[] = [];
  lines.push(padLeft(str.time, tw) + '  ' + pad('A', COL) + ' ' + pad(str.segment, w) + ' ' + 'B');
  lines.push(padLeft('─'.repeat(8), tw) + '  ' + '─'.repeat(COL) + ' ' + '─'.repeat(w) + ' ' + '─'.repeat(COL));
  // The first line: both ends' states before anything happened.
  const first = ['CLOSED', 'CLOSED'];
  for (let e = 0; e < 2; e++) {
    for (const x of story.events) {
      if (x.kind === 'state' && x.end === e && x.main) { first[e] = stateName(x.from); break; }
    }
  }
  lines.push(padLeft(ms(0), tw) + '  ' + pad(first[0], COL) + ' ' + ' '.repeat(w) + ' ' + first[1]);
  for (const r of rs) {
    const seg = (r as Row & { seg?: SegEvent }).seg;
    const mid = seg !== undefined ? arrow(seg, w) : r.right ? padLeft(r.mid, w) : r.mid;
    const note = r.note.length > 0 ? r.note.join('; ') : '';
    const line = padLeft(ms(r.t), tw) + '  ' + pad(r.cols[0], COL) + ' ' + pad(mid, w) + ' ' + pad(r.cols[1], COL) + (note !== '' ? ' ' + note : '');
    lines.push(line.replace(/\s+$/, ''));
  }
  return lines;
}

/** Each end's state timeline: state, when it was entered, how long it lasted. */
export function timelineLines(story: Story, str: Strings): string[] {
  const lines: string[] = [];
  for (let e = 0; e < 2; e++) {
    const info = story.ends[e];
    lines.push(info.name + ' ' + info.addr + ' (' + (str.roles[info.role] || info.role) + ') — ' + str.states + ':');
    lines.push('  ' + pad('', COL) + ' ' + padLeft(str.enteredAt, 12) + ' ' + padLeft(str.spent, 12));
    for (const t of timeline(story, e)) {
      lines.push('  ' + pad(stateName(t.state), COL) + ' ' + padLeft(ms(t.at), 12) + ' ' + padLeft((t.open ? '≥' : '') + ms(t.spent), 12) +
        '  ' + str.stateDesc(t.state));
    }
  }
  return lines;
}

/** The netstat snapshots of the story, both ends each. */
export function netstatLines(story: Story, str: Strings): string[] {
  const lines: string[] = [];
  for (const x of story.events) {
    if (x.kind !== 'netstat') continue;
    lines.push(str.netstatAt + ' ' + ms(x.t) + ' ms (ss -tan -o):');
    for (let e = 0; e < 2; e++) {
      lines.push('  ' + story.ends[e].name + ' ' + story.ends[e].addr);
      if (x.rows[e].length === 0) {
        lines.push('    ' + str.none);
        continue;
      }
      for (const l of formatNetstat(x.rows[e])) lines.push('    ' + l);
    }
  }
  return lines;
}

/** Everything `slipstack lesson NAME` prints: header, ladder, timelines, netstat tables. */
export function lessonText(story: Story, str: Strings): string {
  const out: string[] = [];
  out.push(story.lesson + ' — ' + story.title + ' (' + story.rfc + ')');
  for (const a of story.about) out.push('  ' + a);
  out.push('');
  const a = story.ends[0];
  const b = story.ends[1];
  out.push('A ' + a.addr + ' (' + (str.roles[a.role] || a.role) + ')  ⇄  B ' + b.addr + ' (' + (str.roles[b.role] || b.role) + ')');
  let line = str.line + ': ' + story.baud + ' baud 8N1, ' + story.latency + ' ' + str.oneWay + ', MTU ' + story.mtu + ', MSL ' + story.msl + ' ms, seed ' + story.seed;
  if (story.loss > 0) line += ', loss ' + story.loss;
  if (story.drops.length > 0) line += ', drop ' + story.drops.join(' ');
  out.push(line);
  out.push(str.relative);
  out.push('');
  for (const l of ladderLines(story, str)) out.push(l);
  out.push('');
  for (const l of timelineLines(story, str)) out.push(l);
  const ns = netstatLines(story, str);
  if (ns.length > 0) {
    out.push('');
    for (const l of ns) out.push(l);
  }
  return out.join('\n') + '\n';
}
