/**
 * The board HALs' poll timer: after each received chunk, when the deadline `poll` returned
 * comes, and on `wake` (src/hal.ts), poll the stack and keep exactly one timer (or none) armed
 * for the deadline it returns. Shared by hal/espruino.ts and hal/kaluma.ts, whose runtimes
 * both have `setTimeout`/`clearTimeout` and a millisecond clock.
 *
 * Contract: `createPollTimer(now)` at start-up; `attach(stack)` once the stack exists (again
 * after a re-`start`, harmlessly); `pollAndArm()` from the HAL's data handler after a chunk
 * that completed a frame (the receiver says so); at most one timer is armed, never later than
 * the deadline `poll` returned (an earlier one is kept: its poll finds nothing due and arms
 * for the real deadline); `wake()` is the HAL's `wake`: it polls at
 * the next turn of the event loop, once however many calls asked for it, never from inside
 * the call. Espruino quirk:
 * `clearTimeout()` without an id clears EVERY timer, so only a real id is ever cleared.
 */

import type { Pollable } from '../src/hal.js';

export interface PollTimer {
  /** The stack to poll (start-up). */
  attach(stack: Pollable): void;
  /** Poll now and arm one timer for the deadline returned. */
  pollAndArm(): void;
  /** Poll at the next turn of the event loop. */
  wake(): void;
}

/** A poll timer on the runtime's `setTimeout`, reading time from `now` (ms). */
export function createPollTimer(now: () => number): PollTimer {
  let stack: Pollable | null = null;
  let timer: unknown = null;
  /** When the armed timer fires (ms; meaningless while timer is null). */
  let armedFor = 0;
  let wakePending = false;

  function pollAndArm(): void {
    if (stack === null) return;
    const t = now();
    const deadline = stack.poll(t);
    if (timer !== null) {
      // The armed timer comes first, or at the same time: keep it (when it fires, it polls,
      // which returns at once if nothing is due, and arms for what is). Most frames end here
      // on a busy connection: no timer cleared and made again per frame.
      if (armedFor <= deadline) return;
      clearTimeout(timer as number);
      timer = null;
    }
    if (deadline !== Infinity) {
      const delay = deadline > t ? deadline - t : 0;
      armedFor = deadline;
      timer = setTimeout(onTimer, delay);
    }
  }

  function onTimer(): void {
    timer = null;
    pollAndArm();
  }

  function onWake(): void {
    wakePending = false;
    pollAndArm();
  }

  return {
    attach(s: Pollable): void {
      stack = s;
    },
    pollAndArm: pollAndArm,
    wake(): void {
      if (wakePending) return;
      wakePending = true;
      setTimeout(onWake, 0);
    },
  };
}
