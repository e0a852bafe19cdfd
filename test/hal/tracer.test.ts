import { describe, it, expect } from 'vitest';
import { createLink } from '../../hal/loopback.js';
import { withTracer, describePacket } from '../../hal/tracer.js';
import * as slip from '../../src/wire/slip.js';
import * as ipv4 from '../../src/wire/ipv4.js';
import * as icmp from '../../src/wire/icmp.js';
import * as udp from '../../src/wire/udp.js';
import * as tcp from '../../src/wire/tcp.js';

const A = ipv4.addr(192, 0, 2, 1);
const B = ipv4.addr(192, 0, 2, 2);

/** Wrap a transport payload of `l4len` octets (already at 20) in an IPv4 header. */
function ip(pkt: Uint8Array, src: number, dst: number, protocol: number, l4len: number): Uint8Array {
  const r = new ipv4.Ipv4Repr();
  r.src = src;
  r.dst = dst;
  r.protocol = protocol;
  r.payloadLen = l4len;
  ipv4.emit(r, pkt, 0);
  return pkt;
}

function icmpPacket(src: number, dst: number, type: number, code: number, ident: number, seq: number, data: Uint8Array): Uint8Array {
  const pkt = new Uint8Array(28 + data.length);
  pkt.set(data, 28);
  const r = new icmp.IcmpRepr();
  r.type = type;
  r.code = code;
  r.ident = ident;
  r.seqNo = seq;
  r.dataLen = data.length;
  return ip(pkt, src, dst, ipv4.PROTO_ICMP, icmp.emit(r, pkt, 20));
}

function udpPacket(src: number, dst: number, sport: number, dport: number, data: number[]): Uint8Array {
  const pkt = new Uint8Array(28 + data.length);
  pkt.set(data, 28);
  const r = new udp.UdpRepr();
  r.srcPort = sport;
  r.dstPort = dport;
  r.payloadLen = data.length;
  return ip(pkt, src, dst, ipv4.PROTO_UDP, udp.emit(r, pkt, 20, src, dst));
}

function tcpPacket(src: number, dst: number, fill: (r: tcp.TcpRepr) => void, data: number[]): Uint8Array {
  const r = new tcp.TcpRepr();
  fill(r);
  r.payloadLen = data.length;
  const hl = tcp.headerLen(r);
  const pkt = new Uint8Array(20 + hl + data.length);
  pkt.set(data, 20 + hl);
  return ip(pkt, src, dst, ipv4.PROTO_TCP, tcp.emit(r, pkt, 20, src, dst));
}

function slipFrame(pkt: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 * pkt.length + 2);
  return out.slice(0, slip.encode(pkt, 0, pkt.length, out, 0));
}

const describe1 = (p: Uint8Array) => describePacket(p, 0, p.length);

