/**
 * `npm run bench:calls [-- BUNDLE]`: where an Espruino bundle's per-packet work goes, counted
 * on the host. The bundle (dist/espruino.js unless named) runs in a Node `vm` context with
 * fakes for Serial1, E, getTime and the timers, every function body in it gets a counter, and
 * a host slipstack pings it 100 times (56 octets) and then echoes 10 KB over TCP port 7 in
 * 256-octet writes. Printed per unit of work (a ping; a 256-octet segment echoed, with the
 * ACKs): the JavaScript calls the bundle makes, and the characters of function bodies those
 * calls pass. On Espruino a call costs about 25 K instructions and lexes the whole body of
 * the function, run or not, at about 200 instructions a character (README, "What it costs on
 * the real interpreters"), so this table says which functions to shorten, split or call less.
 * Names are the bundle's (minified); each row shows the first characters of the body.
 * Instruction counts on the real interpreter are `npm run bench:board`'s. Last line: one JSON
 * object.
 */
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';
import { createStack } from '../src/stack.js';
import { parseAddr } from '../src/wire/ipv4.js';
import type { Receiver } from '../src/hal.js';
import { FakeClock } from './fake-clock.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = process.argv[2] ?? join(ROOT, 'dist', 'espruino.js');
const BOARD = parseAddr('192.168.190.2') as number;
const PINGS = 100;
const SEGMENT = 256;
const SEGMENTS = 40;

/** Every function body of the bundle: a counter at its start, by id (name, or @position). */
function instrument(code: string): { code: string; bodies: Map<string, string> } {
  const sf = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS);
  const at: { pos: number; id: string }[] = [];
  const bodies = new Map<string, string>();
  (function walk(n: ts.Node): void {
    if (ts.isFunctionLike(n) && 'body' in n && n.body && ts.isBlock(n.body as ts.Node)) {
      const body = n.body as ts.Block;
      const name = (n as ts.FunctionDeclaration).name;
      const id = name && ts.isIdentifier(name) ? name.text : '@' + n.getStart();
      at.push({ pos: body.getStart() + 1, id });
      bodies.set(id, body.getText());
    }
    ts.forEachChild(n, walk);
  })(sf);
  at.sort((a, b) => b.pos - a.pos);
  for (const a of at) code = code.slice(0, a.pos) + '__n(' + JSON.stringify(a.id) + ');' + code.slice(a.pos);
  return { code, bodies };
}

const { code, bodies } = instrument(readFileSync(file, 'utf8'));
const counts = new Map<string, number>();
const clock = new FakeClock();
let onData: ((s: string) => void) | null = null;
const written: number[] = [];
const context = vm.createContext({
  __n: (id: string) => counts.set(id, (counts.get(id) ?? 0) + 1),
  console: { log: () => {} },
  getTime: () => clock.now / 1000,
  setTimeout: clock.setTimeout,
  clearTimeout: clock.clearTimeout,
  Serial1: {
    setup: () => {},
    on: (event: string, fn: (s: string) => void) => {
      if (event === 'data') onData = fn;
    },
    write: (d: Uint8Array) => {
      for (let i = 0; i < d.length; i++) written.push(d[i]);
    },
  },
  USB: { setConsole: () => {} },
  E: {
    sum: (a: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i];
      return s;
    },
    // Espruino's: every argument, concatenated.
    toUint8Array: (...parts: string[]) => {
      const s = parts.join('');
      const u = new (vm.runInContext('Uint8Array', context) as Uint8ArrayConstructor)(s.length);
      for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i) & 0xff;
      return u;
    },
    hwRand: () => 0x5eed1234,
  },
});
vm.runInContext(code, context, { filename: file });
if (onData === null) throw new Error(file + ' registered no Serial1 data handler');
const toBoard = onData as (s: string) => void;

let rx: Receiver | null = null;
const host = createStack({ addr: '192.168.190.1', mtu: 296 }, {
  write: (buf, off, len) => toBoard(String.fromCharCode(...buf.subarray(off, off + len))),
  setReceiver: (r) => {
    rx = r;
  },
  now: () => clock.now,
  random32: () => 0x1234567,
});
/** Hand what the board wrote to the host, and let the host's timers run. */
function pump(): void {
  const b = written.splice(0);
  if (b.length > 0) rx!(new Uint8Array(b), 0, b.length);
  host.poll(clock.now);
}

interface Row { id: string; calls: number; length: number; chars: number; body: string }
/** Calls and characters per unit since the last reset, heaviest first. */
function table(units: number): { calls: number; chars: number; rows: Row[] } {
  const rows: Row[] = [];
  let calls = 0;
  let chars = 0;
  for (const [id, n] of counts) {
    const body = bodies.get(id) ?? '';
    rows.push({ id, calls: n / units, length: body.length, chars: Math.round((n / units) * body.length), body: body.slice(1, 61) });
    calls += n / units;
    chars += (n / units) * body.length;
  }
  rows.sort((a, b) => b.chars - a.chars);
  counts.clear();
  return { calls: Math.round(calls * 10) / 10, chars: Math.round(chars), rows };
}

function print(title: string, t: { calls: number; chars: number; rows: Row[] }): void {
  console.log(`${title}: ${t.calls} calls, ${t.chars.toLocaleString('en-US')} characters of function bodies`);
  for (const r of t.rows.slice(0, 15)) {
    console.log(`  ${r.id.padEnd(8)} ${r.calls.toFixed(2).padStart(6)} calls x ${String(r.length).padStart(4)} = ${String(r.chars).padStart(5)}  ${r.body}`);
  }
}

counts.clear();
const data = new Uint8Array(56);
let replies = 0;
host.onEchoReply(() => {
  replies++;
});
for (let i = 0; i < PINGS; i++) {
  host.ping(BOARD, 1, i, data, 0, data.length);
  pump();
  clock.advance(10);
  pump();
}
if (replies !== PINGS) throw new Error('the bundle answered ' + replies + ' of ' + PINGS + ' pings');
const ping = table(PINGS);

const conn = host.tcpConnect(BOARD, 7, 40000);
for (let k = 0; k < 50; k++) {
  pump();
  clock.advance(5);
}
counts.clear();
const out = new Uint8Array(SEGMENT * SEGMENTS);
for (let i = 0; i < out.length; i++) out[i] = (i * 7) & 0xff;
const back = new Uint8Array(out.length);
let sent = 0;
let got = 0;
for (let k = 0; k < 4000 && got < out.length; k++) {
  if (sent < out.length) sent += Math.max(0, host.tcpWrite(conn, out, sent, Math.min(SEGMENT, out.length - sent)));
  pump();
  clock.advance(5);
  pump();
  const r = host.tcpRead(conn, back, got, back.length - got);
  if (r > 0) got += r;
}
if (got !== out.length || back.some((b, i) => b !== out[i])) throw new Error('the TCP echo came back wrong: ' + got + ' octets');
const tcp = table(SEGMENTS);

console.log('== ' + file);
print('ping, 56 octets (per ping)', ping);
print('TCP echo, 256-octet segments (per segment echoed, with the ACKs)', tcp);
console.log(JSON.stringify({
  bundle: file,
  ping: { calls: ping.calls, chars: ping.chars, top: ping.rows.slice(0, 10).map((r) => [r.id, r.calls, r.length]) },
  tcp: { calls: tcp.calls, chars: tcp.chars, top: tcp.rows.slice(0, 10).map((r) => [r.id, r.calls, r.length]) },
}));
