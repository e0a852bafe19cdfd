// subset: host-only
/**
 * A pseudo-terminal pair made by socat (`PTY,raw,echo=0,link=A PTY,raw,echo=0,
 * link=B`), the host-side stand-in for a serial cable. Bytes written to one end come out of
 * the other. `stop()` kills socat (which removes the links); `restart()` makes a new pair
 * on the same links. Callers stop it in a `finally`. An end may be closed and opened again
 * while socat runs; when socat dies, both ends' readers see the line drop.
 * Used by the tests (through test/hal/pty.ts) and by the bench scripts (bench/peer.ts,
 * bench/board.ts), which may not import from test/.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** A running socat pty pair. */
export interface PtyPair {
  /** Path (a symlink to /dev/pts/N) of one end. */
  a: string;
  /** Path of the other end. */
  b: string;
  /** The socat process (null while stopped). */
  proc: ChildProcess | null;
  /** Kill socat and wait for it to exit. */
  stop(): Promise<void>;
  /** Start a new socat on the same links. */
  restart(): Promise<void>;
}

/** True when socat is installed. */
export const hasSocat = spawnSync('socat', ['-V']).status === 0;

let counter = 0;

/** Start socat and resolve once it has made both ptys (its "starting data transfer loop" notice). */
function startSocat(a: string, b: string): Promise<ChildProcess> {
  const p = spawn('socat', ['-d', '-d', 'PTY,raw,echo=0,link=' + a, 'PTY,raw,echo=0,link=' + b], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise<ChildProcess>(function (resolve, reject) {
    let err = '';
    const timer = setTimeout(function () {
      p.kill('SIGKILL');
      reject(new Error('socat did not start within 5 s: ' + err));
    }, 5000);
    p.stderr!.on('data', function (d: Buffer) {
      err += d.toString();
      if (err.includes('starting data transfer loop')) {
        clearTimeout(timer);
        resolve(p);
      }
    });
    p.on('error', function (e) {
      clearTimeout(timer);
      reject(e);
    });
    p.on('exit', function (code) {
      clearTimeout(timer);
      reject(new Error('socat exited with ' + code + ': ' + err));
    });
  });
}

/** Stop a socat process: SIGTERM, then SIGKILL if it lingers. */
function stopSocat(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise<void>(function (resolve) {
    const t = setTimeout(function () { p.kill('SIGKILL'); }, 2000);
    p.once('exit', function () {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** Make a pty pair with unique link paths under /tmp (tag names the test). */
export async function ptyPair(tag: string): Promise<PtyPair> {
  const base = '/tmp/sst-' + process.pid + '-' + tag + '-' + counter++;
  const pair: PtyPair = {
    a: base + '-a',
    b: base + '-b',
    proc: null,
    async stop(): Promise<void> {
      const p = pair.proc;
      pair.proc = null;
      if (p !== null) await stopSocat(p);
    },
    async restart(): Promise<void> {
      await pair.stop();
      pair.proc = await startSocat(pair.a, pair.b);
    },
  };
  pair.proc = await startSocat(pair.a, pair.b);
  return pair;
}
