/**
 * The main job (`npm start` with no board): a simulated board behind a serial line.
 *
 * The board runs the firmware's demo app (firmware/app.ts) on one stack; the host side runs
 * a second stack. The two are joined by the loopback link model (hal/loopback.ts) on a
 * virtual clock, so the run is instantaneous and deterministic by seed, and every RTT it
 * prints can be checked against the link model: a frame of F octets takes F·10/baud
 * seconds on the wire, each way, plus the one-way latency.
 *
 * Host-only (uses Node's fs); returns its results so tests can check them.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createLink, Sim } from '../hal/loopback.js';
import { withPcap } from '../hal/pcap.js';
import { withTracer } from '../hal/tracer.js';
import { createStack } from '../src/stack.js';
import { formatAddr, parseAddr } from '../src/wire/ipv4.js';
import { startApp, DEFAULT_CONFIG, HTTP_PORT, HTTP_BODY } from '../firmware/app.js';
import * as C from '../src/tcp/constants.js';
import { EAGAIN } from '../src/errno.js';
import { CAUSE_NAMES } from '../src/trace/events.js';
import { DROP_NAMES } from '../src/stats.js';
import { GLOBAL_HEADER_LEN, RECORD_HEADER_LEN } from '../src/trace/pcap.js';

export interface StartOptions {
  count: number;
  size: number;
  baud: number;
  latency: number;
  loss: number;
  seed: number;
  pcap: string;
  trace: boolean;
  interval: number;
  /** IP MTU of both ends of the line. */
  mtu: number;
}

export const START_DEFAULTS: StartOptions = {
  count: 4,
  size: 56,
  baud: 115200,
  latency: 5,
  loss: 0,
  seed: 1,
  pcap: 'out/slipstack-start.pcap',
  trace: false,
  interval: 1000,
  mtu: 296,
};

export interface PingResult {
  seqNo: number;
  /** Measured round-trip time on the virtual clock, ms; -1 if no reply. */
  rtt: number;
  /** What the link model predicts for the two frames this exchange put on the line, ms. */
  model: number;
  /** Octets of the request and reply SLIP frames. */
  requestFrame: number;
  replyFrame: number;
  /** The reply carried the request's data exactly. */
  intact: boolean;
}

export interface StartResult {
  pings: PingResult[];
  udpEchoed: boolean;
  udpRtt: number;
  /** The HTTP demo answered over TCP with its page. */
  httpOk: boolean;
  /** From connect to the server's FIN, ms. */
  httpMs: number;
  pcapPath: string;
  pcapPackets: number;
  boardRam: number;
}

const HOST_ADDR = '192.168.190.1';
const ECHO_PORT = 7;
const HOST_UDP_PORT = 40007;

