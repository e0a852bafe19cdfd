// subset: host-only
/**
 * The serialport HAL: the stack on a host serial port (a USB-UART cable to a board) or on a
 * pseudo-terminal, through the `serialport` package. Node only; never bundled for a board.
 *
 * Contract (see src/hal.ts):
 * - `openSerialHal(path, baud, opts)` opens the port and resolves to the HAL, or rejects with
 *   a `SerialOpenError` whose message is one line a user can act on
 *   (`cannot open /dev/ttyUSB0: no such device`). It never calls `SerialPort.list()`, which
 *   spawns `udevadm` and throws on machines without it (test/hal/serialport.test.ts shows it).
 * - `write` copies the frame into a preallocated byte queue at once (the stack reuses its
 *   transmit buffer) and returns; the queue drains to the port in order, one port write at a
 *   time. The queued bytes stay untouched until the port's write callback says they are gone,
 *   so partial writes (the OS took only part of a chunk) and backpressure (`write` returned
 *   false: wait for 'drain') never reorder or lose bytes. A frame that does not fit in the
 *   free space of the queue is dropped whole and counted (`stats.txDropped`), never cut.
 * - `start(stack)` feeds every received chunk to the receiver, polls the stack after each
 *   chunk, and keeps exactly one timer armed for the deadline `poll` returned, like the
 *   board HALs. `kick()` asks for a poll at the next turn of the event loop; the stack
 *   calls it itself (as `wake`, src/hal.ts) after a user call from outside a HAL callback.
 * - The port may close under us (USB cable pulled, the other end of a pty gone): the HAL then
 *   tries to open the same path again every `reopenMs` (default 500 ms) until it succeeds,
 *   and the stack keeps running meanwhile. Frames written while the port is closed wait in
 *   the queue (or are dropped and counted once it is full); a chunk the broken port may have
 *   written only in part is sent again whole after the reopen (SLIP's leading END resyncs
 *   the receiver, RFC 1055).
 * - Reading never waits on writing: while a write waits for room in the port, what arrives
 *   is still read (`keepReading`, around a flaw of serialport's poller).
 * - `now()` is whole milliseconds of `performance.now()` (monotonic; integral so V8 does not
 *   box it); `random32()` comes from the operating system's CSPRNG (node:crypto), which the
 *   ISN secret of RFC 6528 needs.
 * - `close()` stops everything: no more polls, no reopening, the port is closed.
 *
 * Allocation: frames are copied into the preallocated queue with `native.copy`; each port
 * write hands serialport a `Buffer` view of the queue, and serialport's stream allocates its
 * own bookkeeping per write, so this HAL is not part of the zero-allocation promise (which is
 * the stack's; the host is a PC).
 */
import { randomFillSync } from 'node:crypto';
import type { Hal, Receiver, Pollable } from '../src/hal.js';
import { native } from '../src/native.js';

export type { Pollable };

