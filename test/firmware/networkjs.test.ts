/**
 * The NetworkJS driver (firmware/networkjs.ts) called as Espruino's socketserver calls it, on
 * two stacks over the loopback link (test/tcp/pair.ts): the board is stack b with the driver,
 * the host is stack a. What the real interpreter shows end to end
 * (test/firmware/espruino-net.test.ts) is pinned down here call by call: -11 while in SYN-SENT
 * and no octets taken then, errors as Espruino's codes, the peer's FIN held back while
 * Espruino still holds unsent data, small ids, UDP with Espruino's 8-octet header.
 */
import { describe, expect, it } from 'vitest';
import { createPair } from '../tcp/pair.js';
import type { Pair } from '../tcp/pair.js';
import { createNetworkJsDriver, SOCKET_ERR_NO_CONN, SOCKET_ERR_RESET, SOCKET_ERR_NOT_FOUND, SOCKET_ERR_CLOSED, ST_UDP } from '../../firmware/networkjs.js';
import type { NetworkJsDriver } from '../../firmware/networkjs.js';
import { formatAddr } from '../../src/wire/ipv4.js';

const str = (buf: Uint8Array, len: number): string => Buffer.from(buf.buffer, buf.byteOffset, len).toString('latin1');
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

function setup(): { p: Pair; d: NetworkJsDriver } {
  // Send rings of 512 octets, so that an echo of more fills the board's and Espruino holds the rest.
  const p = createPair({ mtu: 296, tcpConns: 4, tcpListeners: 2, udpPorts: 2, tcpSndBuf: 512 });
  return { p, d: createNetworkJsDriver(p.b.net, str, bytes) };
}

/** Read everything the host stack has on `c` as a latin1 string. */
function hostRead(p: Pair, c: number): string {
  const buf = new Uint8Array(2048);
  let out = '';
  for (let r = p.a.tcpRead(c, buf, 0, buf.length); r > 0; r = p.a.tcpRead(c, buf, 0, buf.length)) out += str(buf, r);
  return out;
}

