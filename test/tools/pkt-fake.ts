/**
 * A small scripted fake of the stack's TCP API (src/stack.ts), for testing the
 * packetdrill runner before (and independently of) the real TCP: one listener, one
 * connection, in-order data only, SYN(-ACK) retransmission on a doubling timer, RSTs for
 * closed ports. It speaks through the same HAL path as the real stack (SLIP in, SLIP out) and
 * builds its segments with the wire codecs. Knobs make it misbehave in chosen ways so the
 * runner's detection of each divergence can be tested. Test-only; allocates freely.
 */
import type { Hal } from '../../src/hal.js';
import * as ipv4 from '../../src/wire/ipv4.js';
import * as tcp from '../../src/wire/tcp.js';
import * as slip from '../../src/wire/slip.js';
import type { TcpStack } from '../../tools/pkt/run.js';

/** How the fake behaves. */
export interface FakeKnobs {
  /** Our ISS (int32); default 0x01020304. */
  iss?: number;
  /** Window we advertise; default 1024. */
  win?: number;
  /** ms between a SYN and our SYN-ACK; default 0. */
  synAckDelay?: number;
  /** Initial retransmission timeout, ms; default 1000. */
  rto?: number;
  /** Misbehave: send an extra pure ACK when the passive handshake completes. */
  extraAck?: boolean;
  /** Misbehave: flip the first payload octet of every data segment we send. */
  corruptPayload?: boolean;
  /** Misbehave: hand corrupted bytes to tcpRead. */
  corruptRead?: boolean;
  /** Misbehave: send our SYN-ACK without the MSS option. */
  noMss?: boolean;
}

/** Thrown for API misuse, like TcpError: carries an errno code. */
class FakeTcpError extends Error {
  code: number;
  constructor(code: number, msg: string) {
    super(msg);
    this.code = code;
  }
}

type State = 'closed' | 'listen' | 'syn-sent' | 'syn-received' | 'established' | 'fin-wait-1' | 'fin-wait-2' | 'close-wait' | 'last-ack' | 'time-wait';

/** The fake's factory, with its knobs, in the shape runScript's `createStack` wants. */
export function fakeStack(knobs: FakeKnobs = {}) {
  return (config: Record<string, unknown>, hal: Hal): TcpStack & { state(): State } => new FakeStack(config, hal, knobs);
}

class FakeStack implements TcpStack {
  private hal: Hal;
  private k: Required<FakeKnobs>;
  private addr: number;
  private mss: number;
  private st: State = 'closed';
  private listenPort = 0;
  private localPort = 0;
  private peer = 0;
  private peerPort = 0;
  private sndUna = 0;
  private sndNxt = 0;
  private rcvNxt = 0;
  private rx: number[] = [];
  private eof = false;
  private reset = false;
  private error = 0;
  private acceptable = false;
  /** One timer: what it does and when. */
  private timerAt = Infinity;
  private timerWhat: 'synack' | 'delayed-synack' | 'syn' | '' = '';
  private rto: number;
  private dec: slip.SlipDecoder;

  constructor(config: Record<string, unknown>, hal: Hal, knobs: FakeKnobs) {
    this.hal = hal;
    this.k = {
      iss: knobs.iss ?? 0x01020304, win: knobs.win ?? 1024, synAckDelay: knobs.synAckDelay ?? 0, rto: knobs.rto ?? 1000,
      extraAck: !!knobs.extraAck, corruptPayload: !!knobs.corruptPayload, corruptRead: !!knobs.corruptRead, noMss: !!knobs.noMss,
    };
    this.rto = this.k.rto;
    this.addr = ipv4.parseAddr(String(config.addr)) as number;
    this.mss = Number(config.mtu) - 40;
    this.dec = new slip.SlipDecoder(1500, (buf, len) => this.input(buf.slice(0, len)));
    hal.setReceiver((buf, off, len) => this.dec.push(buf, off, len));
  }

  state(): State {
    return this.st;
  }

  // ---- output ------------------------------------------------------------------------

