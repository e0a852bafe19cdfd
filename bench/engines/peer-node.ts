// subset: host-only
/**
 * peer.js, the in-engine peer, loaded into Node: the same code plays the host end of the line
 * when the host drives the board over the REPL (Espruino, bench/board.ts), so one peer
 * serves both engines. `nodePeer()` returns a fresh peer for host 192.168.190.1 and board
 * 192.168.190.2; the types below describe what peer.js defines.
 */
import { engineSource } from './locate.js';

/** A TCP connection of the peer (fields as peer.js keeps them). */
export interface PeerConn {
  port: number;
  lport: number;
  state: string;
  sndNxt: number;
  sndUna: number;
  sndWnd: number;
  rcvNxt: number;
  rcvWnd: number;
  mss: number;
  rxLen: number;
  sink: ((buf: Uint8Array, off: number, len: number) => void) | null;
  fin: boolean;
  rst: boolean;
  needAck: boolean;
  segs: number;
}

/** What peer.js's makePeer returns. */
export interface Peer {
  frames: Uint8Array[];
  badFrames: number;
  fromBoard(bytes: Uint8Array): void;
  slip(pkt: Uint8Array): Uint8Array;
  echoRequest(id: number, seq: number, data: Uint8Array): Uint8Array;
  udp(srcPort: number, dstPort: number, data: Uint8Array): Uint8Array;
  check(p: Uint8Array): number;
  get16(b: Uint8Array, o: number): number;
  get32(b: Uint8Array, o: number): number;
  tcpOpen(lport: number, port: number): PeerConn;
  tcpSegment(c: PeerConn, flags: number, data: Uint8Array | null, off: number, len: number): Uint8Array;
  tcpInput(c: PeerConn, p: Uint8Array): boolean;
  tcpRoom(c: PeerConn): number;
  tcpReceived(c: PeerConn): Uint8Array;
}

type MakePeer = (host: number[], board: number[]) => Peer;
let make: MakePeer | null = null;

/** A fresh peer (peer.js evaluated once per process). */
export function nodePeer(): Peer {
  if (make === null) make = new Function(engineSource('peer.js') + '\nreturn makePeer;')() as MakePeer;
  return make([192, 168, 190, 1], [192, 168, 190, 2]);
}

/** The checked IP packets in a list of board writes. */
export function packets(peer: Peer, writes: Uint8Array[]): Uint8Array[] {
  for (const w of writes) peer.fromBoard(w);
  const got = peer.frames.filter((p) => peer.check(p) >= 0);
  peer.frames = [];
  return got;
}
