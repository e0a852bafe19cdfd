import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createStack } from '../src/stack.js';
import * as E from '../src/errno.js';
import type { Stack } from '../src/stack.js';
import * as stats from '../src/stats.js';
import * as C from '../src/tcp/constants.js';
import * as ipv4 from '../src/wire/ipv4.js';
import * as icmp from '../src/wire/icmp.js';
import * as udp from '../src/wire/udp.js';
import { ramFor, ramReport, resolveConfig } from '../src/config.js';
import {
  BOARD, HOST, captureHal, echoRequest, icmpMessage, ipPacket, refreshIpChecksum, udpDatagram, slipFrame,
} from './helpers.js';

function setup(cfg: Record<string, unknown> = {}) {
  const hal = captureHal();
  const stack = createStack({ addr: '192.168.190.2', ...cfg }, hal);
  return { hal, stack };
}

/** Every drop counter is zero except the named ones, which have the given values. */
function expectDrops(stack: Stack, want: Record<number, number>) {
  const got: Record<string, number> = {};
  const exp: Record<string, number> = {};
  stack.drops.forEach((v, i) => { if (v) got[stats.DROP_NAMES[i]] = v; });
  for (const k of Object.keys(want)) exp[stats.DROP_NAMES[+k]] = want[+k];
  expect(got).toEqual(exp);
}

const payload = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 0xc0) & 0xff);

describe('ICMP echo', () => {
  it('answers an echo request with the same ident, sequence and all the data, from the address asked', () => {
    const { hal, stack } = setup({ ttl: 33 });
    const data = payload(200);
    hal.deliver(echoRequest(data, 0xbeef, 77));
    expect(hal.sent).toHaveLength(1);
    const p = hal.sent[0];
    const ip = new ipv4.Ipv4Repr();
    expect(ipv4.parseInto(ip, p, 0, p.length)).toBe(0);
    expect(ip.src).toBe(BOARD);
    expect(ip.dst).toBe(HOST);
    expect(ip.ttl).toBe(33); // MUST-49: TTL configurable
    expect(ip.protocol).toBe(ipv4.PROTO_ICMP);
    const m = new icmp.IcmpRepr();
    expect(icmp.parseInto(m, p, 20, ip.payloadLen)).toBe(0);
    expect([m.type, m.code, m.ident, m.seqNo, m.dataLen]).toEqual([icmp.ECHO_REPLY, 0, 0xbeef, 77, 200]);
    expect(p.slice(28)).toEqual(data);
    expect(stack.counters[stats.CNT_ECHO_REPLIES_SENT]).toBe(1);
    expectDrops(stack, {});
  });

  it('answers any echo request, with or without IP options, with a reply whose checksum verifies', () => {
    // Without options the reply is made in place with an incremental checksum (RFC 1624);
    // with them it is built afresh. Both must carry the same, valid ICMP message.
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 240 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 255 }), fc.boolean(),
        (data, ident, seqNo, code, options) => {
          const { hal, stack } = setup();
          let req = echoRequest(data, ident, seqNo);
          req[21] = code; // the code is not echoed: a reply's is 0
          icmp.fillChecksum(req, 20, req.length - 20);
          if (options) {
            // Four NOP options (RFC 791): IHL 6, the ICMP message at 24.
            const o = new Uint8Array(req.length + 4);
            o.set(req.subarray(0, 20));
            o.set([1, 1, 1, 1], 20);
            o.set(req.subarray(20), 24);
            o[0] = 0x46;
            o[3] = o.length & 0xff;
            o[2] = o.length >> 8;
            req = refreshIpChecksum(o);
          }
          hal.deliver(req);
          expect(hal.sent).toHaveLength(1);
          const p = hal.sent[0];
          const ip = new ipv4.Ipv4Repr();
          expect(ipv4.parseInto(ip, p, 0, p.length)).toBe(0);
          expect([ip.src, ip.dst, ip.headerLen, ip.payloadLen]).toEqual([BOARD, HOST, 20, 8 + data.length]);
          const m = new icmp.IcmpRepr();
          expect(icmp.parseInto(m, p, 20, ip.payloadLen)).toBe(0); // the checksum verifies
          expect([m.type, m.code, m.ident, m.seqNo]).toEqual([icmp.ECHO_REPLY, 0, ident, seqNo]);
          expect(p.slice(28)).toEqual(data);
          expectDrops(stack, {});
        },
      ),
    );
  });

  it('answers when the frame arrives one byte at a time', () => {
    const { hal } = setup();
    const f = slipFrame(echoRequest(payload(40)));
    for (let i = 0; i < f.length; i++) hal.deliverBytes(f.slice(i, i + 1));
    expect(hal.sent).toHaveLength(1);
  });

  it('answers the largest echo the MTU allows, and ping() refuses one that does not fit', () => {
    const { hal, stack } = setup({ mtu: 1500 });
    hal.deliver(echoRequest(payload(1472)));
    expect(hal.sent[0].length).toBe(1500);
    expect(stack.ping(HOST, 1, 1, payload(1473), 0, 1473)).toBe(-E.EMSGSIZE);
    expect(() => stack.ping(stack.addr, 1, 1, payload(4), 0, 4)).toThrow(E.StackError);
  });

  it('ignores echo requests to the broadcast address (no smurf amplifier)', () => {
    const { hal, stack } = setup();
    hal.deliver(echoRequest(payload(8), 1, 1, { dst: -1 }));
    expect(hal.sent).toHaveLength(0);
    expectDrops(stack, { [stats.DROP_ICMP_BROADCAST_ECHO]: 1 });
  });

  it('reports echo replies to the handler with their data', () => {
    const { hal, stack } = setup();
    const seen: unknown[] = [];
    stack.onEchoReply((src, id, seq, buf, off, len) => seen.push([src, id, seq, [...buf.slice(off, off + len)]]));
    hal.deliver(icmpMessage(icmp.ECHO_REPLY, 0, new Uint8Array(0)));
    const data = payload(5);
    const m = echoRequest(data, 9, 3);
    m[20] = icmp.ECHO_REPLY;
    icmp.fillChecksum(m, 20, m.length - 20);
    hal.deliver(m);
    expect(seen).toEqual([[HOST, 0, 0, []], [HOST, 9, 3, [...data]]]);
  });

  it('builds a valid echo request with ping()', () => {
    const { hal, stack } = setup();
    expect(stack.ping(HOST, 0x1111, 5, payload(10), 0, 10)).toBe(10);
    const p = hal.sent[0];
    const m = new icmp.IcmpRepr();
    expect(icmp.parseInto(m, p, 20, p.length - 20)).toBe(0);
    expect([m.type, m.ident, m.seqNo, m.dataLen]).toEqual([icmp.ECHO_REQUEST, 0x1111, 5, 10]);
  });
});

