/**
 * The lessons (`slipstack lesson NAME`): each end's state sequence is asserted straight from
 * the stacks' trace (a change of behaviour fails here), and the terminal text and the SVG are
 * compared with golden files (a change of drawing fails there). Regenerate the golden files
 * after an intended change with: UPDATE_GOLDEN=1 npx vitest run test/trace/lessons.test.ts
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LESSONS, findLesson } from '../../tools/lessons/scenarios.js';
import { runLesson, lessonStory } from '../../tools/lessons/run.js';
import { parseDrop } from '../../tools/lessons/world.js';
import { lessonCommand, lessonList, UsageError } from '../../tools/lesson.js';
import { lessonText } from '../../src/trace/ladder.js';
import { lessonSvg } from '../../src/trace/svg.js';
import { strings } from '../../src/trace/i18n.js';
import { stateSequence, timeline } from '../../src/trace/story.js';
import type { Story, SegEvent, StateEvent } from '../../src/trace/story.js';
import { STATE_NAMES } from '../../src/tcp/constants.js';
import * as ev from '../../src/trace/events.js';

const GOLDEN = join('test', 'trace', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Compare with a golden file, or write it under UPDATE_GOLDEN=1. */
function golden(file: string, actual: string): void {
  const path = join(GOLDEN, file);
  if (UPDATE) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(path + ' is missing: run UPDATE_GOLDEN=1 npx vitest run test/trace/lessons.test.ts');
  expect(actual, path + ' differs (if the drawing changed on purpose: UPDATE_GOLDEN=1)').toBe(readFileSync(path, 'utf8'));
}