/** The part of serialport's `SerialPort` stream this HAL uses (a test can supply a fake). */
export interface PortLike {
  /** Queue data; the callback runs once the port has taken all of it (or failed); false = wait for 'drain'. */
  write(data: Buffer, cb: (err?: Error | null) => void): boolean;
  /** Close the port. */
  close(cb?: (err?: Error | null) => void): void;
  on(event: 'data', fn: (chunk: Buffer) => void): unknown;
  on(event: 'drain', fn: () => void): unknown;
  on(event: 'close', fn: (err?: Error | null) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
  /** True while the port is open. */
  readonly isOpen: boolean;
}

/** Opens a port; rejects with the driver's error (turned into a SerialOpenError by openSerialHal). */
export type PortOpener = (path: string, baud: number) => Promise<PortLike>;

/** Options of `openSerialHal`; every field is optional. */
export interface SerialHalOptions {
  /** How often to try to open the port again after it closed, ms (default 500). */
  reopenMs?: number;
  /** Bytes of the transmit queue (default 65536); frames that do not fit are dropped and counted. */
  queueBytes?: number;
  /** Most bytes handed to the port in one write (default 4096). */
  maxWrite?: number;
  /** How to open the port (default: serialport's SerialPort; tests pass SerialPortMock or a fake). */
  openPort?: PortOpener;
  /** Told about port events: 'closed' (with the reason), 'reopened', 'reopen-failed' (once per outage). */
  onStatus?: (event: string, detail: string) => void;
}

/** Counters of one serial HAL. */
export interface SerialHalStats {
  /** Frames and octets accepted into the transmit queue. */
  txFrames: number;
  txOctets: number;
  /** Frames and octets dropped because the queue was full. */
  txDropped: number;
  txDroppedOctets: number;
  /** Port writes issued and octets the port confirmed as written. */
  portWrites: number;
  portOctets: number;
  /** Times the port said "wait for drain" (backpressure). */
  backpressure: number;
  /** Most octets ever waiting in the queue. */
  queueHighWater: number;
  /** Chunks and octets received. */
  rxChunks: number;
  rxOctets: number;
  /** Times the port closed under us, and times it was opened again. */
  disconnects: number;
  reopens: number;
  /** Failed attempts to open it again. */
  reopenFailures: number;
}

/** The HAL plus what a host program needs around it. */
export interface SerialHal extends Hal {
  /** The port path. */
  readonly path: string;
  /** True while the port is open (false during an outage and after close). */
  readonly isOpen: boolean;
  /** Counters. */
  readonly stats: SerialHalStats;
  /** Octets waiting in the transmit queue (including a write in flight). */
  queued(): number;
  /** Start feeding received bytes to the receiver and polling the stack. */
  start(stack: Pollable): void;
  /** Poll the stack at the next turn of the event loop (after API calls from outside a callback). */
  kick(): void;
  /** Resolve once the transmit queue is empty, or after timeoutMs (false then). */
  flush(timeoutMs: number): Promise<boolean>;
  /** Stop polling and reopening, and close the port. */
  close(): Promise<void>;
}

/** Why a port could not be opened, as a short code. */
export type OpenFailure = 'ENOENT' | 'EACCES' | 'EBUSY' | 'ENOTTY' | 'OTHER';

/** The port could not be opened; the message is one line for the user. */
export class SerialOpenError extends Error {
  /** What went wrong. */
  code: OpenFailure;
  /** The path we tried. */
  path: string;

  constructor(path: string, code: OpenFailure, message: string) {
    super(message);
    this.name = 'SerialOpenError';
    this.path = path;
    this.code = code;
  }
}

/**
 * Turn an error from opening a port into one line. serialport's native binding reports
 * `Error: <strerror>, cannot open <path>` for open(2) failures and
 * `Error <strerror> Cannot lock port` when another process holds the port's flock.
 */
export function describeOpenError(path: string, e: unknown): SerialOpenError {
  const text = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || /no such file or directory|no such device/i.test(text)) {
    return new SerialOpenError(path, 'ENOENT', 'cannot open ' + path + ': no such device');
  }
  if (code === 'EACCES' || code === 'EPERM' || /permission denied|operation not permitted/i.test(text)) {
    return new SerialOpenError(path, 'EACCES', 'cannot open ' + path + ": permission denied (is your user in the port's group, e.g. dialout?)");
  }
  if (code === 'EBUSY' || /cannot lock port|resource busy|temporarily unavailable/i.test(text)) {
    return new SerialOpenError(path, 'EBUSY', 'cannot open ' + path + ': port is busy (another program has it open)');
  }
  if (code === 'ENOTTY' || /inappropriate ioctl/i.test(text)) {
    return new SerialOpenError(path, 'ENOTTY', 'cannot open ' + path + ': not a serial port');
  }
  // Strip serialport's own decoration ("Error: ...", ", cannot open PATH") and keep the reason.
  let reason = text.replace(/^Error:?\s*/, '').replace(/,?\s*cannot open .*$/i, '').trim();
  if (reason === '') reason = 'unknown error';
  return new SerialOpenError(path, 'OTHER', 'cannot open ' + path + ': ' + reason.charAt(0).toLowerCase() + reason.slice(1));
}

