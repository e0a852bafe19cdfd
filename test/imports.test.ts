/**
 * The import graph: which folder may import which (README, "Layout"), and no cycle among the
 * modules of src/ (so every callee precedes its caller in a bundle, and a reader can walk the
 * core bottom-up). The cycle rule counts the imports that reach the bundle; a type-only import
 * (`import type`) is erased by the compiler and orders nothing, so two modules may name each
 * other's types (the TCP table and the interface it sits in do).
 *
 * Every import is found with the TypeScript parser: `import` and `export ... from`
 * declarations (type-only ones included), `import x = require()`, dynamic `import()`,
 * `require()` calls and `import('...')` types. Relative specifiers are resolved to repository
 * files (`.js` means the `.ts` beside it); anything else is a package or a Node built-in.
 */
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** One import found in a file: the specifier as written and what it resolves to. */
interface Import {
  /** Repository-relative path of the importing file, with '/' separators. */
  from: string;
  line: number;
  spec: string;
  /** Repository-relative path of the imported file, or null for a package or built-in. */
  to: string | null;
  /** `import type` / `export type` / an `import('...')` type: erased, nothing at run time. */
  typeOnly: boolean;
}

/** Every .ts/.mts/.mjs file under dir (no .d.ts, no node_modules). */
function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts') && !name.endsWith('.d.mts')) out.push(p);
    }
  };
  walk(join(root, dir));
  return out;
}

/** The repository file a relative specifier names (a `.js` specifier names the `.ts` source beside it). */
function resolveSpec(root: string, fromFile: string, spec: string): string {
  const base = resolve(dirname(fromFile), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base + '.ts', join(base, 'index.ts')];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return relative(root, hit ?? base).split(sep).join('/');
}

