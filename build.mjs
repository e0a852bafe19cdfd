#!/usr/bin/env node
/**
 * Build: checks the board language subset, then bundles with esbuild.
 *
 *   dist/espruino.js   firmware/espruino.ts for Espruino (iife, es2015, minified)
 *   dist/kaluma.js     firmware/kaluma.ts for Kaluma (iife, es2019, minified)
 *   dist/slipstack.mjs tools/slipstack.ts, the host CLI (`bin` of the package), if it exists
 *   dist/index.mjs     src/index.ts, the library (`main` and `exports` of the package, ESM)
 *   dist/types/        its declarations, emitted by tsc (tsconfig.build.json; `types`)
 *   dist/sizes.json    { espruino: {raw, gzip}, kaluma: {raw, gzip} } for the bench
 *
 * Usage: `node build.mjs [--quiet] [--json] [--only=espruino,kaluma,slipstack,index,types]`.
 * Prints name, raw and gzip size of each bundle; `--quiet` prints nothing on success,
 * `--json` prints one JSON line with the board sizes. `--only` builds just the named bundles
 * (the sandbox tests use it) and then leaves dist/sizes.json alone. The board bundles are
 * built first, so a broken host CLI does not hide their sizes; any failure still exits 1.
 * Exits 1 with file:line messages when board code leaves the subset or esbuild fails.
 *
 * Why these esbuild settings: target es2015 is the oldest that
 * keeps `let`/`const`/classes; each `supported: false` key below was tried with esbuild 0.28
 * and turns the feature into a build error instead of a silent lowering (test/tools/
 * subset-check.test.ts checks it). Keys that only lower (object-rest-spread,
 * exponent-operator, optional-chain) are left out: the subset check catches those.
 * No `globalName`: the entries assign to the global object themselves. Board modules are
 * external and loaded with `require`, never `import * as`.
 */
import * as esbuild from 'esbuild';
import { gzipSync } from 'node:zlib';
import { existsSync, mkdirSync, writeFileSync, chmodSync, renameSync, rmSync } from 'node:fs';
import ts from 'typescript';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boardFiles, checkSubset } from './tools/subset-check.mjs';

const ROOT = dirname(fileURLToPath(import.meta.url));
const DIST = join(ROOT, 'dist');

/** Syntax the boards cannot run; esbuild refuses each one (verified with esbuild 0.28, targets es2015 and es2019). */
const BOARD_SUPPORTED = {
  'destructuring': false,
  'default-argument': false,
  'rest-argument': false,
  'array-spread': false,
  'generator': false,
  'async-await': false,
  'async-generator': false,
  'for-await': false,
};

/** Modules that the board firmware provides; left as `require(...)` calls in the bundle. */
const BOARD_EXTERNALS = ['net', 'http', 'uart', 'NetworkJS'];

/** Options shared by the two board bundles. */
function boardOptions(entry, outfile, target) {
  return {
    entryPoints: [join(ROOT, entry)],
    outfile: join(DIST, outfile),
    bundle: true,
    format: 'iife',
    platform: 'neutral',
    target,
    minify: true,
    supported: BOARD_SUPPORTED,
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
    external: BOARD_EXTERNALS,
    legalComments: 'none',
    write: false,
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: 'silent',
  };
}

