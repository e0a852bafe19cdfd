// subset: host-only
/**
 * The main job against a real board (`npm start -- --port DEV`): the same steps and the same
 * output lines as the simulation in tools/start.ts (four pings, a UDP echo off port 7, an
 * HTTP request over TCP to the demo server on port 80, a pcap of the host side), but the
 * host's stack talks to the board through a serial port (hal/serialport.ts) in real time.
 *
 * Contract: `runStartOnPort(options, print)` opens the port (rejecting with a SerialOpenError
 * whose message is one line), runs the steps, closes the port, writes the capture and
 * resolves to the same `StartResult` as the simulation. The board must run the firmware's
 * demo app (firmware/app.ts) at DEFAULT_CONFIG's address. RTTs are wall-clock times; each
 * ping line also shows what the frames alone cost on the line at the given baud rate (the
 * rest is the board's processing time and the USB-serial adapter's latency).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openSerialHal } from '../hal/serialport.js';
import { withPcap } from '../hal/pcap.js';
import { withTracer } from '../hal/tracer.js';
import { createStack } from '../src/stack.js';
import { formatAddr, parseAddr } from '../src/wire/ipv4.js';
import { DEFAULT_CONFIG, HTTP_PORT, HTTP_BODY, ECHO_PORT } from '../firmware/app.js';
import * as C from '../src/tcp/constants.js';
import { EAGAIN } from '../src/errno.js';
import { CAUSE_NAMES } from '../src/trace/events.js';
import type { StartOptions, StartResult, PingResult } from './start.js';
import { countPcapRecords, dropSummary } from './start.js';

/** The simulation's options plus the port; latency, loss and seed do not apply to a real line. */
export interface StartPortOptions extends StartOptions {
  /** Serial port path. */
  port: string;
}

const HOST_ADDR = '192.168.190.1';
const HOST_UDP_PORT = 40007;

/** Resolve after ms. */
function sleep(ms: number): Promise<void> {
  return new Promise(function (resolve) { setTimeout(resolve, ms); });
}


/** Run the main job against the board on `o.port`; `print` gets each output line. */
export async function runStartOnPort(o: StartPortOptions, print: (line: string) => void, warn: (line: string) => void): Promise<StartResult> {
  const boardAddr = parseAddr(DEFAULT_CONFIG.addr as string) as number;
  const mtu = o.mtu;
  if (o.size > mtu - 28) throw new RangeError('ping size ' + o.size + ' does not fit the MTU ' + mtu + ' (at most ' + (mtu - 28) + ' data bytes)');
  const serial = await openSerialHal(o.port, o.baud, {
    onStatus: function (event, detail) {
      warn('slipstack: ' + o.port + ' ' + (event === 'closed' ? 'closed (' + detail + '), reopening' : event === 'reopened' ? 'open again' : detail));
    },
  });
  try {
    return await job(o, serial, boardAddr, mtu, print);
  } finally {
    await serial.close();
  }
}

