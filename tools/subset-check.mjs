#!/usr/bin/env node
/**
 * The board-subset check: finds the JavaScript that Espruino's interpreter cannot run in the
 * TypeScript sources that end up in the board bundles (src/, hal/, firmware/).
 *
 * Contract:
 * - `checkSubset(files)` parses the given .ts files with the TypeScript compiler API and
 *   returns one `{file, line, col, rule, text}` per violation (line and col are 1-based,
 *   `text` is a sentence saying what is wrong and what to write instead). It never throws on
 *   bad code; a file that starts with the comment `// subset: host-only` is skipped.
 * - `boardFiles(root)` lists the board sources under root (every .ts under src/, hal/ and
 *   firmware/, no .d.ts) and, separately, the host-only opt-outs.
 * - `node tools/subset-check.mjs [root]` prints the opt-outs and the violations as
 *   `file:line:col [rule] text` and exits 1 if there is any violation.
 *
 * Why a checker on top of esbuild: esbuild's `supported` flags turn destructuring, default
 * arguments, rest/spread, generators and async into build errors, but they cannot see
 * library gaps (`Map`, `Math.imul`...), labels, or Espruino's missing function hoisting
 * (a function called before its declaration is a ReferenceError there), and some features (object spread, `**`, `?.`, enums,
 * private fields) esbuild lowers silently into helpers that use what Espruino lacks.
 *
 * The use-before-declaration rule, precisely: in every statement list (a file's top level,
 * a function body, a block), a statement that runs before a later function or class
 * declaration of the same list must not reach that declaration's name. "Reach" counts the
 * code the statement runs at once (not the bodies of functions it merely defines, but the
 * body of an immediately invoked one), followed transitively through the functions and
 * classes of the same list that it reaches (a class counts with all its member bodies).
 * Names are matched by symbol, so a local that shadows the name is not a false alarm.
 */
import ts from 'typescript';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Globals Espruino does not have; using one as a value is a violation. */
const MISSING_GLOBALS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Proxy', 'Reflect', 'BigInt']);
/**
 * Static members Espruino lacks, by the object that would hold them. Checked against the
 * JSON wrapper declarations in Espruino's src/jswrap_*.c (2026 sources): none of these is
 * defined there.
 */
const MISSING_STATICS = new Map([
  ['Math', new Set(['imul', 'trunc', 'clz32', 'fround', 'log2', 'log10', 'log1p', 'expm1', 'hypot', 'cbrt',
    'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh'])],
  ['Number', new Set(['isInteger', 'isSafeInteger', 'isNaN', 'isFinite', 'parseInt', 'parseFloat',
    'EPSILON', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER'])],
  ['Array', new Set(['from', 'of'])],
  ['Object', new Set(['freeze', 'seal', 'preventExtensions', 'isFrozen', 'isSealed', 'isExtensible', 'is'])],
]);
/** Typed array constructors: none of them has `.from` on Espruino. */
const TYPED_ARRAYS = new Set([
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
]);
/** `==`, `!=`, `===`, `!==`. */
const EQUALITY = new Set([ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken]);
const BUFFER_TYPE = /^(ArrayBuffer|(Int8|Uint8|Uint8Clamped|Int16|Uint16|Int32|Uint32|Float32|Float64)Array)\b/;

/** `null`, `undefined` or `void 0`: comparing with those is a type test, fine on Espruino. */
function isNullish(e) {
  return e.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(e) && e.text === 'undefined') || ts.isVoidExpression(e);
}

/**
 * True when `e` is a typed array or an ArrayBuffer, as far as the file itself says (the check
 * runs without the lib and without imports): `x.buffer`, `new Uint8Array(...)`, or a name whose
 * declaration in this file is annotated or initialised so. A comparison with null is fine.
 */
function isBufferValue(checker, e) {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e)) e = e.expression;
  if (ts.isPropertyAccessExpression(e) && e.name.text === 'buffer') return true;
  if (ts.isNewExpression(e)) return ts.isIdentifier(e.expression) && BUFFER_TYPE.test(e.expression.text);
  if (!ts.isIdentifier(e)) return false;
  const sym = checker.getSymbolAtLocation(e);
  const decl = sym && sym.valueDeclaration;
  if (!decl || !(ts.isParameter(decl) || ts.isVariableDeclaration(decl))) return false;
  if (decl.type) return BUFFER_TYPE.test(decl.type.getText().replace(/\s*\|\s*null\b/g, ''));
  return decl.initializer !== undefined && ts.isNewExpression(decl.initializer) && isBufferValue(checker, decl.initializer);
}