  private send(flags: number, seq: number, ack: number, data: Uint8Array | null, dstPort = this.peerPort, srcPort = this.localPort, dst = this.peer): void {
    const n = data ? data.length : 0;
    const r = new tcp.TcpRepr();
    r.srcPort = srcPort; r.dstPort = dstPort; r.seq = seq | 0; r.ack = ack | 0; r.flags = flags;
    r.window = flags & tcp.RST ? 0 : this.k.win - this.rx.length;
    r.mss = (flags & tcp.SYN) && !this.k.noMss ? this.mss : 0;
    r.payloadLen = n;
    const hl = tcp.headerLen(r);
    const p = new Uint8Array(20 + hl + n);
    if (data) {
      p.set(data, 20 + hl);
      if (this.k.corruptPayload && n > 0) p[20 + hl] ^= 0xff;
    }
    const tl = tcp.emit(r, p, 20, this.addr, dst);
    const ip = new ipv4.Ipv4Repr();
    ip.src = this.addr; ip.dst = dst; ip.protocol = ipv4.PROTO_TCP; ip.payloadLen = tl;
    ipv4.emit(ip, p, 0);
    const f = new Uint8Array(2 * p.length + 2);
    this.hal.write(f, 0, slip.encode(p, 0, p.length, f, 0));
  }

  private sendSynAck(): void {
    this.send(tcp.SYN | tcp.ACK, this.k.iss, this.rcvNxt, null);
  }

  private arm(what: 'synack' | 'delayed-synack' | 'syn', at: number): void {
    this.timerWhat = what;
    this.timerAt = at;
  }

  // ---- input -------------------------------------------------------------------------

  private input(p: Uint8Array): void {
    const ip = new ipv4.Ipv4Repr();
    if (ipv4.parseInto(ip, p, 0, p.length) !== 0 || ip.protocol !== ipv4.PROTO_TCP || ip.dst !== this.addr) return;
    const s = new tcp.TcpRepr();
    if (tcp.parseInto(s, p, 20, ip.payloadLen, ip.src, ip.dst) !== 0) return;
    const data = p.slice(20 + s.headerLen, 20 + s.headerLen + s.payloadLen);
    const f = s.flags;
    const mine = this.st !== 'closed' && s.dstPort === (this.st === 'listen' ? this.listenPort : this.localPort);
    if (!mine) {
      // RFC 9293 §3.10.7.1: a closed port answers anything but a RST with a RST.
      if (f & tcp.RST) return;
      const segLen = s.payloadLen + (f & tcp.SYN ? 1 : 0) + (f & tcp.FIN ? 1 : 0);
      if (f & tcp.ACK) this.send(tcp.RST, s.ack, 0, null, s.srcPort, s.dstPort, ip.src);
      else this.send(tcp.RST | tcp.ACK, 0, s.seq + segLen, null, s.srcPort, s.dstPort, ip.src);
      return;
    }
    if (this.st === 'listen') {
      if ((f & tcp.SYN) && !(f & tcp.ACK)) {
        this.peer = ip.src; this.peerPort = s.srcPort; this.localPort = this.listenPort;
        this.rcvNxt = (s.seq + 1) | 0;
        this.sndUna = this.k.iss; this.sndNxt = (this.k.iss + 1) | 0;
        this.st = 'syn-received';
        if (this.k.synAckDelay > 0) this.arm('delayed-synack', this.hal.now() + this.k.synAckDelay);
        else { this.sendSynAck(); this.arm('synack', this.hal.now() + this.rto); }
      }
      return;
    }
    if (f & tcp.RST) {
      if (this.st === 'syn-sent' && s.ack === this.sndNxt) { this.st = 'closed'; this.error = 111; this.timerAt = Infinity; }
      else if (s.seq === this.rcvNxt) { this.st = 'closed'; this.error = 104; this.reset = true; this.timerAt = Infinity; }
      return;
    }
    if (this.st === 'syn-sent') {
      if ((f & tcp.SYN) && (f & tcp.ACK) && s.ack === this.sndNxt) {
        this.rcvNxt = (s.seq + 1) | 0;
        this.sndUna = s.ack;
        this.st = 'established';
        this.timerAt = Infinity;
        this.send(tcp.ACK, this.sndNxt, this.rcvNxt, null);
      }
      return;
    }
    if (!(f & tcp.ACK)) return;
    if (this.st === 'syn-received') {
      if (s.ack !== this.sndNxt) return;
      this.st = 'established';
      this.sndUna = s.ack;
      this.timerAt = Infinity;
      this.acceptable = true;
      if (this.k.extraAck) this.send(tcp.ACK, this.sndNxt, this.rcvNxt, null);
    }
    if (((s.ack - this.sndUna) | 0) > 0 && ((s.ack - this.sndNxt) | 0) <= 0) this.sndUna = s.ack;
    if (this.st === 'fin-wait-1' && s.ack === this.sndNxt) this.st = 'fin-wait-2';
    if (this.st === 'last-ack' && s.ack === this.sndNxt) { this.st = 'closed'; return; }
    let ackNow = false;
    if (s.payloadLen > 0 && s.seq === this.rcvNxt && !this.eof) {
      for (const b of data) this.rx.push(b);
      this.rcvNxt = (this.rcvNxt + s.payloadLen) | 0;
      ackNow = true;
    }
    if ((f & tcp.FIN) && ((s.seq + s.payloadLen) | 0) === this.rcvNxt && !this.eof) {
      this.rcvNxt = (this.rcvNxt + 1) | 0;
      this.eof = true;
      ackNow = true;
      if (this.st === 'established') this.st = 'close-wait';
      else if (this.st === 'fin-wait-2') this.st = 'time-wait';
    }
    if (ackNow) this.send(tcp.ACK, this.sndNxt, this.rcvNxt, null);
  }

