/**
 * Runs a lesson (tools/lessons/scenarios.ts) in a World (tools/lessons/world.ts) and returns
 * its Story: the steps are carried out in order at their times on the virtual clock, netstat
 * snapshots are taken at the chosen moments, and the run stops at the lesson's end time.
 * The same lesson and options always give the same story. No Node modules (the lab runs it).
 */
import { World, WORLD_DEFAULTS } from './world.js';
import type { WorldOptions } from './world.js';
import type { Lesson, Step } from './scenarios.js';
import type { Story } from '../../src/trace/story.js';
import type { PcapSink } from '../../hal/pcap.js';
import * as C from '../../src/tcp/constants.js';

/** States that always end by themselves (a timer runs in each). */
const TRANSIENT = [C.SYN_SENT, C.SYN_RECEIVED, C.FIN_WAIT_1, C.CLOSING, C.LAST_ACK];

/** What a user may change about a lesson run. */
export interface RunOptions {
  seed?: number;
  loss?: number;
  mtu?: number;
  msl?: number;
  /** Extra segments to drop, on top of the lesson's own ('3', 'a>b:4'). */
  drops?: string[];
  /** Moments (ms) for netstat tables, instead of the lesson's. */
  netstatAt?: number[];
  pcap?: PcapSink | null;
  /** Language of the title and explanation: 'en' (default) or 'zh'. */
  lang?: string;
}

/** The world options of a lesson with the user's changes. */
export function worldOptions(lesson: Lesson, o: RunOptions): WorldOptions {
  return {
    seed: o.seed !== undefined ? o.seed : WORLD_DEFAULTS.seed,
    loss: o.loss !== undefined ? o.loss : WORLD_DEFAULTS.loss,
    mtu: o.mtu !== undefined ? o.mtu : WORLD_DEFAULTS.mtu,
    msl: o.msl !== undefined ? o.msl : WORLD_DEFAULTS.msl,
    baud: WORLD_DEFAULTS.baud,
    latency: WORLD_DEFAULTS.latency,
    drops: (lesson.drops || []).concat(o.drops || []),
    config: [lesson.config ? lesson.config[0] : {}, lesson.config ? lesson.config[1] : {}],
    addrs: WORLD_DEFAULTS.addrs,
    roles: lesson.roles,
    pcap: o.pcap !== undefined ? o.pcap : null,
  };
}

/** Carry out one step in the world (its time has come). */
export function doStep(w: World, s: Step): void {
  switch (s.do) {
    case 'listen': w.listen(s.end, s.port as number); break;
    case 'connect': w.connect(s.end, s.port as number, s.lport || 0); break;
    case 'connect-from': w.connectFrom(s.end, s.lport as number, s.port as number); break;
    case 'write': w.write(s.end, s.bytes as number); break;
    case 'read': w.reading(s.end, true); break;
    case 'stop-reading': w.reading(s.end, false); break;
    case 'shutdown': w.shutdown(s.end); break;
    case 'close': w.close(s.end); break;
    case 'abort': w.abort(s.end); break;
    case 'keepalive': w.keepalive(s.end); break;
    case 'no-accept': w.noAccept(s.end); break;
    case 'reboot': w.reboot(s.end); break;
    case 'inject': w.inject(s.end, s.src as string, s.lport as number, s.port as number, s.flags as number, s.seq as number, s.note || 'inject'); break;
  }
}

/** A step as it was carried out: at what time. */
export interface DoneStep {
  t: number;
  step: Step;
}

/** Run `lesson` with options `o`; returns the world (its story is complete) and when each step ran. */
export function runLesson(lesson: Lesson, o: RunOptions): World {
  return runLessonSteps(lesson, o).world;
}

/** Like runLesson, and the times at which the steps ran (the lab replays them). */
export function runLessonSteps(lesson: Lesson, o: RunOptions): { world: World; done: DoneStep[] } {
  const done: DoneStep[] = [];
  const w = new World(worldOptions(lesson, o));
  w.story.lesson = lesson.name;
  const zh = o.lang === 'zh';
  w.story.title = zh ? lesson.titleZh : lesson.title;
  w.story.about = zh ? lesson.aboutZh : lesson.about;
  w.story.rfc = lesson.rfc;
  const snaps = (o.netstatAt !== undefined ? o.netstatAt : lesson.netstatAt).slice().sort(function (a, b) { return a - b; });
  let k = 0;
  /** Run to t, taking the netstat snapshots due on the way. */
  const runTo = function (t: number): void {
    while (k < snaps.length && snaps[k] <= t) {
      w.runTo(snaps[k]);
      w.netstat();
      k++;
    }
    w.runTo(t);
  };
  for (const s of lesson.steps) {
    runTo(s.at);
    if (s.when !== undefined) {
      // Wait for the state, but never past the next snapshot unseen or the lesson's end.
      for (;;) {
        const limit = k < snaps.length && snaps[k] < lesson.until ? snaps[k] : lesson.until;
        if (w.runUntilState(s.when.end, s.when.state, limit)) break;
        if (w.now() >= lesson.until) break;
        runTo(w.now());
      }
      if (s.after !== undefined) runTo(w.now() + s.after);
    }
    if (w.now() >= lesson.until && s.when !== undefined) continue;
    done.push({ t: w.now(), step: s });
    doStep(w, s);
  }
  runTo(lesson.until);
  // A drop or a loss can leave the story half told at `until`: go on while segments are on
  // the line or a main connection waits in a state a timer will end (at most 30 s more).
  const limit = lesson.until + 30000;
  const busy = function (): boolean {
    if (w.inFlight().length > 0) return true;
    for (const end of w.ends) if (TRANSIENT.indexOf(end.column) >= 0) return true;
    return false;
  };
  while (busy() && w.now() < limit) {
    const t = w.nextEvent();
    if (t === Infinity) break;
    runTo(t < limit ? t : limit);
  }
  return { world: w, done: done };
}

/** The story of `lesson` under options `o`. */
export function lessonStory(lesson: Lesson, o: RunOptions): Story {
  return runLesson(lesson, o).story;
}
