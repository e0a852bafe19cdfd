// subset: host-only
/**
 * The deterministic measurements of bench/board.ts on Espruino, driven from the host: the peer
 * (peer.js, run in Node) makes every frame, the session's feeder hands it to the board inside
 * an instruction window, and the peer reads what the board wrote back. The same measurements
 * run inside JerryScript as measure.js (JerryScript has no IO); the payloads are the same.
 *
 * Why not in the engine as on JerryScript: the in-engine peer takes about 550 JsVars, and with
 * that little less free memory the board runs out of memory on its TCP echo path (see
 * bench/board.ts's report), so on Espruino the peer stays on the host and only the bytes go in.
 *
 * Contract: make an EspruinoMeasure on a session started with `count: true` that ran
 * installVirtualClock, loaded the bundle and loadFeeder. Each call that measures adds one
 * label to `labels` per window, in the order of the plugin's windows (a chunked delivery adds
 * its dry run, label~dry, right after it). Calls resolve with whether the board answered as
 * it should.
 */
import type { EspruinoSession } from './espruino.js';
import { nodePeer, packets } from './peer-node.js';
import type { Peer, PeerConn } from './peer-node.js';

/** The payload of n octets that measure.js uses too (SLIP's END and ESC included). */
export function payload(n: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = (i * 7 + 3) & 0xff;
  if (n > 8) {
    d[3] = 0xc0;
    d[5] = 0xdb;
  }
  return d;
}

export class EspruinoMeasure {
  readonly labels: string[] = [];
  readonly peer: Peer;
  private s: EspruinoSession;
  private seq = 1;

  constructor(s: EspruinoSession) {
    this.s = s;
    this.peer = nodePeer();
  }

  /**
   * Deliver a packet (SLIP-framed), measured under `label` if given; the board's packets back.
   * A measured chunked delivery is followed by its dry run (window label+'~dry', to subtract:
   * the chunks are cut inside the window, see ESPRUINO_GLUE).
   */
  async send(pkt: Uint8Array, chunk: number, label: string | null): Promise<Uint8Array[]> {
    const frame = this.peer.slip(pkt);
    const out = await this.s.feed(frame, chunk, label !== null);
    if (label !== null) {
      this.labels.push(label);
      if (chunk > 0) {
        await this.s.feed(frame, chunk, true, true);
        this.labels.push(label + '~dry');
      }
    }
    return packets(this.peer, out);
  }

  /** An empty window: what the window's own marks cost. */
  async calibrate(label: string): Promise<void> {
    await this.s.feed(new Uint8Array(0), 0, true);
    this.labels.push(label);
  }

  /** One ping of `size` octets; true if one intact reply came back. */
  async ping(size: number, chunk: number, label: string | null): Promise<boolean> {
    const seq = this.seq++ & 0xffff;
    const data = payload(size);
    const got = await this.send(this.peer.echoRequest(0x5353, seq, data), chunk, label);
    return got.length === 1 && isEchoReply(this.peer, got[0], seq, data);
  }

  /**
   * A ping frame delivered in three pieces, the middle one (`len` octets from octet `len`,
   * no END inside) measured: a serial chunk that completes no frame. True if still answered.
   */
  async partial(len: number, label: string): Promise<boolean> {
    const seq = this.seq++ & 0xffff;
    const data = payload(56);
    const frame = this.peer.slip(this.peer.echoRequest(0x5353, seq, data));
    await this.s.feed(frame.subarray(0, len), 0, false);
    await this.s.feed(frame.subarray(len, 2 * len), 0, true);
    this.labels.push(label);
    const got = packets(this.peer, await this.s.feed(frame.subarray(2 * len), 0, false));
    return got.length === 1 && isEchoReply(this.peer, got[0], seq, data);
  }

  /** Open a connection to the echo port; resolves with it once ESTABLISHED (else throws). */
  async open(lport: number): Promise<PeerConn> {
    const c = this.peer.tcpOpen(lport, 7);
    c.sink = () => {};
    this.take(c, await this.send(this.peer.tcpSegment(c, 0x02, null, 0, 0), 0, null));
    if (c.state !== 'ESTABLISHED') throw new Error('no SYN-ACK from the board');
    c.needAck = false;
    this.take(c, await this.send(this.peer.tcpSegment(c, 0x10, null, 0, 0), 0, null));
    return c;
  }

  /**
   * One round on an echo connection: a `size`-octet data segment (window label+'-data'), the
   * board's echo, and our ACK of it (window label+'-ack'), input split every `chunk` octets.
   * True if the whole segment came back.
   */
  async tcpRound(c: PeerConn, size: number, chunk: number, label: string): Promise<boolean> {
    const before = c.rxLen;
    this.take(c, await this.send(this.peer.tcpSegment(c, 0x18, payload(size), 0, size), chunk, label + '-data'));
    if (c.needAck) {
      c.needAck = false;
      this.take(c, await this.send(this.peer.tcpSegment(c, 0x10, null, 0, 0), chunk, label + '-ack'));
    }
    return c.rxLen - before === size;
  }

  private take(c: PeerConn, pkts: Uint8Array[]): void {
    for (const p of pkts) if (p[9] === 6) this.peer.tcpInput(c, p);
  }
}

/** An intact ICMP echo reply to our request `seq` carrying `data`. */
function isEchoReply(peer: Peer, p: Uint8Array, seq: number, data: Uint8Array): boolean {
  const hl = (p[0] & 15) * 4;
  if (p[9] !== 1 || p[hl] !== 0 || peer.get16(p, hl + 4) !== 0x5353 || peer.get16(p, hl + 6) !== seq) return false;
  if (p.length - hl - 8 !== data.length) return false;
  for (let i = 0; i < data.length; i++) if (p[hl + 8 + i] !== data[i]) return false;
  return true;
}
