/**
 * The lessons, as data: each is a short script of application calls on two ends, A
 * (192.168.190.1, on the left) and B (192.168.190.2, on the right), at times on the virtual
 * clock, plus the segments it drops and the moments for netstat tables.
 *
 * To add a lesson, append an entry to LESSONS: a name (the command-line word), a title and a
 * few lines of explanation in English and Simplified Chinese, the RFC figure it follows, the
 * steps, and `until` (when the run stops). A step runs at `at` ms; with `when` it then waits
 * until that end's column shows the state, and `after` ms more. Actions: listen, connect,
 * connect-from (send from a listening endpoint), write, read, stop-reading, shutdown, close,
 * abort, keepalive, no-accept, reboot, inject (a hand-made segment, e.g. spoofed). Then add
 * its expected state sequences to test/trace/lessons.test.ts and make its golden files
 * (UPDATE_GOLDEN=1 npx vitest run test/trace/lessons.test.ts).
 */
import type { StackConfig } from '../../src/config.js';
import * as C from '../../src/tcp/constants.js';
import * as tcpw from '../../src/wire/tcp.js';

export type Action = 'listen' | 'connect' | 'connect-from' | 'write' | 'read' | 'stop-reading' | 'shutdown' | 'close' |
  'abort' | 'keepalive' | 'no-accept' | 'reboot' | 'inject';

/** One application call of a lesson script. */
export interface Step {
  /** Not before this time, ms. */
  at: number;
  /** Then wait until this end's column shows this state... */
  when?: { end: number; state: number };
  /** ...and this many ms more. */
  after?: number;
  /** 0 = A, 1 = B. */
  end: number;
  do: Action;
  /** Remote port (connect, connect-from, inject) or local port (listen). */
  port?: number;
  /** Local port (connect, connect-from, inject's source port). */
  lport?: number;
  /** Octets to write. */
  bytes?: number;
  /** inject: source address, flags, absolute sequence number, and how to call it. */
  src?: string;
  flags?: number;
  seq?: number;
  note?: string;
}

export interface Lesson {
  name: string;
  title: string;
  titleZh: string;
  /** A few lines on what to watch for. */
  about: string[];
  aboutZh: string[];
  /** Where the RFCs draw it. */
  rfc: string;
  /** Roles of A and B (keys of the strings table: client, server, peer, attacker+client). */
  roles: string[];
  /** Stack settings of A and B on top of the lesson world's. */
  config?: StackConfig[];
  /** Segments this lesson drops ('a>b:4'). */
  drops?: string[];
  steps: Step[];
  /** The run stops here, ms. */
  until: number;
  /** Moments for netstat tables, ms. */
  netstatAt: number[];
}

const A = 0;
const B = 1;
/** The handshake every connection-level lesson starts with: B listens on 80, A connects from 40000. */
const OPEN: Step[] = [
  { at: 0, end: B, do: 'listen', port: 80 },
  { at: 0, end: A, do: 'connect', port: 80, lport: 40000 },
];

