/**
 * The main job's sequence, shared by `npm start` (tools/start.ts: a simulated board on the
 * loopback link, virtual clock) and `npm start -- --port DEV` (tools/start-port.ts: a real
 * board on a serial port, wall clock): pings, a UDP echo off the board's port 7, an HTTP
 * request over TCP to its demo server on port 80 with the states the host's connection went
 * through, the drop counters, and a pcap of the host side.
 *
 * Contract:
 * - `runJob(o, host, line, print)` drives the host's stack against the board through `line`,
 *   which says what time it is and lets the world run (the simulation advances its virtual
 *   clock; the serial line waits in real time). Every figure it prints comes from `line`'s
 *   clock and octet counters; each ping line also shows the link model: the request's and
 *   the reply's frames at `o.baud` (10 bits per octet) plus, where the line has one, its
 *   one-way latency both ways.
 * - Pings go out one per `o.interval` ms (none waits after the last), like ping(8).
 * - `hostHal(inner, o, chunks, print)` wraps the host's HAL in the capture (and the tracer
 *   with `o.trace`); `checkCapturePath(path, isDefault)` fails before anything runs if the
 *   capture cannot be written; `writeCapture` writes it at the end. A capture path creates at
 *   most the file: its folder must exist, except the default `out/`, which is made (one
 *   level, in the current directory).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Hal } from '../src/hal.js';
import type { Stack } from '../src/stack.js';
import { withPcap } from '../hal/pcap.js';
import { withTracer } from '../hal/tracer.js';
import { formatAddr } from '../src/wire/ipv4.js';
import { HTTP_PORT, HTTP_BODY, ECHO_PORT } from '../firmware/app.js';
import * as C from '../src/tcp/constants.js';
import { EAGAIN } from '../src/errno.js';
import { CAUSE_NAMES } from '../src/trace/events.js';
import { DROP_NAMES } from '../src/stats.js';
import { GLOBAL_HEADER_LEN, RECORD_HEADER_LEN } from '../src/trace/pcap.js';

/** The options both runs share. */
export interface JobOptions {
  /** Pings to send. */
  count: number;
  /** ICMP echo data octets per ping. */
  size: number;
  /** Line rate, bit/s (10 bits per octet). */
  baud: number;
  /** Where the capture goes. */
  pcap: string;
  /** Print one line per packet on the host side. */
  trace: boolean;
  /** Time between pings, and the unit of every wait, ms. */
  interval: number;
  /** IP MTU of the line. */
  mtu: number;
}

/** One ping of the job. */
export interface PingResult {
  seqNo: number;
  /** Measured round-trip time, ms; -1 if no reply. */
  rtt: number;
  /** What the link model predicts for the two frames this exchange put on the line, ms. */
  model: number;
  /** Octets of the request and reply SLIP frames. */
  requestFrame: number;
  replyFrame: number;
  /** The reply carried the request's data exactly. */
  intact: boolean;
}

/** What the job found. */
export interface JobResult {
  pings: PingResult[];
  udpEchoed: boolean;
  udpRtt: number;
  /** The HTTP demo answered over TCP with its page. */
  httpOk: boolean;
  /** From connect to the server's FIN, ms. */
  httpMs: number;
}

/** The host's view of the line: a clock, a way to let time pass, and octet counters. */
export interface JobLine {
  /** Time on this line's clock, ms. */
  now(): number;
  /** Let the world run while cond() holds, at most limitMs from now; true if cond became false. */
  runWhile(cond: () => boolean, limitMs: number): Promise<boolean>;
  /** Let the world run until time t (no-op if t has passed). */
  runUntil(t: number): Promise<void>;
  /** Octets the host has written to the line so far. */
  txOctets(): number;
  /** Octets the host has received from the line so far. */
  rxOctets(): number;
  /** One-way latency the link model adds, ms, or null where the line has no model of it (a real cable). */
  latencyMs: number | null;
}

/** The host's address on the line. */
export const HOST_ADDR = '192.168.190.1';
/** The host's UDP port for the echo. */
const HOST_UDP_PORT = 40007;

