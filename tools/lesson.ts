// subset: host-only
/**
 * `slipstack lesson NAME`: a TCP scenario between two slipstack stacks on the simulated
 * line, printed as a ladder diagram with both ends' states, the reason for every segment and
 * transition, each end's state timeline and netstat tables; optionally written as SVG, JSON
 * and pcap. `slipstack lesson --list` lists the lessons. The lessons are data
 * (tools/lessons/scenarios.ts); runs are on a virtual clock, so they finish at once and the
 * same options always print the same thing.
 */
import { parseArgs } from 'node:util';
import { writeFileSync, mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { LESSONS, findLesson } from './lessons/scenarios.js';
import { runLesson } from './lessons/run.js';
import { parseDrop } from './lessons/world.js';
import { lessonText } from '../src/trace/ladder.js';
import { lessonSvg } from '../src/trace/svg.js';
import { strings, displayWidth } from '../src/trace/i18n.js';

export const LESSON_HELP = `usage: slipstack lesson NAME [options]
       slipstack lesson --list

Runs a TCP scenario between two slipstack stacks, A (192.168.190.1) and B
(192.168.190.2), on a simulated 115200-baud serial line with a virtual clock,
and prints it as a ladder diagram: every segment with time, direction, flags,
seq:end(len), ack, window and options (packetdrill notation) and why it was
sent; both ends' states where they change, with the reason and the RFC 9293
section; then each end's state timeline and netstat tables (like ss -tan -o).

  --list            list the lessons
  --drop SPEC       drop a segment: N (the Nth of all) or a>b:N / b>a:N (the Nth
                    in that direction); repeat for more
  --loss P          probability that the line loses a frame, 0..1 (default 0)
  --seed N          seed of the line and the stacks (default 1)
  --msl MS          maximum segment lifetime; TIME-WAIT lasts 2·MSL (default 1000)
  --mtu N           IP MTU of the line, 68..1500 (default 296)
  --netstat-at T    netstat tables at these times, ms (comma-separated)
  --svg FILE        also write the diagram as a standalone SVG
  --json FILE       also write the events as JSON
  --pcap FILE       also write a capture of the line at A (LINKTYPE_RAW)
  --lang en|zh      language of explanations (zh: Simplified Chinese)
  -h, --help        this text
`;

/** A bad option: one line on stderr, exit code 2. */
export class UsageError extends Error {}

/** The lesson list: name and title, aligned. */
export function lessonList(lang: string): string {
  let w = 0;
  for (const l of LESSONS) if (l.name.length > w) w = l.name.length;
  const lines = LESSONS.map(function (l) {
    const title = lang === 'zh' ? l.titleZh : l.title;
    return '  ' + l.name + ' '.repeat(w - displayWidth(l.name)) + '  ' + title + ' (' + l.rfc + ')';
  });
  return (lang === 'zh' ? '课程：' : 'lessons:') + '\n' + lines.join('\n') + '\n';
}

function number(name: string, v: string | undefined, def: number, min: number, max: number, integer: boolean): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in ${min}..${max}, got "${v}"`);
  if (integer && !Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, got "${v}"`);
  return n;
}

function writeOut(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

/** Run the command; returns what to print on stdout. Throws UsageError for bad options. */
export function lessonCommand(argv: string[]): string {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true, options: {
        list: { type: 'boolean' }, drop: { type: 'string', multiple: true }, loss: { type: 'string' }, seed: { type: 'string' },
        msl: { type: 'string' }, mtu: { type: 'string' }, 'netstat-at': { type: 'string', multiple: true }, svg: { type: 'string' },
        json: { type: 'string' }, pcap: { type: 'string' }, lang: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e instanceof Error ? e.message : String(e)).split('\n')[0] + " (see 'slipstack lesson --help')");
  }
  const v = parsed.values;
  if (v.help) return LESSON_HELP;
  const lang = v.lang === undefined ? 'en' : v.lang;
  if (lang !== 'en' && lang !== 'zh') throw new UsageError(`--lang must be en or zh, got "${lang}"`);
  if (v.list) return lessonList(lang);
  if (parsed.positionals.length !== 1) throw new UsageError("lesson needs one lesson name (see 'slipstack lesson --list')");
  const name = parsed.positionals[0];
  const lesson = findLesson(name);
  if (lesson === undefined) throw new UsageError(`no lesson "${name}" (see 'slipstack lesson --list')`);
  const drops = v.drop === undefined ? [] : v.drop;
  for (const d of drops) if (parseDrop(d) === null) throw new UsageError(`--drop must be N or a>b:N or b>a:N, got "${d}"`);
  let netstatAt: number[] | undefined;
  if (v['netstat-at'] !== undefined) {
    netstatAt = [];
    for (const part of v['netstat-at'].join(',').split(',')) netstatAt.push(number('netstat-at', part, 0, 0, 1e9, false));
  }
  const chunks: Uint8Array[] = [];
  const w = runLesson(lesson, {
    seed: number('seed', v.seed, 1, -0x80000000, 0x7fffffff, true),
    loss: number('loss', v.loss, 0, 0, 1, false),
    msl: number('msl', v.msl, 1000, 0, 3600000, true),
    mtu: number('mtu', v.mtu, 296, 68, 1500, true),
    drops: drops,
    netstatAt: netstatAt,
    lang: lang,
    pcap: v.pcap === undefined ? null : function (buf, off, len) { chunks.push(buf.slice(off, off + len)); },
  });
  const str = strings(lang);
  if (v.svg !== undefined) writeOut(v.svg, lessonSvg(w.story, str));
  if (v.json !== undefined) writeOut(v.json, JSON.stringify(w.story, null, 1) + '\n');
  if (v.pcap !== undefined) {
    mkdirSync(dirname(v.pcap), { recursive: true });
    const fd = openSync(v.pcap, 'w');
    try {
      for (const c of chunks) writeSync(fd, c);
    } finally {
      closeSync(fd);
    }
  }
  return lessonText(w.story, str);
}
