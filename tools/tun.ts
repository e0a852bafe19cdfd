// subset: host-only
/**
 * A Linux TUN device from Node: the kernel hands us every IP packet routed to the device,
 * and every packet we write is received by the kernel as if it came in on that device.
 *
 * Contract:
 * - `openTun(name)` opens `/dev/net/tun`, attaches the file to the TUN interface `name` with
 *   the TUNSETIFF ioctl (creating the interface if it does not exist, in the network
 *   namespace of the calling process, so it works under `ip netns exec NS`), and returns a
 *   `Tun`. Flags IFF_TUN | IFF_NO_PI: layer-3 packets with no 4-octet packet-information
 *   header, so a packet is exactly what a SLIP frame carries (RFC 1055).
 * - `start(onPacket)` delivers every packet the kernel sends, one call per packet (a read of
 *   a TUN file returns exactly one packet), on the main thread. `write` injects one packet.
 * - Errors become a `TunError` with one line for the user (no /dev/net/tun, not root, the
 *   name is taken by a non-TUN interface...).
 * - An interface created here is not persistent: it disappears when the file is closed.
 *   Configure it (address, mtu, up) with `ip` after opening; see tools/bridge.ts.
 * - `close()` stops delivery at once and closes the file within `POLL_MS`.
 *
 * Why koffi, and for what: Node cannot call ioctl(2) by itself, and TUNSETIFF is the only way
 * to bind the file to an interface. koffi is an FFI package that ships prebuilt binaries, so
 * nothing is compiled at install time. It binds two functions of the C library:
 * - `ioctl`, declared variadic as in <sys/ioctl.h>, called once with the `struct ifreq` in a
 *   Buffer (koffi passes a Buffer as a pointer to its bytes);
 * - `poll`, called through koffi's `async` (on a worker thread) to wait until the file is
 *   readable, with a timeout of POLL_MS so the wait always ends soon.
 * The file is opened O_NONBLOCK and read on the main thread with fs.readSync until EAGAIN.
 * Why not a plain blocking fs.read: it parks a libuv thread-pool thread in read(2) until a
 * packet arrives, and at exit libuv joins its pool threads, so process.exit() then hangs
 * until the kernel happens to send a packet (measured: a bridge with an idle TUN never
 * exited). A bounded poll keeps every wait short.
 */
import { openSync, closeSync, readSync, writeSync, constants } from 'node:fs';
import { endianness } from 'node:os';

/** TUNSETIFF = _IOW('T', 202, int) from <linux/if_tun.h>. */
export const TUNSETIFF = 0x400454ca;
/** IFF_TUN: layer-3 device (IP packets, no Ethernet header). */
export const IFF_TUN = 0x0001;
/** IFF_NO_PI: no struct tun_pi (flags + protocol) before each packet. */
export const IFF_NO_PI = 0x1000;
/** IFNAMSIZ: interface names are at most 15 characters plus a NUL. */
export const IFNAMSIZ = 16;
/** The longest wait in one poll(2), ms: bounds how long close() and exit take. */
export const POLL_MS = 200;
/** sizeof(struct ifreq) is 40 on 64-bit Linux (32 on 32-bit): the 16-octet name, then a union. */
const IFREQ_SIZE = 40;
/** Offset of ifr_flags (a C short) in struct ifreq: right after the name. */
const IFR_FLAGS = 16;
/** struct pollfd { int fd; short events; short revents; } */
const POLLFD_SIZE = 8;
/** POLLIN from <poll.h>: there is data to read. */
const POLLIN = 0x0001;

/** A TUN device could not be opened; the message is one line for the user. */
export class TunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TunError';
  }
}

/** An open TUN device. */
export interface Tun {
  /** The interface name. */
  readonly name: string;
  /** The file descriptor (for tests and diagnostics). */
  readonly fd: number;
  /** Deliver each packet the kernel sends as onPacket(buf, len); buf is reused after the call. onError gets a failed read. */
  start(onPacket: (buf: Uint8Array, len: number) => void, onError: (e: Error) => void): void;
  /** Hand one IP packet buf[off, off+len) to the kernel; throws the system error (EINVAL for a non-IP packet). */
  write(buf: Uint8Array, off: number, len: number): void;
  /** Stop delivering; the file is closed within POLL_MS (a non-persistent interface then disappears). */
  close(): Promise<void>;
}

/** The C functions, bound once on first use. */
interface Libc {
  ioctl: (fd: number, request: number, argType: string, arg: Buffer) => number;
  pollAsync: (fds: Buffer, nfds: number, timeout: number, cb: (err: unknown, res: number) => void) => void;
  errno: () => number;
}
let libc: Libc | null = null;

