// The peer: the host end of the SLIP line, written to run INSIDE a board's own interpreter
// (JerryScript 2.4 and 3.0; it also runs on Espruino 2v29) and in Node (peer-node.ts), for the
// harness in bench/engines/.
//
// Why in the engine: JerryScript's command line has no IO at all, and the instruction counts
// of bench/board.ts must come from runs that never wait for the outside world; so the peer
// sits in the same realm as the board and hands it bytes by calling its serial 'data'
// listener directly (drive.js). On Espruino it runs in Node instead and the host hands the
// bytes over (espruino-measure.ts): there its ~550 JsVars would starve the board.
// It is written from the RFCs (RFC 1055 SLIP, RFC 791 IPv4, RFC 1071 checksum, RFC 792 ICMP
// echo, RFC 768 UDP, RFC 9293 TCP), independently of src/wire, so a bug shared by the stack's
// encoder and decoder cannot hide; and it is small, so it barely moves the board's heap
// figures. It is a deliberately simple TCP client: the line between peer and board is
// lossless and in order, so it never retransmits; it ACKs every segment that carries data or
// FIN, and sends only what the board's window allows.
//
// Plain ES5 plus typed arrays, every function defined before it is called (Espruino does not
// hoist function declarations), `var` only. Frames in: `P.fromBoard(bytes)` with every byte
// the board writes; `P.frames` then holds the decoded IP packets.
var makePeer = function (hostAddr, boardAddr) {
  var P = {};
  P.host = hostAddr; // [a, b, c, d]
  P.board = boardAddr;
  P.frames = []; // IP packets the board sent, oldest first (Uint8Array each)
  P.badFrames = 0; // frames whose IP header checksum failed
  var acc = new Uint8Array(1600);
  var accLen = 0;
  var esc = false;
  var overrun = false;

  // RFC 1055: END 0xC0 ends a frame; ESC 0xDB, then 0xDC means 0xC0 and 0xDD means 0xDB.
  P.fromBoard = function (bytes) {
    for (var i = 0; i < bytes.length; i++) {
      var b = bytes[i];
      if (b === 0xc0) {
        if (accLen > 0 && !overrun) P.frames.push(acc.slice(0, accLen));
        accLen = 0;
        esc = false;
        overrun = false;
        continue;
      }
      if (esc) {
        b = b === 0xdc ? 0xc0 : b === 0xdd ? 0xdb : b;
        esc = false;
      } else if (b === 0xdb) {
        esc = true;
        continue;
      }
      if (accLen < acc.length) acc[accLen++] = b;
      else overrun = true;
    }
  };

  // SLIP-encode one packet: END, escaped bytes, END.
  P.slip = function (pkt) {
    var n = 2;
    var i;
    for (i = 0; i < pkt.length; i++) n += pkt[i] === 0xc0 || pkt[i] === 0xdb ? 2 : 1;
    var out = new Uint8Array(n);
    var o = 0;
    out[o++] = 0xc0;
    for (i = 0; i < pkt.length; i++) {
      var b = pkt[i];
      if (b === 0xc0) { out[o++] = 0xdb; out[o++] = 0xdc; }
      else if (b === 0xdb) { out[o++] = 0xdb; out[o++] = 0xdd; }
      else out[o++] = b;
    }
    out[o] = 0xc0;
    return out;
  };

  // RFC 1071: one's-complement sum of 16-bit big-endian words, an odd byte padded with zero.
  var sum16 = function (buf, off, len, acc0) {
    var s = acc0;
    var i = 0;
    for (; i + 1 < len; i += 2) s += (buf[off + i] << 8) | buf[off + i + 1];
    if (i < len) s += buf[off + i] << 8;
    return s;
  };
  var fold = function (s) {
    while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
    return s;
  };
  P.sum16 = sum16;
  P.fold = fold;

  var put16 = function (b, o, v) { b[o] = (v >> 8) & 0xff; b[o + 1] = v & 0xff; };
  var put32 = function (b, o, v) {
    b[o] = (v >>> 24) & 0xff; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff;
  };
  var get16 = function (b, o) { return (b[o] << 8) | b[o + 1]; };
  var get32 = function (b, o) { return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0; };
  P.get16 = get16;
  P.get32 = get32;

  var ident = 0x100;
  // RFC 791: a 20-octet header, no options, DF clear, TTL 64, header checksum filled.
  var ipPacket = function (proto, l4len) {
    var p = new Uint8Array(20 + l4len);
    p[0] = 0x45;
    put16(p, 2, 20 + l4len);
    put16(p, 4, ident++ & 0xffff);
    p[8] = 64;
    p[9] = proto;
    for (var i = 0; i < 4; i++) { p[12 + i] = P.host[i]; p[16 + i] = P.board[i]; }
    put16(p, 10, ~fold(sum16(p, 0, 20, 0)) & 0xffff);
    return p;
  };
  // RFC 768 / RFC 9293 §3.1: the pseudo-header sum (addresses, protocol, length).
  var pseudo = function (p, proto, len) {
    return sum16(p, 12, 8, 0) + proto + len;
  };

  // RFC 792: echo request with `data` (Uint8Array), identifier and sequence number.
  P.echoRequest = function (id, seq, data) {
    var p = ipPacket(1, 8 + data.length);
    p[20] = 8;
    put16(p, 24, id);
    put16(p, 26, seq);
    p.set(data, 28);
    put16(p, 22, ~fold(sum16(p, 20, 8 + data.length, 0)) & 0xffff);
    return p;
  };

  // RFC 768: a datagram from srcPort to dstPort.
  P.udp = function (srcPort, dstPort, data) {
    var len = 8 + data.length;
    var p = ipPacket(17, len);
    put16(p, 20, srcPort);
    put16(p, 22, dstPort);
    put16(p, 24, len);
    p.set(data, 28);
    var c = ~fold(sum16(p, 20, len, pseudo(p, 17, len))) & 0xffff;
    put16(p, 26, c === 0 ? 0xffff : c);
    return p;
  };

  // Check an IP packet from the board: header checksum, our address, and the transport
  // checksum. Returns the protocol number, or -1 for a broken packet (counted).
  P.check = function (p) {
    var ok = p.length >= 20 && (p[0] >> 4) === 4 && fold(sum16(p, 0, (p[0] & 15) * 4, 0)) === 0xffff &&
      get16(p, 2) === p.length;
    for (var i = 0; ok && i < 4; i++) ok = p[16 + i] === P.host[i] && p[12 + i] === P.board[i];
    if (ok) {
      var hl = (p[0] & 15) * 4;
      var proto = p[9];
      var len = p.length - hl;
      if (proto === 1) ok = fold(sum16(p, hl, len, 0)) === 0xffff;
      else if (proto === 6 || proto === 17) ok = fold(sum16(p, hl, len, pseudo(p, proto, len))) === 0xffff;
    }
    if (!ok) { P.badFrames++; return -1; }
    return p[9];
  };

  // ---- a minimal TCP client (RFC 9293) ----
  // c = {port, lport, state, iss, sndNxt, sndUna, sndWnd, rcvNxt, rx: [byte chunks], rxLen, fin, rst};
  // set c.sink = function (buf, off, len) to take in-order data instead of keeping it in c.rx.
  P.tcpSegment = function (c, flags, data, off, len) {
    var hl = flags & 2 ? 24 : 20; // an MSS option on the SYN
    var l4 = hl + len;
    var p = ipPacket(6, l4);
    put16(p, 20, c.lport);
    put16(p, 22, c.port);
    put32(p, 24, c.sndNxt);
    put32(p, 28, flags & 0x10 ? c.rcvNxt : 0);
    p[32] = (hl / 4) << 4;
    p[33] = flags;
    put16(p, 34, c.rcvWnd);
    if (hl === 24) { p[40] = 2; p[41] = 4; put16(p, 42, c.mss); }
    for (var i = 0; i < len; i++) p[20 + hl + i] = data[off + i];
    put16(p, 36, ~fold(sum16(p, 20, l4, pseudo(p, 6, l4))) & 0xffff);
    c.sndNxt = (c.sndNxt + len + (flags & 3 ? 1 : 0)) >>> 0; // SYN and FIN take a sequence number
    return p;
  };

  P.tcpOpen = function (lport, port) {
    return { port: port, lport: lport, state: 'SYN-SENT', iss: 0x10000000, sndNxt: 0x10000000, sndUna: 0x10000000,
      sndWnd: 0, rcvNxt: 0, rcvWnd: 8192, mss: 256, rx: [], rxLen: 0, sink: null, fin: false, rst: false, needAck: false, segs: 0 };
  };

  // Feed one board packet (already checked, protocol 6) to connection c if it belongs to it.
  // Returns true when it did.
  P.tcpInput = function (c, p) {
    var hl = (p[0] & 15) * 4;
    if (get16(p, hl) !== c.port || get16(p, hl + 2) !== c.lport) return false;
    var t = hl;
    var seq = get32(p, t + 4);
    var ack = get32(p, t + 8);
    var doff = (p[t + 12] >> 4) * 4;
    var flags = p[t + 13];
    var dlen = p.length - hl - doff;
    c.segs++;
    if (flags & 4) { c.rst = true; c.state = 'CLOSED'; return true; }
    if (c.state === 'SYN-SENT') {
      if ((flags & 0x12) === 0x12 && ack === c.sndNxt) {
        c.rcvNxt = (seq + 1) >>> 0;
        c.sndUna = ack;
        c.sndWnd = get16(p, t + 14);
        c.state = 'ESTABLISHED';
        c.needAck = true;
      }
      return true;
    }
    if (flags & 0x10) {
      if (((ack - c.sndUna) | 0) > 0 && ((c.sndNxt - ack) | 0) >= 0) c.sndUna = ack;
      c.sndWnd = get16(p, t + 14);
    }
    if (dlen > 0 && seq === c.rcvNxt) {
      if (c.sink) c.sink(p, hl + doff, dlen);
      else c.rx.push(p.slice(hl + doff));
      c.rxLen += dlen;
      c.rcvNxt = (c.rcvNxt + dlen) >>> 0;
      c.needAck = true;
    } else if (dlen > 0) {
      c.needAck = true; // out of order or a repeat: ACK what we have (RFC 9293 §3.10.7.4)
    }
    if (flags & 1 && ((seq + dlen) >>> 0) === c.rcvNxt) {
      c.rcvNxt = (c.rcvNxt + 1) >>> 0;
      c.fin = true;
      c.needAck = true;
    }
    return true;
  };

  // Octets the board will still accept from us.
  P.tcpRoom = function (c) {
    var inFlight = (c.sndNxt - c.sndUna) | 0;
    return c.sndWnd - inFlight;
  };

  // All received data of c as one Uint8Array.
  P.tcpReceived = function (c) {
    var out = new Uint8Array(c.rxLen);
    var o = 0;
    for (var i = 0; i < c.rx.length; i++) { out.set(c.rx[i], o); o += c.rx[i].length; }
    return out;
  };

  return P;
};
