/**
 * A lab session: the browser lab's model, with no DOM. A session is a seed, a loss rate, the
 * world settings, and a log of what the user did and when (on the virtual clock): calls on
 * an end (listen, connect, write, shutdown, close, abort) and segments dropped in flight.
 * The world is never edited backwards: undo removes the last entry of the log and replays
 * the log from the start, which gives exactly the same run because the line and the stacks
 * are deterministic by seed. Changing the loss rate replays too.
 *
 * Ports: A is 192.168.190.1 on port 40000, B is 192.168.190.2 on port 80; listen listens
 * on the end's own port and connect goes from it to the other end's, so two connects at
 * once are a simultaneous open.
 */
import { World } from '../lessons/world.js';
import type { WorldOptions } from '../lessons/world.js';
import { worldOptions, doStep, runLessonSteps } from '../lessons/run.js';
import type { Lesson, Step } from '../lessons/scenarios.js';
import { WORLD_DEFAULTS } from '../lessons/world.js';

/** Local ports of A and B. */
export const LAB_PORTS = [40000, 80];

/** One entry of the action log. */
export interface LabAction {
  /** Virtual time, ms. */
  t: number;
  /** A step on an end, or a drop of segment n. */
  step: Step | null;
  drop: number;
  /** Made by the user (undo takes these back), not by a loaded lesson's script. */
  user: boolean;
}

/** The calls an end's buttons make. */
export const LAB_CALLS = ['listen', 'connect', 'write', 'shutdown', 'close', 'abort'];

export class LabSession {
  opts: WorldOptions;
  log: LabAction[];
  world: World;
  /** Name of the scenario loaded ('' for free play). */
  lesson: string;
  private lessonUntil: number;
  /** Index of the first log entry not yet carried out (a lesson's script runs ahead of the clock). */
  private next: number;

  constructor(seed: number) {
    this.opts = { ...WORLD_DEFAULTS, seed: seed, roles: ['peer', 'peer'], config: [{}, {}], drops: [] };
    this.log = [];
    this.lesson = '';
    this.lessonUntil = 0;
    this.next = 0;
    this.world = new World(this.opts);
    this.world.story.lesson = 'lab';
    this.world.story.title = 'free play';
  }

  /** The virtual clock. */
  now(): number {
    return this.world.now();
  }

  /** A button: call `what` on end e now. */
  call(e: number, what: string): void {
    const step = labStep(e, what);
    const t = this.now();
    // A call the stack refuses (close with nothing open...) throws and is not logged.
    doStep(this.world, step);
    this.record({ t: t, step: step, drop: 0, user: true });
  }

  /** Drop segment n if it is still in flight (a click on it); false if it was not. */
  drop(n: number): boolean {
    if (!this.world.dropInFlight(n)) return false;
    this.record({ t: this.now(), step: null, drop: n, user: true });
    return true;
  }

  /** Log an action just carried out, before the script's entries still to come. */
  private record(a: LabAction): void {
    this.log.splice(this.next, 0, a);
    this.next++;
  }

  /** Run the clock to t, carrying out the log's entries due on the way. */
  private runTo(t: number): void {
    while (this.next < this.log.length && this.log[this.next].t <= t) {
      const a = this.log[this.next];
      this.world.runTo(a.t);
      if (a.step !== null) doStep(this.world, a.step);
      else this.world.dropInFlight(a.drop);
      this.next++;
    }
    this.world.runTo(t);
  }

  /** Run the clock forward by dt ms. */
  advance(dt: number): void {
    this.runTo(this.now() + dt);
  }

  /** Run to the next thing that happens (a frame, a timer, a scripted call); false if nothing will. */
  step(): boolean {
    let t = this.world.nextEvent();
    if (this.next < this.log.length && this.log[this.next].t < t) t = this.log[this.next].t;
    if (t === Infinity) return false;
    this.runTo(t > this.now() ? t : this.now());
    return true;
  }

  /** Take back the user's last action: replay everything else up to the moment it was made. */
  undo(): boolean {
    let k = this.next - 1;
    while (k >= 0 && !this.log[k].user) k--;
    if (k < 0) return false;
    const t = this.log[k].t;
    this.log.splice(k, 1);
    this.replay(t);
    return true;
  }

  /** A new loss rate: the same log replayed on a line with that loss, to the same time. */
  setLoss(p: number): void {
    this.opts = { ...this.opts, loss: p };
    this.replay(this.now());
  }

  /** Load a lesson: its settings, and its steps as a log at the times they ran; the clock goes back to 0. */
  load(lesson: Lesson): void {
    const o = worldOptions(lesson, { seed: this.opts.seed, loss: this.opts.loss });
    const run = runLessonSteps(lesson, { seed: this.opts.seed, loss: this.opts.loss, netstatAt: [] });
    this.opts = o;
    this.log = run.done.map(function (d) { return { t: d.t, step: d.step, drop: 0, user: false }; });
    this.lesson = lesson.name;
    this.lessonUntil = lesson.until;
    this.replay(0);
    this.world.story.title = lesson.title;
    this.world.story.about = lesson.about;
    this.world.story.rfc = lesson.rfc;
  }

  /** Where a loaded lesson's script ends (0 in free play). */
  until(): number {
    return this.lessonUntil;
  }

  /** Back to free play at time 0 (the seed and loss stay). */
  reset(): void {
    this.opts = { ...WORLD_DEFAULTS, seed: this.opts.seed, loss: this.opts.loss, roles: ['peer', 'peer'], config: [{}, {}], drops: [] };
    this.log = [];
    this.lesson = '';
    this.lessonUntil = 0;
    this.replay(0);
  }

  /** Rebuild the world and redo the log's entries due by `until`, then run to `until`. */
  replay(until: number): void {
    const w = new World(this.opts);
    w.story.lesson = this.lesson !== '' ? this.lesson : 'lab';
    w.story.title = this.world.story.title;
    w.story.about = this.world.story.about;
    w.story.rfc = this.world.story.rfc;
    this.world = w;
    this.next = 0;
    this.runTo(until);
  }
}

/** The step a button makes. */
export function labStep(e: number, what: string): Step {
  const other = LAB_PORTS[1 - e];
  switch (what) {
    case 'listen': return { at: 0, end: e, do: 'listen', port: LAB_PORTS[e] };
    case 'connect': return { at: 0, end: e, do: 'connect', port: other, lport: LAB_PORTS[e] };
    case 'write': return { at: 0, end: e, do: 'write', bytes: 300 };
    case 'shutdown': return { at: 0, end: e, do: 'shutdown' };
    case 'close': return { at: 0, end: e, do: 'close' };
    case 'abort': return { at: 0, end: e, do: 'abort' };
    default: throw new Error('lab: unknown call ' + what);
  }
}
