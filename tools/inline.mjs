/**
 * Inline: replace calls of the small top-level functions whose whole body is one expression
 * (`function $k(e,n){return(e-n|0)<0}`, `function $P(e,n,r){e.a[n]=r}`) by that expression,
 * and drop the functions nothing calls any more (Espruino only, after tools/globalize.mjs).
 *
 * Why: on Espruino a call is the dearest thing a small function does (a scope, a JsVar per
 * parameter, the lookup of its name), and every top-level function holds its JsVars (its
 * name, the function, its code's link to Storage, one per parameter) for good. The sources
 * keep such helpers for their names (`seqLt` reads as RFC 9293 writes it); the board pays for
 * them on every packet. terser's own inlining is no substitute: it inlines a function used
 * once as a function expression called on the spot, a new closure per call.
 *
 * Contract: `inline(code)` returns { code, names, sites }: the script with every safe call
 * site of an inlinable function replaced, `names` the functions removed because nothing
 * refers to them afterwards, `sites` the number of calls replaced. A function is inlinable
 * when it is declared at the top level with plain parameters, its body is one `return EXPR`
 * or one expression statement, it assigns none of its parameters, and it has no `this`,
 * `arguments`, nested function or call of itself; and when none of the free names of its body
 * is declared anywhere below the top level (so no call site can see another binding; names
 * are compared by text, conservatively). A call site is replaced when:
 * - its arguments are simple: literals, names, and reads (property reads and operators) of
 *   those, with no call, assignment or allocation, no more of them than parameters;
 * - a parameter used more than once gets a literal or a name (no expression is repeated);
 * - no parameter is read after a side effect of the body that could change what its argument
 *   reads (a call, or an assignment to a name, for a name; any assignment, for a property
 *   read); literals are always safe;
 * - a body without `return` is inlined only where the call's value is not used;
 * - an expression longer than LONG characters is inlined only into a function's one call
 *   (copies of it would cost flash: the bundle has to fit half a Pico's Storage).
 * Rounds repeat until no call changes (a body inlined may hold calls of other inlinable
 * functions). The output is parsed again, and the function throws if it does not parse.
 */
import ts from 'typescript';

const FILE = 'bundle.js';

/** The longest expression (in characters) inlined at more than one call. */
const LONG = 80;

function parse(code) {
  return ts.createSourceFile(FILE, code, ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS);
}

/** True when identifier `id` is a reference (not a property name or a declaration's name). */
function isReference(id) {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p)) && p.name === id) return false;
  if ((ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p) || ts.isClassDeclaration(p)) && p.name === id) return false;
  if ((ts.isParameter(p) || ts.isVariableDeclaration(p) || ts.isBindingElement(p)) && p.name === id) return false;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  return true;
}

/** Names declared anywhere below the top level (parameters, variables, functions, catch names). */
function localNames(sf) {
  const names = new Set();
  function add(name) {
    if (ts.isIdentifier(name)) names.add(name.text);
    else if (name && (ts.isObjectBindingPattern(name) || ts.isArrayBindingPattern(name))) {
      for (const e of name.elements) if (ts.isBindingElement(e)) add(e.name);
    }
  }
  function walk(node, inFunction) {
    ts.forEachChild(node, (c) => {
      if (ts.isFunctionLike(c)) {
        if (inFunction && c.name) add(c.name);
        if (ts.isFunctionExpression(c) && c.name) add(c.name);
        for (const p of c.parameters) add(p.name);
        walk(c, true);
        return;
      }
      if (inFunction && (ts.isVariableDeclaration(c) || ts.isClassDeclaration(c))) add(c.name);
      if (ts.isCatchClause(c) && c.variableDeclaration) add(c.variableDeclaration.name);
      // A block-scoped name at the top level is still visible only in its block.
      if (!inFunction && ts.isVariableDeclarationList(c) && (c.flags & ts.NodeFlags.BlockScoped) &&
        !ts.isVariableStatement(c.parent)) {
        for (const d of c.declarations) add(d.name);
      }
      walk(c, inFunction);
    });
  }
  walk(sf, false);
  return names;
}