describe('NetworkJS driver', () => {
  it('an active open: -11 and nothing taken until the handshake completes, then data both ways', () => {
    const { p, d } = setup();
    const l = p.a.tcpListen(8000, 1);
    const id = d.create(formatAddr(p.addrA), 8000, 0);
    expect(id).toBeGreaterThanOrEqual(0);
    expect(d.recv(id, 536, 0)).toBe(SOCKET_ERR_NO_CONN);
    expect(d.send(id, 'early', 0)).toBe(0);
    p.sim.run(p.now() + 1000);
    expect(d.recv(id, 536, 0)).toBe('');
    expect(d.send(id, 'abc\xc0', 0)).toBe(4);
    p.sim.run(p.now() + 1000);
    const c = p.a.tcpAccept(l);
    expect(c).toBeGreaterThanOrEqual(0);
    expect(hostRead(p, c)).toBe('abc\xc0');
    const reply = bytes('xyz\xdb');
    p.a.tcpWrite(c, reply, 0, reply.length);
    p.a.tcpClose(c);
    p.sim.run(p.now() + 1000);
    expect(d.recv(id, 536, 0)).toBe('xyz\xdb');
    expect(d.recv(id, 536, 0)).toBe(SOCKET_ERR_CLOSED);
    d.close(id);
  });

  it('a refused open is "connection reset" (-9); a host name is "not found" (-6); ids are freed by close', () => {
    const { p, d } = setup();
    const refused = d.create(formatAddr(p.addrA), 9, 0);
    const named = d.create('example.com', 80, 0);
    expect(named).not.toBe(refused);
    expect(d.recv(named, 536, 0)).toBe(SOCKET_ERR_NOT_FOUND);
    p.sim.run(p.now() + 1000);
    expect(d.recv(refused, 536, 0)).toBe(SOCKET_ERR_RESET);
    d.close(refused);
    d.close(named);
    expect(p.b.tcpInUse()).toBe(0);
    // Every id is free again: the table holds tcpConns + tcpListeners TCP ids.
    const ids = [0, 1, 2, 3, 4, 5].map(() => d.create('no.dns', 1, 0));
    expect([...ids].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(d.create('no.dns', 1, 0)).toBeLessThan(0);
  });

  it("a listener's connections get their own small ids; the peer's FIN waits while Espruino holds unsent data", () => {
    const { p, d } = setup();
    const lid = d.create(undefined, 80, 1);
    expect(lid).toBeGreaterThanOrEqual(0);
    expect(d.accept(lid)).toBe(-1);
    const c = p.a.tcpConnect(p.addrB, 80, 0);
    const msg = bytes('x'.repeat(1500));
    p.sim.run(p.now() + 1000);
    const id = d.accept(lid);
    expect(id).toBeGreaterThanOrEqual(0);
    expect(id).not.toBe(lid);
    expect(id).toBeLessThan(6);
    let sent = 0;
    let got = '';
    let pending = '';
    let partial = 0;
    let r: string | number = '';
    for (let pass = 0; pass < 400; pass++) {
      if (sent < msg.length) {
        const k = p.a.tcpWrite(c, msg, sent, msg.length - sent);
        if (k > 0) sent += k;
        if (sent === msg.length) p.a.tcpShutdown(c); // the host is done: its FIN follows
      }
      // One idle pass of Espruino: send what it holds first, then recv.
      if (pending.length > 0) {
        const k = d.send(id, pending, 0) as number;
        if (k < pending.length) partial++;
        pending = pending.slice(k);
      }
      r = d.recv(id, 536, 0);
      if (typeof r === 'number') break;
      got += r;
      pending += r; // the echo app writes back what it read
      p.sim.run(p.now() + 50);
      if (pass >= 60) hostRead(p, c); // the host reads late: the board's send ring fills first
    }
    expect(r).toBe(SOCKET_ERR_CLOSED);
    expect(got.length).toBe(1500);
    expect(pending).toBe(''); // the end of the stream came only once everything was taken
    expect(partial).toBeGreaterThan(0); // and the board's send ring did fill on the way
    d.close(id);
    d.close(lid);
  });

  it('UDP: a bound id receives with the 8-octet header, and sends each [header, payload] record', () => {
    const { p, d } = setup();
    const id = d.create(undefined, 5000, ST_UDP);
    expect(id).toBeGreaterThanOrEqual(6);
    let heard = '';
    let fromPort = 0;
    p.a.udpBind(40000, (buf, off, len, _src, srcPort) => {
      heard += str(buf.subarray(off, off + len), len) + '|';
      fromPort = srcPort;
    });
    const hi = bytes('hi\xc0');
    p.a.udpSend(p.addrB, 5000, 40000, hi, 0, hi.length);
    p.sim.run(p.now() + 100);
    const a = formatAddr(p.addrA).split('.').map(Number);
    const header = String.fromCharCode(a[0], a[1], a[2], a[3], 40000 & 0xff, 40000 >> 8, 3, 0);
    expect(d.recv(id, 536, ST_UDP)).toBe(header + 'hi\xc0');
    expect(d.recv(id, 536, ST_UDP)).toBe('');
    const out = header.slice(0, 6) + '\x02\x00ab' + header.slice(0, 6) + '\x01\x00c';
    expect(d.send(id, out, ST_UDP)).toBe(out.length);
    p.sim.run(p.now() + 100);
    expect(heard).toBe('ab|c|');
    expect(fromPort).toBe(5000);
    d.close(id);
    // A client id binds an ephemeral port of its own.
    const cid = d.create(formatAddr(p.addrA), 40000, ST_UDP);
    expect(d.send(cid, header.slice(0, 6) + '\x01\x00z', ST_UDP)).toBe(9);
    p.sim.run(p.now() + 100);
    expect(heard).toBe('ab|c|z|');
    expect(fromPort).toBeGreaterThanOrEqual(49152);
    d.close(cid);
  });
});