/** Board modules that share a name with a Node built-in but exist on the boards (build.mjs marks them external). */
const BOARD_MODULES = new Set(['net', 'http', 'uart', 'NetworkJS']);
/** Node built-in module names (without the `node:` prefix). */
const NODE_BUILTINS = new Set(builtinModules.map((m) => m.replace(/^node:/, '')));
/** The opt-out marker, which must be one of the file's leading comments. */
const HOST_ONLY = /^\/\/\s*subset:\s*host-only\b/;

/** True when the file's leading comments contain `// subset: host-only`. */
export function isHostOnly(text) {
  const ranges = ts.getLeadingCommentRanges(text, text.startsWith('#!') ? text.indexOf('\n') + 1 : 0) || [];
  return ranges.some((r) => HOST_ONLY.test(text.slice(r.pos, r.end)));
}

/** Every board .ts file under root/src, root/hal and root/firmware, split into checked files and host-only opt-outs. */
export function boardFiles(root) {
  const files = [];
  const hostOnly = [];
  const walk = (dir) => {
    let names;
    try {
      names = readdirSync(dir).sort();
    } catch {
      return; // a missing folder has nothing to check
    }
    for (const name of names) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
        (isHostOnly(readFileSync(p, 'utf8')) ? hostOnly : files).push(p);
      }
    }
  };
  for (const top of ['src', 'hal', 'firmware']) walk(join(root, top));
  return { files, hostOnly };
}

/** Check files against the board subset; returns the violations, sorted by file and position. */
export function checkSubset(files) {
  const program = ts.createProgram(files, {
    noResolve: true,
    noLib: true,
    types: [],
    target: ts.ScriptTarget.ESNext,
    module: ts.ModuleKind.ESNext,
    allowJs: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const out = [];
  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (sf === undefined || isHostOnly(sf.text)) continue;
    checkFile(sf, checker, file, out);
  }
  out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col));
  return out;
}

/** The symbol an identifier stands for (the value symbol for `{ f }` shorthand). */
function symbolOf(checker, id) {
  const p = id.parent;
  if (p && ts.isShorthandPropertyAssignment(p) && p.name === id) return checker.getShorthandAssignmentValueSymbol(p);
  return checker.getSymbolAtLocation(id);
}

/** True when the symbol is declared by `decl` (looking through export symbols). */
function declaredBy(sym, decl) {
  for (let s = sym, hops = 0; s && hops < 3; s = s.exportSymbol, hops++) {
    if (s.declarations && s.declarations.includes(decl)) return true;
    if (s.valueDeclaration === decl) return true;
  }
  return false;
}

/** True when the identifier is read as a value (not a property name, a declared name, a label...). */
function isValueRef(id) {
  const p = id.parent;
  if (!p) return false;
  switch (p.kind) {
    case ts.SyntaxKind.PropertyAccessExpression:
      return p.expression === id;
    case ts.SyntaxKind.QualifiedName:
    case ts.SyntaxKind.LabeledStatement:
    case ts.SyntaxKind.BreakStatement:
    case ts.SyntaxKind.ContinueStatement:
    case ts.SyntaxKind.MetaProperty:
    case ts.SyntaxKind.ImportClause:
    case ts.SyntaxKind.NamespaceImport:
    case ts.SyntaxKind.ImportSpecifier:
    case ts.SyntaxKind.ExportSpecifier:
    case ts.SyntaxKind.NamespaceExport:
    case ts.SyntaxKind.ImportEqualsDeclaration:
      return false;
    case ts.SyntaxKind.BindingElement:
      return p.name !== id && p.propertyName !== id;
    case ts.SyntaxKind.PropertyAssignment:
    case ts.SyntaxKind.PropertyDeclaration:
    case ts.SyntaxKind.MethodDeclaration:
    case ts.SyntaxKind.GetAccessor:
    case ts.SyntaxKind.SetAccessor:
    case ts.SyntaxKind.PropertySignature:
    case ts.SyntaxKind.MethodSignature:
    case ts.SyntaxKind.EnumMember:
    case ts.SyntaxKind.VariableDeclaration:
    case ts.SyntaxKind.Parameter:
    case ts.SyntaxKind.FunctionDeclaration:
    case ts.SyntaxKind.FunctionExpression:
    case ts.SyntaxKind.ClassDeclaration:
    case ts.SyntaxKind.ClassExpression:
    case ts.SyntaxKind.InterfaceDeclaration:
    case ts.SyntaxKind.TypeAliasDeclaration:
    case ts.SyntaxKind.EnumDeclaration:
    case ts.SyntaxKind.ModuleDeclaration:
    case ts.SyntaxKind.TypeParameter:
      return p.name !== id;
    default:
      return true;
  }
}