describe('ICMP errors in', () => {
  it('discards source quench (MUST-55) and unclaimed errors, counting each, sending nothing', () => {
    const { hal, stack } = setup();
    hal.deliver(icmpMessage(icmp.SOURCE_QUENCH, 0, payload(28)));
    hal.deliver(icmpMessage(icmp.DEST_UNREACH, icmp.PORT_UNREACH, payload(28)));
    hal.deliver(icmpMessage(13, 0, payload(12))); // timestamp request: not handled
    expect(hal.sent).toHaveLength(0);
    expectDrops(stack, { [stats.DROP_ICMP_SOURCE_QUENCH]: 1, [stats.DROP_ICMP_ERROR]: 1, [stats.DROP_ICMP_TYPE]: 1 });
  });

  it('drops short and damaged ICMP messages by reason', () => {
    const { hal, stack } = setup();
    hal.deliver(ipPacket({ protocol: ipv4.PROTO_ICMP }, payload(7)));
    const bad = echoRequest(payload(10));
    bad[30] ^= 1;
    hal.deliver(bad);
    expect(hal.sent).toHaveLength(0);
    expectDrops(stack, { [stats.DROP_ICMP_TRUNCATED]: 1, [stats.DROP_ICMP_CHECKSUM]: 1 });
  });
});

