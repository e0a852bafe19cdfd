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

  // Every identifier in the script, to refuse a prefixed name that already exists.
  const seen = new Set();
  const edits = [];
  const visit = (node) => {
    if (ts.isIdentifier(node)) {
      seen.add(node.text);
      const parent = node.parent;
      if (parent !== undefined && ts.isShorthandPropertyAssignment(parent) && parent.name === node) {
        const sym = checker.getShorthandAssignmentValueSymbol(parent);
        if (sym !== undefined && names.has(sym)) edits.push([node.getStart(sf), node.end, node.text + ':' + prefix + node.text]);
      } else {
        const sym = checker.getSymbolAtLocation(node);
        if (sym !== undefined && names.has(sym)) edits.push([node.getStart(sf), node.end, prefix + node.text]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(fn.body);
  for (const text of names.values()) {
    if (seen.has(prefix + text)) throw new Error('globalize: ' + prefix + text + ' is already a name in the bundle');
  }

  // Apply from the end, then keep only the body between the wrapper's braces.
  const start = fn.body.getStart(sf) + 1;
  const end = fn.body.end - 1;
  edits.sort((a, b) => b[0] - a[0]);
  let out = code;
  for (const [s, e, text] of edits) out = out.slice(0, s) + text + out.slice(e);
  const grown = out.length - code.length;
  return out.slice(start, end + grown).trim() + '\n';
}