/** True for nodes that vanish at compile time (types, interfaces, `declare`d things). */
function isTypeOnly(node) {
  if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return true;
  if (ts.isImportDeclaration(node) && node.importClause && node.importClause.isTypeOnly) return true;
  if (ts.isExportDeclaration(node) && node.isTypeOnly) return true;
  if (ts.canHaveModifiers(node)) {
    const mods = ts.getModifiers(node);
    if (mods && mods.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) return true;
  }
  // Heritage clauses are handled by the caller: `extends X` is a value, `implements X` is not.
  if (ts.isExpressionWithTypeArguments(node)) return false;
  return ts.isTypeNode(node);
}

/** True for the nodes whose body does not run when the enclosing code runs. */
function isDeferredFunction(node) {
  switch (node.kind) {
    case ts.SyntaxKind.FunctionDeclaration:
    case ts.SyntaxKind.FunctionExpression:
    case ts.SyntaxKind.ArrowFunction:
    case ts.SyntaxKind.MethodDeclaration:
    case ts.SyntaxKind.Constructor:
    case ts.SyntaxKind.GetAccessor:
    case ts.SyntaxKind.SetAccessor:
      return true;
    default:
      return false;
  }
}

/** True when a function expression or arrow is called on the spot: `(function () {...})()`. */
function isImmediatelyInvoked(fn) {
  let n = fn;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  return n.parent !== undefined && ts.isCallExpression(n.parent) && n.parent.expression === n;
}

function hasModifier(node, kind) {
  const mods = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
  return mods !== undefined && mods.some((m) => m.kind === kind);
}

/** The module name a `require('x')` / `import('x')` call asks for, or undefined. */
function requiredModule(call) {
  const callee = call.expression;
  const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
  const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
  if (!isRequire && !isImport) return undefined;
  const arg = call.arguments[0];
  return arg !== undefined && ts.isStringLiteralLike(arg) ? arg.text : undefined;
}

/** True when a module specifier names a Node built-in that the boards do not have. */
function isNodeBuiltin(spec) {
  if (spec.startsWith('node:')) return true;
  const base = spec.split('/')[0];
  return NODE_BUILTINS.has(base) && !BOARD_MODULES.has(base);
}

