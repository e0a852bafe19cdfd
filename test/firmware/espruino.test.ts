/**
 * Runs dist/espruino.js, as built by build.mjs, inside a Node `vm` context that offers only
 * what Espruino offers, with fakes for Serial1, E, getTime, timers, USB and console. The
 * test plays the host end of the SLIP line: it pushes 8-bit strings into Serial1's data
 * handler (split at awkward places) and checks the frames the bundle writes back: ICMP echo
 * replies and UDP echo (port 7) replies, checksums verified by an independent decoder.
 * The same ping check runs on a "de-hoisted" copy of the bundle, where every function
 * declaration became `var f = function f() {}`, so a call before a declaration fails here
 * as it would on Espruino.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { join } from 'node:path';
import { createStack } from '../../src/stack.js';
import { checkSubset } from '../../tools/subset-check.mjs';
import type { Hal, Receiver } from '../../src/hal.js';
import {
  ROOT, buildBundle, boardRealm, dehoist, FakeClock, STRIPPED, BOARD_ADDR, HOST_ADDR, int32Addr,
  echoRequest, udpDatagram, slipEncode, slipDecode, toBinaryString, checkEchoReply, checkUdp, testPayload,
} from './sandbox.js';

/** One running copy of the bundle with its fake board around it. */
interface Board {
  clock: FakeClock;
  /** Every byte the bundle wrote to Serial1, in order. */
  written: number[];
  /** How many write calls carried a typed array, and how many a string. */
  writes: { typed: number; strings: number };
  /** The bundle's Serial1 'data' handlers (must end up exactly one). */
  handlers: ((s: string) => void)[];
  setupCalls: number[];
  consoleCalls: unknown[];
  logs: string[];
  sumCalls: number;
  run(code: string): void;
  /** Deliver 8-bit strings to the data handler, one event per chunk. */
  send(chunks: string[]): void;
  /** Frames written since the last call. */
  takeFrames(): number[][];
  global: Record<string, unknown>;
}

function makeBoard(): Board {
  const clock = new FakeClock();
  const written: number[] = [];
  let taken = 0;
  const board = {} as Board;
  const realm = boardRealm({
    console: { log: (...a: unknown[]) => board.logs.push(a.map(String).join(' ')) },
    getTime: () => clock.now / 1000,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    Serial1: {
      setup: (baud: number) => board.setupCalls.push(baud),
      on: (event: string, fn: (s: string) => void) => {
        if (event === 'data') board.handlers.push(fn);
      },
      write: (data: unknown) => {
        if (typeof data === 'string') {
          board.writes.strings++;
          for (let i = 0; i < data.length; i++) written.push(data.charCodeAt(i) & 0xff);
        } else {
          // Espruino's write respects a view's bounds: copy exactly the view.
          const v = data as Uint8Array;
          board.writes.typed++;
          for (let i = 0; i < v.length; i++) written.push(v[i]);
        }
      },
    },
    USB: { setConsole: (force: boolean) => board.consoleCalls.push(force) },
    E: {
      sum: (a: ArrayLike<number>) => {
        board.sumCalls++;
        let s = 0;
        for (let i = 0; i < a.length; i++) s += a[i];
        return s;
      },
      // Espruino's: every argument, concatenated.
      toUint8Array: (...parts: string[]) => {
        const s = parts.join('');
        const u = new realm.U8(s.length);
        for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i) & 0xff;
        return u;
      },
      hwRand: () => 0x5eed1234,
    },
  });
  Object.assign(board, {
    clock, written,
    writes: { typed: 0, strings: 0 },
    handlers: [], setupCalls: [], consoleCalls: [], logs: [], sumCalls: 0,
    global: realm.context as Record<string, unknown>,
    run: (code: string) => {
      realm.run(code, 'espruino.js');
    },
    send: (chunks: string[]) => {
      expect(board.handlers.length).toBe(1);
      for (const c of chunks) board.handlers[0](c);
    },
    takeFrames: () => {
      const frames = slipDecode(written.slice(taken));
      taken = written.length;
      return frames;
    },
  });
  return board;
}

