#!/usr/bin/env node
/**
 * Build: checks the board language subset, then bundles with esbuild.
 *
 *   dist/<out>         one bundle per board profile (firmware/profiles.mjs): dist/espruino.js
 *                      (pico, the Espruino default), dist/espruino-puck.js, dist/espruino-wifi.js,
 *                      dist/espruino-net.js (stock net and http over NetworkJS), dist/kaluma.js
 *   dist/slipstack.mjs tools/slipstack.ts, the host CLI (`bin` of the package), if it exists
 *   dist/lab/          the browser lab (`slipstack lab`): tools/lab/page.ts for browsers, and
 *                      tools/lab/index.html
 *   dist/index.mjs     src/index.ts, the library (`main` and `exports` of the package, ESM)
 *   dist/types/        its declarations, emitted by tsc (tsconfig.build.json; `types`)
 *   dist/sizes.json    { <profile>: {raw, gzip, out}, ... } for the bench
 *
 * A board bundle is built in three passes. The first bundles the profile's entry (CommonJS
 * shape) with src/features.ts and firmware/profile.ts replaced by the profile's switches and
 * its configuration (resolved here, at build time), so esbuild drops the code a switch leaves
 * out; the second runs esbuild again over that output wrapped in one function (minified, the
 * subset flags, property names shortened), which also drops every function the first pass
 * left unreferenced; the third (terser, `shrink`) inlines constants and drops what nothing
 * uses, which is RAM on an interpreter, then for Espruino moves the code out of its wrapper to
 * the top level with `$`-prefixed names (tools/globalize.mjs: a JsVar per function), and
 * checks the result against the subset again. A bundle over its profile's size budget fails
 * the build.
 *
 * Usage: `node build.mjs [--quiet] [--json] [--only=pico,puck,kaluma,slipstack,lab,index,types]
 * [--without=SACK,TRACE,...] [--outdir=DIR]` (a bundle's file name works too: `--only=espruino` is pico).
 * `--without` builds the board bundles with those feature switches off (src/features.ts), and
 * `--outdir` writes the board bundles to DIR instead of dist/: `npm run bench:features`
 * measures what each switch costs that way.
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
import { minify } from 'terser';
import { gzipSync } from 'node:zlib';
import { existsSync, mkdirSync, writeFileSync, chmodSync, renameSync, copyFileSync, readdirSync, readFileSync, statSync, rmSync } from 'node:fs';
import ts from 'typescript';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { boardFiles, checkSubset } from './tools/subset-check.mjs';
import { globalize } from './tools/globalize.mjs';
import { release } from './tools/release.mjs';
import { inline } from './tools/inline.mjs';

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

/** Options for the browser lab's script. */
function labOptions() {
  return {
    entryPoints: [join(ROOT, 'tools', 'lab', 'page.ts')],
    outfile: join(DIST, 'lab', 'lab.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: true,
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
    legalComments: 'none',
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

/**
 * Property names the board bundles shorten (esbuild mangleProps): every property and method
 * that src/ declares in an interface or a class, minus the names the runtimes or their
 * modules look up themselves. On Espruino a property name of more than four characters
 * takes more JsVars in every object that has it (a 15-character name costs three), and every
 * token is lexed each time it runs; JerryScript keeps each distinct name in its heap.
 */
const MANGLE_RESERVED = new Set([
  // JavaScript and typed arrays
  'length', 'buffer', 'byteOffset', 'byteLength', 'BYTES_PER_ELEMENT', 'set', 'subarray', 'slice', 'fill', 'indexOf',
  'push', 'call', 'apply', 'bind', 'prototype', 'constructor', 'name', 'message', 'code', 'stack', 'toString', 'valueOf',
  // Espruino and Kaluma objects the firmware calls
  'write', 'on', 'setup', 'setConsole', 'sum', 'toUint8Array', 'hwRand', 'memory', 'log', 'read', 'close', 'start',
  // net/http driver contracts (Espruino NetworkJS, Kaluma __netdev): looked up by the runtime's own modules
  'create', 'accept', 'recv', 'send', 'socket', 'get', 'connect', 'shutdown', 'listen', 'errno', 'ip', 'mac',
]);

/** The names to shorten: declared in src/ (interfaces, classes), not reserved. */
function mangledNames() {
  const names = new Set();
  const walk = (dir) => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.ts') && !n.endsWith('.d.ts')) {
        const sf = ts.createSourceFile(p, readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, true);
        const visit = (node) => {
          if ((ts.isPropertySignature(node) || ts.isPropertyDeclaration(node) || ts.isMethodSignature(node) || ts.isMethodDeclaration(node)) &&
            node.name && ts.isIdentifier(node.name) && !MANGLE_RESERVED.has(node.name.text)) names.add(node.name.text);
          ts.forEachChild(node, visit);
        };
        visit(sf);
      }
    }
  };
  walk(join(ROOT, 'src'));
  return [...names].sort();
}