/** Load koffi and bind ioctl and poll from the C library (glibc's soname first, then the process's own symbols). */
async function bindLibc(): Promise<Libc> {
  if (libc !== null) return libc;
  let koffi: typeof import('koffi');
  try {
    const mod = await import('koffi');
    koffi = ((mod as unknown as { default?: typeof import('koffi') }).default ?? mod) as typeof import('koffi');
  } catch (e) {
    throw new TunError('cannot load koffi (needed for the TUNSETIFF ioctl): ' + (e as Error).message);
  }
  let lib;
  try {
    lib = koffi.load('libc.so.6');
  } catch {
    try {
      lib = koffi.load(null as unknown as string); // musl and others: the symbols already in the process
    } catch (e) {
      throw new TunError('cannot load the C library for ioctl: ' + (e as Error).message);
    }
  }
  // ioctl is variadic in <sys/ioctl.h>: each extra argument is passed as a (type, value) pair.
  const ioctl = lib.func('int ioctl(int fd, unsigned long request, ...)');
  const poll = lib.func('int poll(void *fds, unsigned long nfds, int timeout)');
  libc = {
    ioctl: ioctl as unknown as Libc['ioctl'],
    pollAsync: (poll as unknown as { async: Libc['pollAsync'] }).async,
    errno: function () { return koffi.errno(); },
  };
  return libc;
}

/** One line for an errno from TUNSETIFF. */
function ioctlMessage(name: string, errno: number): string {
  switch (errno) {
    case 1: return 'cannot create TUN device ' + name + ': operation not permitted (needs root or CAP_NET_ADMIN)';
    case 16: return 'cannot attach to TUN device ' + name + ': device is busy (another program has it open)';
    case 22: return 'cannot create TUN device ' + name + ': invalid argument (is "' + name + '" an existing interface of another kind?)';
    default: return 'cannot create TUN device ' + name + ': ioctl TUNSETIFF failed with errno ' + errno;
  }
}

/** Open (creating if needed) the TUN interface `name`; rejects with a TunError. */
export async function openTun(name: string): Promise<Tun> {
  if (name.length === 0 || name.length >= IFNAMSIZ || !/^[A-Za-z0-9_.:-]+$/.test(name)) {
    throw new TunError('bad TUN device name "' + name + '" (1..15 letters, digits, _ . : -)');
  }
  const c = await bindLibc();
  let fd: number;
  try {
    fd = openSync('/dev/net/tun', constants.O_RDWR | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TunError('cannot open /dev/net/tun: no such device (is the tun module loaded?)');
    if (code === 'EACCES' || code === 'EPERM') throw new TunError('cannot open /dev/net/tun: permission denied (run as root)');
    throw new TunError('cannot open /dev/net/tun: ' + (e as Error).message);
  }
  const le = endianness() === 'LE';
  const ifr = Buffer.alloc(IFREQ_SIZE);
  ifr.write(name, 0, 'latin1');
  // ifr_flags is a C short in the host's byte order.
  if (le) ifr.writeInt16LE(IFF_TUN | IFF_NO_PI, IFR_FLAGS);
  else ifr.writeInt16BE(IFF_TUN | IFF_NO_PI, IFR_FLAGS);
  if (c.ioctl(fd, TUNSETIFF, 'void *', ifr) < 0) {
    const errno = c.errno();
    closeSync(fd);
    throw new TunError(ioctlMessage(name, errno));
  }
  const pollfd = Buffer.alloc(POLLFD_SIZE);
  if (le) {
    pollfd.writeInt32LE(fd, 0);
    pollfd.writeInt16LE(POLLIN, 4);
  } else {
    pollfd.writeInt32BE(fd, 0);
    pollfd.writeInt16BE(POLLIN, 4);
  }
  const rxBuf = new Uint8Array(65536);
  let running = false;
  let closing = false;
  let fdClosed = false;
  let polling = false;
  let onClosed: (() => void) | null = null;

  function closeFd(): void {
    if (fdClosed) return;
    fdClosed = true;
    closeSync(fd);
    if (onClosed !== null) onClosed();
  }

  return {
    name: ifr.toString('latin1', 0, IFNAMSIZ).replace(/\0[\s\S]*$/, ''),
    fd: fd,
    start(onPacket: (buf: Uint8Array, len: number) => void, onError: (e: Error) => void): void {
      if (running) return;
      running = true;
      /** Read every packet waiting (non-blocking), then wait for more. */
      function drain(): void {
        while (!closing) {
          let n: number;
          try {
            n = readSync(fd, rxBuf, 0, rxBuf.length, null);
          } catch (e) {
            const err = e as NodeJS.ErrnoException;
            if (err.code === 'EAGAIN') break;
            // EBADFD (77): the kernel detached the file, e.g. `ip link del` removed the interface.
            onError(err.errno === -77 ? new Error('the interface was deleted') : err);
            return;
          }
          if (n > 0) onPacket(rxBuf, n);
        }
        if (closing) {
          closeFd();
          return;
        }
        polling = true;
        c.pollAsync(pollfd, 1, POLL_MS, function () {
          polling = false;
          // Readable, timed out or interrupted: draining again sorts it out.
          drain();
        });
      }
      drain();
    },
    write(buf: Uint8Array, off: number, len: number): void {
      writeSync(fd, buf, off, len);
    },
    close(): Promise<void> {
      closing = true;
      if (fdClosed) return Promise.resolve();
      // A poll in flight still uses the file: close it when the poll returns (within POLL_MS).
      if (!polling) {
        closeFd();
        return Promise.resolve();
      }
      return new Promise<void>(function (resolve) { onClosed = resolve; });
    },
  };
}
