/**
 * Globalize: turn a bundle wrapped in one immediately invoked function, `(()=>{ BODY })();`,
 * into BODY at the top level of the script, with every name the wrapper declared given a
 * prefix (`Lr` -> `$Lr`), so that the names cannot meet the user's own globals.
 *
 * Why (Espruino only): a function defined inside another function keeps a link to that
 * function's scope, one JsVar more per function than one defined at the top level (measured
 * on Espruino 2v29 with 100 two-parameter functions: 7 JsVars each inside a wrapper, 6 at the
 * top level; a 3-character name costs no more than a 2-character one). A board bundle defines
 * about 190 functions, so this is about 190 JsVars, 7% of what the Pico build uses.
 *
 * Contract: `globalize(code, prefix)` returns the rewritten script, or throws when `code` is
 * not exactly one wrapped function (an arrow or a function expression, called at once with no
 * arguments) or when a prefixed name would collide with a name already in the script. Names
 * are resolved by the TypeScript checker (by symbol, not by text), so a parameter or a local
 * that happens to share a wrapper name keeps its own. Declarations the wrapper's body holds
 * directly, and `var`s anywhere in it outside nested functions, are renamed; block-scoped
 * names inside nested blocks stay block-scoped and keep theirs.
 *
 * Constants: a `var` the wrapper's body declares directly with a number literal (or its
 * negation) and that nothing ever assigns is not kept as a global: every reference becomes the
 * literal and the declaration goes. Why: terser leaves such names when the functions using
 * them come before the declaration in the text (cyclic modules), and on Espruino each one is
 * a global looked up by name at every use, and a JsVar (measured on Espruino 2v29: a 256-octet
 * TCP segment and its ACK, 68.9 M -> 67.2 M instructions, 12 globals fewer).
 */
import ts from 'typescript';

const FILE = 'bundle.js';

/** The wrapper function of `(()=>{...})();` or `(function(){...})();`, else null. */
function wrapper(sf) {
  if (sf.statements.length !== 1) return null;
  const st = sf.statements[0];
  if (!ts.isExpressionStatement(st) || !ts.isCallExpression(st.expression)) return null;
  const call = st.expression;
  if (call.arguments.length !== 0) return null;
  let f = call.expression;
  while (ts.isParenthesizedExpression(f)) f = f.expression;
  if (!(ts.isArrowFunction(f) || ts.isFunctionExpression(f)) || f.parameters.length !== 0) return null;
  if (!f.body || !ts.isBlock(f.body)) return null;
  return f;
}

/** The literal text of a number literal or its negation (parenthesized), else undefined. */
function literal(init) {
  if (init === undefined) return undefined;
  if (ts.isNumericLiteral(init)) return init.text;
  if (ts.isPrefixUnaryExpression(init) && init.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(init.operand)) {
    return '(-' + init.operand.text + ')';
  }
  return undefined;
}

/** True when the identifier is assigned to or incremented here. */
function isWrite(id) {
  const p = id.parent;
  if (ts.isBinaryExpression(p) && p.left === id) {
    const k = p.operatorToken.kind;
    return k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment;
  }
  if ((ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p))) {
    return p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken;
  }
  return false;
}

/**
 * The wrapper's constants (module comment): `values` maps each symbol to its literal text;
 * `removals` are the edits that delete their declarators (the whole statement when every
 * declarator of it goes).
 */