export const LESSONS: Lesson[] = [
  {
    name: 'handshake', title: 'The three-way handshake', titleZh: '三次握手',
    about: ['A opens actively (SYN), B passively (LISTEN). Each side\'s SYN is acknowledged by the other:',
      'SYN, SYN-ACK, ACK. Sequence numbers are relative to each side\'s ISN, as packetdrill prints them.'],
    aboutZh: ['A 主动打开（发 SYN），B 被动打开（LISTEN）。双方的 SYN 都要被对方确认：',
      'SYN、SYN-ACK、ACK。序号相对各自的初始序号（ISN），与 packetdrill 的写法一致。'],
    rfc: 'RFC 9293 §3.5, Figure 6', roles: ['client', 'server'],
    steps: OPEN, until: 200, netstatAt: [200],
  },
  {
    name: 'close', title: 'The four-way close', titleZh: '四次挥手',
    about: ['A closes first: FIN, ACK; later B closes: FIN, ACK. The side that closes first waits in',
      'TIME-WAIT for 2·MSL so that its last ACK can be repeated and old segments die out.'],
    aboutZh: ['A 先关闭：FIN、ACK；之后 B 关闭：FIN、ACK。先关闭的一方在 TIME-WAIT 等待 2·MSL，',
      '以便重发最后的 ACK，并让网络中的旧报文段消失。'],
    rfc: 'RFC 9293 §3.6, Figure 12', roles: ['client', 'server'],
    steps: OPEN.concat([
      { at: 100, end: A, do: 'close' },
      { at: 100, when: { end: B, state: C.CLOSE_WAIT }, after: 50, end: B, do: 'close' },
    ]),
    until: 2500, netstatAt: [300, 2500],
  },
  {
    name: 'half-close', title: 'Half-close: one direction ends, the other goes on', titleZh: '半关闭',
    about: ['A sends a request and shuts down its sending side (FIN). B, in CLOSE-WAIT, can still send:',
      'A, in FIN-WAIT-2, keeps receiving until B\'s FIN.'],
    aboutZh: ['A 发出请求后关闭发送方向（FIN）。B 处于 CLOSE-WAIT 仍可继续发送数据，',
      'A 在 FIN-WAIT-2 中继续接收，直到 B 发来 FIN。'],
    rfc: 'RFC 9293 §3.6.1', roles: ['client', 'server'],
    steps: OPEN.concat([
      { at: 100, end: A, do: 'write', bytes: 100 },
      { at: 100, end: A, do: 'shutdown' },
      { at: 100, when: { end: B, state: C.CLOSE_WAIT }, after: 20, end: B, do: 'write', bytes: 600 },
      { at: 400, end: B, do: 'close' },
      { at: 400, when: { end: A, state: C.TIME_WAIT }, end: A, do: 'close' },
    ]),
    until: 3000, netstatAt: [250],
  },
  {
    name: 'simultaneous-open', title: 'Simultaneous open', titleZh: '同时打开',
    about: ['Both ends connect to each other at the same moment: the SYNs cross. Each end, in SYN-SENT,',
      'receives a SYN and goes to SYN-RECEIVED; each SYN-ACK then completes the other side.'],
    aboutZh: ['两端同时向对方发起连接，两个 SYN 在线路上交叉。每一端在 SYN-SENT 收到 SYN 后进入',
      'SYN-RECEIVED；随后各自的 SYN-ACK 使双方进入 ESTABLISHED。'],
    rfc: 'RFC 9293 §3.5, Figure 8', roles: ['peer', 'peer'],
    steps: [
      { at: 0, end: A, do: 'connect', port: 5000, lport: 40000 },
      { at: 0, end: B, do: 'connect', port: 40000, lport: 5000 },
    ],
    until: 200, netstatAt: [200],
  },
  {
    name: 'simultaneous-close', title: 'Simultaneous close', titleZh: '同时关闭',
    about: ['Both ends close at the same moment: the FINs cross. Each end, in FIN-WAIT-1, receives a FIN',
      'that does not acknowledge its own: CLOSING. The ACKs then move both to TIME-WAIT.'],
    aboutZh: ['两端同时关闭，两个 FIN 交叉。每一端在 FIN-WAIT-1 收到的 FIN 并未确认自己的 FIN，',
      '于是进入 CLOSING；随后的 ACK 使双方都进入 TIME-WAIT。'],
    rfc: 'RFC 9293 §3.6, Figure 13', roles: ['peer', 'peer'],
    steps: OPEN.concat([
      { at: 100, end: A, do: 'close' },
      { at: 100, end: B, do: 'close' },
    ]),
    until: 2500, netstatAt: [150],
  },
  {
    name: 'syn-rcvd-rst', title: 'An old duplicate SYN: SYN-RECEIVED, RST, back to LISTEN', titleZh: '旧的重复 SYN：SYN-RECEIVED 收到 RST 回到 LISTEN',
    about: ['An old SYN of A\'s from a past connection turns up first. B answers it; A has no such',
      'connection and resets it, and B goes back to LISTEN. A\'s real connection then gets in.'],
    aboutZh: ['A 过去某个连接的旧 SYN 先到达。B 回应 SYN-ACK；A 没有这个连接，回以 RST，',
      'B 回到 LISTEN。随后 A 真正的连接顺利建立。'],
    rfc: 'RFC 9293 §3.5, Figure 9', roles: ['client', 'server'],
    steps: [
      { at: 0, end: B, do: 'listen', port: 80 },
      { at: 0, end: A, do: 'inject', src: '192.168.190.1', lport: 40000, port: 80, flags: tcpw.SYN, seq: 0x1000, note: 'an old duplicate SYN (seq 4096) arrives from the past' },
      { at: 100, end: A, do: 'connect', port: 80, lport: 40000 },
    ],
    until: 300, netstatAt: [300],
  },
  {
    name: 'time-wait', title: 'TIME-WAIT at work: the last ACK is lost', titleZh: 'TIME-WAIT 的作用：最后的 ACK 丢失',
    about: ['A closes first and ends in TIME-WAIT. Its ACK of B\'s FIN is lost, so B repeats the FIN;',
      'A, still in TIME-WAIT, acknowledges it again and restarts its 2·MSL timer. B can close cleanly.'],
    aboutZh: ['A 先关闭，最后进入 TIME-WAIT。A 对 B 的 FIN 的 ACK 丢失，B 重传 FIN；',
      'A 仍在 TIME-WAIT，于是再次确认并重新开始 2·MSL 计时。B 得以正常关闭。'],
    rfc: 'RFC 9293 §3.6, §3.10.7.4', roles: ['client', 'server'],
    drops: ['a>b:4'],
    steps: OPEN.concat([
      { at: 100, end: A, do: 'close' },
      { at: 100, when: { end: B, state: C.CLOSE_WAIT }, after: 50, end: B, do: 'close' },
    ]),
    until: 3500, netstatAt: [400, 1300],
  },
  {
    name: 'refused', title: 'Connection refused: RST from a closed port', titleZh: '连接被拒绝：关闭端口回 RST',
    about: ['Nobody listens on B\'s port 81. B answers A\'s SYN with RST,ACK; A\'s connect fails at once.'],
    aboutZh: ['B 的 81 端口没有监听。B 以 RST,ACK 回应 A 的 SYN，A 的 connect 立即失败。'],
    rfc: 'RFC 9293 §3.5.2, §3.10.7.1', roles: ['client', 'server'],
    steps: [{ at: 0, end: A, do: 'connect', port: 81, lport: 40000 }],
    until: 100, netstatAt: [],
  },
  {
    name: 'half-open', title: 'A half-open connection: one end reboots, keepalive finds out', titleZh: '半打开连接：一端重启，保活探测发现',
    about: ['A reboots and forgets the connection; B still believes in it. B\'s next segment, a keepalive',
      'probe, reaches A, which knows no such connection and answers RST: B closes it.'],
    aboutZh: ['A 重启后忘记了连接，而 B 仍认为连接存在。B 的下一个报文段（保活探测）到达 A，',
      'A 没有这个连接，回以 RST，B 随即关闭连接。'],
    rfc: 'RFC 9293 §3.5.1, §3.8.4', roles: ['client', 'server'],
    config: [{}, { tcpKeepIdle: 2000, tcpKeepIntvl: 1000 }],
    steps: OPEN.concat([
      { at: 0, when: { end: B, state: C.ESTABLISHED }, end: B, do: 'keepalive' },
      { at: 500, end: A, do: 'reboot' },
    ]),
    until: 2500, netstatAt: [1000],
  },
  {
    name: 'listen-send', title: 'A listening endpoint sends: LISTEN → SYN-SENT', titleZh: '监听端发送数据：LISTEN → SYN-SENT',
    about: ['A listens on port 4000, then sends to B: RFC 9293 lets a passive endpoint become active,',
      'so LISTEN moves to SYN-SENT and the handshake runs as usual.'],
    aboutZh: ['A 在 4000 端口监听，然后向 B 发送：RFC 9293 允许被动端点转为主动，',
      '于是从 LISTEN 进入 SYN-SENT，握手照常进行。'],
    rfc: 'RFC 9293 §3.10.2, Figure 5', roles: ['peer', 'server'],
    steps: [
      { at: 0, end: B, do: 'listen', port: 80 },
      { at: 0, end: A, do: 'listen', port: 4000 },
      { at: 10, end: A, do: 'connect-from', lport: 4000, port: 80 },
    ],
    until: 200, netstatAt: [],
  },
  {
    name: 'syn-flood', title: 'SYN flood: SYN-RECEIVED fills, cookies take over', titleZh: 'SYN 洪泛：半连接队列占满，SYN cookie 接管',
    about: ['Spoofed SYNs from 10.0.0.x fill B\'s SYN-RECEIVED slots (2 of 4). Past that, B answers',
      'with SYN cookies and keeps no state; A\'s real connection still gets in with its cookie.'],
    aboutZh: ['来自 10.0.0.x 的伪造 SYN 占满 B 的 SYN-RECEIVED 槽位（4 个中的 2 个）。此后 B 用 SYN cookie',
      '回应而不保存状态；A 的真实连接凭 cookie 依然能够建立。'],
    rfc: 'RFC 4987 §3.6', roles: ['attacker+client', 'server'],
    steps: [
      { at: 0, end: B, do: 'listen', port: 80 },
      { at: 0, end: A, do: 'inject', src: '10.0.0.1', lport: 1001, port: 80, flags: tcpw.SYN, seq: 111, note: 'spoofed SYN from 10.0.0.1' },
      { at: 1, end: A, do: 'inject', src: '10.0.0.2', lport: 1002, port: 80, flags: tcpw.SYN, seq: 222, note: 'spoofed SYN from 10.0.0.2' },
      { at: 2, end: A, do: 'inject', src: '10.0.0.3', lport: 1003, port: 80, flags: tcpw.SYN, seq: 333, note: 'spoofed SYN from 10.0.0.3' },
      { at: 3, end: A, do: 'inject', src: '10.0.0.4', lport: 1004, port: 80, flags: tcpw.SYN, seq: 444, note: 'spoofed SYN from 10.0.0.4' },
      { at: 50, end: A, do: 'connect', port: 80, lport: 40000 },
    ],
    until: 300, netstatAt: [300],
  },
  {
    name: 'loss', title: 'A lost data segment: RTO, then fast retransmit with SACK', titleZh: '数据段丢失：超时重传，然后借助 SACK 快速重传',
    about: ['First the last segment of a burst is lost: no duplicate ACKs can come, so the retransmission',
      'timer fires. Then the first of a burst is lost: the segments behind it draw duplicate ACKs',
      'with SACK blocks, and A resends the hole at once.'],
    aboutZh: ['先是一批数据的最后一段丢失：不会有重复 ACK，只能等重传计时器超时。',
      '随后一批数据的第一段丢失：后面的报文段引出带 SACK 块的重复 ACK，A 立即重传空缺。'],
    rfc: 'RFC 6298 §5, RFC 5681 §3.2, RFC 6675', roles: ['client', 'server'],
    drops: ['a>b:4', 'a>b:6'],
    steps: OPEN.concat([
      { at: 100, end: A, do: 'write', bytes: 512 },
      { at: 2000, end: A, do: 'write', bytes: 1024 },
    ]),
    until: 3000, netstatAt: [200, 2100],
  },
  {
    name: 'zero-window', title: 'Zero window: persist probes', titleZh: '零窗口：坚持计时器探测',
    about: ['B\'s application stops reading; its receive window closes to 0. A keeps probing with the',
      'persist timer (backing off) until B reads and announces an open window.'],
    aboutZh: ['B 的应用停止读取，接收窗口降为 0。A 依靠坚持计时器不断发送零窗口探测（间隔指数退避），',
      '直到 B 读取数据并通告窗口重新打开。'],
    rfc: 'RFC 9293 §3.8.6.1', roles: ['client', 'server'],
    steps: ([{ at: 0, end: B, do: 'stop-reading' }] as Step[]).concat(OPEN, [
      { at: 100, end: A, do: 'write', bytes: 1536 },
      { at: 5000, end: B, do: 'read' },
    ]),
    until: 5500, netstatAt: [2000],
  },
  {
    name: 'fin-wait-2', title: 'FIN-WAIT-2 and a peer that never closes', titleZh: 'FIN-WAIT-2：对端迟迟不关闭',
    about: ['A closes; B acknowledges but never closes, so A waits in FIN-WAIT-2 and B sits in CLOSE-WAIT.',
      'A gives up after its FIN-WAIT-2 timer; when B finally closes, its FIN draws a RST.'],
    aboutZh: ['A 关闭；B 确认后却一直不关闭，A 停在 FIN-WAIT-2，B 停在 CLOSE-WAIT。',
      'A 的 FIN-WAIT-2 计时器到期后放弃；B 最终关闭时，它的 FIN 换来一个 RST。'],
    rfc: 'RFC 9293 §3.6', roles: ['client', 'server'],
    config: [{ tcpFinWait2Timeout: 3000 }, {}],
    steps: OPEN.concat([
      { at: 100, end: A, do: 'close' },
      { at: 5000, end: B, do: 'close' },
    ]),
    until: 5500, netstatAt: [1000, 4000],
  },
];

/** The lesson called `name`, or undefined. */
export function findLesson(name: string): Lesson | undefined {
  for (const l of LESSONS) if (l.name === name) return l;
  return undefined;
}