/** Ping, UDP echo, HTTP over TCP: the sequence of the main job, printed as it goes. */
export async function runJob(o: JobOptions, host: Stack, boardAddr: number, line: JobLine, print: (line: string) => void): Promise<JobResult> {
  const board = formatAddr(boardAddr);

  // ---- ping ----
  const ident = 0x5353;
  const data = new Uint8Array(o.size);
  for (let i = 0; i < o.size; i++) data[i] = (i + 8) & 0xff; // like iputils' pattern after its timestamp
  let replySeq = -1;
  let replyAt = 0;
  let replyIntact = false;
  host.onEchoReply(function (src, id, seqNo, buf, off, len) {
    if (src !== boardAddr || id !== ident) return;
    replySeq = seqNo;
    replyAt = line.now();
    replyIntact = len === data.length && buf.slice(off, off + len).every(function (b, i) { return b === data[i]; });
  });
  print('PING ' + board + ': ' + o.size + ' data bytes');
  const latency = line.latencyMs;
  const pings: PingResult[] = [];
  for (let seq = 0; seq < o.count; seq++) {
    const txBefore = line.txOctets();
    const rxBefore = line.rxOctets();
    const sentAt = line.now();
    replySeq = -1;
    host.ping(boardAddr, ident, seq, data, 0, data.length);
    const requestFrame = line.txOctets() - txBefore;
    const answered = await line.runWhile(function () { return replySeq !== seq; }, o.interval);
    const replyFrame = line.rxOctets() - rxBefore;
    const model = ((requestFrame + replyFrame) * 10 * 1000) / o.baud + (latency === null ? 0 : 2 * latency);
    if (answered) {
      const rtt = replyAt - sentAt;
      pings.push({ seqNo: seq, rtt: rtt, model: model, requestFrame: requestFrame, replyFrame: replyFrame, intact: replyIntact });
      print((o.size + 8) + ' bytes from ' + board + ': icmp_seq=' + seq + ' ident=0x' + ident.toString(16) +
        ' time=' + rtt.toFixed(2) + ' ms (link model ' + model.toFixed(2) + ' ms: ' + requestFrame + '+' + replyFrame +
        ' frame octets at ' + o.baud + ' baud' + (latency === null ? '' : ' + 2×' + latency + ' ms') + ')' +
        (replyIntact ? '' : ' PAYLOAD DAMAGED'));
    } else {
      pings.push({ seqNo: seq, rtt: -1, model: model, requestFrame: requestFrame, replyFrame: 0, intact: false });
      print('no reply for icmp_seq=' + seq + ' within ' + o.interval + ' ms');
    }
    if (seq + 1 < o.count) await line.runUntil(sentAt + o.interval); // one ping per interval, like ping(8)
  }
  const got = pings.filter(function (p) { return p.rtt >= 0; });
  const rtts = got.map(function (p) { return p.rtt; });
  print('--- ' + board + ' ping statistics ---');
  print(o.count + ' packets transmitted, ' + got.length + ' received, ' +
    Math.round((100 * (o.count - got.length)) / Math.max(1, o.count)) + '% packet loss' +
    (got.length ? ', rtt min/avg/max = ' + Math.min.apply(null, rtts).toFixed(2) + '/' +
      (rtts.reduce(function (a, b) { return a + b; }, 0) / rtts.length).toFixed(2) + '/' +
      Math.max.apply(null, rtts).toFixed(2) + ' ms' : ''));

  // ---- UDP echo ----
  const msg = new TextEncoder().encode('hello from the host side of the serial line');
  let echoed = false;
  let udpAt = 0;
  host.udpBind(HOST_UDP_PORT, function (buf, off, len, src, srcPort) {
    if (src !== boardAddr || srcPort !== ECHO_PORT) return;
    echoed = len === msg.length && buf.slice(off, off + len).every(function (b, i) { return b === msg[i]; });
    udpAt = line.now();
  });
  const udpSentAt = line.now();
  host.udpSend(boardAddr, ECHO_PORT, HOST_UDP_PORT, msg, 0, msg.length);
  await line.runWhile(function () { return udpAt === 0; }, o.interval);
  const udpRtt = udpAt ? udpAt - udpSentAt : -1;
  print(echoed
    ? 'UDP echo: ' + msg.length + ' bytes to ' + board + ':' + ECHO_PORT + ' came back intact in ' + udpRtt.toFixed(2) + ' ms'
    : 'UDP echo: no intact reply from ' + board + ':' + ECHO_PORT + ' within ' + o.interval + ' ms');

  // ---- TCP: an HTTP request to the board's demo server, and the states it went through ----
  const req = new TextEncoder().encode('GET / HTTP/1.0\r\nHost: ' + board + '\r\n\r\n');
  const traceFrom = host.trace.total;
  const httpStart = line.now();
  const conn = host.tcpConnect(boardAddr, HTTP_PORT, 0);
  let reqSent = false;
  let httpEof = false;
  const resp: number[] = [];
  const rbuf = new Uint8Array(512);
  await line.runWhile(function () {
    const st = host.tcpState(conn);
    if (!reqSent && st === C.ESTABLISHED) reqSent = host.tcpWrite(conn, req, 0, req.length) === req.length;
    for (;;) {
      const n = host.tcpRead(conn, rbuf, 0, rbuf.length);
      if (n > 0) { for (let i = 0; i < n; i++) resp.push(rbuf[i]); continue; }
      if (n !== -EAGAIN) httpEof = true;
      break;
    }
    return !httpEof;
  }, 30 * o.interval);
  const httpMs = line.now() - httpStart;
  host.tcpClose(conn);
  await line.runWhile(function () { return host.tcpState(conn) !== C.TIME_WAIT && host.tcpState(conn) !== C.CLOSED; }, 10 * o.interval);
  const text = new TextDecoder().decode(Uint8Array.from(resp));
  const httpOk = text.startsWith('HTTP/1.0 200 OK') && text.endsWith(HTTP_BODY);
  print(httpOk
    ? 'HTTP over TCP: GET http://' + board + '/ -> "' + text.split('\r\n')[0] + '", ' + HTTP_BODY.length + '-byte page, ' + httpMs.toFixed(2) + ' ms from SYN to the server\'s FIN'
    : 'HTTP over TCP: no complete answer from ' + board + ':' + HTTP_PORT);
  const t = host.trace;
  const steps: string[] = [];
  for (let k = 0; k < t.size(); k++) {
    if (t.total - t.size() + k < traceFrom || t.conn(k) !== conn) continue;
    steps.push(C.STATE_NAMES[t.to(k)] + ' (' + CAUSE_NAMES[t.cause(k)] + ')');
  }
  if (steps.length) print('host TCP states: CLOSED -> ' + steps.join(' -> '));

  return { pings: pings, udpEchoed: echoed, udpRtt: udpRtt, httpOk: httpOk, httpMs: httpMs };
}