/** Run the simulation; `print` gets each output line. */
export function runStart(o: StartOptions, print: (line: string) => void): StartResult {
  const link = createLink({ baud: o.baud, latencyMs: o.latency, loss: o.loss, seed: o.seed });
  const boardAddr = parseAddr(DEFAULT_CONFIG.addr as string) as number;
  const mtu = o.mtu;
  if (o.size > mtu - 28) throw new RangeError('ping size ' + o.size + ' does not fit the MTU ' + mtu + ' (at most ' + (mtu - 28) + ' data bytes)');

  // The capture is taken on the host side of the line, like tcpdump on a host's sl0.
  const chunks: Uint8Array[] = [];
  let hostHal = withPcap(link.a, function (buf, off, len) {
    chunks.push(buf.slice(off, off + len));
  }, mtu);
  if (o.trace) hostHal = withTracer(hostHal, print, mtu, 'host');

  const board = createStack({ addr: DEFAULT_CONFIG.addr, mtu: mtu }, link.b);
  const app = startApp(board.net);
  const host = createStack({ addr: HOST_ADDR, mtu: mtu }, hostHal);

  const sim = new Sim(link);
  sim.add(function (t) { return app.poll(t); }); // the board's stack, polled by its app
  sim.add(function (t) { return host.poll(t); });

  print('slipstack: simulated board ' + formatAddr(boardAddr) + ' behind a ' + o.baud + '-baud SLIP line' +
    ' (latency ' + o.latency + ' ms, loss ' + o.loss * 100 + '%, seed ' + o.seed + ', mtu ' + mtu + ')');
  print('board: RAM budget ' + board.ramBudget() + ' bytes, UDP echo on port ' + ECHO_PORT);

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
    replyAt = link.now();
    replyIntact = len === data.length && buf.slice(off, off + len).every(function (b, i) { return b === data[i]; });
  });
  print('PING ' + formatAddr(boardAddr) + ': ' + o.size + ' data bytes');
  const pings: PingResult[] = [];
  for (let seq = 0; seq < o.count; seq++) {
    const bytesA = link.stats.bytesA;
    const bytesB = link.stats.bytesB;
    const sentAt = link.now();
    replySeq = -1;
    host.ping(boardAddr, ident, seq, data, 0, data.length);
    const requestFrame = link.stats.bytesA - bytesA;
    const answered = sim.runWhile(function () { return replySeq !== seq; }, sentAt + o.interval);
    const replyFrame = link.stats.bytesB - bytesB;
    const model = ((requestFrame + replyFrame) * 10 * 1000) / o.baud + 2 * o.latency;
    if (answered) {
      const rtt = replyAt - sentAt;
      pings.push({ seqNo: seq, rtt: rtt, model: model, requestFrame: requestFrame, replyFrame: replyFrame, intact: replyIntact });
      print((o.size + 8) + ' bytes from ' + formatAddr(boardAddr) + ': icmp_seq=' + seq + ' ident=0x' + ident.toString(16) +
        ' time=' + rtt.toFixed(2) + ' ms (link model ' + model.toFixed(2) + ' ms: ' + requestFrame + '+' + replyFrame +
        ' frame octets at ' + o.baud + ' baud + 2×' + o.latency + ' ms)' + (replyIntact ? '' : ' PAYLOAD DAMAGED'));
    } else {
      pings.push({ seqNo: seq, rtt: -1, model: model, requestFrame: requestFrame, replyFrame: 0, intact: false });
      print('no reply for icmp_seq=' + seq + ' within ' + o.interval + ' ms');
    }
    sim.run(sentAt + o.interval); // one ping per interval, like ping(8)
  }
  const got = pings.filter(function (p) { return p.rtt >= 0; });
  const rtts = got.map(function (p) { return p.rtt; });
  print('--- ' + formatAddr(boardAddr) + ' ping statistics ---');
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
    udpAt = link.now();
  });
  const udpSentAt = link.now();
  host.udpSend(boardAddr, ECHO_PORT, HOST_UDP_PORT, msg, 0, msg.length);
  sim.runWhile(function () { return udpAt === 0; }, udpSentAt + o.interval);
  const udpRtt = udpAt ? udpAt - udpSentAt : -1;
  print(echoed
    ? 'UDP echo: ' + msg.length + ' bytes to ' + formatAddr(boardAddr) + ':' + ECHO_PORT + ' came back intact in ' + udpRtt.toFixed(2) + ' ms'
    : 'UDP echo: no intact reply from ' + formatAddr(boardAddr) + ':' + ECHO_PORT + ' within ' + o.interval + ' ms');

  // ---- TCP: an HTTP request to the board's demo server, and the states it went through ----
  const req = new TextEncoder().encode('GET / HTTP/1.0\r\nHost: ' + formatAddr(boardAddr) + '\r\n\r\n');
  const traceFrom = host.trace.total;
  const httpStart = link.now();
  const conn = host.tcpConnect(boardAddr, HTTP_PORT, 0);
  let reqSent = false;
  let httpEof = false;
  const resp: number[] = [];
  const rbuf = new Uint8Array(512);
  sim.runWhile(function () {
    const st = host.tcpState(conn);
    if (!reqSent && st === C.ESTABLISHED) reqSent = host.tcpWrite(conn, req, 0, req.length) === req.length;
    for (;;) {
      const n = host.tcpRead(conn, rbuf, 0, rbuf.length);
      if (n > 0) { for (let i = 0; i < n; i++) resp.push(rbuf[i]); continue; }
      if (n !== -EAGAIN) httpEof = true;
      break;
    }
    return !httpEof;
  }, httpStart + 30 * o.interval);
  const httpMs = link.now() - httpStart;
  host.tcpClose(conn);
  sim.runWhile(function () { return host.tcpState(conn) !== C.TIME_WAIT && host.tcpState(conn) !== C.CLOSED; }, link.now() + 10 * o.interval);
  const text = new TextDecoder().decode(Uint8Array.from(resp));
  const httpOk = text.startsWith('HTTP/1.0 200 OK') && text.endsWith(HTTP_BODY);
  print(httpOk
    ? 'HTTP over TCP: GET http://' + formatAddr(boardAddr) + '/ -> "' + text.split('\r\n')[0] + '", ' + HTTP_BODY.length + '-byte page, ' + httpMs.toFixed(2) + ' ms from SYN to the server\'s FIN'
    : 'HTTP over TCP: no complete answer from ' + formatAddr(boardAddr) + ':' + HTTP_PORT);
  const t = host.trace;
  const steps: string[] = [];
  for (let k = 0; k < t.size(); k++) {
    if (t.total - t.size() + k < traceFrom || t.conn(k) !== conn) continue;
    steps.push(C.STATE_NAMES[t.to(k)] + ' (' + CAUSE_NAMES[t.cause(k)] + ')');
  }
  if (steps.length) print('host TCP states: CLOSED -> ' + steps.join(' -> '));

  // ---- drops, if any (a lossy or damaged line shows up here) ----
  const hostDrops = dropSummary(host.drops);
  const boardDrops = dropSummary(board.drops);
  if (hostDrops || boardDrops) print('drops: host {' + hostDrops + '} board {' + boardDrops + '}');

  // ---- pcap ----
  mkdirSync(dirname(o.pcap), { recursive: true });
  const file = Buffer.concat(chunks);
  writeFileSync(o.pcap, file);
  const pcapPackets = countPcapRecords(file);
  print('pcap: ' + o.pcap + ' (' + pcapPackets + ' packets, LINKTYPE_RAW) — open it with: wireshark ' + o.pcap);

  return { pings: pings, udpEchoed: echoed, udpRtt: udpRtt, httpOk: httpOk, httpMs: httpMs, pcapPath: o.pcap, pcapPackets: pcapPackets, boardRam: board.ramBudget() };
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