function constants(fn, checker) {
  const values = new Map();
  const candidates = [];
  for (const st of fn.body.statements) {
    if (!ts.isVariableStatement(st)) continue;
    if ((st.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== 0) continue;
    for (const d of st.declarationList.declarations) {
      const text = ts.isIdentifier(d.name) ? literal(d.initializer) : undefined;
      const sym = text !== undefined ? checker.getSymbolAtLocation(d.name) : undefined;
      if (sym !== undefined) candidates.push([sym, text]);
    }
  }
  if (candidates.length === 0) return { values, removals: [] };
  const written = new Set();
  const look = (node) => {
    if (ts.isIdentifier(node) && isWrite(node)) {
      const sym = checker.getSymbolAtLocation(node);
      if (sym !== undefined) written.add(sym);
    }
    ts.forEachChild(node, look);
  };
  look(fn.body);
  for (const [sym, text] of candidates) if (!written.has(sym)) values.set(sym, text);
  const removals = [];
  for (const st of fn.body.statements) {
    if (!ts.isVariableStatement(st)) continue;
    const ds = st.declarationList.declarations;
    const gone = ds.map((d) => ts.isIdentifier(d.name) && values.has(checker.getSymbolAtLocation(d.name)));
    if (!gone.includes(true)) continue;
    if (!gone.includes(false)) {
      removals.push([st.getStart(), st.end, '']);
      continue;
    }
    const lastKept = gone.lastIndexOf(false);
    for (let k = 0; k < ds.length; k++) {
      if (!gone[k]) continue;
      // Before the last kept one: up to the next declarator (its comma goes); after it: from the previous one's end.
      if (k < lastKept) removals.push([ds[k].getStart(), ds[k + 1].getStart(), '']);
      else removals.push([ds[k - 1].end, ds[k].end, '']);
    }
  }
  return { values, removals };
}

/** The nearest enclosing function-like node of `node` (not counting `node` itself). */
function enclosingFunction(node) {
  let p = node.parent;
  while (p !== undefined && !ts.isFunctionLike(p)) p = p.parent;
  return p;
}

export function globalize(code, prefix) {
  const sf = ts.createSourceFile(FILE, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const fn = wrapper(sf);
  if (fn === null) throw new Error('globalize: the bundle is not one wrapped function called at once');
  const options = { allowJs: true, noLib: true, noResolve: true, types: [], target: ts.ScriptTarget.Latest };
  const host = ts.createCompilerHost(options);
  host.getSourceFile = (name) => (name === FILE ? sf : undefined);
  host.fileExists = (name) => name === FILE;
  host.readFile = (name) => (name === FILE ? code : undefined);
  const checker = ts.createProgram([FILE], options, host).getTypeChecker();

  // The wrapper's own names: declarations directly in its body, and vars anywhere in it.
  const names = new Map();
  const declare = (id) => {
    const sym = checker.getSymbolAtLocation(id);
    if (sym !== undefined) names.set(sym, id.text);
  };
  const collect = (node) => {
    if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) {
      if (node.name !== undefined && node.parent === fn.body) declare(node.name);
    } else if (ts.isVariableDeclarationList(node)) {
      const isVar = (node.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
      const direct = node.parent !== undefined && ts.isVariableStatement(node.parent) && node.parent.parent === fn.body;
      if (isVar || direct) {
        for (const d of node.declarations) {
          if (!ts.isIdentifier(d.name)) throw new Error('globalize: a destructuring declaration in the wrapper');
          if (enclosingFunction(d) === fn) declare(d.name);
        }
      }
    }
    if (ts.isFunctionLike(node) && node !== fn) return;
    ts.forEachChild(node, collect);
  };
  ts.forEachChild(fn.body, collect);
  const consts = constants(fn, checker);

  // Every identifier in the script, to refuse a prefixed name that already exists.
  const seen = new Set();
  const edits = [];
  const visit = (node) => {
    if (ts.isIdentifier(node)) {
      seen.add(node.text);
      const parent = node.parent;
      if (parent !== undefined && ts.isShorthandPropertyAssignment(parent) && parent.name === node) {
        const sym = checker.getShorthandAssignmentValueSymbol(parent);
        const value = consts.values.get(sym);
        if (value !== undefined) edits.push([node.getStart(sf), node.end, node.text + ':' + value]);
        else if (sym !== undefined && names.has(sym)) edits.push([node.getStart(sf), node.end, node.text + ':' + prefix + node.text]);
      } else {
        const sym = checker.getSymbolAtLocation(node);
        const value = consts.values.get(sym);
        if (value !== undefined) edits.push([node.getStart(sf), node.end, value]);
        else if (sym !== undefined && names.has(sym)) edits.push([node.getStart(sf), node.end, prefix + node.text]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(fn.body);
  for (const text of names.values()) {
    if (seen.has(prefix + text)) throw new Error('globalize: ' + prefix + text + ' is already a name in the bundle');
  }

  // Apply from the end, then keep only the body between the wrapper's braces. The constants'
  // declarations go, with whatever edit fell inside them.
  const start = fn.body.getStart(sf) + 1;
  const end = fn.body.end - 1;
  const inRemoved = (e) => consts.removals.some((r) => e[0] >= r[0] && e[1] <= r[1]);
  const all = edits.filter((e) => !inRemoved(e)).concat(consts.removals);
  all.sort((a, b) => b[0] - a[0]);
  let out = code;
  for (const [s, e, text] of all) out = out.slice(0, s) + text + out.slice(e);
  const grown = out.length - code.length;
  return out.slice(start, end + grown).trim() + '\n';
}
