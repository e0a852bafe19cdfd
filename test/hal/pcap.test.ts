import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLink } from '../../hal/loopback.js';
import { withPcap } from '../../hal/pcap.js';
import * as slip from '../../src/wire/slip.js';
import * as ipv4 from '../../src/wire/ipv4.js';
import * as icmp from '../../src/wire/icmp.js';
import * as udp from '../../src/wire/udp.js';

const A = ipv4.addr(192, 0, 2, 1);
const B = ipv4.addr(192, 0, 2, 2);

/** An IPv4 ICMP echo request carrying `data`. */
function echoRequest(src: number, dst: number, ident: number, seq: number, data: number[]): Uint8Array {
  const pkt = new Uint8Array(20 + 8 + data.length);
  pkt.set(data, 28);
  const ic = new icmp.IcmpRepr();
  ic.type = icmp.ECHO_REQUEST;
  ic.ident = ident;
  ic.seqNo = seq;
  ic.dataLen = data.length;
  const ip = new ipv4.Ipv4Repr();
  ip.src = src;
  ip.dst = dst;
  ip.protocol = ipv4.PROTO_ICMP;
  ip.payloadLen = icmp.emit(ic, pkt, 20);
  ipv4.emit(ip, pkt, 0);
  return pkt;
}

/** An IPv4 UDP datagram carrying `data`. */
function udpDatagram(src: number, dst: number, sport: number, dport: number, data: number[]): Uint8Array {
  const pkt = new Uint8Array(20 + 8 + data.length);
  pkt.set(data, 28);
  const u = new udp.UdpRepr();
  u.srcPort = sport;
  u.dstPort = dport;
  u.payloadLen = data.length;
  const ip = new ipv4.Ipv4Repr();
  ip.src = src;
  ip.dst = dst;
  ip.protocol = ipv4.PROTO_UDP;
  ip.payloadLen = udp.emit(u, pkt, 20, src, dst);
  ipv4.emit(ip, pkt, 0);
  return pkt;
}

/** SLIP-encode a packet into a fresh buffer. */
function slipFrame(pkt: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 * pkt.length + 2);
  return out.slice(0, slip.encode(pkt, 0, pkt.length, out, 0));
}

/** A sink that keeps a copy of every byte. */
function collector() {
  const parts: number[] = [];
  const sink = (buf: Uint8Array, off: number, len: number) => {
    for (let i = 0; i < len; i++) parts.push(buf[off + i]);
  };
  return { sink, bytes: () => Uint8Array.from(parts) };
}

interface PcapRecord {
  timeMs: number;
  capLen: number;
  origLen: number;
  data: number[];
}

/** Parse a little-endian microsecond pcap file. */
function parsePcap(file: Uint8Array) {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const header = {
    magic: dv.getUint32(0, true),
    major: dv.getUint16(4, true),
    minor: dv.getUint16(6, true),
    snaplen: dv.getUint32(16, true),
    linktype: dv.getUint32(20, true),
  };
  const records: PcapRecord[] = [];
  let o = 24;
  while (o < file.length) {
    const capLen = dv.getUint32(o + 8, true);
    records.push({
      timeMs: dv.getUint32(o, true) * 1000 + dv.getUint32(o + 4, true) / 1000,
      capLen,
      origLen: dv.getUint32(o + 12, true),
      data: Array.from(file.subarray(o + 16, o + 16 + capLen)),
    });
    o += 16 + capLen;
  }
  expect(o).toBe(file.length);
  return { header, records };
}

