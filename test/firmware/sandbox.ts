/**
 * Test-only helpers for the sandboxed bundle tests (test/firmware/*.test.ts):
 * - `buildBundle(name)` runs build.mjs for one board bundle and returns its text;
 * - `boardRealm(globals)` makes a Node `vm` context stripped down to what the boards offer
 *   (no Map, Set, WeakMap, WeakSet, Symbol, Proxy, Reflect, Math.imul, Number.isInteger,
 *   TypedArray.from, copyWithin) and installs the given fakes as globals;
 * - `dehoist(code)` rewrites every function declaration into `var f = function f() {...}`,
 *   so a call before the declaration fails as it does on Espruino (no hoisting);
 * - packet builders and checkers written independently of src/wire (RFC 791, 792, 768,
 *   1071, 1055), so a bug shared by the stack's encoder and decoder cannot hide.
 * Allocates freely; never used by board code.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Build one board bundle with build.mjs (subset check included) and return its code. */
export function buildBundle(name: 'espruino' | 'kaluma'): string {
  try {
    execFileSync(process.execPath, ['build.mjs', '--quiet', `--only=${name}`], { cwd: ROOT, stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`build.mjs --only=${name} failed:\n${String(err.stderr ?? '')}${String(err.stdout ?? '')}`);
  }
  return readFileSync(join(ROOT, 'dist', `${name}.js`), 'utf8');
}

/** Runs inside the context before anything else: removes what Espruino does not have. */
const STRIP = `
  delete globalThis.Map; delete globalThis.Set; delete globalThis.WeakMap; delete globalThis.WeakSet;
  delete globalThis.Symbol; delete globalThis.Proxy; delete globalThis.Reflect;
  delete Math.imul; delete Number.isInteger;
  var TA = Object.getPrototypeOf(Uint8Array);
  delete TA.from; delete TA.prototype.copyWithin; delete Array.prototype.copyWithin;
`;

/** What boardRealm gives back. */
export interface Realm {
  context: vm.Context;
  /** The context's own Uint8Array constructor (typed arrays made with it look native to the bundle). */
  U8: Uint8ArrayConstructor;
  /** Run code in the context. */
  run(code: string, filename: string): unknown;
}

/** A fresh vm context with only board builtins, plus `globals` installed as global properties. */
export function boardRealm(globals: Record<string, unknown>): Realm {
  const context = vm.createContext({});
  vm.runInContext(STRIP, context);
  for (const k of Object.keys(globals)) (context as Record<string, unknown>)[k] = globals[k];
  return {
    context,
    U8: vm.runInContext('Uint8Array', context) as Uint8ArrayConstructor,
    run: (code, filename) => vm.runInContext(code, context, { filename }),
  };
}

/** Names of the builtins the strip script removes, as expressions, to prove they are gone. */
export const STRIPPED = [
  'typeof Map', 'typeof Set', 'typeof WeakMap', 'typeof WeakSet', 'typeof Symbol', 'typeof Proxy', 'typeof Reflect',
  'typeof Math.imul', 'typeof Number.isInteger', 'typeof Uint8Array.from', 'typeof Int32Array.from',
  'typeof new Uint8Array(1).copyWithin', 'typeof [].copyWithin',
];

/**
 * Rewrite each function declaration into `var name = function name(...) {...}`: the binding
 * still exists from the start (var), but calling it before the assignment runs throws,
 * as a call before the declaration does on Espruino. Returns the code and the count.
 * With `varify`, every `let`/`const` also becomes `var`: Espruino before 2v14 treated them
 * so (function scope), and later versions still give `let` in a loop no per-iteration
 * binding; code that survives function scoping survives both.
 */
export function dehoist(code: string, varify = false): { code: string; count: number } {
  const sf = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS);
  let count = 0;
  const transformer: ts.TransformerFactory<ts.SourceFile> = (ctx) => (root) => {
    const visit = (node: ts.Node): ts.Node => {
      const n = ts.visitEachChild(node, visit, ctx);
      if (varify && ts.isVariableDeclarationList(n) && (n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== 0) {
        return ts.factory.createVariableDeclarationList(n.declarations, ts.NodeFlags.None);
      }
      if (ts.isFunctionDeclaration(n) && n.name && n.body) {
        count++;
        const fn = ts.factory.createFunctionExpression(
          ts.getModifiers(n)?.filter((m) => m.kind === ts.SyntaxKind.AsyncKeyword),
          n.asteriskToken, n.name, undefined, n.parameters, undefined, n.body);
        return ts.factory.createVariableStatement(undefined,
          ts.factory.createVariableDeclarationList([ts.factory.createVariableDeclaration(n.name, undefined, undefined, fn)]));
      }
      return n;
    };
    return ts.visitNode(root, visit) as ts.SourceFile;
  };
  const result = ts.transform(sf, [transformer]);
  const out = ts.createPrinter().printFile(result.transformed[0]);
  result.dispose();
  return { code: out, count };
}

// ---- A fake clock with setTimeout/clearTimeout (bench/fake-clock.ts; bench:calls drives one too) ----

export { FakeClock } from '../../bench/fake-clock.js';

// ---- Packets, written from the RFCs (not from src/wire) --------------------------------------

export const HOST_ADDR = [192, 168, 190, 1];
export const BOARD_ADDR = [192, 168, 190, 2];

/** Dotted quad as int32, the stack's address representation. */
export function int32Addr(a: number[]): number {
  return ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) | 0;
}