/** The host's HAL: `inner` wrapped in the capture (into `chunks`), and in the tracer with `o.trace`. */
export function hostHal(inner: Hal, o: JobOptions, chunks: Uint8Array[], print: (line: string) => void): Hal {
  // The capture is taken on the host side of the line, like tcpdump on a host's sl0.
  const pcap = withPcap(inner, function (buf, off, len) {
    chunks.push(buf.slice(off, off + len));
  }, o.mtu);
  return o.trace ? withTracer(pcap, print, o.mtu, 'host') : pcap;
}

/** A capture path that cannot be written: its message is one line for the user. */
export class CaptureError extends Error {}

/**
 * Fail now, before any traffic, if `path` cannot take the capture: its folder must exist (the
 * default's `out/` is made, one level). Nothing else is created; the file is written at the end.
 */
export function checkCapturePath(path: string, isDefault: boolean): void {
  const dir = dirname(resolve(path));
  if (isDefault && !existsSync(dir)) mkdirSync(dir);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new CaptureError('cannot write the capture ' + path + ': no such directory ' + dir);
  }
  if (!st.isDirectory()) throw new CaptureError('cannot write the capture ' + path + ': ' + dir + ' is not a directory');
  if (existsSync(path) && statSync(path).isDirectory()) throw new CaptureError('cannot write the capture ' + path + ': it is a directory');
}

/** Write the capture (creating at most the file) and print where it went; returns its packet count. */
export function writeCapture(path: string, chunks: Uint8Array[], print: (line: string) => void): number {
  const file = Buffer.concat(chunks);
  try {
    writeFileSync(path, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CaptureError('cannot write the capture ' + path + ': ' +
      (code === 'ENOENT' ? 'no such directory ' + dirname(resolve(path)) : code === 'EACCES' ? 'permission denied' : (e as Error).message));
  }
  const packets = countPcapRecords(file);
  print('pcap: ' + path + ' (' + packets + ' packets, LINKTYPE_RAW) — open it with: wireshark ' + path);
  return packets;
}

/** Records in a pcap file: walk the 16-octet record headers after the 24-octet file header. */
export function countPcapRecords(file: Buffer): number {
  let n = 0;
  for (let off = GLOBAL_HEADER_LEN; off + RECORD_HEADER_LEN <= file.length; n++) off += RECORD_HEADER_LEN + file.readUInt32LE(off + 8);
  return n;
}

/** The non-zero drop counters as name=count pairs. */
export function dropSummary(drops: Uint32Array): string {
  const parts: string[] = [];
  for (let i = 0; i < drops.length; i++) if (drops[i]) parts.push(DROP_NAMES[i] + '=' + drops[i]);
  return parts.join(' ');
}
