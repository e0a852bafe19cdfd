/// <reference lib="dom" />
/**
 * The browser lab's page script (bundled by build.mjs into dist/lab/lab.js for index.html):
 * two slipstack stacks on the simulated line, in the page, from the same core as the board
 * firmware. Each end has buttons for listen, connect, send, shutdown, close and abort; a
 * slider sets the line's loss; a click on a segment in flight drops it; play, pause, step
 * and undo drive the virtual clock (undo replays the seed and the action log, see
 * tools/lab/session.ts); every lesson of `slipstack lesson` loads with one click. The ladder
 * (SVG, src/trace/svg.ts), both state timelines and the text ladder redraw after each change.
 */
import { LabSession, LAB_CALLS } from './session.js';
import { LESSONS } from '../lessons/scenarios.js';
import { lessonSvg } from '../../src/trace/svg.js';
import { ladderLines, ms } from '../../src/trace/ladder.js';
import { strings } from '../../src/trace/i18n.js';
import { timeline } from '../../src/trace/story.js';
import { stateName } from '../../src/trace/explain.js';

const CALL_LABELS: Record<string, string> = {
  listen: 'listen', connect: 'connect', write: 'send 300 B', shutdown: 'shutdown', close: 'close', abort: 'abort',
};
/** Virtual ms per real second, by speed setting. */
const SPEEDS = [10, 50, 200, 1000, 5000];
const TICK_MS = 50;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string>, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const k of Object.keys(attrs)) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

function byId(id: string): HTMLElement {
  return document.getElementById(id) as HTMLElement;
}

let lang = 'en';
const session = new LabSession(1);
let playing = false;
let speed = 1;

function say(text: string): void {
  byId('msg').textContent = text;
}

/** Redraw everything from the session. */
function render(): void {
  const str = strings(lang);
  const story = session.world.story;
  const now = session.now();
  byId('clock').textContent = ms(now) + ' ms';
  byId('play').textContent = playing ? 'pause' : 'play';
  byId('lesson-name').textContent = session.lesson !== '' ? session.lesson + ' — ' + story.title : 'free play';
  for (let e = 0; e < 2; e++) {
    const tl = timeline(story, e);
    const cur = tl[tl.length - 1].state;
    byId('state-' + 'ab'[e]).textContent = stateName(cur);
    const body = byId('timeline-' + 'ab'[e]);
    body.textContent = '';
    for (const t of tl) {
      const tr = el('tr', { 'data-state': stateName(t.state) });
      tr.appendChild(el('td', {}, stateName(t.state)));
      tr.appendChild(el('td', { class: 'num' }, ms(t.at)));
      tr.appendChild(el('td', { class: 'num' }, (t.open ? '≥' : '') + ms(t.spent)));
      body.appendChild(tr);
    }
  }
  byId('diagram').innerHTML = lessonSvg(story, str, now).replace(/^<\?xml[^>]*>\n/, '');
  byId('ladder').textContent = ladderLines(story, str).join('\n');
  const flight = session.world.inFlight().filter(function (s) { return s.fate === 'flight'; });
  byId('flight').textContent = flight.length > 0 ? 'in flight: ' + flight.map(function (s) { return '#' + s.n; }).join(' ') + ' (click one to drop it)' : '';
  byId('log').textContent = session.log.map(function (a) {
    return ms(a.t) + ' ' + (a.step !== null ? 'AB'[a.step.end] + ' ' + a.step.do : 'drop #' + a.drop);
  }).join('\n');
}

function guarded(f: () => void): void {
  try {
    f();
  } catch (e) {
    say(e instanceof Error ? e.message : String(e));
  }
  render();
}

