/**
 * Runs dist/kaluma.js, as built by build.mjs, inside a Node `vm` context stripped to the
 * board subset, with a fake `require('uart')`, `millis`, timers and console. The fake UART
 * emits freshly allocated Uint8Arrays (as Kaluma does) and its `write` records the WHOLE
 * underlying ArrayBuffer of what it is given, mimicking Kaluma's bug: a HAL that wrote a
 * subarray would put the rest of its buffer on the line and the checks below would fail.
 * The test checks ICMP echo and UDP echo replies with an independent decoder, on the bundle
 * and on a de-hoisted copy of it.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import {
  buildBundle, boardRealm, dehoist, FakeClock, BOARD_ADDR, HOST_ADDR,
  echoRequest, udpDatagram, slipEncode, slipDecode, checkEchoReply, checkUdp, testPayload,
} from './sandbox.js';

interface KalumaBoard {
  clock: FakeClock;
  written: number[];
  /** byteLength of each buffer handed to write, and the bytes each write put on the line. */
  writeBuffers: number[];
  uarts: { port: number; options: { baudrate?: number } }[];
  handlers: ((u8: Uint8Array) => void)[];
  logs: string[];
  required: string[];
  send(chunks: number[][]): void;
  takeFrames(): number[][];
}

function bootKaluma(code: string): KalumaBoard {
  const clock = new FakeClock();
  let taken = 0;
  const board: KalumaBoard = {
    clock, written: [], writeBuffers: [], uarts: [], handlers: [], logs: [], required: [],
    send: (chunks) => {
      expect(board.handlers.length).toBe(1);
      for (const c of chunks) {
        // Kaluma hands over a newly allocated Uint8Array per event.
        const u = new realm.U8(c.length);
        for (let i = 0; i < c.length; i++) u[i] = c[i];
        board.handlers[0](u);
      }
    },
    takeFrames: () => {
      const frames = slipDecode(board.written.slice(taken));
      taken = board.written.length;
      return frames;
    },
  };
  class FakeUart {
    constructor(port: number, options: { baudrate?: number }) {
      board.uarts.push({ port, options });
    }
    on(event: string, fn: (u8: Uint8Array) => void): void {
      if (event === 'data') board.handlers.push(fn);
    }
    write(data: Uint8Array | string): void {
      if (typeof data === 'string') {
        for (let i = 0; i < data.length; i++) board.written.push(data.charCodeAt(i) & 0xff);
        return;
      }
      // Kaluma's bug: the whole ArrayBuffer goes out, whatever the view's bounds.
      const whole = new Uint8Array(data.buffer);
      board.writeBuffers.push(whole.length);
      for (let i = 0; i < whole.length; i++) board.written.push(whole[i]);
    }
  }
  const realm = boardRealm({
    console: { log: (...a: unknown[]) => board.logs.push(a.map(String).join(' ')) },
    millis: () => Math.floor(clock.now),
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    require: (name: string) => {
      board.required.push(name);
      if (name === 'uart') return { UART: FakeUart };
      throw new Error(`no module ${name}`);
    },
  });
  realm.run(code, 'kaluma.js');
  expect(board.required).toEqual(['uart']);
  expect(board.uarts).toEqual([{ port: 0, options: { baudrate: 115200 } }]);
  expect(board.handlers.length).toBe(1);
  expect(board.logs.some((l) => /slipstack: 192\.168\.190\.2 up, \d+ bytes/.test(l))).toBe(true);
  return board;
}

let bundle = '';

beforeAll(() => {
  bundle = buildBundle('kaluma');
});

const VARIANTS = {
  'bundle': (b: string) => b,
  'de-hoisted bundle': (b: string) => dehoist(b).code,
};

for (const [variant, transform] of Object.entries(VARIANTS)) {
  describe(`dist/kaluma.js (${variant})`, () => {
    const code = () => transform(bundle);

    it('answers a ping with a valid echo reply, written as a standalone buffer', () => {
      const board = bootKaluma(code());
      const data = testPayload(200);
      board.send([slipEncode(echoRequest(0xbeef, 42, data))]);
      const frames = board.takeFrames();
      expect(frames.length).toBe(1);
      const r = checkEchoReply(frames[0]);
      expect(r.ident).toBe(0xbeef);
      expect(r.seq).toBe(42);
      expect(r.data).toEqual(data);
      expect(r.ip.src).toEqual(BOARD_ADDR);
      expect(r.ip.dst).toEqual(HOST_ADDR);
      // One write, whose whole buffer is exactly the frame.
      expect(board.writeBuffers).toEqual([board.written.length]);
    });

    it('reassembles a frame delivered in chunks split at every byte boundary', () => {
      const board = bootKaluma(code());
      for (let k = 1; k < 40; k++) {
        const f = slipEncode(echoRequest(0x0a0b, k, testPayload(32)));
        board.send([f.slice(0, k), f.slice(k)]);
        const frames = board.takeFrames();
        expect(frames.length).toBe(1);
        expect(checkEchoReply(frames[0]).seq).toBe(k);
      }
    });

    it('echoes UDP on port 7 back to the sender, from port 7', () => {
      const board = bootKaluma(code());
      const data = testPayload(100);
      board.send([slipEncode(udpDatagram(5555, 7, data))]);
      const frames = board.takeFrames();
      expect(frames.length).toBe(1);
      const u = checkUdp(frames[0]);
      expect([u.srcPort, u.dstPort]).toEqual([7, 5555]);
      expect(u.data).toEqual(data);
    });

    it('keeps at most one timer pending', () => {
      const board = bootKaluma(code());
      for (let i = 0; i < 10; i++) {
        board.send([slipEncode(echoRequest(1, i, testPayload(8)))]);
        board.clock.advance(500);
      }
      expect(board.takeFrames().length).toBe(10);
      expect(board.clock.maxPending).toBeLessThanOrEqual(1);
    });
  });
}

describe('the de-hoisted Kaluma bundle', () => {
  it('really had its function declarations rewritten', () => {
    expect(dehoist(bundle).count).toBeGreaterThan(10);
  });
});
