// subset: host-only
/**
 * `slipstack lab`: serves the browser lab (dist/lab/, built by build.mjs from
 * tools/lab/page.ts and tools/lab/index.html) on 127.0.0.1 and prints its address. The page
 * is static: both stacks run inside the browser, the server only hands out two files.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const LAB_HELP = `usage: slipstack lab [options]

Serves the browser lab: two slipstack stacks on a simulated serial line in a web
page, with buttons for listen, connect, send, shutdown, close and abort on each
end, a loss slider, segments you drop by clicking them, play, pause, step and
undo (a deterministic replay of the seed and your actions), and every lesson of
'slipstack lesson' one click away. Open the address it prints.

  --port N      TCP port to serve on (default 8080; 0 picks a free one)
  --host ADDR   address to serve on (default 127.0.0.1)
  -h, --help    this text
`;

/** A bad option: one line, exit code 2. */
export class LabUsageError extends Error {}

/** Where the built page is: beside the bundled CLI (dist/lab) or, from the sources, in dist/lab of the repository. */
export function labDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const d of [join(here, 'lab'), join(here, '..', '..', 'dist', 'lab'), join(here, '..', 'dist', 'lab')]) {
    if (existsSync(join(d, 'index.html')) && existsSync(join(d, 'lab.js'))) return d;
  }
  return null;
}

const TYPES: Record<string, string> = {
  '/': 'text/html; charset=utf-8',
  '/index.html': 'text/html; charset=utf-8',
  '/lab.js': 'text/javascript; charset=utf-8',
};

/** Serve `dir` on host:port; resolves with the URL and a close function. */
export function startLabServer(dir: string, host: string, port: number): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const files: Record<string, Buffer> = {
    '/': readFileSync(join(dir, 'index.html')),
    '/index.html': readFileSync(join(dir, 'index.html')),
    '/lab.js': readFileSync(join(dir, 'lab.js')),
  };
  const server = createServer(function (req, res) {
    const path = (req.url || '/').split('?')[0];
    const body = files[path];
    if (req.method !== 'GET' || body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path], 'cache-control': 'no-store' });
    res.end(body);
  });
  return new Promise(function (resolve, reject) {
    server.once('error', reject);
    server.listen(port, host, function () {
      const addr = server.address();
      const p = addr !== null && typeof addr === 'object' ? addr.port : port;
      resolve({
        url: 'http://' + host + ':' + p + '/',
        server: server,
        close: function () { return new Promise(function (r) { server.close(function () { r(); }); }); },
      });
    });
  });
}

/** The command: parse options, serve until interrupted. */
export async function labCommand(argv: string[], print: (line: string) => void): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    throw new LabUsageError((e instanceof Error ? e.message : String(e)).split('\n')[0] + " (see 'slipstack lab --help')");
  }
  if (parsed.values.help) {
    print(LAB_HELP.trimEnd());
    return;
  }
  const port = parsed.values.port === undefined ? 8080 : Number(parsed.values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new LabUsageError(`--port must be a whole number in 0..65535, got "${parsed.values.port}"`);
  const host = parsed.values.host === undefined ? '127.0.0.1' : parsed.values.host;
  const dir = labDir();
  if (dir === null) throw new Error("the lab page is not built: run 'npm run build' (it writes dist/lab/)");
  const lab = await startLabServer(dir, host, port);
  print('slipstack lab: open ' + lab.url + ' (Ctrl-C to stop)');
  await new Promise<void>(function (resolve) {
    const stop = function (): void { lab.close().then(resolve); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
