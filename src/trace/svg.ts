// subset: host-only
/**
 * The ladder diagram of a Story (src/trace/story.ts) as a standalone SVG: a sequence diagram
 * with A's lifeline on the left and B's on the right, each segment an arrow from its sending
 * moment to its arrival (cut short with a cross when it was lost or dropped), and a band of
 * colour beside each lifeline for the state of that end's main connection, with each
 * transition's reason and RFC section where it happens.
 *
 * Contract:
 * - `lessonSvg(story, strings, now?)` returns one SVG document (UTF-8, no external
 *   resources). Time runs downwards; each distinct moment gets a row, and long quiet gaps are
 *   drawn as a break labelled with their length, so milliseconds and seconds both fit.
 * - Segments still in flight at `now` (the browser lab) are drawn up to `now`; every segment
 *   is a `<g class="seg" data-seg="N">` so a page can find and click it.
 * - Pure function of its inputs: the same story gives the same bytes.
 */
import type { Story, SegEvent } from './story.js';
import { timeline } from './story.js';
import type { Strings } from './i18n.js';
import { stateName } from './explain.js';
import { segLabel, ms } from './ladder.js';

/** Band colours by state (CLOSED .. TIME-WAIT). */
export const STATE_COLORS: string[] = [
  '#e0e0e0', '#bbdefb', '#ffe0b2', '#ffcc80', '#c8e6c9', '#f8bbd0', '#f48fb1', '#d1c4e9', '#ffab91', '#b39ddb', '#fff59d',
];

const W = 1600;
const TIME_X = 60;
/** A's notes end here (right-aligned); B's start at NOTE_B. */
const NOTE_A = 432;
const BAND_A = 440;
const BAND_W = 110;
const LINE_A = 560;
const LINE_B = 1120;
const BAND_B = 1130;
const NOTE_B = 1248;
const ROW = 40;
const GAP = 24;
/** A pause longer than this (ms) between two rows is drawn as a break. */
const BREAK_MS = 250;