describe('describePacket', () => {
  it('ICMP echo request and reply', () => {
    const req = icmpPacket(B, A, icmp.ECHO_REQUEST, 0, 1, 0, new Uint8Array(56));
    expect(describe1(req)).toBe('192.0.2.2 > 192.0.2.1 ICMP echo request id=1 seq=0 len=64');
    const rep = icmpPacket(A, B, icmp.ECHO_REPLY, 0, 0x1234, 65535, new Uint8Array(0));
    expect(describe1(rep)).toBe('192.0.2.1 > 192.0.2.2 ICMP echo reply id=4660 seq=65535 len=8');
  });

  it('ICMP errors name the code and the offending datagram', () => {
    const orig = udpPacket(B, A, 40000, 9, [1, 2, 3]);
    const err = icmpPacket(A, B, icmp.DEST_UNREACH, icmp.PORT_UNREACH, 0, 0, orig.slice(0, 28));
    expect(describe1(err)).toBe(
      '192.0.2.1 > 192.0.2.2 ICMP dest unreachable (port) len=36 for 192.0.2.2 > 192.0.2.1 UDP',
    );
  });

  it('UDP', () => {
    const p = udpPacket(A, B, 7, 40000, [104, 101, 108, 108, 111]);
    expect(describe1(p)).toBe('192.0.2.1 > 192.0.2.2 UDP 7 > 40000 len=5');
  });

  it('TCP with packetdrill flags, unsigned sequence numbers and the MSS option', () => {
    const synAck = tcpPacket(A, B, (r) => {
      r.srcPort = 80;
      r.dstPort = 1234;
      r.flags = tcp.SYN | tcp.ACK;
      r.seq = 0xfffffff0 | 0;
      r.ack = 1001;
      r.window = 536;
      r.mss = 256;
    }, []);
    expect(describe1(synAck)).toBe(
      '192.0.2.1 > 192.0.2.2 TCP 80 > 1234 [S.] seq=4294967280 ack=1001 win=536 len=0 <mss 256>',
    );
    const syn = tcpPacket(B, A, (r) => {
      r.srcPort = 1234;
      r.dstPort = 80;
      r.flags = tcp.SYN;
      r.seq = 1000;
      r.window = 8192;
    }, []);
    // No ACK flag: the ack field means nothing, so it is not printed.
    expect(describe1(syn)).toBe('192.0.2.2 > 192.0.2.1 TCP 1234 > 80 [S] seq=1000 win=8192 len=0');
    const data = tcpPacket(B, A, (r) => {
      r.srcPort = 1234;
      r.dstPort = 80;
      r.flags = tcp.PSH | tcp.ACK;
      r.seq = 1001;
      r.ack = 2;
      r.window = 100;
    }, [1, 2, 3, 4]);
    expect(describe1(data)).toBe('192.0.2.2 > 192.0.2.1 TCP 1234 > 80 [P.] seq=1001 ack=2 win=100 len=4');
  });

  it('marks bad checksums and bad options, and still decodes the fields', () => {
    const p = udpPacket(A, B, 1, 2, [1, 2]);
    p[29] ^= 0xff; // payload byte: UDP checksum now wrong
    expect(describe1(p)).toBe('192.0.2.1 > 192.0.2.2 UDP 1 > 2 len=2 [bad cksum]');
    const q = udpPacket(A, B, 1, 2, [1, 2]);
    q[8] = 1; // TTL: IP header checksum now wrong
    expect(describe1(q)).toBe('192.0.2.1 > 192.0.2.2 UDP 1 > 2 len=2 [bad ip cksum]');
    const t = tcpPacket(A, B, (r) => {
      r.srcPort = 1;
      r.dstPort = 2;
      r.flags = tcp.ACK;
      r.mss = 536;
    }, []);
    t[20 + 21] = 1; // MSS option length 1: malformed (bad-input class 1)
    tcp.fillChecksum(t, 20, t.length - 20, A, B);
    expect(describe1(t)).toBe('192.0.2.1 > 192.0.2.2 TCP 1 > 2 [.] seq=0 ack=0 win=0 len=0 [bad options]');
    t[20 + 21] = 4;
    expect(describe1(t)).toContain('[bad cksum]');
  });

  it('reports malformed IP and transport headers by reason, never throws', () => {
    expect(describePacket(new Uint8Array(10), 0, 10)).toBe('IPv4 truncated len=10');
    const v6 = new Uint8Array(40);
    v6[0] = 0x60;
    expect(describe1(v6)).toBe('IPv4 version len=40');
    const long = udpPacket(A, B, 1, 2, [1]);
    expect(describePacket(long, 0, 25)).toBe('IPv4 length len=25');
    const shortUdp = new Uint8Array(24);
    ip(shortUdp, A, B, ipv4.PROTO_UDP, 4);
    expect(describe1(shortUdp)).toBe('192.0.2.1 > 192.0.2.2 UDP truncated len=4');
    const shortIcmp = new Uint8Array(24);
    ip(shortIcmp, A, B, ipv4.PROTO_ICMP, 4);
    expect(describe1(shortIcmp)).toBe('192.0.2.1 > 192.0.2.2 ICMP truncated len=4');
    const badTcp = new Uint8Array(40);
    ip(badTcp, A, B, ipv4.PROTO_TCP, 20);
    badTcp[32] = 0x40; // data offset 4 (bad-input class 4)
    expect(describe1(badTcp)).toBe('192.0.2.1 > 192.0.2.2 TCP header-len len=20');
    for (let n = 0; n < 300; n++) {
      const junk = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      if (n > 0) junk[0] = 0x45;
      expect(typeof describePacket(junk, 0, n)).toBe('string');
    }
  });

  it('fragments: first fragment decoded, later ones only named', () => {
    const first = udpPacket(A, B, 5, 6, [1, 2, 3, 4]);
    first[6] = 0x20; // MF
    ipv4.fillChecksum(first, 0);
    expect(describe1(first)).toBe('192.0.2.1 > 192.0.2.2 frag id=0 off=0 MF UDP 5 > 6 len=4');
    const later = udpPacket(A, B, 5, 6, [1, 2, 3, 4]);
    later[4] = 0x12;
    later[5] = 0x34;
    later[7] = 3; // offset 3 * 8 octets
    ipv4.fillChecksum(later, 0);
    expect(describe1(later)).toBe('192.0.2.1 > 192.0.2.2 frag id=4660 off=24 UDP len=12');
  });

  it('other protocols', () => {
    const p = new Uint8Array(24);
    ip(p, A, B, 47, 4);
    expect(describe1(p)).toBe('192.0.2.1 > 192.0.2.2 proto 47 len=4');
  });
});