const OPEN_A = ['CLOSED', 'SYN-SENT', 'ESTABLISHED'];
const OPEN_B = ['CLOSED', 'LISTEN', 'SYN-RECEIVED', 'ESTABLISHED'];
const CLOSE_A = OPEN_A.concat(['FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
const CLOSE_B = OPEN_B.concat(['CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);

/** Each end's main connection, state by state, for every lesson. */
const STATES: Record<string, string[][]> = {
  'handshake': [OPEN_A, OPEN_B],
  'close': [CLOSE_A, CLOSE_B],
  'half-close': [CLOSE_A, CLOSE_B],
  'simultaneous-open': [['CLOSED', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED'], ['CLOSED', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED']],
  'simultaneous-close': [OPEN_A.concat(['FIN-WAIT-1', 'CLOSING', 'TIME-WAIT', 'CLOSED']), OPEN_B.concat(['FIN-WAIT-1', 'CLOSING', 'TIME-WAIT', 'CLOSED'])],
  'syn-rcvd-rst': [OPEN_A, ['CLOSED', 'LISTEN', 'SYN-RECEIVED', 'LISTEN', 'SYN-RECEIVED', 'ESTABLISHED']],
  'time-wait': [CLOSE_A, CLOSE_B],
  'refused': [['CLOSED', 'SYN-SENT', 'CLOSED'], ['CLOSED']],
  'half-open': [OPEN_A.concat(['CLOSED']), OPEN_B.concat(['CLOSED'])],
  'listen-send': [['CLOSED', 'LISTEN', 'SYN-SENT', 'ESTABLISHED'], OPEN_B],
  'syn-flood': [OPEN_A, ['CLOSED', 'LISTEN', 'ESTABLISHED']],
  'loss': [OPEN_A, OPEN_B],
  'zero-window': [OPEN_A, OPEN_B],
  'fin-wait-2': [OPEN_A.concat(['FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSED']), CLOSE_B],
};

const names = (s: number[]) => s.map((x) => STATE_NAMES[x]);
const segs = (s: Story) => s.events.filter((e): e is SegEvent => e.kind === 'seg');
const whys = (s: Story, end: number) => segs(s).filter((x) => x.from === end).map((x) => x.why);

describe('lessons', () => {
  it('the issue\'s scenarios are all there, each with expected states', () => {
    expect(LESSONS.map((l) => l.name).sort()).toEqual(Object.keys(STATES).sort());
  });

  for (const lesson of LESSONS) {
    describe(lesson.name, () => {
      const story = lessonStory(lesson, {});
      it('each end goes through the expected states (from the trace)', () => {
        expect(names(stateSequence(story, 0))).toEqual(STATES[lesson.name][0]);
        expect(names(stateSequence(story, 1))).toEqual(STATES[lesson.name][1]);
      });
      it('is consistent: transitions chain, arrivals come when the link model says, every segment has a reason', () => {
        for (let e = 0; e < 2; e++) {
          const main = story.events.filter((x): x is StateEvent => x.kind === 'state' && x.end === e && x.main);
          for (let k = 1; k < main.length; k++) expect(main[k].from).toBe(main[k - 1].to);
        }
        for (const s of segs(story)) {
          expect(s.why === -1 || (s.why > 0 && s.why < ev.WHY_NAMES.length)).toBe(true);
          if (s.fate !== 'arrived') continue;
          const arrival = story.events.find((x) => x.kind === 'arrive' && x.n === s.n);
          expect(arrival?.t).toBeCloseTo(s.arrive, 9);
          expect(s.arrive).toBeGreaterThan(s.t);
        }
      });
      it('prints the golden ladder', () => {
        golden(lesson.name + '.txt', lessonText(story, strings('en')));
      });
      it('draws the golden SVG', () => {
        golden(lesson.name + '.svg', lessonSvg(story, strings('en')));
      });
    });
  }

  it('zh: simultaneous-close in Simplified Chinese', () => {
    const text = lessonText(lessonStory(findLesson('simultaneous-close')!, { lang: 'zh' }), strings('zh'));
    expect(text).toContain('同时关闭');
    expect(text).toContain('在 FIN-WAIT-1 收到 FIN → CLOSING, §3.10.7.4 eighth');
    golden('simultaneous-close.zh.txt', text);
  });

  it('time-wait: B repeats its FIN after RTO, A in TIME-WAIT acks it again and 2·MSL restarts', () => {
    const s = lessonStory(findLesson('time-wait')!, {});
    const all = segs(s);
    const dropped = all.filter((x) => x.fate === 'dropped');
    expect(dropped.map((x) => [x.from, x.nDir, x.flags])).toEqual([[0, 4, '.']]);
    const fin2 = all.find((x) => x.from === 1 && x.why === ev.WHY_RTO)!;
    expect(fin2.flags).toBe('F.');
    const reack = all.find((x) => x.from === 0 && x.t >= fin2.arrive && x.flags === '.')!;
    expect(reack.t).toBe(fin2.arrive);
    const tw = timeline(s, 0).find((t) => t.state === 10)!;
    // TIME-WAIT lasts 2·MSL from the re-ACK, not from its start.
    expect(tw.at + tw.spent).toBeCloseTo(reack.t + 2 * 1000, 9);
  });

  it('the special segments: cookies, RTO and fast retransmit, persist probes, keepalive and RST', () => {
    const flood = lessonStory(findLesson('syn-flood')!, {});
    expect(whys(flood, 1).filter((w) => w === ev.WHY_COOKIE).length).toBe(3);
    const loss = lessonStory(findLesson('loss')!, {});
    expect(whys(loss, 0).filter((w) => w === ev.WHY_RTO).length).toBe(1);
    expect(whys(loss, 0).filter((w) => w === ev.WHY_FAST_RETRANSMIT || w === ev.WHY_SACK_RETRANSMIT).length).toBe(1);
    expect(segs(loss).some((x) => x.opts.startsWith('nop,nop,sack '))).toBe(true);
    const zw = lessonStory(findLesson('zero-window')!, {});
    expect(whys(zw, 0).filter((w) => w === ev.WHY_PERSIST).length).toBeGreaterThanOrEqual(3);
    expect(whys(zw, 1)).toContain(ev.WHY_WINDOW_UPDATE);
    const ho = lessonStory(findLesson('half-open')!, {});
    expect(whys(ho, 1)).toContain(ev.WHY_KEEPALIVE);
    expect(whys(ho, 0)).toEqual([ev.WHY_SYN, ev.WHY_ACK, ev.WHY_RST]);
    const refused = lessonStory(findLesson('refused')!, {});
    expect(whys(refused, 1)).toEqual([ev.WHY_RST]);
    expect(refused.events.find((x) => x.kind === 'arrive' && x.end === 1)).toMatchObject({ drops: ['tcp-no-socket'] });
  });

  it('the same options give the same output; another seed with loss gives another run', () => {
    const l = findLesson('loss')!;
    const a = lessonText(lessonStory(l, { loss: 0.2, seed: 7 }), strings('en'));
    expect(lessonText(lessonStory(l, { loss: 0.2, seed: 7 }), strings('en'))).toBe(a);
    expect(lessonText(lessonStory(l, { loss: 0.2, seed: 8 }), strings('en'))).not.toBe(a);
    expect(a).toContain('lost on the line (--loss 0.2, seed 7)');
  });

  it('--drop N counts all segments, a>b:N and b>a:N one direction', () => {
    expect(parseDrop('3')).toEqual({ dir: -1, n: 3 });
    expect(parseDrop('A>B:2')).toEqual({ dir: 0, n: 2 });
    expect(parseDrop('b > a : 1')).toEqual({ dir: 1, n: 1 });
    for (const bad of ['0', 'a>a:1', 'c>b:1', 'a>b:0', 'x']) expect(parseDrop(bad)).toBeNull();
    const hs = findLesson('handshake')!;
    // Segment 2 of all is B's SYN-ACK, the first of b>a.
    for (const d of ['2', 'b>a:1']) {
      const s = lessonStory(hs, { drops: [d] });
      expect(segs(s).filter((x) => x.fate === 'dropped').map((x) => x.n)).toEqual([2]);
      // A repeats its SYN after its RTO (1 s), B its SYN-ACK: the run goes on past the
      // lesson's 200 ms until the handshake completes.
      expect(names(stateSequence(s, 0))).toEqual(OPEN_A);
      expect(names(stateSequence(s, 1))).toEqual(OPEN_B);
      expect(s.end).toBeGreaterThan(1000);
    }
  });

  it('--msl and --mtu change the run: TIME-WAIT lasts 2·MSL, the MSS follows the MTU', () => {
    const s = lessonStory(findLesson('close')!, { msl: 300, mtu: 576 });
    const tw = timeline(s, 0).find((t) => t.state === 10)!;
    expect(tw.spent).toBeCloseTo(600, 9);
    expect(segs(s)[0].opts).toBe('mss 536,nop,nop,sackOK');
  });

  it('netstat tables at chosen moments show queues and timers', () => {
    const w = runLesson(findLesson('time-wait')!, { netstatAt: [400] });
    const snap = w.story.events.find((x) => x.kind === 'netstat')!;
    expect(snap.t).toBe(400);
    if (snap.kind !== 'netstat') throw new Error('not a netstat event');
    // A in TIME-WAIT since the re-ACK at 367.726 ms: 2·MSL = 2 s, so 1.97 s are left.
    expect(snap.rows[0]).toEqual([{ state: 'TIME-WAIT', recvQ: 0, sendQ: 0, local: '192.168.190.1:40000', peer: '192.168.190.2:80', timer: 'timer:(timewait,2sec,0)' }]);
    expect(snap.rows[1].map((r) => r.state)).toEqual(['LISTEN']);
  });

  it('the command: --list, --json, --pcap, --svg, and one-line errors for bad options', () => {
    expect(lessonList('en')).toContain('simultaneous-close');
    expect(lessonCommand(['--list', '--lang', 'zh'])).toContain('同时关闭');
    const dir = join('out', 'test-lesson');
    mkdirSync(dir, { recursive: true });
    const text = lessonCommand(['refused', '--json', join(dir, 'r.json'), '--pcap', join(dir, 'r.pcap'), '--svg', join(dir, 'r.svg')]);
    expect(text).toBe(readFileSync(join(GOLDEN, 'refused.txt'), 'utf8'));
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Story;
    expect(json.events.filter((x) => x.kind === 'seg').map((x) => (x as SegEvent).flags)).toEqual(['S', 'R.']);
    const pcap = readFileSync(join(dir, 'r.pcap'));
    expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(pcap.readUInt32LE(20)).toBe(101);
    // Two records: 16-octet header + 48-octet SYN (with options) and 16 + 40-octet RST.
    expect(pcap.length).toBe(24 + 16 + 48 + 16 + 40);
    expect(readFileSync(join(dir, 'r.svg'), 'utf8')).toBe(readFileSync(join(GOLDEN, 'refused.svg'), 'utf8'));
    for (const bad of [['nope'], ['handshake', '--drop', 'x'], ['handshake', '--loss', '2'], ['handshake', '--lang', 'fr'], ['--frob'], []]) {
      expect(() => lessonCommand(bad)).toThrow(UsageError);
    }
  });
});

describe('README', () => {
  it('shows the current output of the two lessons it quotes', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const name of ['simultaneous-close', 'time-wait']) {
      const at = readme.indexOf('`slipstack lesson ' + name + '`');
      expect(at, name).toBeGreaterThan(0);
      const start = readme.indexOf('```\n', at) + 4;
      const end = readme.indexOf('```', start);
      expect(readme.slice(start, end), name + ': paste test/trace/golden/' + name + '.txt into the README').toBe(readFileSync(join(GOLDEN, name + '.txt'), 'utf8'));
    }
  });
});