/** Options for the host CLI bundle. */
function hostOptions() {
  return {
    entryPoints: [join(ROOT, 'tools', 'slipstack.ts')],
    outfile: join(DIST, 'slipstack.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    banner: { js: '#!/usr/bin/env node' },
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
    write: false,
    logLevel: 'silent',
  };
}

/** Options for the library: src/index.ts as one ESM file, readable (not minified), for Node and bundlers. */
function libraryOptions() {
  return {
    entryPoints: [join(ROOT, 'src', 'index.ts')],
    outfile: join(DIST, 'index.mjs'),
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2020',
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  };
}

/**
 * The library's declarations: tsc with tsconfig.build.json, into a fresh folder that then
 * replaces dist/types (so no declaration of a deleted module lingers). Returns the number of
 * files, or -1 after printing tsc's errors.
 */
function emitTypes() {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  const tmp = join(DIST, `types.${process.pid}.tmp`);
  const program = ts.createProgram(config.fileNames, { ...config.options, outDir: tmp });
  const result = program.emit();
  const diagnostics = ts.getPreEmitDiagnostics(program).concat(result.diagnostics);
  if (diagnostics.length > 0) {
    console.error(ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' }));
    rmSync(tmp, { recursive: true, force: true });
    return -1;
  }
  rmSync(join(DIST, 'types'), { recursive: true, force: true });
  renameSync(tmp, join(DIST, 'types'));
  return program.getSourceFiles().filter((f) => !f.isDeclarationFile).length;
}

/** Run one esbuild build in memory; returns its single output file and its input files (absolute). */
async function bundle(options) {
  const result = await esbuild.build(options);
  const inputs = result.metafile ? Object.keys(result.metafile.inputs).map((p) => resolve(ROOT, p)) : [];
  return { out: result.outputFiles[0], inputs };
}

/** Write a bundle and return its {raw, gzip} sizes. */
function writeBundle(out) {
  mkdirSync(dirname(out.path), { recursive: true });
  // Write then rename, so a concurrent reader (a test) never sees half a bundle.
  const tmp = `${out.path}.${process.pid}.tmp`;
  writeFileSync(tmp, out.contents);
  renameSync(tmp, out.path);
  return { raw: out.contents.length, gzip: gzipSync(out.contents, { level: 9 }).length };
}

/** Print esbuild's errors as file:line:col messages. */
function printEsbuildErrors(name, e) {
  const errors = e && e.errors ? e.errors : [];
  for (const m of errors) {
    const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : '';
    console.error(`${where}error: ${m.text}`);
  }
  if (errors.length === 0) console.error(String(e));
  console.error(`build: ${name} failed`);
}

async function main(argv) {
  const quiet = argv.includes('--quiet');
  const json = argv.includes('--json');
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  const only = onlyArg === undefined ? null : onlyArg.slice('--only='.length).split(',');
  const say = (line) => {
    if (!quiet && !json) console.log(line);
  };

  // 1. The board subset: fail before esbuild, with file:line messages.
  const { files, hostOnly } = boardFiles(ROOT);
  for (const f of hostOnly) say(`subset: ${relative(ROOT, f)} opts out (// subset: host-only)`);
  const violations = checkSubset(files);
  if (violations.length > 0) {
    for (const v of violations) console.error(`${relative(ROOT, v.file)}:${v.line}:${v.col}: [${v.rule}] ${v.text}`);
    console.error(`build: ${violations.length} violation(s) of the board language subset; nothing was built`);
    return 1;
  }

  // 2. The bundles.
  const jobs = [
    ['espruino', boardOptions('firmware/espruino.ts', 'espruino.js', 'es2015')],
    ['kaluma', boardOptions('firmware/kaluma.ts', 'kaluma.js', 'es2019')],
  ];
  const hostEntry = join(ROOT, 'tools', 'slipstack.ts');
  if (existsSync(hostEntry)) jobs.push(['slipstack', hostOptions()]);
  else if (only === null || only.includes('slipstack')) say('build: tools/slipstack.ts not found, host CLI skipped');
  jobs.push(['index', libraryOptions()]);
  const names = ['espruino', 'kaluma', 'slipstack', 'index', 'types'];
  for (const name of only === null ? [] : only) {
    if (!names.includes(name)) {
      console.error(`build: unknown bundle "${name}" in --only (${names.join(', ')})`);
      return 1;
    }
  }

  const sizes = {};
  const checked = new Set(files.map((f) => resolve(f)));
  let failed = false;
  for (const [name, options] of jobs) {
    if (only !== null && !only.includes(name)) continue;
    let result;
    try {
      result = await bundle(options);
    } catch (e) {
      printEsbuildErrors(name, e);
      failed = true;
      continue;
    }
    // Everything a board bundle contains must have passed the subset check: no host-only
    // file and nothing from outside src/, hal/, firmware/ (tools/, test/...).
    const unchecked = options.platform === 'neutral' ? result.inputs.filter((f) => !checked.has(f)) : [];
    for (const input of unchecked) {
      console.error(`${relative(ROOT, input)}: error: bundled into ${name} but not subset-checked (host-only, or outside src/, hal/, firmware/)`);
    }
    if (unchecked.length > 0) {
      console.error(`build: ${name} not written`);
      failed = true;
      continue;
    }
    sizes[name] = writeBundle(result.out);
  }
  if (sizes.slipstack) chmodSync(join(DIST, 'slipstack.mjs'), 0o755);
  let typeFiles = 0;
  if (only === null || only.includes('types')) {
    typeFiles = emitTypes();
    if (typeFiles < 0) {
      console.error('build: types failed');
      failed = true;
    }
  }

  // 3. Sizes: a table, a JSON line, and dist/sizes.json for the bench.
  const outName = { espruino: 'dist/espruino.js', kaluma: 'dist/kaluma.js', slipstack: 'dist/slipstack.mjs', index: 'dist/index.mjs' };
  for (const name of Object.keys(sizes)) {
    say(`${outName[name].padEnd(20)} ${String(sizes[name].raw).padStart(8)} B raw ${String(sizes[name].gzip).padStart(8)} B gzip`);
  }
  if (typeFiles > 0) say(`${'dist/types/'.padEnd(20)} ${String(typeFiles).padStart(8)} declaration files (tsc, tsconfig.build.json)`);
  if (sizes.espruino && sizes.kaluma) {
    const boards = { espruino: sizes.espruino, kaluma: sizes.kaluma };
    if (only === null) writeFileSync(join(DIST, 'sizes.json'), JSON.stringify(boards, null, 2) + '\n');
    if (json) console.log(JSON.stringify(boards));
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