/** The board profiles (firmware/profiles.mjs). */
const { PROFILES } = await import(pathToFileURL(join(ROOT, 'firmware', 'profiles.mjs')).href);

/** The settings that a feature switch bounds (src/config.ts): `--without` drops them from the profile. */
const FEATURE_SETTINGS = { TRACE: ['traceEvents'], OOO: ['tcpOooHoles'], SACK: ['tcpSack'], SYN_COOKIES: ['tcpSynCookies'] };

/** src/features.ts as a profile has it. */
function featuresModule(features) {
  return Object.keys(features).map((k) => `export const ${k} = ${features[k] ? 'true' : 'false'};`).join('\n') + '\n';
}

/** The profile's configuration, resolved by src/config.ts built with the profile's features (so its defaults agree). */
async function resolveProfileConfig(profile) {
  const r = await esbuild.build({
    entryPoints: [join(ROOT, 'src', 'config.ts')], bundle: true, format: 'esm', platform: 'neutral', write: false,
    logLevel: 'silent', plugins: [replace(/[\\/]src[\\/]features\.ts$/, featuresModule(profile.features))],
  });
  const mod = await import('data:text/javascript;base64,' + Buffer.from(r.outputFiles[0].text).toString('base64'));
  return mod.resolveConfig(profile.config);
}

/** An esbuild plugin that gives files matching `filter` the contents `text` (TypeScript). */
function replace(filter, text) {
  return { name: 'replace', setup(b) { b.onLoad({ filter }, () => ({ contents: text, loader: 'ts' })); } };
}

/** Build one board profile: pass 1 (ESM, profile modules swapped in), pass 2 (the board bundle). */
async function buildProfile(name, profile) {
  const config = await resolveProfileConfig(profile);
  const profileModule = `export const PROFILE = ${JSON.stringify(name)};\nexport const CONFIG = ${JSON.stringify(config)};\n`;
  const pass1 = await esbuild.build({
    entryPoints: [join(ROOT, profile.entry)], bundle: true, format: 'cjs', platform: 'neutral', target: profile.target,
    minifySyntax: true, write: false, metafile: true, absWorkingDir: ROOT, logLevel: 'silent', supported: BOARD_SUPPORTED,
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } }, external: BOARD_EXTERNALS,
    plugins: [
      replace(/[\\/]src[\\/]features\.ts$/, featuresModule(profile.features)),
      replace(/[\\/]firmware[\\/]profile\.ts$/, profileModule),
    ],
  });
  const inputs = Object.keys(pass1.metafile.inputs).map((p) => resolve(ROOT, p));
  const options = boardOptions(profile.entry, profile.out, profile.target);
  options.entryPoints = undefined;
  options.stdin = { contents: '(()=>{' + pass1.outputFiles[0].text + '})();', loader: 'js', resolveDir: ROOT, sourcefile: profile.entry };
  options.metafile = false;
  // Pass 1 is CommonJS-shaped (the entries export nothing, so it is plain statements) because
  // only that format leaves `require('uart')` as written: esm and iife wrap a require of an
  // external module in a shim that reaches for `Proxy`. Pass 2 does not bundle again (it
  // would add the shim back); the IIFE is written around pass 1 here, so that its names are
  // local and esbuild shortens them.
  options.bundle = false;
  options.format = undefined;
  options.treeShaking = true;
  options.external = undefined;
  options.mangleProps = new RegExp('^(' + mangledNames().join('|') + ')$');
  const pass2 = await esbuild.build(options);
  const code = await shrink(pass2.outputFiles[0].text, profile.target, profile.engine === 'espruino');
  return { out: { path: pass2.outputFiles[0].path, contents: Buffer.from(code) }, inputs };
}

