// The in-engine measurements of bench/board.ts on JerryScript (and the engine tests), on top of
// peer.js and drive.js. Plain ES5, as they are. Every measured window is labelled (drive.js
// D.labels), so the host can pair the plugin's window counts with what they measured. On
// Espruino the host runs the same measurements (espruino-measure.ts, the same payloads).
var makeMeasure = function (peer, D) {
  var M = {};
  var seq = 1;

  // A payload of n octets that contains SLIP's END and ESC (so escaping costs what it costs).
  M.data = function (n) {
    var d = new Uint8Array(n);
    for (var i = 0; i < n; i++) d[i] = (i * 7 + 3) & 0xff;
    if (n > 8) { d[3] = 0xc0; d[5] = 0xdb; }
    return d;
  };

  // n pings of `size` data octets, input split every `chunk` octets (0: one piece), measured
  // under `label` (null: not measured). Returns how many came back intact.
  M.pings = function (n, size, chunk, label) {
    var d = M.data(size);
    var ok = 0;
    for (var i = 0; i < n; i++) {
      if (D.ping(seq++ & 0xffff, d, chunk, label)) ok++;
      __tick(1);
    }
    return ok;
  };

  // n times: a ping frame delivered in three pieces, the middle one (`len` octets from octet
  // `len`, no END inside) measured: what a serial chunk that completes no frame costs.
  // Returns how many of the pings were still answered.
  M.partial = function (n, len, label) {
    var d = M.data(56);
    var ok = 0;
    for (var i = 0; i < n; i++) {
      var s = seq++ & 0xffff;
      var frame = peer.slip(peer.echoRequest(0x5353, s, d));
      var head = __makeChunks(frame.slice(0, len), 0);
      var mid = __makeChunks(frame.slice(len, 2 * len), 0);
      var tail = __makeChunks(frame.slice(2 * len), 0);
      __deliverChunks(head);
      D.measureChunks(mid, label);
      __deliverChunks(tail);
      var got = D.collect();
      if (got.length === 1 && got[0][9] === 1) ok++;
      __tick(1);
    }
    return ok;
  };

  // A connection to the echo port (7), established; what comes back is counted, not kept.
  M.open = function (lport) {
    var c = D.tcpConnect(lport, 7);
    c.sink = function () {};
    return c;
  };

  // n rounds on an established echo connection c: one `size`-octet data segment (window
  // `label`+'-data'), the board's echo of it taken, and our ACK of the echo (window
  // `label`+'-ack'), input split every `chunk` octets. Returns how many rounds were echoed whole.
  M.tcpRounds = function (c, n, size, chunk, label) {
    var d = M.data(size);
    var ok = 0;
    for (var i = 0; i < n; i++) {
      var before = c.rxLen;
      D.send(peer.tcpSegment(c, 0x18, d, 0, size), chunk, label ? label + '-data' : null);
      D.tcpTake(c);
      if (c.needAck) {
        c.needAck = false;
        D.send(peer.tcpSegment(c, 0x10, null, 0, 0), chunk, label ? label + '-ack' : null);
      }
      D.tcpTake(c);
      if (c.rxLen - before === size) ok++;
      __tick(5);
    }
    return ok;
  };

  // JerryScript only: wall time of n pings of `size` octets (one prebuilt frame, handed to the
  // UART listener as a fresh copy each time, as a Kaluma UART read hands a new Uint8Array), in
  // ms by Date.now(); the replies are counted, not decoded. Returns [ms, replies]. Meaningful
  // only without the instruction plugin (Date.now() is its window toggle).
  M.timePings = function (n, size) {
    var frame = peer.slip(peer.echoRequest(0x5353, seq++ & 0xffff, M.data(size)));
    var replies = 0;
    var t0 = Date.now();
    for (var i = 0; i < n; i++) {
      __toBoard(frame.slice());
      replies += __takeOutput().length;
    }
    return [Date.now() - t0, replies];
  };

  return M;
};
