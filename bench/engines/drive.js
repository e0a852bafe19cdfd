// The in-engine driver: exchanges between the peer (peer.js) and the board bundle running in
// the same interpreter, for the JerryScript engine test and bench/board.ts (and, in Node, for
// test/bench/engines/peer.test.ts). Plain ES5, as peer.js. (On Espruino the host drives the
// same exchanges instead: espruino-measure.ts.)
//
// The glue (JERRY_GLUE in bench/engines/jerry.ts) defines, before this file runs:
//   __makeChunks(bytes, size) -> what one serial read hands the board, split every `size`
//                               octets (0: the whole frame): fresh Uint8Arrays, as Kaluma's
//                               UART hands them over
//   __deliverChunks(chunks)   -> call the board's serial 'data' listeners with each chunk
//   __takeOutput()            -> the byte arrays the board wrote since the last call
//   __tick(ms)                -> move the virtual clock on (and run due timers where the glue can)
//   __mark()                  -> open/close an instruction-counting window (insn.c), or nothing
// Everything a window measures is the board's own work on the chunks delivered inside it:
// chunks are made before the window opens, output is only collected (copied) inside it and
// decoded after it closes.
var makeDriver = function (peer) {
  var D = {};
  D.labels = []; // one label per closed window, in order

  // Deliver one IP packet, SLIP-framed, in chunks of `chunk` octets; measured if label given.
  D.send = function (pkt, chunk, label) {
    var chunks = __makeChunks(peer.slip(pkt), chunk);
    if (label) __mark();
    __deliverChunks(chunks);
    if (label) {
      __mark();
      D.labels.push(label);
    }
  };

  // Deliver raw chunks (already made) inside a window labelled `label`.
  D.measureChunks = function (chunks, label) {
    __mark();
    __deliverChunks(chunks);
    __mark();
    D.labels.push(label);
  };

  // An empty window: the cost of __mark itself, subtracted from the others.
  D.calibrate = function (label) {
    __mark();
    __mark();
    D.labels.push(label);
  };

  // The IP packets the board wrote since the last call, checked (broken ones are counted in peer.badFrames).
  D.collect = function () {
    var outs = __takeOutput();
    for (var i = 0; i < outs.length; i++) peer.fromBoard(outs[i]);
    var got = [];
    for (var j = 0; j < peer.frames.length; j++) {
      if (peer.check(peer.frames[j]) >= 0) got.push(peer.frames[j]);
    }
    peer.frames = [];
    return got;
  };

  // Ping: true if exactly one intact echo reply with our identifier, sequence and data came back.
  D.ping = function (seq, data, chunk, label) {
    D.send(peer.echoRequest(0x5353, seq, data), chunk, label);
    var got = D.collect();
    if (got.length !== 1) return false;
    var p = got[0];
    var hl = (p[0] & 15) * 4;
    if (p[9] !== 1 || p[hl] !== 0 || peer.get16(p, hl + 4) !== 0x5353 || peer.get16(p, hl + 6) !== seq) return false;
    if (p.length - hl - 8 !== data.length) return false;
    for (var i = 0; i < data.length; i++) if (p[hl + 8 + i] !== data[i]) return false;
    return true;
  };

  // UDP echo (RFC 862): the datagram's payload that came back from port 7, or null.
  D.udpEcho = function (srcPort, data) {
    D.send(peer.udp(srcPort, 7, data), 0, null);
    var got = D.collect();
    for (var i = 0; i < got.length; i++) {
      var p = got[i];
      var hl = (p[0] & 15) * 4;
      if (p[9] === 17 && peer.get16(p, hl) === 7 && peer.get16(p, hl + 2) === srcPort) return p.slice(hl + 8);
    }
    return null;
  };

  // Feed the board's TCP packets to connection c; returns how many were for it.
  D.tcpTake = function (c) {
    var got = D.collect();
    var n = 0;
    for (var i = 0; i < got.length; i++) if (got[i][9] === 6 && peer.tcpInput(c, got[i])) n++;
    return n;
  };

  // Send an ACK if c owes one (measured if label given).
  D.tcpAck = function (c, chunk, label) {
    if (!c.needAck) return;
    c.needAck = false;
    D.send(peer.tcpSegment(c, 0x10, null, 0, 0), chunk, label);
  };

  // Open a connection from lport to the board's port; returns it (state ESTABLISHED on success).
  D.tcpConnect = function (lport, port) {
    var c = peer.tcpOpen(lport, port);
    D.send(peer.tcpSegment(c, 0x02, null, 0, 0), 0, null);
    D.tcpTake(c);
    D.tcpAck(c, 0, null);
    D.tcpTake(c);
    return c;
  };

  // Run the exchange until `done()` or `rounds` rounds pass: send what the window allows from
  // data[sent...], take what comes back, ACK it, and move the clock on when nothing moved.
  D.tcpRun = function (c, data, done, rounds) {
    var sent = 0;
    for (var r = 0; r < rounds && !done() && !c.rst; r++) {
      var moved = false;
      while (data && sent < data.length && c.state === 'ESTABLISHED') {
        var room = peer.tcpRoom(c);
        var n = Math.min(room, c.mss, data.length - sent);
        if (n <= 0) break;
        D.send(peer.tcpSegment(c, 0x18, data, sent, n), 0, null);
        sent += n;
        moved = true;
        if (D.tcpTake(c) > 0) D.tcpAck(c, 0, null);
      }
      if (D.tcpTake(c) > 0) moved = true;
      if (c.needAck) {
        D.tcpAck(c, 0, null);
        moved = true;
        D.tcpTake(c);
      }
      if (!moved) {
        __tick(50); // let the board's timers (delayed ACK, persist, retransmission) run
        D.tcpTake(c);
      }
    }
    return sent;
  };

  // Close our side and run until the board's FIN came and was ACKed.
  D.tcpClose = function (c, rounds) {
    D.send(peer.tcpSegment(c, 0x11, null, 0, 0), 0, null);
    c.state = 'FIN-SENT';
    D.tcpTake(c);
    D.tcpRun(c, null, function () { return c.fin && !c.needAck; }, rounds);
  };

  return D;
};
