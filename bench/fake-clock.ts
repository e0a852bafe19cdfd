/**
 * A clock moved by hand, with Espruino's and Kaluma's setTimeout/clearTimeout on it: the board
 * firmware's timers in a Node `vm` context (the firmware tests, test/firmware/sandbox.ts, and
 * `npm run bench:calls`). It counts what the tests check: the most timers pending at once, and
 * clearTimeout calls with and without an id (Espruino clears every timer when given none).
 *
 * Contract: `setTimeout(fn, ms)` returns an id; `clearTimeout(id)` removes that timer,
 * `clearTimeout()` all of them; `advance(ms)` moves `now` forward, running the timers that come
 * due, in order.
 */
/** Timers driven by hand; counts how many are pending so tests can check "at most one". */
export class FakeClock {
  now = 0;
  maxPending = 0;
  /** clearTimeout() with no id clears every timer on Espruino: count such calls. */
  clearAllCalls = 0;
  /** clearTimeout(id) calls. */
  clearCalls = 0;
  private nextId = 1;
  private timers: { id: number; at: number; fn: () => void }[] = [];

  setTimeout = (fn: () => void, ms: number): number => {
    const id = this.nextId++;
    this.timers.push({ id, at: this.now + Math.max(0, ms), fn });
    this.maxPending = Math.max(this.maxPending, this.timers.length);
    return id;
  };

  clearTimeout = (id?: number): void => {
    if (id === undefined) {
      this.clearAllCalls++;
      this.timers = [];
      return;
    }
    this.clearCalls++;
    this.timers = this.timers.filter((t) => t.id !== id);
  };

  get pending(): number {
    return this.timers.length;
  }

  /** Move time forward by ms, running due timers in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const t = this.timers[0];
      if (t === undefined || t.at > end) break;
      this.timers.shift();
      this.now = Math.max(this.now, t.at);
      t.fn();
    }
    this.now = end;
  }
}
