// subset: host-only
/**
 * The story of a lesson: what two stacks on the simulated line did, as a list of plain
 * events that every teaching view draws (the terminal ladder, the SVG, the browser lab, the
 * JSON dump). The recorder (tools/lessons/world.ts) fills it from the stacks' public API: the
 * transition trace (src/trace/events.ts), `stack.txReason`, the drop counters and the frames
 * on the line.
 *
 * Contract:
 * - Events are in the order they happened; `t` is the virtual clock in ms. Two events at the
 *   same time keep that order (a segment arrives, the receiver changes state, its reply leaves).
 * - Ends are 0 (A, drawn on the left) and 1 (B, on the right).
 * - Sequence and acknowledgment numbers are relative to the ISN of their direction of their
 *   connection, like tcpdump and packetdrill print them (`rel` false: no SYN seen, absolute).
 * - Plain data only (numbers, strings, arrays), so a story survives JSON.stringify.
 * Host-only: views allocate freely; nothing here is on a board.
 */

/** A's index. */
export const END_A = 0;
/** B's index. */
export const END_B = 1;
/** Letters of the ends. */
export const END_NAMES: string[] = ['A', 'B'];

/** Lesson-level cause beyond the stack's CAUSE_*: the host rebooted (src/trace/explain.ts). */
export { CAUSE_REBOOT } from './explain.js';

/** One segment put on the line. */
export interface SegEvent {
  kind: 'seg';
  t: number;
  /** Number of the segment, 1-based, both directions counted together. */
  n: number;
  /** Number within its direction (the 3 of `--drop a>b:3`). */
  nDir: number;
  /** The sending end. */
  from: number;
  /** Flags in packetdrill notation: S, S., ., P., F., R, R. ... */
  flags: string;
  seq: number;
  ack: number;
  /** The ACK bit is set (else `ack` is meaningless). */
  hasAck: boolean;
  /** Payload octets. */
  len: number;
  win: number;
  /** Options in packetdrill notation without the brackets ('mss 256,sackOK', 'nop,nop,sack 257:513'), or ''. */
  opts: string;
  /** stack.txReason when it was written (WHY_*), or -1 for a frame a lesson injected. */
  why: number;
  /** 'arrived', 'lost' (the line's --loss), 'dropped' (--drop, or a click in the lab), 'flight' (still on the line). */
  fate: string;
  /** When it arrives (or would have arrived), ms. */
  arrive: number;
  /** Numbers are relative to the ISNs. */
  rel: boolean;
  /** The source address is not the sender's own (a spoofed or injected segment): shown beside it. */
  spoof: string;
  /** Source and destination ports. */
  sport: number;
  dport: number;
  /** A one-line summary for non-TCP packets ('' for TCP). */
  other: string;
}

/** A segment reached its receiver. */
export interface ArriveEvent {
  kind: 'arrive';
  t: number;
  n: number;
  /** The receiving end. */
  end: number;
  /** Drop counters (src/stats.ts DROP_NAMES) the receiver raised while handling it. */
  drops: string[];
}

/** A connection changed state. */
export interface StateEvent {
  kind: 'state';
  t: number;
  end: number;
  /** Connection handle on that end (listener handles for LISTEN). */
  conn: number;
  from: number;
  to: number;
  /** CAUSE_* (src/trace/events.ts) or CAUSE_REBOOT. */
  cause: number;
  /** The connection drawn in the end's column (the one between A and B); others are side notes. */
  main: boolean;
  /** The remote endpoint, 'addr:port' ('' for a listener). */
  remote: string;
}

/** The application on an end did something (listen, connect, close...). */
export interface AppEvent {
  kind: 'app';
  t: number;
  end: number;
  /** The call as a user would write it: 'listen(80)', 'close()', 'write(300 B)'. */
  call: string;
  /** What it returned, if worth showing ('' otherwise). */
  result: string;
}

import type { NetRow } from './netstat.js';
export type { NetRow } from './netstat.js';

/** A netstat snapshot of both ends at one moment. */
export interface NetstatEvent {
  kind: 'netstat';
  t: number;
  /** Rows of A, then of B. */
  rows: NetRow[][];
}

export type StoryEvent = SegEvent | ArriveEvent | StateEvent | AppEvent | NetstatEvent;

/** Who the two ends are. */
export interface EndInfo {
  /** 'A' or 'B'. */
  name: string;
  addr: string;
  /** 'client', 'server', 'peer' ... (a key of the strings table). */
  role: string;
}

/** Everything a view needs: the lesson's identity, the line, the ends and the events. */
export interface Story {
  lesson: string;
  /** Title, explanation lines and RFC reference, in the language of the run. */
  title: string;
  about: string[];
  rfc: string;
  ends: EndInfo[];
  /** Line and stack settings, printed in the header. */
  baud: number;
  latency: number;
  mtu: number;
  msl: number;
  seed: number;
  loss: number;
  /** The drops asked for (as typed: '3', 'a>b:4'). */
  drops: string[];
  /** The clock when the run stopped, ms. */
  end: number;
  events: StoryEvent[];
}

/** One entry of an end's state timeline. */
export interface TimelineEntry {
  state: number;
  at: number;
  /** Time spent in the state until the next transition or the end of the run, ms. */
  spent: number;
  /** Still in this state at the end of the run. */
  open: boolean;
}

/** The main connection's states on one end, in order, with how long each lasted. */
export function timeline(story: Story, end: number): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const e of story.events) {
    if (e.kind !== 'state' || e.end !== end || !e.main) continue;
    if (out.length === 0) out.push({ state: e.from, at: 0, spent: 0, open: false });
    const last = out[out.length - 1];
    last.spent = e.t - last.at;
    out.push({ state: e.to, at: e.t, spent: 0, open: false });
  }
  if (out.length === 0) out.push({ state: 0, at: 0, spent: 0, open: false });
  const last = out[out.length - 1];
  last.spent = story.end - last.at;
  last.open = true;
  return out;
}

/** The states the main connection of an end went through, first one included (tests assert these). */
export function stateSequence(story: Story, end: number): number[] {
  return timeline(story, end).map(function (e) { return e.state; });
}

/** The segment event numbered n, or undefined. */
export function segment(story: Story, n: number): SegEvent | undefined {
  for (const e of story.events) if (e.kind === 'seg' && e.n === n) return e;
  return undefined;
}