function build(): void {
  const root = byId('app');
  const bar = el('div', { class: 'bar' });
  const play = el('button', { id: 'play' }, 'play');
  play.onclick = function () { playing = !playing; render(); };
  const step = el('button', { id: 'step' }, 'step');
  step.onclick = function () { playing = false; guarded(function () { if (!session.step()) say('nothing more will happen'); }); };
  const undo = el('button', { id: 'undo' }, 'undo');
  undo.onclick = function () { playing = false; guarded(function () { if (!session.undo()) say('nothing to undo'); }); };
  const reset = el('button', { id: 'reset' }, 'reset');
  reset.onclick = function () { playing = false; guarded(function () { session.reset(); }); };
  const loss = el('input', { id: 'loss', type: 'range', min: '0', max: '0.5', step: '0.05', value: '0' });
  const lossLabel = el('span', { id: 'loss-label' }, 'loss 0%');
  loss.oninput = function () {
    const p = Number((loss as HTMLInputElement).value);
    lossLabel.textContent = 'loss ' + Math.round(p * 100) + '%';
    guarded(function () { session.setLoss(p); });
  };
  const sp = el('select', { id: 'speed' });
  SPEEDS.forEach(function (v, i) {
    const o = el('option', { value: String(i) }, v + ' ms/s');
    if (i === speed) o.setAttribute('selected', '');
    sp.appendChild(o);
  });
  sp.onchange = function () { speed = Number((sp as HTMLSelectElement).value); };
  const lg = el('select', { id: 'lang' });
  lg.appendChild(el('option', { value: 'en' }, 'English'));
  lg.appendChild(el('option', { value: 'zh' }, '中文'));
  lg.onchange = function () { lang = (lg as HTMLSelectElement).value; render(); };
  for (const x of [play, step, undo, reset, el('span', { id: 'clock' }), loss, lossLabel, sp, lg]) bar.appendChild(x);
  root.appendChild(bar);
  const lessons = el('div', { class: 'lessons' });
  lessons.appendChild(el('span', {}, 'lessons: '));
  for (const l of LESSONS) {
    const b = el('button', { 'data-lesson': l.name, title: l.title }, l.name);
    b.onclick = function () { playing = false; guarded(function () { session.load(l); }); playing = true; render(); };
    lessons.appendChild(b);
  }
  root.appendChild(lessons);
  root.appendChild(el('div', { id: 'lesson-name', class: 'title' }));
  const ends = el('div', { class: 'ends' });
  for (let e = 0; e < 2; e++) {
    const p = el('div', { class: 'end', id: 'end-' + 'ab'[e] });
    p.appendChild(el('div', { class: 'end-name' }, 'AB'[e] + ' ' + session.opts.addrs[e] + ':' + (e === 0 ? 40000 : 80)));
    p.appendChild(el('div', { class: 'state', id: 'state-' + 'ab'[e] }, 'CLOSED'));
    for (const c of LAB_CALLS) {
      const b = el('button', { 'data-end': 'ab'[e], 'data-call': c }, CALL_LABELS[c]);
      const end = e;
      b.onclick = function () { say(''); guarded(function () { session.call(end, c); }); };
      p.appendChild(b);
    }
    const t = el('table', { class: 'timeline' });
    const head = el('tr', {});
    for (const h of ['state', 'entered at', 'time spent']) head.appendChild(el('th', {}, h));
    t.appendChild(head);
    const body = el('tbody', { id: 'timeline-' + 'ab'[e] });
    t.appendChild(body);
    p.appendChild(t);
    ends.appendChild(p);
  }
  root.appendChild(ends);
  root.appendChild(el('div', { id: 'msg', class: 'msg' }));
  root.appendChild(el('div', { id: 'flight', class: 'msg' }));
  const diagram = el('div', { id: 'diagram' });
  diagram.onclick = function (ev: MouseEvent) {
    const g = (ev.target as Element).closest('g.seg');
    if (g === null) return;
    const n = Number(g.getAttribute('data-seg'));
    guarded(function () { if (!session.drop(n)) say('segment #' + n + ' is not in flight any more'); else say('dropped #' + n); });
  };
  root.appendChild(diagram);
  root.appendChild(el('h3', {}, 'ladder'));
  root.appendChild(el('pre', { id: 'ladder' }));
  root.appendChild(el('h3', {}, 'action log (replayed on undo)'));
  root.appendChild(el('pre', { id: 'log' }));
  setInterval(function () {
    if (!playing) return;
    guarded(function () { session.advance((SPEEDS[speed] * TICK_MS) / 1000); });
  }, TICK_MS);
  render();
}

(window as unknown as { labSession: LabSession }).labSession = session;
build();