/** RFC 1071 one's-complement sum of 16-bit big-endian words, folded (not inverted). */
export function onesSum(bytes: ArrayLike<number>, start = 0, end = bytes.length, initial = 0): number {
  let s = initial;
  for (let i = start; i < end; i += 2) s += (bytes[i] << 8) | (i + 1 < end ? bytes[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The pseudo-header sum for UDP (RFC 768) over src, dst, protocol and length. */
function pseudoSum(src: number[], dst: number[], proto: number, len: number): number {
  return onesSum([...src, ...dst, 0, proto, len >> 8, len & 0xff]);
}

/** An IPv4 packet (RFC 791): no options, DF clear, the given protocol and payload. */
export function ipv4(proto: number, payload: number[], src = HOST_ADDR, dst = BOARD_ADDR): number[] {
  const total = 20 + payload.length;
  const h = [0x45, 0, total >> 8, total & 0xff, 0x4a, 0x21, 0, 0, 64, proto, 0, 0, ...src, ...dst];
  const c = ~onesSum(h) & 0xffff;
  h[10] = c >> 8;
  h[11] = c & 0xff;
  return [...h, ...payload];
}

/** An ICMP echo request (RFC 792, type 8). */
export function echoRequest(ident: number, seq: number, data: number[]): number[] {
  const m = [8, 0, 0, 0, ident >> 8, ident & 0xff, seq >> 8, seq & 0xff, ...data];
  const c = ~onesSum(m) & 0xffff;
  m[2] = c >> 8;
  m[3] = c & 0xff;
  return ipv4(1, m);
}

/** A UDP datagram (RFC 768) with its checksum. */
export function udpDatagram(srcPort: number, dstPort: number, data: number[]): number[] {
  const len = 8 + data.length;
  const u = [srcPort >> 8, srcPort & 0xff, dstPort >> 8, dstPort & 0xff, len >> 8, len & 0xff, 0, 0, ...data];
  let c = ~onesSum(u, 0, u.length, pseudoSum(HOST_ADDR, BOARD_ADDR, 17, len)) & 0xffff;
  if (c === 0) c = 0xffff; // RFC 768: a computed zero is sent as all ones
  u[6] = c >> 8;
  u[7] = c & 0xff;
  return ipv4(17, u);
}

/** RFC 1055 framing: END, the escaped packet, END. */
export function slipEncode(packet: number[]): number[] {
  const out = [0xc0];
  for (const b of packet) {
    if (b === 0xc0) out.push(0xdb, 0xdc);
    else if (b === 0xdb) out.push(0xdb, 0xdd);
    else out.push(b);
  }
  out.push(0xc0);
  return out;
}

/** Split a byte stream into SLIP frames (empty frames dropped; throws on a bad escape). */
export function slipDecode(stream: number[]): number[][] {
  const frames: number[][] = [];
  let cur: number[] = [];
  for (let i = 0; i < stream.length; i++) {
    const b = stream[i];
    if (b === 0xc0) {
      if (cur.length > 0) frames.push(cur);
      cur = [];
    } else if (b === 0xdb) {
      const n = stream[++i];
      if (n === 0xdc) cur.push(0xc0);
      else if (n === 0xdd) cur.push(0xdb);
      else throw new Error(`bad SLIP escape 0xdb 0x${n.toString(16)} at ${i}`);
    } else cur.push(b);
  }
  if (cur.length > 0) throw new Error('SLIP stream ends inside a frame');
  return frames;
}

/** 8-bit string of bytes, as Espruino's Serial 'data' event delivers them. */
export function toBinaryString(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** A parsed and fully checked IPv4 packet from the board. */
export interface CheckedIp {
  src: number[];
  dst: number[];
  proto: number;
  payload: number[];
}

/** Parse an IPv4 packet and check version, IHL, lengths and header checksum; throws on any fault. */
export function checkIpv4(p: number[]): CheckedIp {
  if (p.length < 20) throw new Error(`IP packet of ${p.length} octets`);
  if (p[0] >> 4 !== 4) throw new Error(`IP version ${p[0] >> 4}`);
  const ihl = (p[0] & 0xf) * 4;
  if (ihl !== 20) throw new Error(`IHL ${ihl}: the stack sends no options`);
  const total = (p[2] << 8) | p[3];
  if (total !== p.length) throw new Error(`total length ${total} but the frame holds ${p.length}`);
  if (onesSum(p, 0, ihl) !== 0xffff) throw new Error('bad IP header checksum');
  if (p[8] === 0) throw new Error('TTL 0');
  return { src: p.slice(12, 16), dst: p.slice(16, 20), proto: p[9], payload: p.slice(ihl) };
}

/** Check an ICMP echo reply (type 0, code 0, checksum) and return ident, seq and data. */
export function checkEchoReply(p: number[]): { ident: number; seq: number; data: number[]; ip: CheckedIp } {
  const ip = checkIpv4(p);
  if (ip.proto !== 1) throw new Error(`protocol ${ip.proto}, expected ICMP`);
  const m = ip.payload;
  if (m[0] !== 0 || m[1] !== 0) throw new Error(`ICMP type ${m[0]} code ${m[1]}, expected echo reply`);
  if (onesSum(m) !== 0xffff) throw new Error('bad ICMP checksum');
  return { ident: (m[4] << 8) | m[5], seq: (m[6] << 8) | m[7], data: m.slice(8), ip };
}

/** Check a UDP datagram (length and pseudo-header checksum) and return its ports and data. */
export function checkUdp(p: number[]): { srcPort: number; dstPort: number; data: number[]; ip: CheckedIp } {
  const ip = checkIpv4(p);
  if (ip.proto !== 17) throw new Error(`protocol ${ip.proto}, expected UDP`);
  const u = ip.payload;
  const len = (u[4] << 8) | u[5];
  if (len !== u.length) throw new Error(`UDP length ${len} but the IP payload holds ${u.length}`);
  const c = (u[6] << 8) | u[7];
  if (c === 0) throw new Error('UDP checksum absent: the stack should always fill it');
  if (onesSum(u, 0, u.length, pseudoSum(ip.src, ip.dst, 17, len)) !== 0xffff) throw new Error('bad UDP checksum');
  return { srcPort: (u[0] << 8) | u[1], dstPort: (u[2] << 8) | u[3], data: u.slice(8), ip };
}

/** Payload bytes that force SLIP escaping and cover every byte value in a run. */
export function testPayload(len: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < len; i++) out.push(i % 7 === 0 ? 0xc0 : i % 7 === 3 ? 0xdb : (i * 37 + 11) & 0xff);
  return out;
}