/** Side effects of a body, in text order: { end, kind } with kind 'call', 'name' or 'property'. */
function effects(expr) {
  const out = [];
  (function walk(n) {
    ts.forEachChild(n, walk);
    if (ts.isCallExpression(n) || ts.isNewExpression(n) || ts.isTaggedTemplateExpression(n)) {
      out.push({ end: n.end, kind: 'call' });
    } else if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
      out.push({ end: n.end, kind: ts.isIdentifier(skipParens(n.left)) ? 'name' : 'property', prop: written(n.left) });
    } else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) &&
      (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) {
      out.push({ end: n.end, kind: ts.isIdentifier(skipParens(n.operand)) ? 'name' : 'property', prop: written(n.operand) });
    } else if (ts.isDeleteExpression(n)) {
      out.push({ end: n.end, kind: 'property', prop: written(n.expression) });
    }
  })(expr);
  return out;
}

/**
 * The property a write or read touches: its name (`x.name`), '#' for an index given as a
 * number literal (`x[14]`: it cannot touch a named property), '*' for any other index.
 */
function written(target) {
  target = skipParens(target);
  if (ts.isPropertyAccessExpression(target)) return target.name.text;
  if (ts.isElementAccessExpression(target)) return ts.isNumericLiteral(skipParens(target.argumentExpression)) ? '#' : '*';
  return null;
}

/** The properties an argument reads (see `written`). */
function reads(a) {
  const out = new Set();
  (function walk(n) {
    const p = written(n);
    if (p !== null) out.add(p);
    ts.forEachChild(n, walk);
  })(a);
  return out;
}

/** Whether a write of property `w` can change what reads `r` see. */
function conflicts(w, r) {
  if (w === '*') return r.size > 0;
  if (w === '#') return r.has('#') || r.has('*');
  return r.has(w) || r.has('*');
}

/** A name, or a read of a name's property or index (at most two steps: `x.y`, `x.y[i]`), indices names or literals. */
function isChain(a, depth = 0) {
  a = skipParens(a);
  if (ts.isIdentifier(a)) return true;
  if (depth >= 2) return false;
  if (ts.isPropertyAccessExpression(a)) return isChain(a.expression, depth + 1);
  if (ts.isElementAccessExpression(a)) {
    const i = skipParens(a.argumentExpression);
    return (ts.isIdentifier(i) || ts.isNumericLiteral(i)) && isChain(a.expression, depth + 1);
  }
  return false;
}

/**
 * Whether a call can change what name `id` (an argument at a call site) holds: unless it is a
 * parameter or local of the function around the call that no function nested in it uses, a
 * call could reach code that assigns it.
 */
function callCanChange(id) {
  const name = id.text;
  let f = id.parent;
  while (f && !ts.isFunctionLike(f)) f = f.parent;
  if (!f) return true;
  let declared = f.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === name);
  let captured = false;
  (function walk(n, nested) {
    ts.forEachChild(n, (c) => {
      if (ts.isFunctionLike(c)) {
        walk(c, true);
        return;
      }
      if (!nested && ts.isVariableDeclaration(c) && ts.isIdentifier(c.name) && c.name.text === name) declared = true;
      if (nested && ts.isIdentifier(c) && c.text === name) captured = true;
      walk(c, nested);
    });
  })(f.body ?? f, false);
  return !declared || captured;
}

function skipParens(n) {
  while (ts.isParenthesizedExpression(n)) n = n.expression;
  return n;
}

/** 'literal', 'name', 'read' (no call, assignment or allocation), or null. */
function argKind(a) {
  a = skipParens(a);
  if (ts.isNumericLiteral(a) || ts.isStringLiteral(a) || a.kind === ts.SyntaxKind.TrueKeyword ||
    a.kind === ts.SyntaxKind.FalseKeyword || a.kind === ts.SyntaxKind.NullKeyword) return 'literal';
  if (ts.isVoidExpression(a) && ts.isNumericLiteral(skipParens(a.expression))) return 'literal';
  if (ts.isPrefixUnaryExpression(a) && a.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(skipParens(a.operand))) return 'literal';
  if (ts.isIdentifier(a)) return 'name';
  return isRead(a) ? 'read' : null;
}