/**
 * Pass 3, terser: what esbuild's minifier leaves for an interpreter that keeps every name.
 * esbuild keeps each module-level constant as a name in the bundle's scope; terser inlines
 * them, drops what nothing uses, and drops unused trailing parameters. On Espruino every scope
 * entry and parameter is a JsVar of RAM (a function is 5, plus 1 per parameter, measured on
 * ../shared/engines/espruino), so this is RAM, not only octets. Then the output
 * goes through the subset check once more (a function used before its declaration, a label),
 * and through esbuild with the board's `supported` flags, so nothing terser wrote reaches a
 * board that the board cannot run.
 */
async function shrink(text, target, topLevel) {
  const ecma = Number(target.replace(/^es/, ''));
  const r = await minify(text, {
    ecma,
    // No function inlining (inline, reduce_funcs): terser inlines a function used once as an
    // immediately invoked function expression at its call, which creates a function object
    // on every call: allocation on the per-packet path, and on Espruino a new closure each time.
    compress: { passes: 3, inline: false, reduce_funcs: false, keep_fargs: false, hoist_funs: false, unsafe: false },
    // esbuild has already shortened the names, in a way that never makes a block's name
    // shadow its function's (the sandbox tests run the bundle with let/const as var), which
    // terser's mangler does not promise.
    mangle: false,
    format: { ascii_only: true },
  });
  // Espruino: the functions at the top level, their names prefixed (tools/globalize.mjs): a
  // function defined inside the wrapper costs a JsVar more for its link to the wrapper's scope.
  // Then those only the boot calls are deleted once it is over (tools/release.mjs).
  const code = topLevel ? release(inline(globalize(r.code, '$')).code).code : r.code;
  await esbuild.transform(code, { target, supported: BOARD_SUPPORTED, logLevel: 'silent' });
  const tmp = join(DIST, `check.${process.pid}.tmp.js`);
  mkdirSync(DIST, { recursive: true });
  writeFileSync(tmp, code);
  try {
    const violations = checkSubset([tmp]);
    if (violations.length > 0) {
      throw new Error('terser output leaves the board subset: ' +
        violations.map((v) => `${v.line}:${v.col} [${v.rule}] ${v.text}`).join('; '));
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  return code;
}

async function main(argv) {
  const quiet = argv.includes('--quiet');
  const json = argv.includes('--json');
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  const only = onlyArg === undefined ? null : onlyArg.slice('--only='.length).split(',');
  const withoutArg = argv.find((a) => a.startsWith('--without='));
  const without = withoutArg === undefined ? [] : withoutArg.slice('--without='.length).split(',').filter((f) => f !== '');
  const outdirArg = argv.find((a) => a.startsWith('--outdir='));
  const outdir = outdirArg === undefined ? null : resolve(outdirArg.slice('--outdir='.length));
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

  // 2. The bundles: one per board profile, then the host CLI.
  const names = Object.keys(PROFILES);
  const alias = {};
  for (const n of names) alias[PROFILES[n].out.replace(/\.js$/, '')] = n;
  const wanted = only === null ? null : only.map((n) => alias[n] || n);
  for (const name of wanted === null ? [] : wanted) {
    if (!names.includes(name) && name !== 'slipstack' && name !== 'lab' && name !== 'index' && name !== 'types') {
      console.error(`build: unknown bundle "${name}" in --only (${names.join(', ')}, slipstack, lab, index, types, or a bundle's file name)`);
      return 1;
    }
  }
  const sizes = {};
  const checked = new Set(files.map((f) => resolve(f)));
  let failed = false;
  for (const name of names) {
    if (wanted !== null && !wanted.includes(name)) continue;
    const profile = { ...PROFILES[name], features: { ...PROFILES[name].features }, config: { ...PROFILES[name].config } };
    for (const f of without) {
      if (!(f in profile.features)) {
        console.error(`build: unknown feature "${f}" in --without (${Object.keys(profile.features).join(', ')})`);
        return 1;
      }
      profile.features[f] = false;
      // The settings a switch bounds (src/config.ts) go back to their defaults with it.
      for (const key of FEATURE_SETTINGS[f] || []) delete profile.config[key];
    }
    let result;
    try {
      result = await buildProfile(name, profile);
    } catch (e) {
      printEsbuildErrors(name, e);
      failed = true;
      continue;
    }
    // Everything a board bundle contains must have passed the subset check: no host-only
    // file and nothing from outside src/, hal/, firmware/ (tools/, test/...).
    const unchecked = result.inputs.filter((f) => !checked.has(f));
    for (const input of unchecked) {
      console.error(`${relative(ROOT, input)}: error: bundled into ${name} but not subset-checked (host-only, or outside src/, hal/, firmware/)`);
    }
    if (unchecked.length > 0) {
      console.error(`build: ${name} not written`);
      failed = true;
      continue;
    }
    if (outdir !== null) result.out = { path: join(outdir, profile.out), contents: result.out.contents };
    const size = writeBundle(result.out);
    sizes[name] = { raw: size.raw, gzip: size.gzip, out: outdir === null ? 'dist/' + profile.out : join(outdir, profile.out) };
    if (size.raw > profile.budget.bundle) {
      console.error(`build: ${sizes[name].out} is ${size.raw} octets, over the ${name} profile's budget of ${profile.budget.bundle} (firmware/profiles.mjs)`);
      failed = true;
    }
  }
  const hostEntry = join(ROOT, 'tools', 'slipstack.ts');
  if (wanted === null || wanted.includes('slipstack')) {
    if (existsSync(hostEntry)) {
      try {
        const result = await bundle(hostOptions());
        sizes.slipstack = writeBundle(result.out);
      } catch (e) {
        printEsbuildErrors('slipstack', e);
        failed = true;
      }
    } else {
      say('build: tools/slipstack.ts not found, host CLI skipped');
    }
  }
  if (wanted === null || wanted.includes('index')) {
    try {
      const result = await bundle(libraryOptions());
      sizes.index = writeBundle(result.out);
    } catch (e) {
      printEsbuildErrors('index', e);
      failed = true;
    }
  }
  if ((wanted === null || wanted.includes('lab')) && existsSync(join(ROOT, 'tools', 'lab', 'page.ts'))) {
    try {
      const result = await bundle(labOptions());
      sizes.lab = writeBundle(result.out);
    } catch (e) {
      printEsbuildErrors('lab', e);
      failed = true;
    }
  }
  if (sizes.slipstack) chmodSync(join(DIST, 'slipstack.mjs'), 0o755);
  if (sizes.lab) copyFileSync(join(ROOT, 'tools', 'lab', 'index.html'), join(DIST, 'lab', 'index.html'));
  let typeFiles = 0;
  if (wanted === null || wanted.includes('types')) {
    typeFiles = emitTypes();
    if (typeFiles < 0) {
      console.error('build: types failed');
      failed = true;
    }
  }

  // 3. Sizes: a table, a JSON line, and dist/sizes.json for the bench.
  const boards = {};
  for (const name of Object.keys(sizes)) {
    const host = name === 'slipstack' || name === 'lab' || name === 'index';
    const out = name === 'slipstack' ? 'dist/slipstack.mjs' : name === 'lab' ? 'dist/lab/lab.js' : name === 'index' ? 'dist/index.mjs' : sizes[name].out;
    say(`${out.padEnd(22)} ${String(sizes[name].raw).padStart(8)} B raw ${String(sizes[name].gzip).padStart(8)} B gzip${host ? '' : '  (' + name + ')'}`);
    if (!host) boards[name] = sizes[name];
  }
  if (typeFiles > 0) say(`${'dist/types/'.padEnd(22)} ${String(typeFiles).padStart(8)} declaration files (tsc, tsconfig.build.json)`);
  if (Object.keys(boards).length > 0) {
    if (only === null && outdir === null && without.length === 0) writeFileSync(join(DIST, 'sizes.json'), JSON.stringify(boards, null, 2) + '\n');
    if (json) console.log(JSON.stringify(boards));
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
