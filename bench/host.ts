/**
 * `npm run bench:host`: how fast the stack itself is on the host.
 * - MB/s of a stack-to-stack TCP transfer over an unthrottled loopback (MTU 1500, 64 KB rings);
 * - for reference, in the same run, MB/s of Node's `net` module over 127.0.0.1;
 * - garbage collections during a 10 MB transfer after warm-up (target: zero), counted in a
 *   child process with a 1 MiB young generation.
 * Last line: one JSON object.
 */
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { createHostSession } from './host-session.js';
import { runChild } from '../tools/alloc/child.js';

const MB = 1 << 20;

function stackRate(): { mbps: number; bytes: number } {
  const s = createHostSession();
  s.transfer(4 * MB); // warm-up
  const n = 64 * MB;
  const t0 = process.hrtime.bigint();
  const got = s.transfer(n);
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  if (got !== n) throw new Error('stack transfer moved ' + got + ' of ' + n + ' octets');
  return { mbps: n / MB / sec, bytes: got };
}

function netRate(): Promise<number> {
  const n = 256 * MB;
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  return new Promise((resolve, reject) => {
    let got = 0;
    let t0 = 0n;
    const server = createServer((sock) => {
      sock.on('data', (d) => {
        got += d.length;
        if (got >= n) {
          const sec = Number(process.hrtime.bigint() - t0) / 1e9;
          sock.destroy();
          server.close();
          resolve(n / MB / sec);
        }
      });
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      const c = connect(port, '127.0.0.1', () => {
        t0 = process.hrtime.bigint();
        let sent = 0;
        const pump = () => {
          while (sent < n) {
            sent += chunk.length;
            if (!c.write(chunk)) {
              c.once('drain', pump);
              return;
            }
          }
          c.end();
        };
        pump();
      });
      c.on('error', reject);
    });
  });
}

const s = stackRate();
console.log(`slipstack <-> slipstack, unthrottled loopback, MTU 1500, 64 KB rings: ${s.mbps.toFixed(1)} MB/s`);
const net = await netRate();
console.log(`Node net over 127.0.0.1 (kernel TCP, for reference): ${net.toFixed(1)} MB/s`);
const gc = runChild(join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'host-gc.child.ts'));
console.log(`garbage collections during a 10 MB transfer after warm-up: ${gc.gcs} (target 0; ${gc.bytes} octets moved)`);
console.log(JSON.stringify({ stackMBps: +s.mbps.toFixed(2), nodeNetMBps: +net.toFixed(2), gcsDuring10MB: gc.gcs, bytes10MB: gc.bytes }));