/**
 * The default opener: serialport's SerialPort, loaded on first use so that commands that
 * never touch a port (the simulation) work even where its native binding cannot load.
 * `lock: true` (serialport's default) takes an exclusive flock, so a second program gets a
 * clear "busy" error instead of sharing the line and stealing half the bytes.
 */
async function openWithSerialport(path: string, baud: number): Promise<PortLike> {
  const mod = await import('serialport');
  return await new Promise<PortLike>(function (resolve, reject) {
    const port = new mod.SerialPort({ path: path, baudRate: baud, autoOpen: false, lock: true });
    port.open(function (err) {
      if (err) reject(err);
      else {
        keepReading(port);
        resolve(port as unknown as PortLike);
      }
    });
  });
}

/** The part of @serialport/bindings-cpp's Poller (Linux, macOS) that keepReading wraps. */
interface PollerLike {
  poll(flags?: number): void;
  listenerCount(event: string): number;
}

/** The poller's event flags (libuv's UV_READABLE, UV_WRITABLE, UV_DISCONNECT). */
const POLL_READABLE = 1;
const POLL_WRITABLE = 2;
const POLL_DISCONNECT = 4;

/**
 * Keep the port read while a write waits for room. @serialport/bindings-cpp (13.0) watches
 * the port's one descriptor with one libuv poll, and each request for an event restarts that
 * poll with only the event just asked for (Poller::poll in its src/poller.cpp, under
 * node_modules/@serialport/bindings-cpp): a write that meets a full port (EAGAIN) and waits
 * for 'writable' stops the reading until the port takes more.
 * A peer that does not read while its own write to us blocks (socat between two ptys, whose
 * writes block) then never takes what we wait to write, and the line stops both ways for
 * good: seen under load in test/interop/synflood.test.ts, reproduced by
 * test/hal/serialport.test.ts. Each request made here asks for every event someone is still
 * waiting on. Where the binding has no such poller (Windows, another version), nothing changes.
 */
export function keepReading(port: unknown): void {
  const binding = (port as { port?: { poller?: unknown } } | null)?.port;
  const poller = binding?.poller as PollerLike | undefined;
  if (!poller || typeof poller.poll !== 'function' || typeof poller.listenerCount !== 'function') return;
  const poll = poller.poll;
  poller.poll = function (flags?: number): void {
    let f = flags ?? 0;
    if (poller.listenerCount('readable') > 0) f |= POLL_READABLE;
    if (poller.listenerCount('writable') > 0) f |= POLL_WRITABLE;
    if (poller.listenerCount('disconnect') > 0) f |= POLL_DISCONNECT;
    poll.call(poller, f);
  };
}

function noop(): void {}

/** The HAL behind `openSerialHal`. */
class SerialPortHal implements SerialHal {
  readonly path: string;
  readonly stats: SerialHalStats;
  private baud: number;
  private opener: PortOpener;
  private reopenMs: number;
  private maxWrite: number;
  private onStatus: (event: string, detail: string) => void;
  /** The open port, null during an outage or after close. */
  private port: PortLike | null;
  /** The transmit queue: a ring of `ring.length` octets, `used` of them from `head` on. */
  private ring: Uint8Array;
  private head: number;
  private used: number;
  /** Octets from `head` handed to the port and not yet confirmed (0: no write in flight). */
  private inFlight: number;
  /** The port asked us to wait for 'drain'. */
  private blocked: boolean;
  private receiver: Receiver | null;
  private stack: Pollable | null;
  private timer: ReturnType<typeof setTimeout> | null;
  private kickPending: boolean;
  private reopenTimer: ReturnType<typeof setTimeout> | null;
  /** One failed reopen is reported per outage, not one every reopenMs. */
  private reportedReopenFailure: boolean;
  private closed: boolean;
  private random: Int32Array;
  private flushWaiters: (() => void)[];

