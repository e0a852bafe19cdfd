/**
 * Tests for tools/subset-check.mjs: one small bad snippet per rule is reported with the right
 * rule and line, a clean snippet in the subset passes, host-only files opt out, and the real
 * board tree (src/, hal/, firmware/) passes. Also checks that esbuild with the Espruino
 * settings of build.mjs refuses the syntax it can catch by itself.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import * as esbuild from 'esbuild';
import { checkSubset, boardFiles, isHostOnly } from '../../tools/subset-check.mjs';
import type { Violation } from '../../tools/subset-check.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let dir = '';
let counter = 0;

/** Write a snippet to a fresh file in the tmp dir and check it. */
function check(code: string, name?: string): Violation[] {
  const file = join(dir, (name ?? `snippet${counter++}`) + '.ts');
  writeFileSync(file, code);
  return checkSubset([file]);
}

/** The rules reported for a snippet, in order. */
function rules(code: string): string[] {
  return check(code).map((v) => v.rule);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'subset-check-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('checkSubset: one violation per rule', () => {
  // [rule, snippet, line of the violation]
  const cases: [string, string, number][] = [
    ['label', 'let n = 0;\nouter: for (;;) { n++; break outer; }\n', 2],
    ['global', 'const m = new Map<string, number>();\nexport { m };\n', 1],
    ['global', 'export const s = new Set();\n', 1],
    ['global', 'export const w = new WeakMap();\n', 1],
    ['global', 'export const ws = new WeakSet();\n', 1],
    ['global', 'export const k = Symbol("k");\n', 1],
    ['global', 'export const p = new Proxy({}, {});\n', 1],
    ['global', 'export const r = Reflect.ownKeys({});\n', 1],
    ['global', 'export const b = BigInt(1);\n', 1],
    ['global', 'export const b = 10n;\n', 1],
    ['missing-builtin', 'export const x = Math.imul(3, 5);\n', 1],
    ['missing-builtin', 'export const y = Number.isInteger(3);\n', 1],
    ['missing-builtin', 'export const z = Uint8Array.from([1, 2]);\n', 1],
    ['missing-builtin', 'export const z = Int32Array.from([1, 2]);\n', 1],
    ['missing-builtin', 'export const z = Math["imul"](1, 2);\n', 1],
    ['missing-builtin', 'const a = new Uint8Array(4);\na.copyWithin(0, 1);\n', 2],
    ['missing-builtin', 'export const t = Math.trunc(1.5);\n', 1],
    ['missing-builtin', 'export const a = Array.from([1]);\n', 1],
    ['missing-builtin', 'export const n = Number.isNaN(1);\n', 1],
    ['missing-builtin', 'export const o = Object.freeze({});\n', 1],
    ['tagged-template', 'function tag(s: TemplateStringsArray) { return s[0]; }\nexport const t = tag`x`;\n', 2],
    ['exponent', 'export const e = 2 ** 8;\n', 1],
    ['exponent', 'let e = 2;\ne **= 3;\nexport { e };\n', 2],
    ['destructuring', 'const o = { a: 1 };\nconst { a } = o;\nexport { a };\n', 2],
    ['destructuring', 'const arr = [1, 2];\nconst [x, y] = arr;\nexport { x, y };\n', 2],
    ['destructuring', 'let x = 0, y = 0;\n[x, y] = [y, x];\nexport { x, y };\n', 2],
    ['destructuring', 'export function f(o: { a: number }) {\n  return (({ a }) => a)(o);\n}\n', 2],
    ['default-parameter', 'export function f(a: number, b = 2) {\n  return a + b;\n}\n', 1],
    ['rest-spread', 'export function f(...xs: number[]) {\n  return xs.length;\n}\n', 1],
    ['rest-spread', 'const xs = [1, 2];\nexport const ys = [0, ...xs];\n', 2],
    ['rest-spread', 'const xs = [1, 2];\nexport const m = Math.max(...xs);\n', 2],
    ['rest-spread', 'const o = { a: 1 };\nexport const p = { ...o, b: 2 };\n', 2],
    ['computed-key', 'const k = "a";\nexport const o = { [k]: 1 };\n', 2],
    ['computed-key', 'const k = "m";\nexport class A {\n  [k]() { return 1; }\n}\n', 3],
    ['generator', 'export function* g() {\n  yield 1;\n}\n', 1],
    ['generator', 'export class A {\n  *items() { yield 1; }\n}\n', 2],
    ['async', 'export async function f() {\n  return 1;\n}\n', 1],
    ['async', 'export const f = async () => 1;\n', 1],
    ['enum', 'export enum Color { Red, Green }\n', 1],
    ['enum', 'export const enum Color { Red, Green }\n', 1],
    ['optional-chaining', 'export function f(o: { a?: { b: number } }) {\n  return o.a?.b;\n}\n', 2],
    ['optional-chaining', 'export function f(g?: () => void) {\n  g?.();\n}\n', 2],
    ['optional-chaining', 'export function f(a?: number[]) {\n  return a?.[0];\n}\n', 2],
    ['node-builtin', 'import { readFileSync } from "fs";\nexport const r = readFileSync;\n', 1],
    ['node-builtin', 'import * as path from "node:path";\nexport const j = path.join;\n', 1],
    ['node-builtin', 'export { createHash } from "crypto";\n', 1],
    ['node-builtin', 'declare const require: (m: string) => unknown;\nexport const os = require("os");\n', 2],
    ['private-field', 'export class A {\n  #x = 1;\n  get x() { return this.#x; }\n}\n', 2],
    ['var-before-declaration', 'export function f(a: boolean) {\n  if (a) { n = 5; return n; }\n  var n = 6;\n  return n;\n}\n', 2],
    ['buffer-identity', 'export function f(a: Uint8Array, b: Uint8Array) {\n  return a === b;\n}\n', 2],
    ['buffer-identity', 'export function f(a: Uint8Array, b: Uint8Array) {\n  return a.buffer !== b.buffer;\n}\n', 2],
    ['buffer-identity', 'const x = new Int32Array(4);\nexport function f(y: unknown) {\n  return y == x;\n}\n', 3],
    ['use-before-declaration', 'export const x = helper();\nfunction helper() {\n  return 1;\n}\n', 1],
    ['use-before-declaration', 'const table = { run: helper };\nfunction helper() {}\nexport { table };\n', 1],
    ['use-before-declaration', 'export function f() {\n  return g();\n  function g() { return 1; }\n}\n', 2],
    ['use-before-declaration', 'export const a = new A();\nclass A {}\n', 1],
    ['use-before-declaration', 'export const v = (function () {\n  return later();\n})();\nfunction later() { return 1; }\n', 2],
  ];

  for (const [rule, code, line] of cases) {
    it(`${rule}: ${code.split('\n')[0].slice(0, 50)}`, () => {
      const found = check(code);
      expect(found.map((v) => v.rule)).toEqual([rule]);
      expect(found[0].line).toBe(line);
      expect(found[0].col).toBeGreaterThan(0);
      expect(found[0].text.length).toBeGreaterThan(20);
    });
  }

  it('follows calls transitively: a statement reaching a later function through an earlier one', () => {
    const found = check('function a() {\n  return b();\n}\nexport const x = a();\nfunction b() {\n  return 1;\n}\n');
    expect(found.map((v) => v.rule)).toEqual(['use-before-declaration']);
    expect(found[0].line).toBe(4);
    expect(found[0].text).toContain('`b`');
    expect(found[0].text).toContain('`a`');
  });

  it('counts a class as using its member bodies when it is instantiated early', () => {
    const found = check('class A {\n  n: number;\n  constructor() { this.n = helper(); }\n}\nexport const a = new A();\nfunction helper() { return 1; }\n');
    expect(found.map((v) => v.rule)).toEqual(['use-before-declaration']);
    expect(found[0].line).toBe(5);
  });

  it('reports the file, and each violation once per rule occurrence', () => {
    const found = check('export const x = 2 ** 3;\nexport const y = Math.imul(1, 2);\n', 'two');
    expect(found.map((v) => [v.rule, v.line])).toEqual([['exponent', 1], ['missing-builtin', 2]]);
    expect(found[0].file).toBe(join(dir, 'two.ts'));
  });
});

