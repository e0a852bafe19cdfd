/**
 * Tests for tools/inline.mjs: calls of the expression-bodied top-level functions are replaced
 * by their expression where that is safe, the functions nothing calls any more are dropped,
 * and the script computes the same; unsafe sites (an argument with a call, an expression
 * repeated, a read after a side effect that could change it, a shadowed free name, a value
 * used from a body without `return`) are left as calls; and the Espruino bundles build.mjs
 * writes have nothing left to inline.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { inline } from '../../tools/inline.mjs';
import { PROFILES } from '../../firmware/profiles.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Run a script in a fresh context; returns its `out`. */
function run(code: string): unknown {
  const ctx: Record<string, unknown> = {};
  vm.createContext(ctx);
  vm.runInContext(code, ctx);
  return ctx.out;
}

describe('inline', () => {
  it('replaces the calls of expression-bodied functions, drops them, and computes the same', () => {
    const src = 'function $lt(a,b){return(a-b|0)<0}function $set(o,i,v){o.a[i]=v}function $len(r){return r.F-r.i}' +
      'function $both(a,b){return $lt(a,b)&&$lt(b,a+10)}' +
      'var $o={a:[0,0,0],F:9,i:2};function $run(x,y){let k=0;$set($o,1,x);if($lt(x,y))k+=$len($o);k+=$both(x,y)?100:0;return k}' +
      'out=[$run(1,2),$run(5,3),$o.a[1]];';
    const r = inline(src);
    expect(r.names.sort()).toEqual(['$both', '$len', '$lt', '$set']);
    expect(r.sites).toBeGreaterThanOrEqual(5);
    expect(r.code).not.toMatch(/\$lt\(|\$set\(|\$len\(|\$both\(/);
    expect(run(r.code)).toEqual(run(src));
    expect(run(r.code)).toEqual([107, 0, 5]);
  });

  it('leaves the calls it cannot replace safely, and keeps their functions', () => {
    const cases: [string, string][] = [
      // An argument with a call: it would run at another time, or not at all.
      ['function $f(a){return a+1}function $g(){let z=2;return z}out=$f($g());', '$f'],
      // A parameter used twice with an expression: the expression would run twice.
      ['function $f(a){return a*a}var $o={x:3};out=$f($o.x+1);', '$f'],
      // A read after a side effect of the body that can change it.
      ['function $f(o,v){o.x=1,o.y=v}var $o={x:0,y:0};$f($o,$o.x);out=[$o.x,$o.y];', '$f'],
      // A free name of the body that a local elsewhere shadows.
      ['var k=5;function $f(a){return a+k}function $g(k){return $f(k)}out=$g(1);', '$f'],
      // A body without return whose value is used.
      ['function $f(o){o.x=1}var $o={};out=[$f($o),$o.x];', '$f'],
      // this, arguments, a parameter assigned.
      ['function $f(a){return this}out=typeof $f(1);', '$f'],
      ['function $f(a){return arguments.length}out=$f(1);', '$f'],
      ['function $f(a){return a=a+1}out=$f(1);', '$f'],
    ];
    for (const [src, name] of cases) {
      const r = inline(src);
      expect(r.names, src).not.toContain(name);
      expect(r.code, src).toContain(name + '(');
      expect(run(r.code), src).toEqual(run(src));
    }
  });

  it('copies a long expression only into a function called once', () => {
    const long = 'function $chk(b,o,l){return typeof b==="object"&&b!==null&&typeof o==="number"&&o>=0&&o<=b.length&&typeof l==="number"&&l>=0}';
    const twice = inline(long + 'var $b=[1,2];out=[$chk($b,0,1),$chk($b,3,1)];');
    expect(twice.names).toEqual([]);
    expect(twice.code).toContain('$chk($b,0,1)');
    const once = inline(long + 'var $b=[1,2];out=$chk($b,0,1);');
    expect(once.names).toEqual(['$chk']);
    expect(run(once.code)).toBe(true);
  });

  it('keeps a replaced statement from running into the one before it', () => {
    // Without a semicolon before it, "(o.x=2)" would call the 1 that ends the line before.
    const src = 'function $set(o,v){o.x=v}var $o={x:0},y=1\n$set($o,2)\nout=[$o.x,y];';
    const r = inline(src);
    expect(r.names).toEqual(['$set']);
    expect(run(r.code)).toEqual([2, 1]);
  });

  it('the Espruino bundles have nothing left to inline', () => {
    for (const p of Object.values(PROFILES)) {
      if (p.engine !== 'espruino') continue;
      const code = readFileSync(join(ROOT, 'dist', p.out), 'utf8');
      expect(inline(code).sites, p.out).toBe(0);
    }
  });
});