describe('withPcap', () => {
  it('writes the global header at creation', () => {
    const link = createLink({});
    const c = collector();
    withPcap(link.a, c.sink, 296);
    const { header, records } = parsePcap(c.bytes());
    expect(header).toEqual({ magic: 0xa1b2c3d4, major: 2, minor: 4, snaplen: 296, linktype: 101 });
    expect(records).toEqual([]);
  });

  it('records each IP packet both ways, timestamped with the clock, and forwards everything', () => {
    const link = createLink({ baud: 115200, latencyMs: 2 });
    const c = collector();
    const a = withPcap(link.a, c.sink, 1500);
    // b answers every frame with a UDP datagram.
    const reply = udpDatagram(B, A, 7, 40000, [104, 101, 108, 108, 111]);
    link.b.setReceiver(() => {
      const f = slipFrame(reply);
      link.b.write(f, 0, f.length);
    });
    const seen: number[] = [];
    a.setReceiver((buf, off, len) => {
      for (let i = 0; i < len; i++) seen.push(buf[off + i]);
    });
    // The payload contains END and ESC, so the frame carries escapes the wrapper must undo.
    const ping = echoRequest(A, B, 1, 0, [0xc0, 0xdb, 1, 2, 0xc0]);
    const f = slipFrame(ping);
    link.advance(10);
    a.write(f, 0, f.length);
    link.advance(1000);
    const { records } = parsePcap(c.bytes());
    expect(records).toHaveLength(2);
    expect(records[0].data).toEqual(Array.from(ping));
    expect(records[0].capLen).toBe(ping.length);
    expect(records[0].origLen).toBe(ping.length);
    expect(records[0].timeMs).toBeCloseTo(10, 3);
    const txMs = (f.length * 10 / 115200) * 1000;
    const rxMs = (slipFrame(reply).length * 10 / 115200) * 1000;
    expect(records[1].data).toEqual(Array.from(reply));
    expect(records[1].timeMs).toBeCloseTo(10 + txMs + 2 + rxMs + 2, 3);
    // The wrapper is transparent: the receiver saw the raw SLIP bytes.
    expect(seen).toEqual(Array.from(slipFrame(reply)));
    expect(a.now()).toBe(link.a.now());
    expect(link.stats.bytesA).toBe(f.length);
  });

  it('records packets whose frames arrive in small chunks, and skips frames SLIP rejects', () => {
    const link = createLink({ rxChunk: 3 });
    const c = collector();
    const b = withPcap(link.b, c.sink, 1500);
    let chunks = 0;
    b.setReceiver(() => { chunks++; });
    const p1 = udpDatagram(A, B, 1000, 2000, [1, 2, 3, 0xdb, 4]);
    const p2 = echoRequest(A, B, 7, 9, []);
    const f1 = slipFrame(p1);
    const bad = new Uint8Array([0xc0, 0x45, 0xdb, 0x01, 0x00, 0xc0]); // ESC + invalid byte
    const f2 = slipFrame(p2);
    link.a.write(f1, 0, f1.length);
    link.a.write(bad, 0, bad.length);
    link.a.write(f2, 0, f2.length);
    link.advance(1000);
    const { records } = parsePcap(c.bytes());
    expect(records.map((r) => r.data)).toEqual([Array.from(p1), Array.from(p2)]);
    expect(chunks).toBe(Math.ceil(f1.length / 3) + 2 + Math.ceil(f2.length / 3));
  });

  it('produces a file tshark reads without errors (when tshark is installed)', () => {
    const link = createLink({ latencyMs: 1 });
    const c = collector();
    const a = withPcap(link.a, c.sink, 1500);
    link.b.setReceiver(() => {
      const f = slipFrame(echoRequest(B, A, 2, 3, [9, 9, 9]));
      link.b.write(f, 0, f.length);
    });
    for (let i = 0; i < 3; i++) {
      const f = slipFrame(udpDatagram(A, B, 45000 + i, 40000, [i, i, i]));
      a.write(f, 0, f.length);
      link.advance(link.now() + 50);
    }
    const file = c.bytes();
    expect(parsePcap(file).records).toHaveLength(6);
    let tshark = '';
    try {
      tshark = execFileSync('which', ['tshark'], { encoding: 'utf8' }).trim();
    } catch {
      tshark = '';
    }
    if (tshark === '') {
      console.warn('tshark is not installed: skipping the tshark read check');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'slipstack-pcap-'));
    try {
      const path = join(dir, 'f.pcap');
      writeFileSync(path, file);
      const out = execFileSync(tshark, ['-r', path], { encoding: 'utf8' });
      expect(out.trim().split('\n')).toHaveLength(6);
      expect(out).toContain('UDP');
      expect(out).toContain('ICMP');
      // With checksum validation on, tshark flags nothing.
      const checked = execFileSync(tshark, [
        '-r', path, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
        '-V',
      ], { encoding: 'utf8' });
      expect(checked).not.toMatch(/incorrect|malformed|bad checksum/i);
      expect(checked).toContain('[Checksum Status: Good]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