describe('IPv4 checks', () => {
  const cases: [string, () => Uint8Array, number][] = [
    ['a frame shorter than a header', () => echoRequest(payload(4)).slice(0, 19), stats.DROP_IP_TRUNCATED],
    ['version 6', () => { const p = echoRequest(payload(4)); p[0] = 0x65; return refreshIpChecksum(p); }, stats.DROP_IP_VERSION],
    ['IHL 4', () => { const p = echoRequest(payload(4)); p[0] = 0x44; return refreshIpChecksum(p); }, stats.DROP_IP_HEADER_LEN],
    ['total length past the frame', () => { const p = echoRequest(payload(4)); p[3] += 1; return refreshIpChecksum(p); }, stats.DROP_IP_LENGTH],
    ['total length under the header', () => { const p = echoRequest(payload(4)); p[2] = 0; p[3] = 19; return refreshIpChecksum(p); }, stats.DROP_IP_LENGTH],
    ['a bad header checksum', () => { const p = echoRequest(payload(4)); p[10] ^= 0x40; return p; }, stats.DROP_IP_CHECKSUM],
    ['another destination', () => echoRequest(payload(4), 1, 1, { dst: ipv4.addr(192, 168, 190, 3) }), stats.DROP_IP_NOT_OURS],
    ['a broadcast source', () => echoRequest(payload(4), 1, 1, { src: -1 }), stats.DROP_IP_BAD_SRC],
    ['a multicast source', () => echoRequest(payload(4), 1, 1, { src: ipv4.addr(224, 0, 0, 1) }), stats.DROP_IP_BAD_SRC],
    ['source 0.0.0.0', () => echoRequest(payload(4), 1, 1, { src: 0 }), stats.DROP_IP_MARTIAN_SRC],
    ['source 0.1.2.3 (0.0.0.0/8)', () => echoRequest(payload(4), 1, 1, { src: ipv4.addr(0, 1, 2, 3) }), stats.DROP_IP_MARTIAN_SRC],
    ['source 127.0.0.1 (loopback)', () => echoRequest(payload(4), 1, 1, { src: ipv4.addr(127, 0, 0, 1) }), stats.DROP_IP_MARTIAN_SRC],
    ['our own address as source (LAND)', () => echoRequest(payload(4), 1, 1, { src: BOARD }), stats.DROP_IP_BAD_SRC],
    ['a first fragment (MF)', () => echoRequest(payload(4), 1, 1, { moreFrags: true }), stats.DROP_IP_FRAGMENT],
    ['a later fragment (offset)', () => echoRequest(payload(4), 1, 1, { fragOffset: 1480 }), stats.DROP_IP_FRAGMENT],
  ];
  for (const [name, make, reason] of cases) {
    it(`drops ${name} as ${stats.DROP_NAMES[reason]}, silently`, () => {
      const { hal, stack } = setup();
      hal.deliver(make());
      expect(hal.sent).toHaveLength(0);
      expectDrops(stack, { [reason]: 1 });
      // The stack is not wedged: a good request right after is answered.
      hal.deliver(echoRequest(payload(4)));
      expect(hal.sent).toHaveLength(1);
    });
  }

  it('accepts and ignores IP options (MUST-50)', () => {
    const { hal } = setup();
    const p = echoRequest(payload(8));
    const withOpt = new Uint8Array(p.length + 4);
    withOpt.set(p.slice(0, 20), 0);
    withOpt.set([1, 1, 1, 0], 20); // NOP NOP NOP EOL
    withOpt.set(p.slice(20), 24);
    withOpt[0] = 0x46;
    withOpt[2] = withOpt.length >> 8; withOpt[3] = withOpt.length & 0xff;
    hal.deliver(refreshIpChecksum(withOpt));
    expect(hal.sent).toHaveLength(1);
  });

  it('answers an unknown protocol with ICMP protocol unreachable quoting the header and 8 octets', () => {
    const { hal, stack } = setup();
    const p = ipPacket({ protocol: 99 }, payload(30));
    hal.deliver(p);
    expectDrops(stack, { [stats.DROP_IP_PROTOCOL]: 1 });
    const r = hal.sent[0];
    const m = new icmp.IcmpRepr();
    expect(icmp.parseInto(m, r, 20, r.length - 20)).toBe(0);
    expect([m.type, m.code, m.dataLen]).toEqual([icmp.DEST_UNREACH, icmp.PROTO_UNREACH, 28]);
    expect(r.slice(28)).toEqual(p.slice(0, 28));
  });

  it('never throws on random bytes, and counts every frame it drops', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 8 }), (frames) => {
      const { hal, stack } = setup();
      for (const f of frames) hal.deliverBytes(slipFrame(f));
      const dropped = stack.drops.reduce((a, b) => a + b, 0);
      const handled = stack.counters[stats.CNT_ECHO_REPLIES_SENT] + stack.counters[stats.CNT_ECHO_REPLIES_RECEIVED] + stack.counters[stats.CNT_UDP_DELIVERED];
      // Frames that are empty are ignored by design; every other frame is either handled or dropped for one reason.
      const nonEmpty = frames.filter((f) => f.length > 0).length;
      expect(dropped + handled).toBe(nonEmpty);
    }));
  });

  it('never throws on mutations of a valid packet with valid checksums', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 47 }), fc.uint8Array({ minLength: 1, maxLength: 1 }), fc.boolean(), (at, v, fix) => {
      const { hal, stack } = setup();
      const p = udpDatagram(1000, 7, payload(20));
      p[at] = v[0];
      if (fix) refreshIpChecksum(p);
      hal.deliver(p);
      expect(stack.drops.reduce((a, b) => a + b, 0) + stack.counters[stats.CNT_UDP_DELIVERED] + stack.counters[stats.CNT_ECHO_REPLIES_RECEIVED] + stack.counters[stats.CNT_ECHO_REPLIES_SENT]).toBeLessThanOrEqual(1);
    }));
  });
});

