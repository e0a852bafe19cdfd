/**
 * hal/serialport.ts: two stacks on the two ends of a socat pseudo-terminal pair (ping, UDP
 * echo, 100 KB over TCP byte-exact), reading that goes on while a write waits for the port
 * (a peer that writes everything before it reads), the transmit queue under partial writes and
 * backpressure (a fake port, and serialport's real stream on its mock binding), the port
 * closing and coming back, and the one-line open errors.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { SerialPortMock, SerialPort } from 'serialport';
import { openSerialHal, describeOpenError, SerialOpenError } from '../../hal/serialport.js';
import type { PortLike, SerialHal } from '../../hal/serialport.js';
import { createStack } from '../../src/stack.js';
import type { Stack } from '../../src/stack.js';
import { startApp, ECHO_PORT } from '../../firmware/app.js';
import { parseAddr } from '../../src/wire/ipv4.js';
import * as C from '../../src/tcp/constants.js';
import { EAGAIN } from '../../src/errno.js';
import { ptyPair, hasSocat } from '../../tools/lab.js';
import type { PtyPair } from '../../tools/lab.js';

const HOST = '192.168.190.1';
const BOARD = '192.168.190.2';
const BOARD_ADDR = parseAddr(BOARD)!;

/** Resolve when cond() holds (checked every 5 ms), or reject after ms. */
async function waitFor(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One ping from host to board; resolves with the RTT in ms, rejects on timeout. */
async function pingOnce(host: Stack, hal: SerialHal, seq: number, size: number): Promise<number> {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 7 + seq) & 0xff;
  let ok = false;
  host.onEchoReply((src, _id, seqNo, buf, off, len) => {
    if (src === BOARD_ADDR && seqNo === seq && len === size && buf.subarray(off, off + len).every((b, i) => b === data[i])) ok = true;
  });
  const t0 = performance.now();
  expect(host.ping(BOARD_ADDR, 0x1234, seq, data, 0, size)).toBe(size);
  hal.kick();
  await waitFor('echo reply ' + seq, () => ok, 15000);
  return performance.now() - t0;
}

/** Everything a test opened, released in afterEach even when it fails. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) {
    try { await cleanups.pop()!(); } catch { /* keep releasing the rest */ }
  }
});

/** A pty pair with a board (demo app) on end b and a host stack on end a. */
async function rig(tag: string, mtu: number): Promise<{ pair: PtyPair; hostHal: SerialHal; boardHal: SerialHal; host: Stack; board: Stack }> {
  const pair = await ptyPair(tag);
  cleanups.push(() => pair.stop());
  const boardHal = await openSerialHal(pair.b, 115200, { reopenMs: 100 });
  cleanups.push(() => boardHal.close());
  const hostHal = await openSerialHal(pair.a, 115200, { reopenMs: 100 });
  cleanups.push(() => hostHal.close());
  const board = createStack({ addr: BOARD, mtu }, boardHal);
  startApp(board.net);
  boardHal.start(board);
  const host = createStack({ addr: HOST, mtu }, hostHal);
  hostHal.start(host);
  return { pair, hostHal, boardHal, host, board };
}