  constructor(path: string, baud: number, port: PortLike, opener: PortOpener, o: SerialHalOptions) {
    this.path = path;
    this.baud = baud;
    this.opener = opener;
    this.reopenMs = o.reopenMs ?? 500;
    this.maxWrite = o.maxWrite ?? 4096;
    this.onStatus = o.onStatus ?? noop;
    this.stats = {
      txFrames: 0, txOctets: 0, txDropped: 0, txDroppedOctets: 0, portWrites: 0, portOctets: 0,
      backpressure: 0, queueHighWater: 0, rxChunks: 0, rxOctets: 0, disconnects: 0, reopens: 0, reopenFailures: 0,
    };
    this.ring = new Uint8Array(o.queueBytes ?? 65536);
    this.head = 0;
    this.used = 0;
    this.inFlight = 0;
    this.blocked = false;
    this.receiver = null;
    this.stack = null;
    this.timer = null;
    this.kickPending = false;
    this.reopenTimer = null;
    this.reportedReopenFailure = false;
    this.closed = false;
    this.random = new Int32Array(1);
    this.flushWaiters = [];
    this.port = null;
    this.attach(port);
  }

  get isOpen(): boolean {
    return this.port !== null && this.port.isOpen;
  }

  queued(): number {
    return this.used;
  }

  // ---- Hal ----------------------------------------------------------------------------

  write(buf: Uint8Array, off: number, len: number): void {
    if (len <= 0) return;
    const st = this.stats;
    const cap = this.ring.length;
    if (len > cap - this.used) {
      // Never cut a frame: a truncated SLIP frame would reach the peer as garbage.
      st.txDropped++;
      st.txDroppedOctets += len;
      return;
    }
    let tail = this.head + this.used;
    if (tail >= cap) tail -= cap;
    const first = len < cap - tail ? len : cap - tail;
    native.copy(this.ring, tail, buf, off, first);
    if (first < len) native.copy(this.ring, 0, buf, off + first, len - first);
    this.used += len;
    if (this.used > st.queueHighWater) st.queueHighWater = this.used;
    st.txFrames++;
    st.txOctets += len;
    this.pump();
  }

  setReceiver(rx: Receiver): void {
    this.receiver = rx;
  }

  now(): number {
    return Math.floor(performance.now());
  }

  random32(): number {
    randomFillSync(this.random);
    return this.random[0];
  }

  // ---- driving the stack ------------------------------------------------------------------

  start(stack: Pollable): void {
    this.stack = stack;
    this.pollAndArm();
  }

  /** Hal.wake: the stack asks for a poll soon (the same as kick). */
  wake(): void {
    this.kick();
  }

  kick(): void {
    if (this.kickPending || this.stack === null || this.closed) return;
    this.kickPending = true;
    const self = this;
    setImmediate(function () {
      self.kickPending = false;
      self.pollAndArm();
    });
  }

  /** Poll the stack and arm the one timer for the deadline it returns. */
  private pollAndArm(): void {
    const stack = this.stack;
    if (stack === null || this.closed) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const t = this.now();
    const deadline = stack.poll(t);
    if (deadline !== Infinity && deadline === deadline) {
      const self = this;
      this.timer = setTimeout(function () {
        self.timer = null;
        self.pollAndArm();
      }, deadline > t ? deadline - t : 0);
    }
  }

  // ---- the port ---------------------------------------------------------------------------

  /** Start using a freshly opened port. The closures are made once per port, not per frame. */
  private attach(port: PortLike): void {
    this.port = port;
    const self = this;
    port.on('data', function (chunk: Buffer) {
      if (self.port !== port) return;
      self.stats.rxChunks++;
      self.stats.rxOctets += chunk.length;
      const rx = self.receiver;
      if (rx !== null) rx(chunk, 0, chunk.length);
      self.pollAndArm();
    });
    port.on('drain', function () {
      if (self.port !== port) return;
      self.blocked = false;
      self.pump();
    });
    port.on('close', function (err?: Error | null) {
      self.lost(port, err ? err.message : 'closed');
    });
    port.on('error', function (err: Error) {
      self.lost(port, err.message);
    });
    this.pump();
  }

