/**
 * hal/wrap.ts, the one HAL wrapper, and every wrapper built on it (hal/pcap.ts, hal/tracer.ts,
 * the host HAL of the main job in tools/main-job.ts): each forwards every member of the HAL
 * contract (src/hal.ts), `wake` included.
 */
import { describe, expect, it } from 'vitest';
import type { Hal, Receiver } from '../../src/hal.js';
import { wrapHal } from '../../hal/wrap.js';
import { withPcap } from '../../hal/pcap.js';
import { withTracer } from '../../hal/tracer.js';
import { hostHal } from '../../tools/main-job.js';
import { START_DEFAULTS } from '../../tools/start.js';
import { createStack } from '../../src/stack.js';
import { parseAddr } from '../../src/wire/ipv4.js';
import { echoRequest, slipFrame, HOST, BOARD } from '../helpers.js';

/** Every member of the Hal interface; tsc fails below when src/hal.ts gains one this list lacks. */
const MEMBERS = ['write', 'setReceiver', 'now', 'random32', 'wake'] as const;
type Unlisted = Exclude<keyof Hal, (typeof MEMBERS)[number]>;
const allListed: [Unlisted] extends [never] ? true : false = true;

/** A HAL that counts the calls of each member and lets the test deliver bytes. */
interface FakeHal extends Hal {
  calls: Record<string, number>;
  written: Uint8Array[];
  rx: Receiver | null;
}

function fakeHal(withWake: boolean): FakeHal {
  const calls: Record<string, number> = { write: 0, setReceiver: 0, now: 0, random32: 0, wake: 0 };
  const h: FakeHal = {
    calls, written: [], rx: null,
    write(buf, off, len) { calls.write++; h.written.push(buf.slice(off, off + len)); },
    setReceiver(r) { calls.setReceiver++; h.rx = r; },
    now() { calls.now++; return 1234; },
    random32() { calls.random32++; return 0x5eed; },
  };
  if (withWake) h.wake = () => { calls.wake++; };
  return h;
}

/** Every wrapper the project has, around `inner`. */
const wrappers: [string, (inner: Hal) => Hal][] = [
  ['wrapHal', (inner) => wrapHal(inner, { sent() {}, received() {} })],
  ['withPcap', (inner) => withPcap(inner, () => {}, 296)],
  ['withTracer', (inner) => withTracer(inner, () => {}, 296, 't')],
  ['withTracer(withPcap)', (inner) => withTracer(withPcap(inner, () => {}, 296), () => {}, 296, 't')],
  ['main job host HAL', (inner) => hostHal(inner, START_DEFAULTS, [], () => {})],
  ['main job host HAL with --trace', (inner) => hostHal(inner, { ...START_DEFAULTS, trace: true }, [], () => {})],
];

describe('HAL wrappers', () => {
  it('list every member of the HAL contract', () => {
    expect(allListed).toBe(true);
    expect(MEMBERS).toHaveLength(5);
  });

  for (const [name, wrap] of wrappers) {
    it(name + ' forwards every member: write, setReceiver (bytes pass through), now, random32 and wake', () => {
      const inner = fakeHal(true);
      const w = wrap(inner);
      for (const m of MEMBERS) expect(typeof w[m], m).toBe('function');
      const frame = slipFrame(echoRequest(new Uint8Array([1, 2, 3])));
      w.write(frame, 0, frame.length);
      expect(inner.written).toEqual([frame]);
      const got: number[] = [];
      w.setReceiver((buf, off, len) => { for (let i = 0; i < len; i++) got.push(buf[off + i]); });
      inner.rx!(frame, 0, frame.length);
      expect(got).toEqual(Array.from(frame));
      expect(w.now()).toBe(1234);
      expect(w.random32()).toBe(0x5eed);
      const wakes = inner.calls.wake;
      w.wake!();
      expect(inner.calls.wake).toBe(wakes + 1);
      // The wrapper registered itself as the inner HAL's receiver exactly once.
      expect(inner.calls.setReceiver).toBe(1);
    });

    it(name + ' wakes nothing, and does not throw, when the inner HAL has no wake', () => {
      const inner = fakeHal(false);
      const w = wrap(inner);
      expect(() => w.wake!()).not.toThrow();
    });
  }

  it('show the tap a frame before the inner HAL sends it, and received bytes before the receiver', () => {
    const inner = fakeHal(true);
    const order: string[] = [];
    const w = wrapHal(inner, { sent: () => order.push('tap sent'), received: () => order.push('tap received') });
    const write = inner.write;
    inner.write = (b, o, l) => { order.push('inner write'); write(b, o, l); };
    w.setReceiver(() => { order.push('receiver'); });
    w.write(new Uint8Array(1), 0, 1);
    inner.rx!(new Uint8Array(1), 0, 1);
    expect(order).toEqual(['tap sent', 'inner write', 'tap received', 'receiver']);
  });

  it('carry the stack\'s wake through: a user call outside input and poll reaches the serial HAL under the pcap (npm start -- --port)', () => {
    for (const trace of [false, true]) {
      const serial = fakeHal(true);
      const host = createStack({ addr: '192.168.190.1' }, hostHal(serial, { ...START_DEFAULTS, trace }, [], () => {}));
      host.poll(0);
      const before = serial.calls.wake;
      // From an application timer, say: outside input and poll. The SYN's retransmission timer
      // is a deadline the HAL does not know yet, so the stack asks to be polled again.
      host.tcpConnect(parseAddr('192.168.190.2')!, 80, 0);
      expect(serial.calls.wake, 'trace ' + trace).toBeGreaterThan(before);
    }
  });

  it('keep the stack answering through a stack of wrappers (a ping in, a reply out)', () => {
    const inner = fakeHal(true);
    createStack({ addr: '192.168.190.2' }, withTracer(withPcap(inner, () => {}, 296), () => {}, 296, 't'));
    const frame = slipFrame(echoRequest(new Uint8Array([9, 9]), 0x42, 1, { src: HOST, dst: BOARD }));
    inner.rx!(frame, 0, frame.length);
    expect(inner.written).toHaveLength(1);
  });
});