describe.runIf(hasSocat || process.env.CI === 'true')('serialport HAL over a socat pty pair', () => {
  it('carries ping, UDP echo and 100 KB of TCP, byte-exact, between two stacks', async () => {
    const { hostHal, host, board } = await rig('traffic', 1500);

    // Ping: small, and large enough that SLIP escapes matter (the data holds 0xC0 and 0xDB).
    await pingOnce(host, hostHal, 1, 56);
    await pingOnce(host, hostHal, 2, 1472);

    // UDP echo off the demo app's port 7.
    const msg = new TextEncoder().encode('over a pseudo-terminal \xc0\xdb');
    let echoed: Uint8Array | null = null;
    host.udpBind(40007, (buf, off, len, src, srcPort) => {
      if (src === BOARD_ADDR && srcPort === ECHO_PORT) echoed = buf.slice(off, off + len);
    });
    host.udpSend(BOARD_ADDR, ECHO_PORT, 40007, msg, 0, msg.length);
    hostHal.kick();
    await waitFor('UDP echo', () => echoed !== null, 15000);
    expect(Array.from(echoed!)).toEqual(Array.from(msg));

    // TCP: 100 KB to the board's echo service and all of it back, byte for byte.
    const size = 100 * 1024;
    const data = new Uint8Array(size);
    let x = 12345;
    for (let i = 0; i < size; i++) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      data[i] = x & 0xff;
    }
    data.fill(0xc0, 1000, 1100); // a run of SLIP ENDs and ESCs in the stream too
    data.fill(0xdb, 2000, 2100);
    const got = new Uint8Array(size);
    let gotLen = 0;
    let sent = 0;
    let closed = false;
    let eof = false;
    const rbuf = new Uint8Array(4096);
    const conn = host.tcpConnect(BOARD_ADDR, ECHO_PORT, 0);
    const pump = (): void => {
      while (sent < size) {
        const n = host.tcpWrite(conn, data, sent, size - sent);
        if (n <= 0) break;
        sent += n;
      }
      for (;;) {
        const n = host.tcpRead(conn, rbuf, 0, rbuf.length);
        if (n > 0) {
          if (gotLen + n <= size) got.set(rbuf.subarray(0, n), gotLen);
          gotLen += n;
          continue;
        }
        if (n !== -EAGAIN) eof = true;
        break;
      }
      // Everything echoed: close; the echo service then closes its side.
      if (gotLen === size && !closed) {
        closed = true;
        host.tcpClose(conn);
      }
      hostHal.kick();
    };
    host.onTcp((c, ev) => {
      if (c === conn && (ev === C.EV_CONNECTED || ev === C.EV_WRITABLE || ev === C.EV_READABLE)) pump();
    });
    await waitFor('100 KB echoed', () => gotLen >= size, 50000);
    expect(gotLen).toBe(size);
    const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
    expect(sha(got)).toBe(sha(data));
    await waitFor('the close', () => eof || host.tcpState(conn) === C.TIME_WAIT || host.tcpState(conn) === C.CLOSED, 15000);
    expect(host.drops.reduce((a, b) => a + b, 0)).toBe(0);
    expect(board.drops.reduce((a, b) => a + b, 0)).toBe(0);
    expect(hostHal.stats.txDropped).toBe(0);
  });

  it('keeps reading while a write waits for the port, so a peer that writes before it reads cannot lock the line', async () => {
    // The peer on end b writes all of its data (blocking writes) before it reads any of ours,
    // and we write ours at the same time: neither fits in the ptys' buffers. If our reading
    // stopped while a write waits for room (serialport's poller did that: keepReading in
    // hal/serialport.ts), socat would block writing to us, stop taking what we write, and
    // both sides would wait for ever.
    const N = 512 * 1024;
    const pair = await ptyPair('duplex');
    cleanups.push(() => pair.stop());
    const hal = await openSerialHal(pair.a, 115200, { reopenMs: 100 });
    cleanups.push(() => hal.close());
    const mine = new Uint8Array(N);
    for (let i = 0; i < N; i++) mine[i] = (i * 31 + (i >> 9)) & 0xff;
    const theirs = createHash('sha256');
    let got = 0;
    hal.setReceiver((buf, off, len) => {
      theirs.update(buf.subarray(off, off + len));
      got += len;
    });
    const peer = spawn('python3', ['-c', [
      'import os, sys, hashlib',
      'fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)',
      'n = int(sys.argv[2])',
      'data = bytes((i * 7 + (i >> 8)) & 0xff for i in range(n))',
      'off = 0',
      'while off < n: off += os.write(fd, data[off:off + 65536])',
      'h = hashlib.sha256(); k = 0',
      'while k < n:',
      '    d = os.read(fd, 65536); h.update(d); k += len(d)',
      'print(k, h.hexdigest(), flush=True)',
    ].join('\n'), pair.b, String(N)], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(async () => { peer.kill('SIGKILL'); });
    let peerOut = '';
    peer.stdout.on('data', (d: Buffer) => { peerOut += d.toString(); });
    peer.stderr.on('data', (d: Buffer) => { peerOut += d.toString(); });
    // Ours goes out in 1 KB writes, as fast as the queue takes them.
    let sent = 0;
    const end = Date.now() + 30000;
    while (sent < N) {
      if (Date.now() > end) throw new Error('the line locked: ' + sent + ' of ours queued, ' + got + ' of theirs in, peer said: ' + peerOut);
      while (sent < N && hal.queued() < 60 * 1024) {
        hal.write(mine, sent, 1024);
        sent += 1024;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await waitFor('the peer to read all of ours (' + got + ' of theirs in, peer said: ' + peerOut + ')', () => peerOut.includes('\n'), 30000);
    await waitFor('all of theirs', () => got === N, 5000);
    const expected = new Uint8Array(N);
    for (let i = 0; i < N; i++) expected[i] = (i * 7 + (i >> 8)) & 0xff;
    expect(theirs.digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(peerOut.trim()).toBe(N + ' ' + createHash('sha256').update(mine).digest('hex'));
    expect(hal.stats.txDropped).toBe(0);
  }, 60_000);

  it('keeps the stack running while the line is gone, and traffic resumes on the same paths after socat restarts', async () => {
    const statuses: string[] = [];
    const pair = await ptyPair('reopen');
    cleanups.push(() => pair.stop());
    const boardHal = await openSerialHal(pair.b, 115200, { reopenMs: 100, onStatus: (e) => statuses.push('b ' + e) });
    cleanups.push(() => boardHal.close());
    const hostHal = await openSerialHal(pair.a, 115200, { reopenMs: 100, onStatus: (e) => statuses.push('a ' + e) });
    cleanups.push(() => hostHal.close());
    const board = createStack({ addr: BOARD, mtu: 296 }, boardHal);
    startApp(board.net);
    boardHal.start(board);
    const host = createStack({ addr: HOST, mtu: 296 }, hostHal);
    hostHal.start(host);

    await pingOnce(host, hostHal, 1, 56);
    await pair.stop();
    await waitFor('both ends to notice', () => hostHal.stats.disconnects === 1 && boardHal.stats.disconnects === 1, 15000);
    expect(hostHal.isOpen).toBe(false);
    // While the line is down, frames queue (the stack does not crash or block).
    const data = new Uint8Array(56);
    expect(host.ping(BOARD_ADDR, 0x1234, 99, data, 0, data.length)).toBe(56);
    // The links are gone with socat: the HAL keeps trying (and failing) to reopen them.
    await waitFor('a failed reopen attempt', () => hostHal.stats.reopenFailures > 0, 15000);
    expect(hostHal.isOpen).toBe(false);

    await pair.restart();
    await waitFor('both ends to reopen', () => hostHal.isOpen && boardHal.isOpen, 15000);
    expect(hostHal.stats.reopens).toBe(1);
    expect(boardHal.stats.reopens).toBe(1);
    expect(statuses).toContain('a closed');
    expect(statuses).toContain('a reopened');
    expect(statuses).toContain('b reopened');
    // Bytes written while both ends were half-open may be lost; later pings must get through.
    await pingOnce(host, hostHal, 2, 56);
    await pingOnce(host, hostHal, 3, 200);
  });

  it('turns a missing device and a port another program holds into one clear line', async () => {
    const missing = openSerialHal('/dev/ttyNOPE' + process.pid, 115200);
    await expect(missing).rejects.toBeInstanceOf(SerialOpenError);
    await expect(missing).rejects.toThrow(/^cannot open \/dev\/ttyNOPE\d+: no such device$/);

    const pair = await ptyPair('busy');
    cleanups.push(() => pair.stop());
    const first = await openSerialHal(pair.a, 115200);
    cleanups.push(() => first.close());
    const second = openSerialHal(pair.a, 115200);
    await expect(second).rejects.toThrow('cannot open ' + pair.a + ': port is busy (another program has it open)');
    await expect(second).rejects.toMatchObject({ code: 'EBUSY' });
  });

  it('never lists ports (SerialPort.list spawns udevadm, which many machines lack)', async () => {
    const original = SerialPort.list;
    let listed = 0;
    SerialPort.list = () => { listed++; throw new Error('udevadm: not found'); };
    try {
      const pair = await ptyPair('nolist');
      cleanups.push(() => pair.stop());
      const hal = await openSerialHal(pair.a, 115200);
      cleanups.push(() => hal.close());
      expect(hal.isOpen).toBe(true);
      expect(listed).toBe(0);
    } finally {
      SerialPort.list = original;
    }
  });
});

describe('serialport HAL: the transmit queue', () => {
  /**
   * A port that takes at most `accept` octets per turn of the event loop (the OS accepting
   * part of a write), calls back only when a whole chunk is gone, says "wait for drain" when
   * more than `hwm` octets are pending, and refuses overlapping writes like serialport does.
   */
  class FakePort extends EventEmitter implements PortLike {
    isOpen = true;
    out: number[] = [];
    writes = 0;
    overlapping = 0;
    accept: number;
    hwm: number;
    private pending: { data: Buffer; done: number; cb: (err?: Error | null) => void } | null = null;
    private needDrain = false;
    constructor(accept: number, hwm: number) {
      super();
      this.accept = accept;
      this.hwm = hwm;
    }
    write(data: Buffer, cb: (err?: Error | null) => void): boolean {
      this.writes++;
      if (this.pending !== null) this.overlapping++;
      this.pending = { data, done: 0, cb };
      setImmediate(() => this.step());
      const ok = data.length <= this.hwm;
      if (!ok) this.needDrain = true;
      return ok;
    }
    private step(): void {
      const p = this.pending;
      if (p === null) return;
      const n = Math.min(this.accept, p.data.length - p.done);
      // Read the bytes only now, as the OS would: the HAL must not have touched them meanwhile.
      for (let i = 0; i < n; i++) this.out.push(p.data[p.done + i]);
      p.done += n;
      if (p.done < p.data.length) {
        setImmediate(() => this.step());
        return;
      }
      this.pending = null;
      p.cb(null);
      if (this.needDrain) {
        this.needDrain = false;
        this.emit('drain');
      }
    }
    close(cb?: (err?: Error | null) => void): void {
      this.isOpen = false;
      if (cb) cb(null);
    }
  }

  it('sends every frame in order through partial writes and drain waits, and copies the frame at once', async () => {
    const port = new FakePort(7, 16);
    const hal = await openSerialHal('/dev/fake', 115200, { openPort: async () => port, queueBytes: 4096, maxWrite: 40 });
    try {
      const expected: number[] = [];
      const frame = new Uint8Array(50);
      for (let k = 0; k < 60; k++) {
        for (let i = 0; i < frame.length; i++) frame[i] = (k * 31 + i) & 0xff;
        hal.write(frame, 3, 23 + (k % 20));
        for (let i = 0; i < 23 + (k % 20); i++) expected.push(frame[3 + i]);
        frame.fill(0xee); // the stack reuses its buffer at once: the HAL must have copied
      }
      await waitFor('the queue to drain', () => hal.queued() === 0, 15000);
      expect(port.out).toEqual(expected);
      expect(port.overlapping).toBe(0);
      expect(hal.stats.backpressure).toBeGreaterThan(0);
      expect(hal.stats.portOctets).toBe(expected.length);
      expect(hal.stats.txDropped).toBe(0);
      expect(hal.stats.queueHighWater).toBeGreaterThan(40);
      expect(await hal.flush(100)).toBe(true);
    } finally {
      await hal.close();
    }
  });

  it('drops a frame whole and counts it when the queue is full, and keeps the others intact and in order', async () => {
    const port = new FakePort(1000, 1000);
    const hal = await openSerialHal('/dev/fake', 115200, { openPort: async () => port, queueBytes: 100 });
    try {
      const a = new Uint8Array(60).fill(1);
      const b = new Uint8Array(60).fill(2); // does not fit behind a: dropped
      const c = new Uint8Array(40).fill(3); // fits exactly
      hal.write(a, 0, 60);
      hal.write(b, 0, 60);
      hal.write(c, 0, 40);
      expect(hal.stats.txDropped).toBe(1);
      expect(hal.stats.txDroppedOctets).toBe(60);
      await waitFor('the queue to drain', () => hal.queued() === 0, 15000);
      expect(port.out).toEqual([...a, ...c]);
      // The ring wraps around: more frames after the first ones left.
      const d = new Uint8Array(70);
      for (let i = 0; i < 70; i++) d[i] = i;
      hal.write(d, 0, 70);
      await waitFor('the queue to drain', () => hal.queued() === 0, 15000);
      expect(port.out.slice(100)).toEqual(Array.from(d));
    } finally {
      await hal.close();
    }
  });

  it('works through serialport\'s own stream (mock binding) when write returns false', async () => {
    SerialPortMock.binding.createPort('/dev/mock-sst', { record: true });
    let mock: SerialPortMock | null = null;
    const hal = await openSerialHal('/dev/mock-sst', 115200, {
      maxWrite: 512,
      openPort: (path, baudRate) => new Promise((resolve, reject) => {
        const p = new SerialPortMock({ path, baudRate, autoOpen: false, highWaterMark: 64 });
        p.open((err) => {
          if (err) reject(err);
          else {
            mock = p;
            resolve(p as unknown as PortLike);
          }
        });
      }),
    });
    try {
      const expected: number[] = [];
      const f = new Uint8Array(300);
      for (let k = 0; k < 20; k++) {
        for (let i = 0; i < f.length; i++) f[i] = (k + i) & 0xff;
        hal.write(f, 0, f.length);
        expected.push(...f);
      }
      await waitFor('the queue to drain', () => hal.queued() === 0, 15000);
      const recording = (mock as unknown as { port: { recording: Buffer } }).port.recording;
      expect(Array.from(recording)).toEqual(expected);
      expect(hal.stats.backpressure).toBeGreaterThan(0);
    } finally {
      await hal.close();
      SerialPortMock.binding.reset();
    }
  });

  it('sends a chunk again whole on the reopened port when the port broke mid-write', async () => {
    const ports: FakePort[] = [];
    const hal = await openSerialHal('/dev/fake', 115200, {
      reopenMs: 10,
      openPort: async () => {
        const p = new FakePort(5, 1000);
        ports.push(p);
        return p;
      },
    });
    try {
      const f = new Uint8Array(20);
      for (let i = 0; i < 20; i++) f[i] = i + 1;
      hal.write(f, 0, 20);
      // The port dies after the first 5 octets went out.
      await new Promise((r) => setImmediate(r));
      ports[0].isOpen = false;
      ports[0].emit('close', new Error('device disconnected'));
      await waitFor('the reopen', () => ports.length === 2 && hal.isOpen, 15000);
      await waitFor('the queue to drain', () => hal.queued() === 0, 15000);
      expect(ports[1].out).toEqual(Array.from(f));
      expect(hal.stats.disconnects).toBe(1);
      expect(hal.stats.reopens).toBe(1);
    } finally {
      await hal.close();
    }
  });

  it('drives the stack with one timer: a retransmission fires without any traffic', async () => {
    const port = new FakePort(10000, 100000);
    const hal = await openSerialHal('/dev/fake', 115200, { openPort: async () => port });
    try {
      const host = createStack({ addr: HOST, mtu: 296, tcpRtoInitial: 200, tcpRtoMin: 50 }, hal);
      hal.start(host);
      host.tcpConnect(BOARD_ADDR, 80, 0); // nobody answers: the SYN is sent again on timeout
      await waitFor('a retransmitted SYN', () => hal.stats.txFrames >= 2, 15000);
      expect(hal.stats.txFrames).toBeGreaterThanOrEqual(2);
      await hal.close();
      const frames = hal.stats.txFrames;
      await new Promise((r) => setTimeout(r, 500));
      expect(hal.stats.txFrames).toBe(frames); // closed: no more polls
    } finally {
      await hal.close();
    }
  });

  it('describes open failures in one line', () => {
    expect(describeOpenError('/dev/ttyUSB0', new Error('Error: Permission denied, cannot open /dev/ttyUSB0')).message)
      .toBe("cannot open /dev/ttyUSB0: permission denied (is your user in the port's group, e.g. dialout?)");
    expect(describeOpenError('/dev/ttyUSB0', new Error('Error: No such file or directory, cannot open /dev/ttyUSB0')).code).toBe('ENOENT');
    expect(describeOpenError('/dev/ttyS0', new Error('Error Resource temporarily unavailable Cannot lock port')).code).toBe('EBUSY');
    expect(describeOpenError('/dev/ttyS0', new Error('Error: Input/output error, cannot open /dev/ttyS0')).message)
      .toBe('cannot open /dev/ttyS0: input/output error');
  });
});
