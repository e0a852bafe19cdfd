/**
 * Comments cite only files that exist in the repository: every comment in src/, hal/,
 * firmware/, tools/, bench/, test/ (TypeScript and JavaScript files, and the `//` lines of the
 * packetdrill scripts) and build.mjs is searched for file names (`README.md`,
 * `hal/loopback.ts`, `scenarios/half-close.pkt`, `test/scripts/states/*.pkt`), and each must
 * name a file of the repository: by its path from the root, from the citing file's folder,
 * or as the tail of a path (`scenarios/half-close.pkt` cited from test/scripts/states/), or by
 * its bare name; or a file of the shared folder beside the repository (`../shared/...`). Build outputs (`dist/...`) count when build.mjs or
 * package.json names them.
 *
 * Not citations of this repository, and so not checked: URLs, C headers in angle brackets
 * (`<linux/if_tun.h>`), a path after a project's name in the possessive (`Espruino's
 * src/jswrap_*.c`), and placeholders in angle brackets (`<state>-<segment>.pkt`).
 */
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The extensions of files a comment may cite. */
const EXT = 'ts|mts|mjs|cjs|js|md|pkt|json|c|h|py|sh|txt|yml|yaml';
/** A cited file: optional ./ or ../ steps, folders, a name with one of EXT (not followed by more name). */
const CITATION = new RegExp(`(?<![\\w.*/-])(?:\\.\\.?/)*(?:[\\w*.-]+/)*[\\w*][\\w*.-]*\\.(?:${EXT})(?![\\w-]|\\.\\w)`, 'g');

/** Every file under root, repository-relative with '/' (no node_modules, dist, out, dot folders). */
function repoFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      if (n === 'node_modules' || n === 'dist' || n === 'out' || n.startsWith('.')) continue;
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(root);
  return out;
}

/** The comments of a TypeScript or JavaScript file, each with its 1-based line. */
function codeComments(path: string, text: string): { line: number; text: string }[] {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, path.endsWith('.mjs') || path.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const seen = new Set<number>();
  const out: { line: number; text: string }[] = [];
  const add = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) {
      if (seen.has(r.pos)) continue;
      seen.add(r.pos);
      out.push({ line: sf.getLineAndCharacterOfPosition(r.pos).line + 1, text: text.slice(r.pos, r.end) });
    }
  };
  const visit = (node: ts.Node) => {
    add(ts.getLeadingCommentRanges(text, node.getFullStart()));
    add(ts.getTrailingCommentRanges(text, node.getEnd()));
    ts.forEachChild(node, visit);
  };
  visit(sf);
  add(ts.getLeadingCommentRanges(text, sf.endOfFileToken.getFullStart()));
  return out.sort((a, b) => a.line - b.line);
}

/** The `//` comments of a packetdrill script. */
function scriptComments(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  text.split('\n').forEach((l, i) => {
    const k = l.indexOf('//');
    if (k >= 0) out.push({ line: i + 1, text: l.slice(k) });
  });
  return out;
}