  /** Hand the next contiguous run of queued octets to the port, if it is free. */
  private pump(): void {
    const port = this.port;
    if (port === null || this.inFlight > 0 || this.blocked || this.used === 0) {
      if (this.used === 0) this.wakeFlushWaiters();
      return;
    }
    const cap = this.ring.length;
    const start = this.head;
    let n = this.used;
    if (start + n > cap) n = cap - start; // up to the end of the ring; the rest goes next
    if (n > this.maxWrite) n = this.maxWrite;
    this.inFlight = n;
    this.stats.portWrites++;
    const self = this;
    // The view shares the queue's memory: those octets are not touched until the callback.
    const view = Buffer.from(this.ring.buffer, this.ring.byteOffset + start, n);
    const ok = port.write(view, function (err?: Error | null) {
      self.written(port, n, err);
    });
    if (!ok && this.port === port) {
      this.blocked = true;
      this.stats.backpressure++;
    }
  }

  /** The port is done with a write of n octets. */
  private written(port: PortLike, n: number, err: Error | null | undefined): void {
    if (this.port !== port) return; // a write on a port we already gave up on
    if (err) {
      // The chunk stays queued and goes out again on the reopened port.
      this.lost(port, err.message);
      return;
    }
    this.head += n;
    if (this.head >= this.ring.length) this.head -= this.ring.length;
    this.used -= n;
    this.inFlight = 0;
    this.stats.portOctets += n;
    this.pump();
  }

  /** The port closed or failed: forget it and try to open the path again later. */
  private lost(port: PortLike, why: string): void {
    if (this.port !== port) return;
    this.port = null;
    this.inFlight = 0;
    this.blocked = false;
    port.removeAllListeners();
    // A late error from the dead port must not crash the process (an unhandled 'error').
    port.on('error', noop);
    if (port.isOpen) port.close(noop);
    if (this.closed) return;
    this.stats.disconnects++;
    this.reportedReopenFailure = false;
    this.onStatus('closed', why);
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.closed || this.reopenTimer !== null) return;
    const self = this;
    this.reopenTimer = setTimeout(function () {
      self.reopenTimer = null;
      self.reopen();
    }, this.reopenMs);
  }

  private reopen(): void {
    const self = this;
    this.opener(this.path, this.baud).then(function (port) {
      if (self.closed) {
        port.on('error', noop);
        port.close(noop);
        return;
      }
      self.stats.reopens++;
      self.attach(port);
      self.onStatus('reopened', self.path);
    }, function (e: unknown) {
      self.stats.reopenFailures++;
      if (!self.reportedReopenFailure) {
        self.reportedReopenFailure = true;
        self.onStatus('reopen-failed', describeOpenError(self.path, e).message + '; retrying every ' + self.reopenMs + ' ms');
      }
      self.scheduleReopen();
    });
  }

  // ---- shutting down ----------------------------------------------------------------------

  private wakeFlushWaiters(): void {
    const w = this.flushWaiters;
    if (w.length === 0) return;
    this.flushWaiters = [];
    for (let i = 0; i < w.length; i++) w[i]();
  }

  flush(timeoutMs: number): Promise<boolean> {
    const self = this;
    if (this.used === 0) return Promise.resolve(true);
    return new Promise<boolean>(function (resolve) {
      const t = setTimeout(function () { resolve(self.used === 0); }, timeoutMs);
      self.flushWaiters.push(function () {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  close(): Promise<void> {
    this.closed = true;
    this.stack = null;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.reopenTimer !== null) clearTimeout(this.reopenTimer);
    this.timer = null;
    this.reopenTimer = null;
    this.wakeFlushWaiters();
    const port = this.port;
    this.port = null;
    if (port === null) return Promise.resolve();
    port.removeAllListeners();
    port.on('error', noop);
    if (!port.isOpen) return Promise.resolve();
    return new Promise<void>(function (resolve) {
      port.close(function () { resolve(); });
    });
  }
}

/** Open `path` at `baud` and build the HAL on it; rejects with a SerialOpenError (one clear line). */
export async function openSerialHal(path: string, baud: number, opts?: SerialHalOptions): Promise<SerialHal> {
  const o = opts ?? {};
  const opener = o.openPort ?? openWithSerialport;
  let port: PortLike;
  try {
    port = await opener(path, baud);
  } catch (e) {
    throw describeOpenError(path, e);
  }
  return new SerialPortHal(path, baud, port, opener, o);
}