describe('UDP', () => {
  it('delivers a datagram to the bound port, straight from the receive buffer', () => {
    const { hal, stack } = setup();
    const got: unknown[] = [];
    stack.udpBind(7, (buf, off, len, src, sp, dp) => got.push([[...buf.slice(off, off + len)], src, sp, dp]));
    const data = payload(33);
    hal.deliver(udpDatagram(40000, 7, data));
    expect(got).toEqual([[[...data], HOST, 40000, 7]]);
    expect(stack.counters[stats.CNT_UDP_DELIVERED]).toBe(1);
  });

  it('delivers a broadcast datagram but never answers one with an ICMP error', () => {
    const { hal, stack } = setup();
    let n = 0;
    stack.udpBind(67, () => n++);
    hal.deliver(udpDatagram(68, 67, payload(4), { dst: -1 }));
    hal.deliver(udpDatagram(68, 69, payload(4), { dst: -1 }));
    expect(n).toBe(1);
    expect(hal.sent).toHaveLength(0);
    expectDrops(stack, { [stats.DROP_UDP_NO_PORT]: 1 });
  });

  it('accepts a zero checksum (none) and drops a wrong one', () => {
    const { hal, stack } = setup();
    let n = 0;
    stack.udpBind(7, () => n++);
    const p = udpDatagram(1, 7, payload(9));
    p[26] = 0; p[27] = 0;
    hal.deliver(p);
    const q = udpDatagram(1, 7, payload(9));
    q[30] ^= 0xff;
    hal.deliver(q);
    expect(n).toBe(1);
    expectDrops(stack, { [stats.DROP_UDP_CHECKSUM]: 1 });
  });

  it('drops inconsistent UDP lengths by reason', () => {
    const { hal, stack } = setup();
    stack.udpBind(7, () => {});
    const long = udpDatagram(1, 7, payload(9));
    long[25] += 1; // UDP length past the IP payload
    hal.deliver(long);
    const short = udpDatagram(1, 7, payload(9));
    short[24] = 0; short[25] = 7; // UDP length < 8
    hal.deliver(short);
    hal.deliver(ipPacket({ protocol: ipv4.PROTO_UDP }, payload(5)));
    expectDrops(stack, { [stats.DROP_UDP_LENGTH]: 2, [stats.DROP_UDP_TRUNCATED]: 1 });
  });

  it('answers an unbound port with port unreachable, rate-limited by a token bucket', () => {
    const { hal, stack } = setup({ icmpErrorsPerSec: 2, icmpErrorBurst: 3 });
    for (let i = 0; i < 10; i++) hal.deliver(udpDatagram(1000 + i, 9, payload(20)));
    expect(hal.sent).toHaveLength(3); // the burst
    expect(stack.drops[stats.DROP_UDP_NO_PORT]).toBe(10);
    expect(stack.counters[stats.CNT_ICMP_ERRORS_LIMITED]).toBe(7);
    const r = hal.sent[0];
    const m = new icmp.IcmpRepr();
    expect(icmp.parseInto(m, r, 20, r.length - 20)).toBe(0);
    expect([m.type, m.code]).toEqual([icmp.DEST_UNREACH, icmp.PORT_UNREACH]);
    // RFC 792: the quote is the offending IP header plus the first 8 octets (the UDP header).
    expect(r.slice(28)).toEqual(udpDatagram(1000, 9, payload(20)).slice(0, 28));
    hal.time += 1000; // two tokens come back
    for (let i = 0; i < 5; i++) hal.deliver(udpDatagram(1, 9, payload(1)));
    expect(hal.sent).toHaveLength(5);
  });

  it('sends a datagram with a correct checksum; too long is -EMSGSIZE, bad arguments throw EINVAL', () => {
    const { hal, stack } = setup();
    expect(stack.udpSend(HOST, 5000, 7, payload(12), 0, 12)).toBe(12);
    const p = hal.sent[0];
    const u = new udp.UdpRepr();
    expect(udp.parseInto(u, p, 20, p.length - 20, BOARD, HOST)).toBe(0);
    expect([u.srcPort, u.dstPort, u.payloadLen]).toEqual([7, 5000, 12]);
    expect(stack.udpSend(HOST, 5000, 7, payload(300), 0, 269)).toBe(-E.EMSGSIZE);
    expect(() => stack.udpSend(0, 5000, 7, payload(1), 0, 1)).toThrow(expect.objectContaining({ code: E.EINVAL }));
    expect(() => stack.udpSend(HOST, 0, 7, payload(1), 0, 1)).toThrow(expect.objectContaining({ code: E.EINVAL }));
    expect(hal.sent).toHaveLength(1);
  });

  it('gives clear errors for API misuse', () => {
    const { stack } = setup({ udpPorts: 2 });
    stack.udpBind(7, () => {});
    expect(stack.udpBind(7, () => {})).toBe(-E.EADDRINUSE);
    expect(() => stack.udpBind(0, () => {})).toThrow(/1\.\.65535/);
    expect(() => stack.udpBind(70000, () => {})).toThrow(/1\.\.65535/);
    stack.udpBind(8, () => {});
    expect(stack.udpBind(9, () => {})).toBe(-E.ENOBUFS);
    expect(() => stack.udpUnbind(9)).toThrow(/not bound/);
    stack.udpUnbind(7);
    stack.udpBind(9, () => {});
  });
});