/** The file names a comment cites (URLs, <headers>, <placeholders> and another project's files left out). */
function citations(comment: string): string[] {
  // One line of text: no comment markers, and a path wrapped after a slash joined again.
  const text = comment.replace(/^\/\*+|\*+\/$/g, '').replace(/\/\s*\n\s*(\*(?!\/)|\/\/)?\s*/g, '/')
    .replace(/\s*\n\s*(\*(?!\/)|\/\/)?\s*/g, ' ').replace(/\bhttps?:\/\/\S+/g, ' ');
  const out: string[] = [];
  for (const m of text.matchAll(CITATION)) {
    const at = m.index!;
    const before = text.slice(0, at);
    const after = text.slice(at + m[0].length);
    if (before.endsWith('<') && after.startsWith('>')) continue; // <sys/ioctl.h>
    if (before.endsWith('>')) continue; // <state>-<segment>.pkt
    if (/\b[A-Z][\w/-]*'s\s+$/.test(before)) continue; // Espruino's src/jswrap_*.c
    out.push(m[0]);
  }
  return out;
}

/** A glob (`*` within a name) as a regular expression over whole paths. */
function globRe(p: string): RegExp {
  return new RegExp('^' + p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*') + '$');
}

/** Whether `cited`, cited from file `from`, names something in `files` (see the doc block). */
function resolves(cited: string, from: string, files: string[], outputsNamed: string): boolean {
  const clean = cited.replace(/^(\.\/)+/, '');
  if (clean.startsWith('dist/')) {
    for (let p = clean; p.includes('/'); p = p.slice(0, p.lastIndexOf('/'))) if (outputsNamed.includes(p)) return true;
    return false;
  }
  const fromDir = dirname(from);
  const joined = (fromDir === '.' ? clean : fromDir + '/' + clean).split('/').reduce<string[]>((acc, part) => {
    if (part === '..') acc.pop();
    else if (part !== '.') acc.push(part);
    return acc;
  }, []).join('/');
  // The whole path from the root, the path from the citing folder, or the tail of a path (a bare name: the file name).
  const whole = globRe(clean);
  const fromHere = globRe(joined);
  const tail = new RegExp('(^|/)' + whole.source.slice(1));
  return files.some((f) => whole.test(f) || fromHere.test(f) || tail.test(f));
}

/**
 * A citation of the shared folder beside the repository (`../shared/engines/README.md`: the
 * engines and the design notes, read-only, which CI has too) counts when that file exists.
 */
function sharedExists(root: string, cited: string): boolean {
  return cited.startsWith('../shared/') && existsSync(join(root, cited));
}

/** Every citation in the given repository files that names no file of `files`. */
function missingCitations(root: string, scanned: string[], files: string[]): string[] {
  const named = ['build.mjs', 'package.json'].filter((f) => existsSync(join(root, f))).map((f) => readFileSync(join(root, f), 'utf8')).join('\n');
  const bad: string[] = [];
  for (const f of scanned) {
    const text = readFileSync(join(root, f), 'utf8');
    const comments = f.endsWith('.pkt') ? scriptComments(text) : codeComments(f, text);
    for (const c of comments) {
      for (const cited of citations(c.text)) {
        if (resolves(cited, f, files, named) || sharedExists(root, cited)) continue;
        // The line of the citation itself (a path wrapped across lines: the comment's first line).
        const k = c.text.indexOf(cited);
        bad.push(`${f}:${c.line + (k < 0 ? 0 : c.text.slice(0, k).split('\n').length - 1)}: ${cited}`);
      }
    }
  }
  return bad;
}

/** The files whose comments are checked. */
function scannedFiles(files: string[]): string[] {
  return files.filter((f) => (/^(src|hal|firmware|tools|bench|test)\//.test(f) && /\.(ts|mts|mjs|js|pkt)$/.test(f)) || f === 'build.mjs');
}

describe('the citation check (on a made-up repository)', () => {
  it('reports exactly the citations of files that do not exist, with file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-cites-'));
    try {
      const put = (path: string, text: string) => {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      };
      put('docs/NOTES.md', '# notes\n');
      put('test/scripts/a/one.pkt', '// see b/two.pkt and missing.pkt\n0 socket(...) = 3\n');
      put('test/scripts/b/two.pkt', '// see <state>-<segment>.pkt\n');
      put('src/x.ts', [
        '/**',
        ' * Cites docs/NOTES.md, NOTES.md, ./y.ts, ../src/y.ts, test/scripts/a/*.pkt, scenarios/gone.pkt',
        ' * and tcp-behaviour.md; a path wrapped after its slash: test/scripts/',
        ' * b/two.pkt; and test/scripts/',
        ' * b/three.pkt.',
        ' */',
        'export const x = 1; // and y.ts, dist/built.js, dist/secret.js, .d.ts files',
        "/* https://example.org/a/b.md, <linux/if_tun.h>, Espruino's src/jswrap_io.c, a.b.c.d */",
        'const s = "not a comment: nothing.md";',
      ].join('\n'));
      put('src/y.ts', 'export const y = 2;\n');
      put('build.mjs', '// writes dist/built.js\n');
      const files = repoFiles(dir);
      expect(missingCitations(dir, scannedFiles(files), files).sort()).toEqual([
        'src/x.ts:1: test/scripts/b/three.pkt',
        'src/x.ts:2: scenarios/gone.pkt',
        'src/x.ts:3: tcp-behaviour.md',
        'src/x.ts:7: dist/secret.js',
        'test/scripts/a/one.pkt:1: missing.pkt',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the repository', () => {
  const files = repoFiles(ROOT);
  const scanned = scannedFiles(files);

  it('has comments to check', () => {
    expect(scanned.length).toBeGreaterThan(150);
    expect(scanned).toContain('src/stack.ts');
    expect(scanned).toContain('test/scripts/states/closed-syn.pkt');
  });
  it('cites in its comments only files that are in the repository', () => {
    expect(missingCitations(ROOT, scanned, files)).toEqual([]);
  });
});