async function job(o: StartPortOptions, serial: Awaited<ReturnType<typeof openSerialHal>>, boardAddr: number, mtu: number,
  print: (line: string) => void): Promise<StartResult> {
  // The capture is taken on the host side of the line, like tcpdump on a host's sl0.
  const chunks: Uint8Array[] = [];
  let hostHal = withPcap(serial, function (buf, off, len) {
    chunks.push(buf.slice(off, off + len));
  }, mtu);
  if (o.trace) hostHal = withTracer(hostHal, print, mtu, 'host');
  const host = createStack({ addr: HOST_ADDR, mtu: mtu }, hostHal);
  serial.start(host);

  /** Wait (checking cond every millisecond) until cond() is false or the limit passes; API calls in cond wake the HAL themselves. */
  async function runWhile(cond: () => boolean, limitMs: number): Promise<boolean> {
    const end = performance.now() + limitMs;
    for (;;) {
      const more = cond();
      if (!more) return true;
      if (performance.now() >= end) return false;
      await sleep(1);
    }
  }

  print('slipstack: board ' + formatAddr(boardAddr) + ' on ' + o.port + ', a ' + o.baud + '-baud SLIP line (mtu ' + mtu + ')');
  print('host: ' + HOST_ADDR + ', RAM budget ' + host.ramBudget() + ' bytes; the board should run the demo app (UDP/TCP echo on port ' + ECHO_PORT + ', HTTP on ' + HTTP_PORT + ')');

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
    replyAt = performance.now();
    replyIntact = len === data.length && buf.slice(off, off + len).every(function (b, i) { return b === data[i]; });
  });
  print('PING ' + formatAddr(boardAddr) + ': ' + o.size + ' data bytes');
  const pings: PingResult[] = [];
  for (let seq = 0; seq < o.count; seq++) {
    const txBefore = serial.stats.txOctets;
    const rxBefore = serial.stats.rxOctets;
    const sentAt = performance.now();
    replySeq = -1;
    host.ping(boardAddr, ident, seq, data, 0, data.length);
    const requestFrame = serial.stats.txOctets - txBefore;
    const answered = await runWhile(function () { return replySeq !== seq; }, o.interval);
    const replyFrame = serial.stats.rxOctets - rxBefore;
    const model = ((requestFrame + replyFrame) * 10 * 1000) / o.baud;
    if (answered) {
      const rtt = replyAt - sentAt;
      pings.push({ seqNo: seq, rtt: rtt, model: model, requestFrame: requestFrame, replyFrame: replyFrame, intact: replyIntact });
      print((o.size + 8) + ' bytes from ' + formatAddr(boardAddr) + ': icmp_seq=' + seq + ' ident=0x' + ident.toString(16) +
        ' time=' + rtt.toFixed(2) + ' ms (link model ' + model.toFixed(2) + ' ms: ' + requestFrame + '+' + replyFrame +
        ' frame octets at ' + o.baud + ' baud)' + (replyIntact ? '' : ' PAYLOAD DAMAGED'));
    } else {
      pings.push({ seqNo: seq, rtt: -1, model: model, requestFrame: requestFrame, replyFrame: 0, intact: false });
      print('no reply for icmp_seq=' + seq + ' within ' + o.interval + ' ms');
    }
    const rest = sentAt + o.interval - performance.now();
    if (seq + 1 < o.count && rest > 0) await sleep(rest); // one ping per interval, like ping(8)
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
    udpAt = performance.now();
  });
  const udpSentAt = performance.now();
  host.udpSend(boardAddr, ECHO_PORT, HOST_UDP_PORT, msg, 0, msg.length);
  await runWhile(function () { return udpAt === 0; }, o.interval);
  const udpRtt = udpAt ? udpAt - udpSentAt : -1;
  print(echoed
    ? 'UDP echo: ' + msg.length + ' bytes to ' + formatAddr(boardAddr) + ':' + ECHO_PORT + ' came back intact in ' + udpRtt.toFixed(2) + ' ms'
    : 'UDP echo: no intact reply from ' + formatAddr(boardAddr) + ':' + ECHO_PORT + ' within ' + o.interval + ' ms');

  // ---- TCP: an HTTP request to the board's demo server, and the states it went through ----
  const req = new TextEncoder().encode('GET / HTTP/1.0\r\nHost: ' + formatAddr(boardAddr) + '\r\n\r\n');
  const traceFrom = host.trace.total;
  const httpStart = performance.now();
  const conn = host.tcpConnect(boardAddr, HTTP_PORT, 0);
  let reqSent = false;
  let httpEof = false;
  const resp: number[] = [];
  const rbuf = new Uint8Array(512);
  await runWhile(function () {
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
  const httpMs = performance.now() - httpStart;
  host.tcpClose(conn);
  await runWhile(function () { return host.tcpState(conn) !== C.TIME_WAIT && host.tcpState(conn) !== C.CLOSED; }, 10 * o.interval);
  const text = new TextDecoder().decode(new Uint8Array(resp));
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

  // ---- drops, if any (a noisy line shows up here) ----
  const hostDrops = dropSummary(host.drops);
  if (hostDrops) print('drops: host {' + hostDrops + '}');
  if (serial.stats.txDropped) print('serial: ' + serial.stats.txDropped + ' frames dropped (transmit queue full)');

  // ---- pcap ----
  mkdirSync(dirname(o.pcap), { recursive: true });
  const file = Buffer.concat(chunks);
  writeFileSync(o.pcap, file);
  const pcapPackets = countPcapRecords(file);
  print('pcap: ' + o.pcap + ' (' + pcapPackets + ' packets, LINKTYPE_RAW) — open it with: wireshark ' + o.pcap);

  return { pings: pings, udpEchoed: echoed, udpRtt: udpRtt, httpOk: httpOk, httpMs: httpMs, pcapPath: o.pcap, pcapPackets: pcapPackets, boardRam: -1 };
}