function isRead(a) {
  a = skipParens(a);
  if (ts.isIdentifier(a) || ts.isNumericLiteral(a) || ts.isStringLiteral(a)) return true;
  if (a.kind === ts.SyntaxKind.TrueKeyword || a.kind === ts.SyntaxKind.FalseKeyword || a.kind === ts.SyntaxKind.NullKeyword) return true;
  if (ts.isPropertyAccessExpression(a)) return !a.questionDotToken && isRead(a.expression);
  if (ts.isElementAccessExpression(a)) return !a.questionDotToken && isRead(a.expression) && isRead(a.argumentExpression);
  if (ts.isPrefixUnaryExpression(a)) {
    return a.operator !== ts.SyntaxKind.PlusPlusToken && a.operator !== ts.SyntaxKind.MinusMinusToken && isRead(a.operand);
  }
  if (ts.isTypeOfExpression(a) || ts.isVoidExpression(a)) return isRead(a.expression);
  if (ts.isBinaryExpression(a)) {
    const k = a.operatorToken.kind;
    if (k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment) return false;
    if (k === ts.SyntaxKind.InKeyword || k === ts.SyntaxKind.InstanceOfKeyword) return false;
    return isRead(a.left) && isRead(a.right);
  }
  if (ts.isConditionalExpression(a)) return isRead(a.condition) && isRead(a.whenTrue) && isRead(a.whenFalse);
  return false;
}

/** An inlinable function's facts, or null. */
function candidate(fn, locals) {
  if (!fn.name || !fn.body || fn.body.statements.length !== 1 || fn.asteriskToken) return null;
  if (fn.modifiers && fn.modifiers.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) return null;
  const params = [];
  for (const p of fn.parameters) {
    if (!ts.isIdentifier(p.name) || p.initializer || p.dotDotDotToken) return null;
    params.push(p.name.text);
  }
  const st = fn.body.statements[0];
  let expr;
  let returns;
  if (ts.isReturnStatement(st) && st.expression) {
    expr = st.expression;
    returns = true;
  } else if (ts.isExpressionStatement(st)) {
    expr = st.expression;
    returns = false;
  } else return null;
  const self = fn.name.text;
  /** Per parameter: its references, with the text position of each and how it is used. */
  const uses = params.map(() => []);
  let ok = true;
  (function walk(n) {
    if (!ok) return;
    if (ts.isFunctionLike(n) || ts.isClassLike(n) || n.kind === ts.SyntaxKind.ThisKeyword) {
      ok = false;
      return;
    }
    if (ts.isShorthandPropertyAssignment(n) || ts.isSpreadElement(n) || ts.isSpreadAssignment(n)) {
      ok = false;
      return;
    }
    if (ts.isIdentifier(n) && isReference(n)) {
      if (n.text === 'arguments' || n.text === self) ok = false;
      const i = params.indexOf(n.text);
      if (i >= 0) {
        const p = n.parent;
        const assigned = (ts.isBinaryExpression(p) && p.left === n && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
          p.operatorToken.kind <= ts.SyntaxKind.LastAssignment) ||
          ((ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) &&
            (p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken));
        if (assigned || ts.isParenthesizedExpression(p)) ok = false;
        uses[i].push({ pos: n.getStart(), end: n.end, callee: (ts.isCallExpression(p) || ts.isNewExpression(p)) && p.expression === n });
      } else if (locals.has(n.text)) ok = false;
    }
    ts.forEachChild(n, walk);
  })(expr);
  if (!ok) return null;
  return { name: self, params, expr, returns, uses, effects: effects(expr), decl: fn };
}

/** Whether the value of `call` is discarded (statement, left of a comma, operand of void, ...). */
function valueUnused(call) {
  let c = call;
  let p = c.parent;
  for (;;) {
    if (ts.isExpressionStatement(p)) return true;
    if (ts.isParenthesizedExpression(p)) { c = p; p = p.parent; continue; }
    if (ts.isVoidExpression(p)) return true;
    if (ts.isBinaryExpression(p)) {
      const k = p.operatorToken.kind;
      if (k === ts.SyntaxKind.CommaToken) {
        if (p.left === c) return true;
        c = p; p = p.parent; continue;
      }
      if ((k === ts.SyntaxKind.AmpersandAmpersandToken || k === ts.SyntaxKind.BarBarToken) && p.right === c) {
        c = p; p = p.parent; continue;
      }
      return false;
    }
    if (ts.isConditionalExpression(p) && p.condition !== c) { c = p; p = p.parent; continue; }
    if (ts.isForStatement(p) && (p.initializer === c || p.incrementor === c)) return true;
    return false;
  }
}