  // ---- the API -----------------------------------------------------------------------

  poll(now: number): number {
    if (now >= this.timerAt) {
      if (this.timerWhat === 'delayed-synack') {
        // The first SYN-ACK, sent late on purpose; then the normal retransmission timer.
        this.sendSynAck();
        this.arm('synack', now + this.rto);
      } else {
        if (this.timerWhat === 'synack') this.sendSynAck();
        else this.send(tcp.SYN, this.k.iss, 0, null);
        // RFC 6298 §5.5: double the timeout on each expiry.
        this.rto *= 2;
        this.timerAt = now + this.rto;
      }
    }
    return this.timerAt;
  }

  tcpListen(port: number, _backlog: number): number {
    if (this.st === 'listen' && this.listenPort === port) throw new FakeTcpError(98, 'port in use');
    this.st = 'listen';
    this.listenPort = port;
    return 0;
  }
  tcpUnlisten(_l: number): void {
    if (this.st === 'listen') this.st = 'closed';
  }
  tcpAccept(_l: number): number {
    if (!this.acceptable) return -11;
    this.acceptable = false;
    return 1;
  }
  tcpConnect(dst: number, dstPort: number, srcPort: number): number {
    this.peer = dst; this.peerPort = dstPort; this.localPort = srcPort;
    this.sndUna = this.k.iss; this.sndNxt = (this.k.iss + 1) | 0;
    this.st = 'syn-sent';
    this.send(tcp.SYN, this.k.iss, 0, null);
    this.arm('syn', this.hal.now() + this.rto);
    return 1;
  }
  tcpConnectFrom(_l: number, dst: number, dstPort: number): number {
    return this.tcpConnect(dst, dstPort, this.listenPort);
  }
  tcpWrite(_c: number, buf: Uint8Array, off: number, len: number): number {
    if (this.reset) return -104;
    if (this.st !== 'established' && this.st !== 'close-wait') throw new FakeTcpError(32, 'EPIPE');
    this.send(tcp.PSH | tcp.ACK, this.sndNxt, this.rcvNxt, buf.slice(off, off + len));
    this.sndNxt = (this.sndNxt + len) | 0;
    return len;
  }
  tcpRead(_c: number, buf: Uint8Array, off: number, len: number): number {
    if (this.reset) return -104;
    if (this.rx.length === 0) return this.eof ? 0 : -11;
    const n = Math.min(len, this.rx.length);
    for (let i = 0; i < n; i++) buf[off + i] = this.rx[i] ^ (this.k.corruptRead && i === n - 1 ? 1 : 0);
    this.rx.splice(0, n);
    return n;
  }
  tcpPeek(_c: number, buf: Uint8Array, off: number, len: number): number {
    if (this.reset) return -104;
    if (this.rx.length === 0) return this.eof ? 0 : -11;
    const n = Math.min(len, this.rx.length);
    for (let i = 0; i < n; i++) buf[off + i] = this.rx[i];
    return n;
  }
  tcpShutdown(c: number): void {
    this.tcpClose(c);
  }
  tcpClose(_c: number): void {
    if (this.st === 'established' || this.st === 'close-wait') {
      this.send(tcp.FIN | tcp.ACK, this.sndNxt, this.rcvNxt, null);
      this.sndNxt = (this.sndNxt + 1) | 0;
      this.st = this.st === 'established' ? 'fin-wait-1' : 'last-ack';
    } else if (this.st === 'syn-sent') {
      this.st = 'closed';
      this.timerAt = Infinity;
    }
  }
  tcpAbort(_c: number): void {
    this.send(tcp.RST | tcp.ACK, this.sndNxt, this.rcvNxt, null);
    this.st = 'closed';
  }
  tcpError(_c: number): number {
    const e = this.error;
    this.error = 0;
    return e;
  }
}