describe('checkSubset: clean code passes', () => {
  it('accepts the subset: classes, arrows, typed arrays, late calls from function bodies', () => {
    const code = [
      '/** A clean module. */',
      'import type { Foo } from "./foo.js";',
      'export const MODE_A = 1;',
      'interface Shape { map: Map<string, number>; sym: symbol }',
      'type T = Set<number> | WeakMap<object, number>;',
      'function helper(x: number): number { return x + 1; }',
      'export function run(buf: Uint8Array, off: number, len: number): number {',
      '  let acc = 0;',
      '  for (let i = off; i < off + len; i++) acc += helper(buf[i]);',
      '  const v = (buf as unknown as { length: number }).length;',
      '  if (buf === null || buf !== undefined && buf[0] === off) acc++;',
      '  var k = 1;',
      '  k++;',
      '  return acc + v + later();',
      '}',
      'function later(): number { return Math.pow(2, 3) + Math.max(1, 2); }',
      'export class Base {',
      '  x: number;',
      '  constructor(x: number) { this.x = x; }',
      '  get double(): number { return this.x * 2; }',
      '}',
      'export class Derived extends Base {',
      '  constructor() { super(1); }',
      '  override toString(): string { return `d${this.x}`; }',
      '}',
      'export const obj = { a: 1, helper, m() { return 2; } };',
      'export const n = obj.a ?? 0;',
      'export function usesMapName(o: { Map: number; Set: number }): number { return o.Map + o.Set; }',
      'export function shadow(): number { const Map = 3; return Map; }',
      'export const arr = [1, 2, 3];',
      'for (const a of arr) helper(a);',
      'export const f: Foo | null = null;',
      'export const s: Shape | null = null;',
      'export const t: T | null = null;',
      'export function late(): void { setTimeout(function () { after(); }, 10); }',
      'function after(): void {}',
      '',
    ].join('\n');
    expect(check(code)).toEqual([]);
  });

  it('does not follow the bodies of functions that are only defined, not called', () => {
    expect(rules('export const cb = () => later();\nfunction later() { return 1; }\n')).toEqual([]);
    expect(rules('export const o = { f() { return later(); } };\nfunction later() { return 1; }\n')).toEqual([]);
  });

  it('lets a host-only file opt out, and boardFiles lists it apart', () => {
    const text = '// subset: host-only\nimport { readFileSync } from "node:fs";\nexport const m = new Map();\nexport const r = readFileSync;\n';
    expect(isHostOnly(text)).toBe(true);
    expect(isHostOnly('// something else\n' + text)).toBe(true);
    expect(isHostOnly('export const a = 1;\n// subset: host-only\n')).toBe(false);
    expect(check(text)).toEqual([]);
  });
});