describe('withTracer', () => {
  it('prints one line per packet each way, with the clock, label and direction', () => {
    const link = createLink({ baud: 10000, latencyMs: 2, rxChunk: 5 });
    const lines: string[] = [];
    const a = withTracer(link.a, (l) => lines.push(l), 1500, 'A');
    const reply = slipFrame(udpPacket(B, A, 7, 40000, [104, 101, 108, 108, 111]));
    let replied = false;
    link.b.setReceiver(() => {
      if (replied) return;
      replied = true;
      link.b.write(reply, 0, reply.length);
    });
    let got = 0;
    a.setReceiver((buf, off, len) => {
      got += len;
    });
    const ping = slipFrame(icmpPacket(A, B, icmp.ECHO_REQUEST, 0, 1, 0, new Uint8Array(56)));
    link.advance(12.3454);
    a.write(ping, 0, ping.length);
    link.advance(1000);
    // 1 ms per byte at 10000 baud: the ping arrives at 12.3454 + its length + 2 ms, the
    // reply its own length + 2 ms later.
    const back = 12.3454 + ping.length + 2 + reply.length + 2;
    expect(lines).toEqual([
      '12.345 ms  A>  192.0.2.1 > 192.0.2.2 ICMP echo request id=1 seq=0 len=64',
      back.toFixed(3) + ' ms  A<  192.0.2.2 > 192.0.2.1 UDP 7 > 40000 len=5',
    ]);
    expect(got).toBe(reply.length);
    expect(a.now()).toBe(1000);
    expect(a.random32()).toBe(createLink({}).a.random32());
  });

  it('reports frames the SLIP decoder drops', () => {
    const link = createLink({});
    const lines: string[] = [];
    const b = withTracer(link.b, (l) => lines.push(l), 64, 'B');
    b.setReceiver(() => {});
    const bad = new Uint8Array([0xc0, 0x45, 0xdb, 0x01, 0x00, 0xc0]);
    link.a.write(bad, 0, bad.length);
    const big = slipFrame(udpPacket(A, B, 1, 2, new Array(100).fill(7)));
    link.a.write(big, 0, big.length);
    link.advance(100);
    expect(lines.map((l) => l.replace(/^[0-9.]+ ms {2}/, ''))).toEqual([
      'B<  SLIP drop (bad escape) x1',
      'B<  SLIP drop (frame longer than mtu) x1',
    ]);
  });
});
