// The host end for test/firmware/kaluma-net.test.ts, run INSIDE jerry-kaluma after the board's
// bundle (JerryScript's command line has no IO to reach a host outside; engines README) and
// after bench/engines/peer.js, whose packets it sends: 192.168.190.1, written from the RFCs
// apart from src/, and small, because slipstack itself as the host left the board 8.6 KB of
// the 180 KB heap next to Kaluma's modules. Several connections at once, both ways: it
// connects to the board's ports, accepts the board's connections on the ports it listens on,
// and answers a SYN to any other port with a RST (RFC 9293 §3.10.7.1). The line is lossless
// and in order, so it never retransmits.
//
// Between the two, a 115200-baud 8N1 line model each way (10 bits an octet, one frame after
// another) on the stub's virtual clock (bench/engines/kaluma-stub.js: millis, __tick,
// __timers), so the times it reports are the line's. Board output arrives through
// `__fromBoard` (the UART of bench/engines/kaluma-modules.ts), input goes in with `__toBoard`.
//
// Defines `__host`: pump(cond, ms) moves frames and time on until cond() holds (true) or ms pass
// (false); get() fetches the board's page; exchange(port, text, halfClose); both(a, b): two
// echo clients at once; serve(port, page): an HTTP/1.0 server for the board's http.get;
// lastRequest. Plain ES5, `var` only, as peer.js.
var __host = (function () {
  var peer = makePeer([192, 168, 190, 1], [192, 168, 190, 2]);
  var BAUD = 115200;
  var toBoard = [];
  var toHost = [];
  var freeB = 0;
  var freeH = 0;
  var conns = [];
  var listeners = {};
  var active = [];
  var H = { lastRequest: '' };

  var line = function (q, free, d) {
    var start = millis() > free ? millis() : free;
    var at = start + (d.length * 10 * 1000) / BAUD;
    q.push({ at: at, d: d });
    return at;
  };
  __fromBoard = function (d) { freeH = line(toHost, freeH, d); };
  var sendPkt = function (p) { freeB = line(toBoard, freeB, peer.slip(p)); };

  // A board packet (checked, TCP): to its connection, else a SYN to a listener or a RST.
  var input = function (p) {
    var hl = (p[0] & 15) * 4;
    var sport = peer.get16(p, hl);
    var dport = peer.get16(p, hl + 2);
    var flags = p[hl + 13];
    for (var i = 0; i < conns.length; i++) {
      if (conns[i].port === sport && conns[i].lport === dport && conns[i].state !== 'CLOSED') {
        peer.tcpInput(conns[i], p);
        return;
      }
    }
    if ((flags & 0x16) !== 0x02) return; // only a bare SYN opens anything
    var c = peer.tcpOpen(dport, sport);
    c.rcvNxt = (peer.get32(p, hl + 4) + 1) >>> 0;
    if (listeners[dport]) {
      c.sndWnd = peer.get16(p, hl + 14);
      c.state = 'ESTABLISHED'; // lossless line: the SYN,ACK always arrives
      conns.push(c);
      sendPkt(peer.tcpSegment(c, 0x12, null, 0, 0));
      c.sndUna = c.sndNxt; // the board's ACK of our SYN is not waited for
      listeners[dport](c);
    } else {
      c.sndNxt = 0;
      sendPkt(peer.tcpSegment(c, 0x14, null, 0, 0)); // RST,ACK: <SEQ=0><ACK=SEG.SEQ+1>
    }
  };

  var take = function () {
    var d = toHost.shift().d;
    peer.fromBoard(d);
    var fs = peer.frames;
    peer.frames = [];
    for (var i = 0; i < fs.length; i++) if (peer.check(fs[i]) === 6) input(fs[i]);
  };

  // One connection's work: send what the window allows, the FIN when due, ACKs; true when over.
  var step = function (x) {
    var c = x.c;
    if (c.rst) return true;
    if (c.state !== 'ESTABLISHED') return false;
    while (x.data !== null && x.sent < x.data.length) {
      var room = peer.tcpRoom(c);
      var n = Math.min(room, c.mss, x.data.length - x.sent);
      if (n <= 0) break;
      sendPkt(peer.tcpSegment(c, 0x18, x.data, x.sent, n));
      x.sent += n;
      c.needAck = false;
    }
    var allSent = x.data !== null && x.sent === x.data.length;
    if (!x.finSent && allSent && (x.halfClose || c.fin)) {
      sendPkt(peer.tcpSegment(c, 0x11, null, 0, 0));
      x.finSent = true;
      c.needAck = false;
      if (c.fin && x.ms < 0) x.ms = millis() - x.t0;
    }
    if (c.needAck) {
      c.needAck = false;
      sendPkt(peer.tcpSegment(c, 0x10, null, 0, 0));
    }
    return c.fin && x.finSent && c.sndUna === c.sndNxt;
  };

  var bytes = function (s) {
    var b = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
    return b;
  };

  var attach = function (c, text, halfClose) {
    var x = { c: c, data: text === null ? null : bytes(text), sent: 0, halfClose: halfClose, finSent: false, got: '', t0: millis(), ms: -1 };
    c.sink = function (b, o, n) { x.got += String.fromCharCode.apply(null, b.subarray(o, o + n)); };
    active.push(x);
    return x;
  };

  var nextPort = 50000;
  var open = function (port, text, halfClose) {
    var c = peer.tcpOpen(nextPort++, port);
    conns.push(c);
    sendPkt(peer.tcpSegment(c, 0x02, null, 0, 0));
    return attach(c, text, halfClose);
  };

  H.pump = function (cond, ms) {
    var end = millis() + ms;
    for (var guard = 0; guard < 1000000; guard++) {
      var now = millis();
      while (toHost.length > 0 && toHost[0].at <= now) take();
      while (toBoard.length > 0 && toBoard[0].at <= now) __toBoard(toBoard.shift().d);
      for (var i = 0; i < active.length; i++) if (step(active[i])) active[i].over = true;
      if (cond()) return true;
      var next = Infinity;
      if (toHost.length > 0) next = toHost[0].at;
      if (toBoard.length > 0 && toBoard[0].at < next) next = toBoard[0].at;
      for (var k = 0; k < __timers.length; k++) if (__timers[k].at < next) next = __timers[k].at;
      if (next > end) {
        __tick(end - now);
        return cond();
      }
      __tick(next > now ? next - now : 0);
    }
    throw new Error('pump: no progress');
  };

  // Run exchanges until all are over; then forget them and their connections.
  var run = function (xs, ms) {
    var ok = H.pump(function () {
      for (var i = 0; i < xs.length; i++) if (!xs[i].over) return false;
      return true;
    }, ms);
    active = [];
    conns = [];
    if (!ok) throw new Error('exchange not over within ' + ms + ' ms');
    var out = [];
    for (var j = 0; j < xs.length; j++) out.push({ text: xs[j].got, fin: xs[j].c.fin && !xs[j].c.rst, ms: xs[j].ms });
    return out;
  };

  H.get = function () {
    return run([open(80, 'GET / HTTP/1.0\r\nHost: 192.168.190.2\r\n\r\n', false)], 10000)[0];
  };
  H.exchange = function (port, text, halfClose) {
    return run([open(port, text, halfClose)], 20000)[0];
  };
  // Two echo clients, both connected before either sends.
  H.both = function (a, b) {
    var x = open(7, null, true);
    var y = open(7, null, true);
    H.pump(function () { return x.c.state === 'ESTABLISHED' && y.c.state === 'ESTABLISHED'; }, 5000);
    H.pump(function () { return false; }, 100);
    x.data = bytes(a);
    y.data = bytes(b);
    return run([x, y], 20000);
  };
  // Any request (up to its blank line) gets `page` with HTTP/1.0 headers, then our FIN.
  H.serve = function (port, page) {
    var resp = 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ' + page.length + '\r\n\r\n' + page;
    listeners[port] = function (c) {
      var x = attach(c, null, true);
      var sink = c.sink;
      c.sink = function (b, o, n) {
        sink(b, o, n);
        if (x.data === null && x.got.indexOf('\r\n\r\n') >= 0) {
          H.lastRequest = x.got;
          x.data = bytes(resp);
        }
      };
    };
  };
  return H;
})();