describe('the real tree', () => {
  it('src/, hal/ and firmware/ are in the board subset', () => {
    const { files, hostOnly } = boardFiles(ROOT);
    expect(files.length).toBeGreaterThan(5);
    expect(files.some((f) => f.endsWith('.d.ts'))).toBe(false);
    const found = checkSubset(files);
    expect(found.map((v) => `${v.file}:${v.line}:${v.col} [${v.rule}] ${v.text}`)).toEqual([]);
    // Opt-outs are listed apart and never checked; build.mjs refuses to bundle them.
    for (const f of hostOnly) {
      expect(files).not.toContain(f);
      expect(isHostOnly(readFileSync(f, 'utf8'))).toBe(true);
    }
  });
});

describe('esbuild with the Espruino settings of build.mjs', () => {
  /** The `supported` object literal of build.mjs, read from its source so the test cannot drift from it. */
  function buildSupported(): Record<string, boolean> {
    const text = readFileSync(join(ROOT, 'build.mjs'), 'utf8');
    const sf = ts.createSourceFile('build.mjs', text, ts.ScriptTarget.ESNext, true);
    let found: Record<string, boolean> | undefined;
    const visit = (n: ts.Node): void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === 'BOARD_SUPPORTED' && n.initializer) {
        found = JSON.parse(JSON.stringify(new Function(`return (${n.initializer.getText(sf)});`)()));
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    if (found === undefined) throw new Error('build.mjs has no BOARD_SUPPORTED object');
    return found;
  }

  const refused: [string, string][] = [
    ['destructuring', 'const { a } = globalThis as any; console.log(a);'],
    ['array destructuring', 'const [a] = [1]; console.log(a);'],
    ['default argument', 'export function f(a = 1) { return a; }'],
    ['rest argument', 'export function f(...a: number[]) { return a; }'],
    ['array spread', 'const a = [1]; console.log([...a]);'],
    ['call spread', 'const a = [1]; console.log(...a);'],
    ['async function', 'export async function f() { return 1; }'],
    ['async arrow', 'export const f = async () => 1;'],
    ['generator', 'export function* g() { yield 1; }'],
    ['async generator', 'export async function* g() { yield 1; }'],
    ['for await', 'export async function f(x: any) { for await (const y of x) console.log(y); }'],
  ];

  for (const target of ['es2015', 'es2019']) {
    for (const [what, code] of refused) {
      it(`refuses ${what} (target ${target})`, async () => {
        const supported = buildSupported();
        await expect(esbuild.transform(code, {
          loader: 'ts', format: 'iife', platform: 'neutral', target, minify: true, supported,
          tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
        })).rejects.toThrow(/not supported yet/);
      });
    }
  }

  it('still accepts the subset (classes, arrows, let/const, template literals, for-of)', async () => {
    const code = 'class A { x: number; constructor() { this.x = 1; } } const f = (a: number) => `${a}`; for (const v of [1]) console.log(f(v), new A());';
    const r = await esbuild.transform(code, {
      loader: 'ts', format: 'iife', platform: 'neutral', target: 'es2015', minify: true, supported: buildSupported(),
      tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
    });
    expect(r.code).toContain('class');
  });
});