let bundle = '';

beforeAll(() => {
  bundle = buildBundle('espruino');
});

describe('the sandbox', () => {
  it('offers none of the builtins Espruino lacks', () => {
    const realm = boardRealm({});
    for (const expr of STRIPPED) expect(realm.run(expr, 'probe.js'), expr).toBe('undefined');
  });

  it('de-hoisting makes a call before a declaration fail', () => {
    const realm = boardRealm({});
    const src = 'var r = f(); function f() { return 1; }';
    expect(realm.run(src, 'hoisted.js')).toBe(undefined); // plain JS hoists: no error
    const { code, count } = dehoist(src);
    expect(count).toBe(1);
    expect(() => boardRealm({}).run(code, 'dehoisted.js')).toThrow(/not a function/);
  });

  it('let/const as var makes code that relies on block scoping misbehave', () => {
    const src = 'let a = 1; { let a = 2; } a;';
    expect(boardRealm({}).run(src, 'block.js')).toBe(1);
    expect(boardRealm({}).run(dehoist(src, true).code, 'varified.js')).toBe(2);
  });
});

/** Boot the bundle and run the common checks on what it did at start-up. */
function boot(code: string): Board {
  const board = makeBoard();
  board.run(code);
  expect(board.setupCalls).toEqual([115200]);
  expect(board.consoleCalls).toEqual([true]);
  expect(board.handlers.length).toBe(1);
  expect(board.logs.some((l) => /slipstack: 192\.168\.190\.2 up, \d+ bytes/.test(l))).toBe(true);
  expect(typeof board.global.onInit).toBe('function');
  return board;
}

/** Send one echo request and check the one reply. */
function pingOnce(board: Board, ident: number, seq: number, data: number[], split: (s: string) => string[]): void {
  board.send(split(toBinaryString(slipEncode(echoRequest(ident, seq, data)))));
  const frames = board.takeFrames();
  expect(frames.length).toBe(1);
  const r = checkEchoReply(frames[0]);
  expect(r.ident).toBe(ident);
  expect(r.seq).toBe(seq);
  expect(r.data).toEqual(data);
  expect(r.ip.src).toEqual(BOARD_ADDR);
  expect(r.ip.dst).toEqual(HOST_ADDR);
}

const whole = (s: string) => [s];
const bytewise = (s: string) => s.split('');

const VARIANTS = {
  'bundle': (b: string) => b,
  'de-hoisted bundle': (b: string) => dehoist(b).code,
  'de-hoisted bundle, let/const as var': (b: string) => dehoist(b, true).code,
};

