/**
 * Release: after the boot, delete the top-level functions that only the boot calls, so that
 * their JsVars go back to the user (Espruino only, after tools/globalize.mjs).
 *
 * Why: on Espruino a function at the top level holds about four JsVars (its name, the function,
 * its code's link to Storage) plus one per parameter for as long as its name exists, whether
 * anything will call it again or not. The HAL, the stack and the services are built once, and
 * the functions that build them (createNet, the configuration's checks, the HAL's constructor)
 * are never called again: deleting their names frees them (measured on Espruino 2v29 with the
 * puck build: 2,193 -> 2,118 JsVars used after boot).
 *
 * Contract: `release(code)` returns the script with one `delete NAME;` per releasable function
 * (and variable, below) appended, and the lists of names. A top-level function declaration is releasable when nothing
 * can call it after the script's top-level code has run: every reference to it is a direct
 * call made by the top-level code, or by a releasable function, outside any function that
 * can outlive the boot. A function that can outlive it is any nested function, method or
 * arrow, except one called on the spot (an IIFE: its body is the caller's code). A reference
 * that is not a call (the function stored, passed or returned) keeps the function, and so
 * does every function a kept one calls. Names are matched by text: globalize has made every
 * top-level name unique (`$`-prefixed), and a parameter or local that shares one keeps it
 * (conservative: it looks like a reference that is not a call).
 *
 * Variables: a top-level `var` that only the top-level code and releasable functions use (the
 * profile's configuration, which the stack copies when it is built) is deleted as well (on the
 * puck build, 46 JsVars).
 *
 * `delete` of a global function or variable binding works on Espruino; in a sloppy-mode script on V8 (the
 * vm sandbox tests) it is a no-op that returns false, so the same bundle runs in both.
 */
import ts from 'typescript';

/** A function called on the spot, `(function(){...})()` or `(()=>{...})()`. */
function isIife(fn) {
  let p = fn.parent;
  let c = fn;
  while (ts.isParenthesizedExpression(p)) {
    c = p;
    p = p.parent;
  }
  return ts.isCallExpression(p) && p.expression === c;
}

/** Delete the functions (and variables) only the boot uses, once the boot is over; returns { code, names, vars }. */
export function release(code) {
  const sf = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS);
  /** @type {Map<string, ts.FunctionDeclaration>} */
  const fns = new Map();
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name && st.body) fns.set(st.name.text, st);
  }
  /** The top-level `var` names. */
  const vars = new Set();
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) vars.add(d.name.text);
    }
  }
  /** Calls made by each top-level function (or by the top-level code, under ''), by name. */
  const calls = new Map();
  /** Functions referenced where they may be called after the boot. */
  const kept = new Set();
  /** Variables read or written by each top-level function, by name; those code after the boot may use. */
  const varUses = new Map();
  const keptVars = new Set();

  /** Walk `node`, whose code belongs to `owner` ('' for the top level; null: may outlive the boot). */
  function walk(node, owner) {
    ts.forEachChild(node, function visit(c) {
      if (ts.isFunctionLike(c) && !isIife(c)) {
        walk(c, null);
        return;
      }
      if (ts.isIdentifier(c) && vars.has(c.text) && !(ts.isVariableDeclaration(c.parent) && c.parent.name === c)) {
        if (owner === null) keptVars.add(c.text);
        else {
          if (!varUses.has(owner)) varUses.set(owner, new Set());
          varUses.get(owner).add(c.text);
        }
      }
      if (ts.isIdentifier(c) && fns.has(c.text) && !(ts.isFunctionDeclaration(c.parent) && c.parent.name === c)) {
        const p = c.parent;
        const called = ts.isCallExpression(p) && p.expression === c;
        if (!called || owner === null) kept.add(c.text);
        else {
          if (!calls.has(owner)) calls.set(owner, new Set());
          calls.get(owner).add(c.text);
        }
      }
      walk(c, owner);
    });
  }
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name && fns.has(st.name.text)) walk(st.body, st.name.text);
    else walk(st, '');
  }
  // What a kept function calls is kept too.
  const todo = Array.from(kept);
  while (todo.length > 0) {
    const f = todo.pop();
    const out = calls.get(f);
    if (out === undefined) continue;
    for (const g of out) {
      if (!kept.has(g)) {
        kept.add(g);
        todo.push(g);
      }
    }
  }
  for (const f of kept) for (const v of varUses.get(f) ?? []) keptVars.add(v);
  const names = Array.from(fns.keys()).filter((f) => !kept.has(f));
  const dead = Array.from(vars).filter((v) => !keptVars.has(v));
  if (names.length === 0 && dead.length === 0) return { code, names, vars: dead };
  const tail = names.concat(dead).map((f) => 'delete ' + f + ';').join('');
  return { code: code.replace(/;?\s*$/, ';') + tail + '\n', names, vars: dead };
}
