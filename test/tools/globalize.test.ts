/**
 * Tests for tools/globalize.mjs: the wrapper's names get the prefix and nothing else does
 * (parameters and locals that share a name, property names, block-scoped names in nested
 * blocks), shorthand properties keep their key, the result computes what the wrapped script
 * computed, a script of another shape or a colliding name is refused, and the board bundles
 * build.mjs writes for Espruino are unwrapped (their names all prefixed, no wrapper left).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';
import { globalize } from '../../tools/globalize.mjs';
import { PROFILES } from '../../firmware/profiles.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Run a script in a fresh context and return the context's `out`. */
function run(code: string): unknown {
  const ctx: { out?: unknown } = {};
  vm.createContext(ctx);
  vm.runInContext(code, ctx);
  return ctx.out;
}

const SCRIPT = `(()=>{
var a = 1;
let b = 2;
const c = { a, b, k: 3 };
function f(a) { var b = a + 1; return b; }
function g(x) { return a + f(x) + c.k + c.a; }
if (a) { var v = 10; let w = 20; a += w; }
for (var i = 0; i < 2; i++) a++;
out = [g(5), v, i, typeof w, c.b];
})();`;

describe('globalize', () => {
  it("prefixes the wrapper's names only, and the script computes the same", () => {
    const g = globalize(SCRIPT, '$');
    expect(g.startsWith('var $a = 1;')).toBe(true);
    expect(g).toContain('let $b = 2;');
    // Shorthand properties keep their key and take the renamed value.
    expect(g).toContain('const $c = { a:$a, b:$b, k: 3 };');
    // A parameter and a local that share a wrapper name keep theirs.
    expect(g).toContain('function $f(a) { var b = a + 1; return b; }');
    expect(g).toContain('return $a + $f(x) + $c.k + $c.a;');
    // A var in a nested block is the wrapper's; a let there stays block-scoped.
    expect(g).toContain('var $v = 10; let w = 20; $a += w;');
    expect(g).toContain('for (var $i = 0; $i < 2; $i++) $a++;');
    expect(g).not.toContain('})();');
    expect(run(g)).toEqual(run(SCRIPT));
    expect(run(g)).toEqual([23 + 6 + 3 + 1, 10, 2, 'undefined', 2]);
  });

  it('turns constants into literals: a var of a number literal never assigned, its declaration gone', () => {
    const src = '(()=>{var K=5,a=1,N=-1;var Z=7;var w=2;function f(x){return x*K+N+Z}w++;var o={K};out=[f(2),o.K,w,a];a+=0})();';
    const g = globalize(src, '$');
    // K, N and Z go (from the front, the back and a whole statement); a and w are assigned, so they stay.
    expect(g).toBe('var $a=1;var $w=2;function $f(x){return x*5+(-1)+7}$w++;var $o={K:5};out=[$f(2),$o.K,$w,$a];$a+=0\n');
    expect(run(g)).toEqual(run(src));
    expect(run(g)).toEqual([16, 5, 3, 1]);
  });

  it('refuses a script that is not one wrapped function called at once, and a colliding name', () => {
    expect(() => globalize('var a = 1;', '$')).toThrow(/not one wrapped function/);
    expect(() => globalize('(()=>{var a=1;})(); var b;', '$')).toThrow(/not one wrapped function/);
    expect(() => globalize('((x)=>{var a=x;})(1);', '$')).toThrow(/not one wrapped function/);
    expect(() => globalize('(()=>{var a=1; var $a=2; a++;})();', '$')).toThrow(/\$a is already a name/);
    expect(globalize('(function(){var a=1;a++;})();', '$')).toBe('var $a=1;$a++;\n');
  });

  it('the Espruino bundles of the build are unwrapped: every top-level name prefixed', () => {
    for (const p of Object.values(PROFILES)) {
      if (p.engine !== 'espruino') continue;
      const code = readFileSync(join(ROOT, 'dist', p.out), 'utf8');
      const sf = ts.createSourceFile('b.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
      let declared = 0;
      for (const st of sf.statements) {
        const ids = ts.isFunctionDeclaration(st) && st.name ? [st.name] :
          ts.isVariableStatement(st) ? st.declarationList.declarations.map((d) => d.name) : [];
        for (const id of ids) {
          declared++;
          expect(id.getText(sf).startsWith('$'), p.out + ': ' + id.getText(sf)).toBe(true);
        }
      }
      expect(declared, p.out).toBeGreaterThan(100);
    }
  });
});