/** All imports of one file. */
function importsOf(root: string, file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const from = relative(root, file).split(sep).join('/');
  const out: Import[] = [];
  const add = (node: ts.Node, lit: ts.Node | undefined, typeOnly = false) => {
    if (lit === undefined || !ts.isStringLiteralLike(lit)) return;
    const spec = lit.text;
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    out.push({ from, line, spec, to: spec.startsWith('.') ? resolveSpec(root, file, spec) : null, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) add(node, node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    else if (ts.isExportDeclaration(node)) add(node, node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal, true);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The top folder of a repository path ('src', 'hal', ... or the file name for top-level files). */
function folderOf(path: string): string {
  return path.split('/')[0];
}

/**
 * The cycles among the given modules' imports: one entry per strongly connected component
 * with more than one module (or a module importing itself), each listed in path order.
 */
function cycles(edges: Map<string, string[]>): string[][] {
  // Tarjan's algorithm, iterative enough for a few hundred modules.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (edges.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!idx.has(v)) strong(v);
  return out;
}

/**
 * The layout rules (README, "Layout"): for each folder, the repository folders its files may
 * import. A folder always may import itself. Packages and Node built-ins: see `packagesOk`.
 */
const MAY_IMPORT: Record<string, string[]> = {
  src: [],
  hal: ['src'],
  firmware: ['src', 'hal'],
  tools: ['src', 'hal', 'firmware'],
  bench: ['src', 'hal', 'firmware', 'tools'],
  test: ['src', 'hal', 'firmware', 'tools', 'bench', 'package.json'],
  'build.mjs': ['tools'],
  'vitest.config.ts': [],
};

/** The package's front door: the one file in src/ that may import hal/ (README, "Layout"). */
const FRONT_DOOR = 'src/index.ts';

/** Why `imp` breaks the layout rules, or null when it keeps them. */
function violation(imp: Import): string | null {
  const folder = folderOf(imp.from);
  const allowed = MAY_IMPORT[folder];
  if (allowed === undefined) return `${imp.from} is in no known folder`;
  if (imp.to === null) {
    // src/ and the board files of hal/ and firmware/ run on the boards: no packages there.
    if (folder === 'src') return `${imp.from}:${imp.line} imports the package '${imp.spec}' (src/ imports only src/)`;
    return null;
  }
  const target = folderOf(imp.to);
  if (target === folder) return null;
  if (imp.from === FRONT_DOOR && target === 'hal') return null;
  if (allowed.includes(target)) return null;
  return `${imp.from}:${imp.line} imports ${imp.to} (${folder}/ may import ${allowed.length ? allowed.join(', ') : 'nothing outside itself'})`;
}

/** All imports of the repository's code folders and top-level scripts. */
function repoImports(root: string): Import[] {
  const files = ['src', 'hal', 'firmware', 'tools', 'bench', 'test'].flatMap((d) => sourceFiles(root, d));
  for (const top of Object.keys(MAY_IMPORT)) if (top.includes('.') && existsSync(join(root, top))) files.push(join(root, top));
  return files.flatMap((f) => importsOf(root, f));
}

/** The run-time import edges among src/ modules (type-only imports are erased; the front door's hal/ imports are not src/ modules). */
function srcGraph(imports: Import[]): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const imp of imports) {
    if (folderOf(imp.from) !== 'src') continue;
    if (!edges.has(imp.from)) edges.set(imp.from, []);
    if (imp.to !== null && folderOf(imp.to) === 'src' && !imp.typeOnly) edges.get(imp.from)!.push(imp.to);
  }
  return edges;
}

describe('the scanner (on a made-up repository)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipstack-imports-'));
  try {
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    put('src/a.ts', "import { b } from './b.js';\nexport type { T } from './wire/c.js';\nexport const a = b;\n");
    put('src/b.ts', "import { a } from './a.js';\nexport const b = 1;\nexport const c = () => a;\n");
    put('src/e.ts', "import { f } from './f.js';\nexport const e = f;\n");
    put('src/f.ts', "import type { E } from './e.js';\nexport const f = 1;\n");
    put('src/wire/c.ts', "export type T = import('../../hal/x.js').X;\n");
    put('src/d.ts', "const fs = require('node:fs');\nexport const d = () => import('../test/t.js');\n");
    put('hal/x.ts', "import { a } from '../src/a.js';\nexport type X = number;\n");
    put('test/t.ts', "import x = require('../tools/y.js');\n");
    put('tools/y.ts', "import { t } from '../test/t.js';\n");
    const imports = ['src', 'hal', 'test', 'tools'].flatMap((d) => sourceFiles(dir, d)).flatMap((f) => importsOf(dir, f));

    it('finds every kind of import, type-only and dynamic ones included', () => {
      const seen = imports.map((i) => `${i.from} -> ${i.to ?? i.spec}`).sort();
      expect(seen).toEqual([
        'hal/x.ts -> src/a.ts',
        'src/a.ts -> src/b.ts',
        'src/a.ts -> src/wire/c.ts',
        'src/b.ts -> src/a.ts',
        'src/d.ts -> node:fs',
        'src/d.ts -> test/t.ts',
        'src/e.ts -> src/f.ts',
        'src/f.ts -> src/e.ts',
        'src/wire/c.ts -> hal/x.ts',
        'test/t.ts -> tools/y.ts',
        'tools/y.ts -> test/t.ts',
      ]);
    });
    it('reports imports that leave their folder\'s allowance, with file and line', () => {
      const bad = imports.map(violation).filter((v) => v !== null).sort();
      expect(bad).toEqual([
        "src/d.ts:1 imports the package 'node:fs' (src/ imports only src/)",
        'src/d.ts:2 imports test/t.ts (src/ may import nothing outside itself)',
        'src/wire/c.ts:1 imports hal/x.ts (src/ may import nothing outside itself)',
        'tools/y.ts:1 imports test/t.ts (tools/ may import src, hal, firmware)',
      ]);
    });
    it('finds a cycle, and only the modules on it; a type-only import closes none', () => {
      expect(cycles(srcGraph(imports))).toEqual([['src/a.ts', 'src/b.ts']]);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the repository', () => {
  const imports = repoImports(ROOT);

  it('has imports to check', () => {
    expect(imports.filter((i) => i.from === 'src/stack.ts').length).toBeGreaterThan(5);
  });
  it('resolves every relative import to a file that exists', () => {
    const missing = imports.filter((i) => i.to !== null && !existsSync(join(ROOT, i.to))).map((i) => `${i.from}:${i.line} ${i.spec}`);
    expect(missing).toEqual([]);
  });
  it('keeps every folder to what it may import: nothing in src/ leaves src/ (but the front door), nothing in bench/ reaches into test/', () => {
    expect(imports.map(violation).filter((v) => v !== null)).toEqual([]);
  });
  it('has no import cycle among the modules of src/', () => {
    expect(cycles(srcGraph(imports))).toEqual([]);
  });
  it('lets no module of src/ import the front door (the core never depends on hal/)', () => {
    expect(imports.filter((i) => folderOf(i.from) === 'src' && i.to === FRONT_DOOR).map((i) => i.from)).toEqual([]);
  });
  it('documents each folder\'s allowance in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
    for (const folder of ['src', 'hal', 'firmware', 'tools', 'bench', 'test']) {
      const row = layout.split('\n').find((l) => l.startsWith(`| \`${folder}/`));
      expect(row, `README Layout row for ${folder}/`).toBeDefined();
      const may = MAY_IMPORT[folder].filter((f) => f !== 'package.json');
      const cell = row!.split('|')[3];
      expect(cell, folder).toContain(may.length === 0 ? 'only `src/`' : may.map((f) => `\`${f}/\``).join(', '));
    }
  });
});
