// subset: host-only
/**
 * `slipstack ping`: the host runs its own slipstack on a serial port (hal/serialport.ts) and
 * sends ICMP echo requests (RFC 792) to the board at the other end, printing what ping(8)
 * prints: one line per reply with its round-trip time, then the statistics.
 *
 * Contract: `runPing(options, print)` opens the port (rejecting with a SerialOpenError whose
 * message is one line), sends `count` requests one `interval` apart, waits up to `timeout`
 * ms after the last one for stragglers, closes the port and resolves to the figures. A reply
 * whose data differs from the request's is reported (ping(8) says "wrong data byte"); a
 * second reply to the same request is marked (DUP!). `stop()` on the returned handle, or
 * the abort signal, ends early (Ctrl-C) and still prints the statistics.
 */
import { openSerialHal } from '../hal/serialport.js';
import { createStack } from '../src/stack.js';
import { formatAddr, parseAddr } from '../src/wire/ipv4.js';

/** Options of `runPing`. */
export interface PingOptions {
  /** Address to ping. */
  target: string;
  /** Serial port path. */
  port: string;
  baud: number;
  /** Requests to send. */
  count: number;
  /** ICMP data octets per request (ping -s). */
  size: number;
  /** Our address on the line. */
  addr: string;
  /** IP MTU of our stack. */
  mtu: number;
  /** ms between requests. */
  interval: number;
  /** ms to wait for replies after the last request. */
  timeout: number;
}

/** Defaults of `slipstack ping`. */
export const PING_DEFAULTS = {
  baud: 115200,
  count: 4,
  size: 56,
  addr: '192.168.190.1',
  mtu: 296,
  interval: 1000,
  timeout: 2000,
};

/** What a ping run saw. */
export interface PingSummary {
  transmitted: number;
  received: number;
  duplicates: number;
  /** Replies whose data differed from the request's. */
  damaged: number;
  /** RTTs of the first reply to each request, ms, in arrival order. */
  rtts: number[];
}

/** ping(8)'s precision: three significant digits for small times. */
function ms(t: number): string {
  return t < 10 ? t.toFixed(3) : t < 100 ? t.toFixed(2) : t.toFixed(1);
}

/** Run the pings; `print` gets stdout lines, `warn` the port's status messages. */
export async function runPing(o: PingOptions, print: (line: string) => void, warn: (line: string) => void, signal?: AbortSignal): Promise<PingSummary> {
  const target = parseAddr(o.target);
  if (target === null) throw new Error('bad address "' + o.target + '"');
  const hal = await openSerialHal(o.port, o.baud, {
    onStatus: function (event, detail) {
      warn('slipstack: ' + o.port + ' ' + (event === 'closed' ? 'closed (' + detail + '), reopening' : event === 'reopened' ? 'open again' : detail));
    },
  });
  const stack = createStack({ addr: o.addr, mtu: o.mtu }, hal);
  hal.start(stack);

  const ident = process.pid & 0xffff;
  const data = new Uint8Array(o.size);
  for (let i = 0; i < o.size; i++) data[i] = (i + 8) & 0xff;
  const sentAt = new Float64Array(o.count + 1);
  const seen = new Uint8Array(o.count + 1);
  const s: PingSummary = { transmitted: 0, received: 0, duplicates: 0, damaged: 0, rtts: [] };
  let wake: (() => void) | null = null;

  stack.onEchoReply(function (src, id, seqNo, buf, off, len) {
    if (src !== target || id !== ident || seqNo < 1 || seqNo > s.transmitted) return;
    const rtt = performance.now() - sentAt[seqNo];
    let intact = len === data.length;
    for (let i = 0; intact && i < len; i++) if (buf[off + i] !== data[i]) intact = false;
    const dup = seen[seqNo] !== 0;
    if (dup) s.duplicates++;
    else {
      seen[seqNo] = 1;
      s.received++;
      s.rtts.push(rtt);
    }
    if (!intact) s.damaged++;
    print((len + 8) + ' bytes from ' + formatAddr(src) + ': icmp_seq=' + seqNo + ' time=' + ms(rtt) + ' ms' +
      (dup ? ' (DUP!)' : '') + (intact ? '' : ' (wrong data: the reply differs from the request)'));
    if (wake !== null) wake();
  });

  let stopped = false;
  const onAbort = function (): void {
    stopped = true;
    if (wake !== null) wake();
  };
  if (signal !== undefined) {
    if (signal.aborted) stopped = true;
    else signal.addEventListener('abort', onAbort);
  }

  /** Wait until `until` (performance.now() ms), a stop, or done() holds (checked on each reply). */
  function waitUntil(until: number, done: () => boolean): Promise<void> {
    return new Promise<void>(function (resolve) {
      let timer: ReturnType<typeof setTimeout> | null = null;
      const finish = function (): void {
        if (timer !== null) clearTimeout(timer);
        wake = null;
        resolve();
      };
      wake = function () {
        if (stopped || done()) finish();
      };
      if (stopped || done()) {
        finish();
        return;
      }
      timer = setTimeout(finish, Math.max(0, until - performance.now()));
    });
  }

  print('PING ' + o.target + ' (' + o.target + ') ' + o.size + '(' + (o.size + 28) + ') bytes of data, from ' + o.addr +
    ' over ' + o.port + ' at ' + o.baud + ' baud.');
  const t0 = performance.now();
  try {
    for (let seq = 1; seq <= o.count && !stopped; seq++) {
      sentAt[seq] = performance.now();
      const r = stack.ping(target, ident, seq, data, 0, data.length);
      if (r < 0) throw new Error('cannot send: the request does not fit the MTU ' + o.mtu);
      s.transmitted++;
      const last = seq === o.count;
      await waitUntil(sentAt[seq] + (last ? o.timeout : o.interval), function () {
        return last && s.received === s.transmitted;
      });
    }
  } finally {
    if (signal !== undefined) signal.removeEventListener('abort', onAbort);
    await hal.close();
  }
  const elapsed = performance.now() - t0;
  print('');
  print('--- ' + o.target + ' ping statistics ---');
  const lossPct = s.transmitted > 0 ? Math.round((100 * (s.transmitted - s.received)) / s.transmitted) : 0;
  print(s.transmitted + ' packets transmitted, ' + s.received + ' received' + (s.duplicates ? ', +' + s.duplicates + ' duplicates' : '') +
    ', ' + lossPct + '% packet loss, time ' + Math.round(elapsed) + 'ms');
  if (s.rtts.length > 0) {
    let min = Infinity;
    let max = 0;
    let sum = 0;
    let sum2 = 0;
    for (const r of s.rtts) {
      if (r < min) min = r;
      if (r > max) max = r;
      sum += r;
      sum2 += r * r;
    }
    const avg = sum / s.rtts.length;
    // ping(8)'s mdev: the standard deviation of the RTTs.
    const mdev = Math.sqrt(Math.max(0, sum2 / s.rtts.length - avg * avg));
    print('rtt min/avg/max/mdev = ' + min.toFixed(3) + '/' + avg.toFixed(3) + '/' + max.toFixed(3) + '/' + mdev.toFixed(3) + ' ms');
  }
  return s;
}