describe('configuration and RAM', () => {
  it('ramBudget() is exactly the bytes of every typed array the stack holds, and what the settings say', () => {
    for (const cfg of [{}, { mtu: 1006, udpPorts: 9 }, { mtu: 1500, udpPorts: 0 }]) {
      const { stack } = setup(cfg);
      const seen = new Set<ArrayBuffer>();
      let bytes = 0;
      const visit = (v: unknown, depth: number) => {
        if (depth > 6 || v === null || typeof v !== 'object') return;
        if (ArrayBuffer.isView(v)) {
          if (!seen.has(v.buffer as ArrayBuffer)) { seen.add(v.buffer as ArrayBuffer); bytes += v.buffer.byteLength; }
          return;
        }
        for (const k of Object.keys(v)) if (k !== 'hal') visit((v as Record<string, unknown>)[k], depth + 1);
      };
      visit(stack, 0);
      expect(stack.ramBudget()).toBe(bytes);
      expect(stack.ramBudget()).toBe(ramFor(resolveConfig({ addr: '192.168.190.2', ...cfg })));
      expect(ramReport(stack.config).reduce((a, [, b]) => a + b, 0)).toBe(stack.ramBudget());
    }
  });

  it('rejects bad settings with an error naming them', () => {
    const hal = captureHal();
    expect(() => createStack({ addr: '1.2.3' }, hal)).toThrow(/addr/);
    expect(() => createStack({ mtu: 67 }, hal)).toThrow(/mtu/);
    expect(() => createStack({ mtu: 1501 }, hal)).toThrow(/mtu/);
    expect(() => createStack({ ttl: 0 }, hal)).toThrow(/ttl/);
    expect(() => createStack({ udpPorts: 1.5 }, hal)).toThrow(/udpPorts/);
  });

  it('poll() has no timers yet and says so', () => {
    const { stack } = setup();
    expect(stack.poll(5)).toBe(Infinity);
  });

describe('waking the HAL (src/hal.ts: wake)', () => {
  it('a user call outside input and poll wakes the HAL; the same call from an event handler does not', () => {
    const hal = captureHal();
    const stack = createStack({ addr: '192.168.190.2' }, hal);
    stack.onTcp(() => {});
    // From the application's own code: connect starts the SYN's retransmission timer.
    const c = stack.tcpConnect(HOST, 80, 0);
    expect(hal.wakes).toBe(1);
    stack.tcpClose(c);
    expect(hal.wakes).toBe(2);
    // From a handler while a datagram is being processed: the HAL polls after input anyway.
    stack.udpBind(9, () => { stack.tcpConnect(HOST, 81, 0); });
    hal.deliver(udpDatagram(5000, 9, new Uint8Array(4)));
    expect(stack.tcpInUse()).toBe(1);
    expect(hal.wakes).toBe(2);
  });

  it('poll returns a deadline that counts the timers its own event handlers started', () => {
    const hal = captureHal();
    const stack = createStack({ addr: '192.168.190.2', tcpRtoInitial: 1000 }, hal);
    let again = -1;
    // When the first connect gives up (in poll), the handler connects again: that SYN's timer
    // must be in the deadline poll returns, or nothing would ever resend it.
    stack.onTcp((_c, e) => { if (e === C.EV_CLOSED && again < 0) again = stack.tcpConnect(HOST, 81, 0); });
    stack.tcpConnect(HOST, 80, 0);
    let next = stack.poll(0);
    let t = 0;
    for (let k = 0; k < 100 && again < 0 && next !== Infinity; k++) {
      t = next;
      hal.time = t;
      next = stack.poll(t);
    }
    expect(again).toBeGreaterThanOrEqual(0);
    expect(next).toBe(t + 1000);
  });
});
});