for (const [variant, transform] of Object.entries(VARIANTS)) {
  describe(`dist/espruino.js (${variant})`, () => {
    const code = () => transform(bundle);

    it('boots: console on USB, Serial1 at 115200, one data listener, onInit global', () => {
      const board = boot(code());
      expect(board.clock.clearAllCalls).toBe(0);
      expect(board.clock.pending).toBeLessThanOrEqual(1);
    });

    it('answers a ping with a valid echo reply: same ident, seq and full payload', () => {
      const board = boot(code());
      const sumsBefore = board.sumCalls;
      pingOnce(board, 0x4242, 1, testPayload(200), whole);
      // The native checksum (E.sum) did the work, not the JavaScript loop.
      expect(board.sumCalls).toBeGreaterThan(sumsBefore);
      // The HAL wrote typed arrays, one frame per write.
      expect(board.writes.typed).toBeGreaterThan(0);
    });

    it('reassembles frames delivered one byte per data event', () => {
      const board = boot(code());
      pingOnce(board, 7, 65535, testPayload(64), bytewise);
    });

    it('reassembles a frame split in two at every byte boundary', () => {
      const board = boot(code());
      const s = toBinaryString(slipEncode(echoRequest(0x0102, 0, testPayload(48))));
      for (let k = 1; k < s.length; k++) {
        pingOnce(board, 0x0102, k, testPayload(48), () => {
          const f = toBinaryString(slipEncode(echoRequest(0x0102, k, testPayload(48))));
          return [f.slice(0, k), f.slice(k)];
        });
      }
    });

    it('handles garbage before the first END and two frames in one chunk', () => {
      const board = boot(code());
      const a = slipEncode(echoRequest(1, 10, testPayload(20)));
      const b = slipEncode(echoRequest(1, 11, testPayload(30)));
      board.send([toBinaryString([0x01, 0x02, 0xdb, 0x55, ...a, ...b])]);
      const frames = board.takeFrames();
      expect(frames.map((f) => checkEchoReply(f).seq)).toEqual([10, 11]);
    });

    it('echoes UDP on port 7 back to the sender, from port 7', () => {
      const board = boot(code());
      const data = testPayload(150);
      board.send([toBinaryString(slipEncode(udpDatagram(40000, 7, data)))]);
      const frames = board.takeFrames();
      expect(frames.length).toBe(1);
      const u = checkUdp(frames[0]);
      expect(u.srcPort).toBe(7);
      expect(u.dstPort).toBe(40000);
      expect(u.data).toEqual(data);
      expect(u.ip.src).toEqual(BOARD_ADDR);
      expect(u.ip.dst).toEqual(HOST_ADDR);
    });

    it('keeps at most one timer pending and never calls clearTimeout() without an id', () => {
      const board = boot(code());
      for (let i = 0; i < 20; i++) {
        pingOnce(board, 9, i, testPayload(10), whole);
        board.clock.advance(250);
      }
      expect(board.clock.maxPending).toBeLessThanOrEqual(1);
      expect(board.clock.clearAllCalls).toBe(0);
    });

    it('onInit again (power-on after save()) re-opens the port without a second listener', () => {
      const board = boot(code());
      (board.global.onInit as () => void)();
      expect(board.setupCalls).toEqual([115200, 115200]);
      expect(board.handlers.length).toBe(1);
      pingOnce(board, 3, 3, testPayload(16), whole);
    });
  });
}

describe('the Espruino bundle as a whole', () => {
  it('de-hoisting really rewrote its function declarations', () => {
    expect(dehoist(bundle).count).toBeGreaterThan(10);
    expect(dehoist(bundle, true).code).not.toMatch(/\b(let|const)\s/);
  });

  it('passes the subset check itself (esbuild added nothing Espruino lacks, nothing used before declared)', () => {
    expect(checkSubset([join(ROOT, 'dist', 'espruino.js')]).map((v) => `${v.line}:${v.col} [${v.rule}] ${v.text}`)).toEqual([]);
  });
});

describe('dist/espruino.js talking to a host-side slipstack', () => {
  it('a host stack pings the board and gets its echo reply', () => {
    const board = boot(bundle);
    let rx: Receiver | null = null;
    const hostHal: Hal = {
      // Host -> board: the host stack's SLIP frame becomes an 8-bit string on Serial1.
      write: (buf, off, len) => board.send([toBinaryString(buf.subarray(off, off + len))]),
      setReceiver: (r) => {
        rx = r;
      },
      now: () => board.clock.now,
      random32: () => 0x1234567,
    };
    const host = createStack({ addr: '192.168.190.1', mtu: 296 }, hostHal);
    const replies: { src: number; ident: number; seq: number; data: number[] }[] = [];
    host.onEchoReply((src, ident, seq, data, off, len) => {
      replies.push({ src, ident, seq, data: Array.from(data.subarray(off, off + len)) });
    });
    const payload = new Uint8Array(testPayload(100));
    expect(host.ping(int32Addr(BOARD_ADDR), 0x7777, 5, payload, 0, payload.length)).toBe(payload.length);
    // Board -> host: what the bundle wrote goes into the host stack.
    const back = board.written.slice();
    rx!(new Uint8Array(back), 0, back.length);
    expect(replies).toEqual([{ src: int32Addr(BOARD_ADDR), ident: 0x7777, seq: 5, data: Array.from(payload) }]);
  });
});