/** The replacement text for `call` of `f`, or null when the site is not safe. */
function replacement(call, f, text) {
  if (call.questionDotToken || call.arguments.length > f.params.length) return null;
  if (!f.returns && !valueUnused(call)) return null;
  const kinds = call.arguments.map(argKind);
  if (kinds.some((k) => k === null)) return null;
  const edits = [];
  for (let i = 0; i < f.params.length; i++) {
    const a = i < call.arguments.length ? call.arguments[i] : null;
    const kind = a === null ? 'literal' : kinds[i];
    const uses = f.uses[i];
    if (uses.length > 1 && kind === 'read' && !isChain(a)) return null;
    const r = kind === 'read' ? reads(a) : null;
    for (const u of uses) {
      if (u.callee && kind !== 'name') return null;
      for (const e of f.effects) {
        if (e.end > u.pos || kind === 'literal') continue;
        if (kind === 'name') {
          if (e.kind === 'name' || (e.kind === 'call' && callCanChange(skipParens(a)))) return null;
        } else if (e.kind !== 'property' || conflicts(e.prop, r)) return null;
      }
    }
    let arg = a === null ? 'void 0' : text.slice(a.getStart(), a.end);
    const bare = a !== null && (ts.isIdentifier(skipParens(a)) || ts.isParenthesizedExpression(a) ||
      (ts.isNumericLiteral(a) && !arg.includes('.')) || ts.isStringLiteral(a));
    if (!bare) arg = '(' + arg + ')';
    for (const u of uses) edits.push({ pos: u.pos, end: u.end, arg });
  }
  const start = f.expr.getStart();
  let body = text.slice(start, f.expr.end);
  edits.sort((x, y) => y.pos - x.pos);
  for (const e of edits) body = body.slice(0, e.pos - start) + e.arg + body.slice(e.end - start);
  return '(' + body + ')';
}

/** One round: replace every safe call; returns { code, sites }. */
function round(code) {
  const sf = parse(code);
  const locals = localNames(sf);
  const refs = references(code);
  const fns = new Map();
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st)) {
      const f = candidate(st, locals);
      // A long expression is copied only where there is one call: more copies cost flash.
      if (f !== null && (f.expr.end - f.expr.getStart() <= LONG || refs.get(f.name).refs === 1)) fns.set(f.name, f);
    }
  }
  const edits = [];
  (function walk(n) {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && fns.has(n.expression.text)) {
      const f = fns.get(n.expression.text);
      // (No call of f is inside f: candidate refuses a body that names its own function.)
      const r = replacement(n, f, code);
      if (r !== null) {
        // A statement that now starts with '(' must not continue the one before it.
        const guard = ts.isExpressionStatement(n.parent) && !/(^|[;{})]|\belse|\bdo)\s*$/.test(code.slice(0, n.getStart()));
        edits.push({ pos: n.getStart(), end: n.end, text: guard ? 'void' + r : r });
        return;
      }
    }
    ts.forEachChild(n, walk);
  })(sf);
  edits.sort((x, y) => y.pos - x.pos);
  let out = code;
  for (const e of edits) out = out.slice(0, e.pos) + e.text + out.slice(e.end);
  return { code: out, sites: edits.length };
}

/** Top-level function names and how many references each has. */
function references(code) {
  const sf = parse(code);
  const fns = new Map();
  for (const st of sf.statements) if (ts.isFunctionDeclaration(st) && st.name) fns.set(st.name.text, { decl: st, refs: 0 });
  (function walk(n) {
    if (ts.isIdentifier(n) && fns.has(n.text) && !(ts.isFunctionDeclaration(n.parent) && n.parent.name === n)) fns.get(n.text).refs++;
    ts.forEachChild(n, walk);
  })(sf);
  return fns;
}

/** Inline the expression-bodied top-level functions' safe calls; returns { code, names, sites }. */
export function inline(code) {
  const before = references(code);
  let sites = 0;
  for (let i = 0; i < 20; i++) {
    const r = round(code);
    if (r.sites === 0) break;
    code = r.code;
    sites += r.sites;
  }
  // Drop what the inlining left unreferenced (a function nothing referred to before is not ours).
  const names = [];
  for (;;) {
    const cuts = [];
    for (const [name, f] of references(code)) {
      if (f.refs === 0 && before.get(name).refs > 0) {
        names.push(name);
        cuts.push({ pos: f.decl.getStart(), end: f.decl.end });
      }
    }
    if (cuts.length === 0) break;
    cuts.sort((x, y) => y.pos - x.pos);
    for (const c of cuts) code = code.slice(0, c.pos) + code.slice(c.end);
  }
  const check = parse(code);
  if (check.parseDiagnostics.length > 0) {
    throw new Error('inline: the output does not parse: ' + check.parseDiagnostics[0].messageText);
  }
  return { code, names, sites };
}
