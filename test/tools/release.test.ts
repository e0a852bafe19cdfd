/**
 * Tests for tools/release.mjs: a function only the top-level code calls (directly or through
 * another such function, or from an IIFE) is deleted after the boot; one that a closure, a
 * nested function or a method calls, one stored or passed as a value, and everything those
 * call, is kept; the script computes the same; and the Espruino bundles build.mjs writes end
 * with the deletes, none of them of a function the per-packet path needs (the engine tests
 * run those bundles on the real interpreter).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';
import { release } from '../../tools/release.mjs';
import { PROFILES } from '../../firmware/profiles.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const SCRIPT = `
function $mk(n) { return $sq(n) + 1; }
function $sq(n) { return n * n; }
function $onData(x) { return $hot(x); }
function $hot(x) { return x + 1; }
function $cb(x) { return x * 2; }
function $later(x) { return x - 1; }
function $method(x) { return x * 3; }
function $viaIife(x) { return x + 100; }
function $unused() { return 0; }
var $v = $mk(3);
var api = { start(x) { return $method(x); } };
var handler = function (x) { return $later(x); };
(function () { $v += $viaIife(0); })();
out = [$v, [1, 2].map($cb)[1], handler(5), api.start(2), $onData(1)];
exported = $onData;
`;

describe('release', () => {
  it('deletes what only the boot calls, keeps what can be called later, and the script computes the same', () => {
    const r = release(SCRIPT);
    expect(r.names.sort()).toEqual(['$mk', '$sq', '$unused', '$viaIife']);
    expect(r.code.startsWith(SCRIPT.replace(/\s*$/, ''))).toBe(true);
    // The variables only the top-level code uses go too (out and exported are not declared).
    expect(r.vars.sort()).toEqual(['$v', 'api', 'handler']);
    expect(r.code.trimEnd().endsWith('delete $mk;delete $sq;delete $viaIife;delete $unused;delete $v;delete api;delete handler;')).toBe(true);
    // On V8 the deletes of declared functions are no-ops (on Espruino they free them): the
    // script runs to the end and what it hands out still works.
    const ctx: Record<string, unknown> = {};
    vm.createContext(ctx);
    vm.runInContext(r.code, ctx);
    expect(ctx.out).toEqual([10 + 100, 4, 4, 6, 2]);
    expect(typeof ctx.$hot).toBe('function');
    expect(typeof ctx.$later).toBe('function');
    expect(typeof ctx.$method).toBe('function');
    expect(typeof ctx.$cb).toBe('function');
    expect((ctx.exported as (x: number) => number)(41)).toBe(42);
  });

  it('keeps a function a kept one calls, however deep, and a function called from a nested declaration', () => {
    const src = 'function $a(){return $b()}function $b(){return $c()}function $c(){return 1}' +
      'function $boot(){function onInit(){return $d()}g.onInit=onInit;return $e()}function $d(){return 2}function $e(){return 3}' +
      'var g={};var k=$a;$boot();';
    expect(release(src).names.sort()).toEqual(['$boot', '$e']);
  });

  it('leaves a script with nothing to release as it is', () => {
    const src = 'function $f(x){return $h(x)}var $h=function(y){return y};exported=$f;';
    expect(release(src)).toEqual({ code: src, names: [], vars: [] });
  });

  it('deletes a variable only the boot uses, and keeps one a closure or a kept function uses', () => {
    const src = 'var $cfg={a:1},$seen=0,$state={n:0},$log=[];' +
      'function $build(c){return {n:c.a}}function $hot(){return $state.n}' +
      '$state=$build($cfg);(function(){$seen=1})();cb=function(){$log.push($seen);return $hot()};';
    const r = release(src);
    expect(r.names).toEqual(['$build']);
    expect(r.vars.sort()).toEqual(['$cfg']);
    const ctx: Record<string, unknown> = {};
    vm.createContext(ctx);
    vm.runInContext(r.code, ctx);
    expect((ctx.cb as () => number)()).toBe(1);
  });

  it("the Espruino bundles end with the boot's deletes, and keep the per-packet path", () => {
    for (const p of Object.values(PROFILES)) {
      if (p.engine !== 'espruino') continue;
      const code = readFileSync(join(ROOT, 'dist', p.out), 'utf8');
      // Names may hold a second `$` (globalize prefixed `$n` as `$$n`).
      const tail = /(?:delete \$[\w$]+;)+\s*$/.exec(code);
      expect(tail, p.out).not.toBeNull();
      const names = Array.from(tail![0].matchAll(/delete (\$[\w$]+);/g), (m) => m[1]);
      expect(names.length, p.out).toBeGreaterThan(5);
      // Each deleted name is a function the bundle declares once, or one of its top-level variables.
      const sf = ts.createSourceFile(p.out, code, ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS);
      const declared: string[] = [];
      for (const st of sf.statements) {
        if (ts.isFunctionDeclaration(st) && st.name) declared.push(st.name.text);
        if (ts.isVariableStatement(st)) {
          for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) declared.push(d.name.text);
        }
      }
      for (const n of names) expect(declared.filter((d) => d === n).length, p.out + ' ' + n).toBe(1);
    }
  });
});