/** Escape text for XML. */
export function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round to 0.1 px for compact, stable output. */
function r1(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/** Maps a time to a y position: one row per distinct moment, breaks for long gaps. */
class Rows {
  times: number[];
  ys: number[];
  breaks: { y: number; gap: number }[];

  constructor(times: number[], top: number) {
    const sorted = times.slice().sort(function (a, b) { return a - b; });
    this.times = [];
    for (const t of sorted) if (this.times.length === 0 || this.times[this.times.length - 1] !== t) this.times.push(t);
    this.ys = [];
    this.breaks = [];
    let y = top;
    for (let i = 0; i < this.times.length; i++) {
      if (i > 0) {
        const gap = this.times[i] - this.times[i - 1];
        y += ROW;
        if (gap > BREAK_MS) {
          this.breaks.push({ y: y - ROW / 2 + GAP / 2, gap: gap });
          y += GAP;
        }
      }
      this.ys.push(y);
    }
  }

  /** y of time t (interpolated between rows for a time that has none). */
  y(t: number): number {
    const ts = this.times;
    if (ts.length === 0) return 0;
    if (t <= ts[0]) return this.ys[0];
    for (let i = 1; i < ts.length; i++) {
      if (t <= ts[i]) return this.ys[i - 1] + ((t - ts[i - 1]) / (ts[i] - ts[i - 1])) * (this.ys[i] - this.ys[i - 1]);
    }
    return this.ys[ts.length - 1];
  }

  bottom(): number {
    return this.ys.length > 0 ? this.ys[this.ys.length - 1] : 0;
  }
}

/** One segment's arrow, label and reason. */
function segSvg(s: SegEvent, rows: Rows, str: Strings, now: number): string {
  const x1 = s.from === 0 ? LINE_A : LINE_B;
  const x2 = s.from === 0 ? LINE_B : LINE_A;
  const y1 = rows.y(s.t);
  let y2 = rows.y(s.arrive);
  let ex = x2;
  const gone = s.fate === 'lost' || s.fate === 'dropped';
  if (gone) {
    ex = (x1 + x2) / 2;
    y2 = (y1 + y2) / 2;
  } else if (s.fate === 'flight' && now < s.arrive) {
    const f = s.arrive > s.t ? (now - s.t) / (s.arrive - s.t) : 1;
    ex = x1 + (x2 - x1) * (f < 0 ? 0 : f);
    y2 = y1 + (rows.y(s.arrive) - y1) * (f < 0 ? 0 : f);
  }
  const color = s.flags.indexOf('R') >= 0 ? '#c62828' : s.flags.indexOf('S') >= 0 ? '#1565c0' : s.flags.indexOf('F') >= 0 ? '#6a1b9a' : s.len > 0 ? '#2e7d32' : '#424242';
  const cls = 'seg ' + s.fate;
  const out: string[] = [];
  out.push('<g class="' + cls + '" data-seg="' + s.n + '">');
  // A wide transparent line makes the arrow easy to click in the lab.
  out.push('<line x1="' + r1(x1) + '" y1="' + r1(y1) + '" x2="' + r1(ex) + '" y2="' + r1(y2) + '" stroke="transparent" stroke-width="12"/>');
  out.push('<line x1="' + r1(x1) + '" y1="' + r1(y1) + '" x2="' + r1(ex) + '" y2="' + r1(y2) + '" stroke="' + color + '" stroke-width="1.6"' +
    (gone ? ' stroke-dasharray="5 3"' : '') + (gone || s.fate === 'flight' ? '' : ' marker-end="url(#arrow)"') + '/>');
  if (gone) {
    out.push('<text x="' + r1(ex) + '" y="' + r1(y2 + 5) + '" class="x" text-anchor="middle">✕</text>');
  } else if (s.fate === 'flight' && now < s.arrive) {
    // The segment itself, on its way: a dot the lab's user can click to drop it.
    out.push('<circle class="pkt" cx="' + r1(ex) + '" cy="' + r1(y2) + '" r="7" fill="' + color + '" stroke="#fff" stroke-width="1.5"/>');
  }
  const mx = (x1 + (gone ? ex : x2)) / 2;
  const my = (y1 + (gone ? y2 : rows.y(s.arrive))) / 2;
  const fullY2 = gone ? y2 : rows.y(s.arrive);
  const fullX2 = gone ? ex : x2;
  const angle = Math.atan2(fullY2 - y1, fullX2 - x1) * 180 / Math.PI;
  const a = s.from === 0 ? angle : angle + 180;
  const label = '#' + s.n + ' ' + segLabel(s) + (s.spoof !== '' ? ' [' + s.spoof + ']' : '');
  let why = str.why(s.why);
  if (s.fate === 'lost') why += ' — ' + str.lost;
  if (s.fate === 'dropped') why += ' — ' + str.dropped;
  out.push('<g transform="rotate(' + r1(a) + ' ' + r1(mx) + ' ' + r1(my) + ')">');
  out.push('<text x="' + r1(mx) + '" y="' + r1(my - 4) + '" class="lbl" text-anchor="middle" fill="' + color + '">' + xml(label) + '</text>');
  out.push('<text x="' + r1(mx) + '" y="' + r1(my + 11) + '" class="why" text-anchor="middle">' + xml(why) + '</text>');
  out.push('</g></g>');
  return out.join('');
}

/** The SVG document of a story (see the module contract). */
export function lessonSvg(story: Story, str: Strings, now?: number): string {
  const t = now === undefined ? story.end : now;
  const head: string[] = [];
  head.push(story.lesson + ' — ' + story.title + (story.rfc !== '' ? ' (' + story.rfc + ')' : ''));
  const a = story.ends[0];
  const b = story.ends[1];
  const sub = 'A ' + a.addr + ' (' + (str.roles[a.role] || a.role) + ')  ⇄  B ' + b.addr + ' (' + (str.roles[b.role] || b.role) + ') · ' +
    story.baud + ' baud, ' + story.latency + ' ms, MTU ' + story.mtu + ', MSL ' + story.msl + ' ms, seed ' + story.seed +
    (story.loss > 0 ? ', loss ' + story.loss : '') + (story.drops.length > 0 ? ', drop ' + story.drops.join(' ') : '');
  const top = 70 + 16 * story.about.length + 40;
  const times: number[] = [0];
  for (const e of story.events) {
    if (e.kind === 'netstat') continue;
    if (e.t <= t) times.push(e.t);
    if (e.kind === 'seg' && e.fate !== 'lost' && e.fate !== 'dropped' && e.arrive <= t) times.push(e.arrive);
  }
  times.push(t);
  const rows = new Rows(times, top);
  const bottom = rows.bottom() + 40;
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push('<svg xmlns="http://www.w3.org/2000/svg" width="' + W + '" height="' + r1(bottom + 20) + '" viewBox="0 0 ' + W + ' ' + r1(bottom + 20) + '" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="11">');
  out.push('<style>.lbl{font-size:11px}.why{font-size:9.5px;fill:#555}.tr{font-size:9.5px;fill:#333}.app{font-size:10.5px;font-weight:bold;fill:#000}' +
    '.st{font-size:10.5px;font-weight:bold}.tm{font-size:9.5px;fill:#777}.x{font-size:16px;fill:#c62828;font-weight:bold}.h1{font-size:15px;font-weight:bold}' +
    '.h2{font-size:11px;fill:#333}.seg.flight{cursor:pointer}</style>');
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#424242"/></marker></defs>');
  out.push('<rect x="0" y="0" width="' + W + '" height="' + r1(bottom + 20) + '" fill="#ffffff"/>');
  out.push('<text x="20" y="28" class="h1">' + xml(head[0]) + '</text>');
  let y = 48;
  for (const l of story.about) {
    out.push('<text x="20" y="' + y + '" class="h2">' + xml(l) + '</text>');
    y += 16;
  }
  out.push('<text x="20" y="' + (y + 4) + '" class="h2">' + xml(sub) + '</text>');
  out.push('<text x="' + LINE_A + '" y="' + (top - 14) + '" class="st" text-anchor="middle">A ' + xml(a.addr) + '</text>');
  out.push('<text x="' + LINE_B + '" y="' + (top - 14) + '" class="st" text-anchor="middle">B ' + xml(b.addr) + '</text>');
  for (let i = 0; i < rows.times.length; i++) {
    out.push('<text x="' + TIME_X + '" y="' + r1(rows.ys[i] + 3) + '" class="tm" text-anchor="end">' + ms(rows.times[i]) + '</text>');
    out.push('<line x1="' + (TIME_X + 4) + '" y1="' + r1(rows.ys[i]) + '" x2="' + (W - 10) + '" y2="' + r1(rows.ys[i]) + '" stroke="#f0f0f0" stroke-width="0.6"/>');
  }
  // State bands, from each end's timeline (cut at `now`).
  for (let e = 0; e < 2; e++) {
    const x = e === 0 ? BAND_A : BAND_B;
    for (const te of timeline(story, e)) {
      if (te.at > t) break;
      const end = te.open ? t : te.at + te.spent;
      const y1 = rows.y(te.at);
      const y2 = rows.y(end > t ? t : end);
      const h = y2 - y1 < 1 ? 1 : y2 - y1;
      out.push('<rect class="band" data-end="' + e + '" data-state="' + stateName(te.state) + '" x="' + x + '" y="' + r1(y1) + '" width="' + BAND_W + '" height="' + r1(h) + '" fill="' + STATE_COLORS[te.state] + '" stroke="#9e9e9e" stroke-width="0.5"/>');
      out.push('<text x="' + (x + BAND_W / 2) + '" y="' + r1(y1 + 13) + '" class="st" text-anchor="middle">' + xml(stateName(te.state)) + '</text>');
    }
  }
  out.push('<line x1="' + LINE_A + '" y1="' + top + '" x2="' + LINE_A + '" y2="' + r1(bottom) + '" stroke="#000" stroke-width="1.2"/>');
  out.push('<line x1="' + LINE_B + '" y1="' + top + '" x2="' + LINE_B + '" y2="' + r1(bottom) + '" stroke="#000" stroke-width="1.2"/>');
  for (const br of rows.breaks) {
    out.push('<text x="' + ((LINE_A + LINE_B) / 2) + '" y="' + r1(br.y + 3) + '" class="tm" text-anchor="middle">⋯ ' + xml(ms(br.gap)) + ' ms ⋯</text>');
  }
  // Application calls and transition reasons beside the lifelines, stacked when they share a moment.
  const stack: Record<string, number> = {};
  const note = function (end: number, at: number, text: string, cls: string): void {
    const key = end + ':' + at;
    const k = stack[key] || 0;
    stack[key] = k + 1;
    const yy = rows.y(at) + 4 + 12 * k;
    const x = end === 0 ? NOTE_A : NOTE_B;
    out.push('<text x="' + x + '" y="' + r1(yy) + '" class="' + cls + '" text-anchor="' + (end === 0 ? 'end' : 'start') + '">' + xml(text) + '</text>');
  };
  for (const e of story.events) {
    if (e.t > t) continue;
    if (e.kind === 'app') note(e.end, e.t, '▸ ' + e.call + (e.result !== '' ? ' = ' + e.result : ''), 'app');
    else if (e.kind === 'state') note(e.end, e.t, (e.main ? '' : '#' + e.conn + ' ') + str.transition(e.from, e.to, e.cause), 'tr');
    else if (e.kind === 'arrive' && e.drops.length > 0) note(e.end, e.t, str.discarded + ': ' + e.drops.join(', '), 'tr');
  }
  for (const e of story.events) {
    if (e.kind === 'seg' && e.t <= t) out.push(segSvg(e, rows, str, t));
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