function checkFile(sf, checker, file, out) {
  const report = (node, rule, text) => {
    const pos = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    out.push({ file, line: pos.line + 1, col: pos.character + 1, rule, text });
  };
  const src = (node) => {
    const t = node.getText(sf).replace(/\s+/g, ' ');
    return t.length > 60 ? t.slice(0, 57) + '...' : t;
  };

  const visit = (node) => {
    if (isTypeOnly(node)) return;
    if (ts.isHeritageClause(node)) {
      // `class A extends B` evaluates B; `implements` is types only.
      if (node.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(node.parent)) {
        for (const t of node.types) visit(t.expression);
      }
      return;
    }
    checkNode(node);
    if (ts.isSourceFile(node) || ts.isBlock(node) || ts.isModuleBlock(node)) checkOrder(node.statements);
    else if (ts.isCaseBlock(node)) checkOrder(node.clauses.flatMap((c) => c.statements));
    else if (ts.isVariableDeclarationList(node)) checkVarOrder(node);
    ts.forEachChild(node, visit);
  };

  const checkNode = (node) => {
    switch (node.kind) {
      case ts.SyntaxKind.LabeledStatement:
        report(node, 'label', `label \`${node.label.text}:\`: Espruino has no labels; use a flag or a helper function with return`);
        return;
      case ts.SyntaxKind.Identifier:
        if (MISSING_GLOBALS.has(node.text) && isValueRef(node) && symbolOf(checker, node) === undefined) {
          report(node, 'global', `\`${node.text}\` does not exist on Espruino; use typed arrays or plain objects/arrays`);
        }
        return;
      case ts.SyntaxKind.PropertyAccessExpression:
      case ts.SyntaxKind.ElementAccessExpression: {
        const name = ts.isPropertyAccessExpression(node)
          ? node.name.text
          : ts.isStringLiteralLike(node.argumentExpression) ? node.argumentExpression.text : undefined;
        const obj = node.expression;
        const objName = ts.isIdentifier(obj) ? obj.text : undefined;
        if (name === undefined) {
          // a computed member name cannot be one of the missing builtins we know by name
        } else if (objName !== undefined && MISSING_STATICS.has(objName) && MISSING_STATICS.get(objName).has(name)) {
          report(node, 'missing-builtin', `\`${objName}.${name}\` does not exist on Espruino; write it out by hand (global isNaN/parseInt, Math.floor, a loop...)`);
        } else if (objName !== undefined && TYPED_ARRAYS.has(objName) && name === 'from') {
          report(node, 'missing-builtin', `\`${objName}.from\` does not exist on Espruino; use \`new ${objName}(n)\` and \`set\``);
        } else if (name === 'copyWithin') {
          report(node, 'missing-builtin', '`.copyWithin` does not exist on Espruino; use native.copy from src/native.ts');
        }
        if (node.questionDotToken) {
          report(node, 'optional-chaining', `optional chaining \`${src(node)}\` is not reliable on Espruino; test for null explicitly`);
        }
        return;
      }
      case ts.SyntaxKind.CallExpression: {
        if (node.questionDotToken) {
          report(node, 'optional-chaining', `optional call \`${src(node)}\` is not reliable on Espruino; test for null explicitly`);
        }
        const spec = requiredModule(node);
        if (spec !== undefined && isNodeBuiltin(spec)) {
          report(node, 'node-builtin', `\`${spec}\` is a Node built-in; board code cannot load it (a host-only file must say \`// subset: host-only\`)`);
        }
        return;
      }
      case ts.SyntaxKind.ImportDeclaration:
      case ts.SyntaxKind.ExportDeclaration: {
        const ms = node.moduleSpecifier;
        if (ms !== undefined && ts.isStringLiteralLike(ms) && isNodeBuiltin(ms.text)) {
          report(node, 'node-builtin', `import of Node built-in \`${ms.text}\`; board code cannot load it (a host-only file must say \`// subset: host-only\`)`);
        }
        return;
      }
      case ts.SyntaxKind.BinaryExpression: {
        const op = node.operatorToken.kind;
        if (op === ts.SyntaxKind.AsteriskAsteriskToken || op === ts.SyntaxKind.AsteriskAsteriskEqualsToken) {
          report(node.operatorToken, 'exponent', '`**` is not supported by Espruino; use Math.pow or a shift');
        } else if (op === ts.SyntaxKind.EqualsToken && (ts.isObjectLiteralExpression(node.left) || ts.isArrayLiteralExpression(node.left))) {
          report(node.left, 'destructuring', `destructuring assignment \`${src(node.left)}\`: Espruino has no destructuring; assign each field`);
        } else if (EQUALITY.has(op) && !isNullish(node.left) && !isNullish(node.right) &&
          (isBufferValue(checker, node.left) || isBufferValue(checker, node.right))) {
          report(node.operatorToken, 'buffer-identity', `\`${src(node)}\`: Espruino compares typed arrays and ArrayBuffers by content (two zeroed arrays are ===), copying them to do it; compare offsets or keep an index instead`);
        }
        return;
      }
      case ts.SyntaxKind.ForOfStatement:
      case ts.SyntaxKind.ForInStatement:
        if (ts.isObjectLiteralExpression(node.initializer) || ts.isArrayLiteralExpression(node.initializer)) {
          report(node.initializer, 'destructuring', 'destructuring loop target: Espruino has no destructuring');
        }
        if (node.awaitModifier) report(node, 'async', '`for await` is not supported by Espruino');
        return;
      case ts.SyntaxKind.ObjectBindingPattern:
      case ts.SyntaxKind.ArrayBindingPattern:
        if (!ts.isBindingElement(node.parent)) {
          report(node, 'destructuring', `destructuring pattern \`${src(node)}\`: Espruino has no destructuring; read each field`);
        }
        return;
      case ts.SyntaxKind.Parameter:
        if (node.initializer) {
          report(node, 'default-parameter', `default parameter \`${src(node)}\`: Espruino has none; test for undefined in the body`);
        }
        if (node.dotDotDotToken) {
          report(node, 'rest-spread', `rest parameter \`${src(node)}\`: Espruino has none; pass an array`);
        }
        return;
      case ts.SyntaxKind.SpreadElement:
      case ts.SyntaxKind.SpreadAssignment:
        report(node, 'rest-spread', `spread \`${src(node)}\`: Espruino has no spread; copy explicitly`);
        return;
      case ts.SyntaxKind.ComputedPropertyName:
        report(node, 'computed-key', `computed property name \`${src(node)}\`: Espruino has none; assign with obj[key] = value`);
        return;
      case ts.SyntaxKind.YieldExpression:
        return; // reported once, on the generator itself
      case ts.SyntaxKind.AwaitExpression:
        report(node, 'async', '`await` is not supported by Espruino; use callbacks');
        return;
      case ts.SyntaxKind.EnumDeclaration:
        report(node, 'enum', `TS enum \`${node.name.text}\`: write \`export const NAME = 1;\` constants instead`);
        return;
      case ts.SyntaxKind.TaggedTemplateExpression:
        report(node, 'tagged-template', `tagged template \`${src(node)}\`: Espruino throws on tagged templates; call a function`);
        return;
      case ts.SyntaxKind.PrivateIdentifier:
        if (node.parent === undefined || !ts.isClassElement(node.parent) || node.parent.name !== node) return; // report the declaration only
        report(node, 'private-field', `private name \`${node.text}\`: esbuild lowers it to a WeakMap, which Espruino lacks; use a plain field`);
        return;
      case ts.SyntaxKind.BigIntLiteral:
        report(node, 'global', `BigInt literal \`${node.text}\`: Espruino has no BigInt`);
        return;
      default:
        break;
    }
    if (ts.isFunctionLike(node) && node.asteriskToken) {
      report(node, 'generator', 'generator function: Espruino has no generators');
    }
    if (ts.isFunctionLike(node) && hasModifier(node, ts.SyntaxKind.AsyncKeyword)) {
      report(node, 'async', 'async function: Espruino has no async/await; use callbacks');
    }
  };

  // ---- var before its declaration ---------------------------------------------------------

  /**
   * Espruino does not hoist `var` either: until the `var` statement runs, the name is the
   * enclosing scope's, so `x = 1; ... var x` in one function writes the outer `x` (measured on
   * 2v29: an outer function was overwritten by a number). Report a name used in its function
   * before the first `var` that declares it there (not counting uses inside nested functions,
   * which may run later).
   */
  const checkVarOrder = (list) => {
    if ((list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== 0) return;
    for (const d of list.declarations) {
      if (!ts.isIdentifier(d.name)) continue;
      const sym = checker.getSymbolAtLocation(d.name);
      if (!sym || !sym.declarations) continue;
      const first = Math.min(...sym.declarations.map((x) => x.getStart(sf)));
      if (d.getStart(sf) !== first) continue;
      let container = d.parent;
      while (container && !ts.isFunctionLike(container) && !ts.isSourceFile(container)) container = container.parent;
      if (!container) continue;
      const name = d.name.text;
      let early = null;
      const walk = (n) => {
        if (early !== null || n.getStart(sf) >= first) return;
        if (n !== container && ts.isFunctionLike(n)) return;
        if (ts.isIdentifier(n) && n.text === name && isValueRef(n) && symbolOf(checker, n) === sym) {
          early = n;
          return;
        }
        ts.forEachChild(n, walk);
      };
      ts.forEachChild(container, walk);
      if (early !== null) {
        report(early, 'var-before-declaration', `\`${name}\` is used at line ${lineOf(early)} before its \`var\` at line ${lineOf(d)}: Espruino does not hoist var, so this reaches the enclosing scope's \`${name}\`; declare it first`);
      }
    }
  };

  // ---- use before declaration ------------------------------------------------------------

  /** Value identifiers that run when `node` runs (not inside bodies that are only defined). */
  const eagerIds = (node, acc) => {
    const walk = (n) => {
      if (isTypeOnly(n)) return;
      if (ts.isHeritageClause(n)) {
        if (n.token === ts.SyntaxKind.ExtendsKeyword) for (const t of n.types) walk(t.expression);
        return;
      }
      if (isDeferredFunction(n)) {
        if ((ts.isFunctionExpression(n) || ts.isArrowFunction(n)) && isImmediatelyInvoked(n) && n.body) walk(n.body);
        return;
      }
      // Instance field initializers run in the constructor (useDefineForClassFields: false).
      if (ts.isPropertyDeclaration(n) && !hasModifier(n, ts.SyntaxKind.StaticKeyword)) return;
      if (ts.isIdentifier(n) && isValueRef(n)) acc.push(n);
      ts.forEachChild(n, walk);
    };
    walk(node);
    return acc;
  };

  /** Identifiers that run when the declaration is used: a function's body, or every member of a class. */
  const bodyIds = (decl) => {
    const acc = [];
    if (ts.isFunctionDeclaration(decl)) {
      if (decl.body) eagerIds(decl.body, acc);
      for (const p of decl.parameters) if (p.initializer) eagerIds(p.initializer, acc);
      return acc;
    }
    for (const m of decl.members) {
      if (ts.isPropertyDeclaration(m) && m.initializer) eagerIds(m.initializer, acc);
      else if (isDeferredFunction(m) && m.body) eagerIds(m.body, acc);
      else if (ts.isClassStaticBlockDeclaration(m)) eagerIds(m.body, acc);
    }
    return acc;
  };

  const lineOf = (node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;

  /** The use-before-declaration rule for one statement list. */
  const checkOrder = (stmts) => {
    const decls = [];
    stmts.forEach((s, index) => {
      if ((ts.isFunctionDeclaration(s) && s.body) || ts.isClassDeclaration(s)) {
        if (s.name && !hasModifier(s, ts.SyntaxKind.DeclareKeyword)) decls.push({ node: s, index, name: s.name.text });
      }
    });
    if (decls.length === 0) return;
    const names = new Set(decls.map((d) => d.name));
    const findDecl = (id) => {
      if (!names.has(id.text)) return undefined;
      const sym = symbolOf(checker, id);
      return decls.find((d) => d.name === id.text && declaredBy(sym, d.node));
    };
    const reported = new Set();
    const lastIndex = Math.max(...decls.map((d) => d.index));
    for (let j = 0; j < lastIndex; j++) {
      // Breadth-first through what statement j reaches; `origin` is the identifier in statement j.
      const queue = eagerIds(stmts[j], []).map((id) => ({ id, origin: id, via: [] }));
      const seen = new Set();
      while (queue.length > 0) {
        const { id, origin, via } = queue.shift();
        const d = findDecl(id);
        if (d === undefined) continue;
        if (d.index > j) {
          if (!reported.has(d)) {
            reported.add(d);
            const kind = ts.isClassDeclaration(d.node) ? 'class' : 'function';
            const how = via.length === 0 ? 'used' : `reached through ${via.map((v) => `\`${v}\``).join(' -> ')}`;
            report(origin, 'use-before-declaration',
              `${kind} \`${d.name}\` is ${how} at line ${lineOf(origin)} before its declaration at line ${lineOf(d.node)}: ` +
              `Espruino does not hoist declarations; move the ${kind} above this statement`);
          }
        } else if (!seen.has(d)) {
          seen.add(d);
          for (const next of bodyIds(d.node)) queue.push({ id: next, origin, via: via.concat(d.name) });
        }
      }
    }
  };

  visit(sf);
}

// ---- CLI ---------------------------------------------------------------------------------

function main(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(argv[0] !== undefined ? argv[0] : join(here, '..'));
  const { files, hostOnly } = boardFiles(root);
  for (const f of hostOnly) console.log(`subset-check: ${relative(process.cwd(), f)} opts out (// subset: host-only)`);
  const found = checkSubset(files);
  for (const v of found) console.error(`${relative(process.cwd(), v.file)}:${v.line}:${v.col} [${v.rule}] ${v.text}`);
  if (found.length > 0) {
    console.error(`subset-check: ${found.length} violation(s) of the board language subset in ${files.length} files`);
    return 1;
  }
  console.log(`subset-check: ${files.length} board files in the Espruino subset`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
