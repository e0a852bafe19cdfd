// subset: host-only
/**
 * The words of the teaching views in English and Simplified Chinese: labels, roles, what each
 * of the 11 states means, and the reasons for transitions and segments (the English ones come
 * from src/trace/explain.ts; RFC section numbers are the same in both languages).
 *
 * Contract: `strings(lang)` returns the table for 'en' or 'zh' (anything else: English).
 * State names stay as RFC 9293 writes them (ESTABLISHED, TIME-WAIT...) in both languages,
 * as Chinese textbooks keep them too; their descriptions are translated.
 */
import * as C from '../tcp/constants.js';
import * as ev from './events.js';
import { causeText, causeSection, whyText, whySection, stateName, CAUSE_REBOOT } from './explain.js';

export interface Strings {
  lang: string;
  time: string;
  segment: string;
  line: string;
  /** 'ms one way' after the latency. */
  oneWay: string;
  relative: string;
  lost: string;
  dropped: string;
  inFlight: string;
  discarded: string;
  spoofed: string;
  states: string;
  enteredAt: string;
  spent: string;
  still: string;
  netstatAt: string;
  none: string;
  roles: Record<string, string>;
  /** What a state means (one short phrase). */
  stateDesc(s: number): string;
  /** 'rcv FIN in FIN-WAIT-1 → CLOSING, §3.10.7.4 eighth'. */
  transition(from: number, to: number, cause: number): string;
  /** 'delayed-ACK timer, §3.8.6.3'. */
  why(why: number): string;
}

const STATE_DESC_EN: string[] = [
  'no connection', 'waiting for a SYN', 'sent a SYN, waiting for a matching SYN',
  'got a SYN and sent one, waiting for its ACK', 'open: data flows both ways',
  'closed, our FIN not yet acknowledged', 'our FIN acknowledged, waiting for the peer\'s FIN',
  'the peer closed, waiting for our application to close', 'both FINs sent, waiting for the ACK of ours',
  'the peer closed, then we did: waiting for the ACK of our FIN', 'waiting 2·MSL so that old segments die out',
];

const STATE_DESC_ZH: string[] = [
  '无连接', '等待 SYN（被动打开）', '已发送 SYN，等待对方的 SYN', '已收到并发送 SYN，等待确认',
  '连接已建立，双向传输数据', '已发送 FIN，等待确认', '己方 FIN 已被确认，等待对方的 FIN',
  '对方已关闭，等待本方应用关闭', '双方都发了 FIN，等待己方 FIN 的确认', '对方先关闭、本方随后关闭，等待最后的确认',
  '等待 2·MSL，让旧报文段在网络中消失',
];

/** The Chinese cause of a transition (mirrors explain.causeText). */
function causeZh(from: number, to: number, cause: number): string {
  const f = stateName(from);
  switch (cause) {
    case ev.CAUSE_CONNECT: return '主动打开（connect）';
    case ev.CAUSE_LISTEN: return '被动打开（listen）';
    case ev.CAUSE_SEND: return '在 LISTEN 状态发送：端点转为主动';
    case ev.CAUSE_RCV_SYN: return from === C.SYN_SENT ? '在 SYN-SENT 收到 SYN（同时打开）' : '在 ' + f + ' 收到 SYN';
    case ev.CAUSE_RCV_SYN_ACK: return '在 SYN-SENT 收到 SYN,ACK';
    case ev.CAUSE_RCV_ACK: return '在 ' + f + ' 收到对己方 ' + (from === C.SYN_RECEIVED ? 'SYN' : 'FIN') + ' 的 ACK';
    case ev.CAUSE_RCV_FIN: return '在 ' + f + ' 收到 FIN';
    case ev.CAUSE_RCV_FIN_ACK: return '在 ' + f + ' 收到同时确认己方 FIN 的 FIN';
    case ev.CAUSE_RCV_RST:
      if (from === C.SYN_SENT) return '在 SYN-SENT 收到 RST,ACK：连接被拒绝';
      if (to === C.LISTEN) return '在 SYN-RECEIVED 收到 RST（被动打开）';
      return '在 ' + f + ' 收到 RST';
    case ev.CAUSE_CLOSE:
      if (to === C.CLOSED && from !== C.SYN_SENT && from !== C.LISTEN) return '关闭时仍有未读数据：发送 RST';
      return '在 ' + f + ' 关闭（CLOSE）';
    case ev.CAUSE_ABORT: return '在 ' + f + ' 中止（ABORT）';
    case ev.CAUSE_TIMEOUT_2MSL: return 'TIME-WAIT 的 2·MSL 计时器到期';
    case ev.CAUSE_TIMEOUT_RTX:
      if (from === C.SYN_SENT) return 'SYN 重传次数用尽';
      if (from === C.SYN_RECEIVED) return 'SYN,ACK 重传次数用尽';
      return '重传超时放弃（R2）';
    case ev.CAUSE_TIMEOUT_FIN_WAIT_2: return 'FIN-WAIT-2 计时器到期：对端始终未关闭';
    case ev.CAUSE_RECYCLE: return 'TIME-WAIT 槽位被新连接复用';
    case ev.CAUSE_COOKIE: return '在 LISTEN 收到带有效 SYN cookie 的 ACK';
    case ev.CAUSE_UNLISTEN: return '其监听端点已关闭';
    case ev.CAUSE_ICMP: return '在 SYN-SENT 收到 ICMP 不可达';
    case ev.CAUSE_TIMEOUT_KEEPALIVE: return '保活探测无应答';
    case CAUSE_REBOOT: return '主机重启：所有连接状态丢失';
    default: return '原因 ' + cause;
  }
}

/** The Chinese reason a segment was sent (mirrors explain.whyText). */
function whyZh(why: number): string {
  switch (why) {
    case ev.WHY_SYN: return 'SYN：主动打开';
    case ev.WHY_SYN_ACK: return 'SYN,ACK：回应 SYN';
    case ev.WHY_DATA: return '新数据';
    case ev.WHY_ACK: return '立即确认';
    case ev.WHY_DELAYED_ACK: return '延迟确认计时器到期';
    case ev.WHY_WINDOW_UPDATE: return '窗口更新：应用读取了数据';
    case ev.WHY_FIN: return 'FIN：应用关闭';
    case ev.WHY_RTO: return '超时重传';
    case ev.WHY_FAST_RETRANSMIT: return '快速重传：收到重复 ACK';
    case ev.WHY_SACK_RETRANSMIT: return 'SACK 重传：对方报告的空缺';
    case ev.WHY_PERSIST: return '零窗口探测（坚持计时器）';
    case ev.WHY_KEEPALIVE: return '保活探测';
    case ev.WHY_CHALLENGE_ACK: return '挑战 ACK：不可接受的报文段';
    case ev.WHY_RST: return 'RST：没有这个连接，或 ACK 无效';
    case ev.WHY_RST_ABORT: return 'RST：应用中止连接';
    case ev.WHY_COOKIE: return '携带 SYN cookie 的 SYN,ACK';
    case ev.WHY_TIME_WAIT_ACK: return 'TIME-WAIT 再次确认重传的 FIN，2·MSL 重新计时';
    case -1: return '由课程注入';
    default: return '';
  }
}

/** Join a text and its section: 'text, §x' (or just the text). */
function withSection(text: string, sec: string): string {
  return sec !== '' ? text + ', ' + sec : text;
}

const EN: Strings = {
  lang: 'en',
  time: 'time ms',
  segment: 'segment',
  line: 'line',
  oneWay: 'ms one way',
  relative: 'sequence numbers are relative to each side\'s ISN',
  lost: 'lost on the line',
  dropped: 'dropped',
  inFlight: 'in flight',
  discarded: 'discarded',
  spoofed: 'spoofed',
  states: 'states',
  enteredAt: 'entered at',
  spent: 'time spent',
  still: 'still',
  netstatAt: 'netstat at',
  none: '(no sockets)',
  roles: { client: 'client', server: 'server', peer: 'peer', 'attacker+client': 'attacker and client' },
  stateDesc: function (s) { return STATE_DESC_EN[s] || ''; },
  transition: function (from, to, cause) { return withSection(causeText(from, to, cause) + ' → ' + stateName(to), causeSection(from, to, cause)); },
  why: function (w) { return withSection(whyText(w), whySection(w)); },
};

const ZH: Strings = {
  lang: 'zh',
  time: '时间 ms',
  segment: '报文段',
  line: '线路',
  oneWay: 'ms 单程时延',
  relative: '序号相对各方的初始序号（ISN）',
  lost: '在线路上丢失',
  dropped: '被丢弃',
  inFlight: '传输中',
  discarded: '被丢弃',
  spoofed: '伪造',
  states: '状态',
  enteredAt: '进入时间',
  spent: '停留时长',
  still: '仍处于',
  netstatAt: 'netstat 时刻',
  none: '（无套接字）',
  roles: { client: '客户端', server: '服务器', peer: '对等端', 'attacker+client': '攻击者兼客户端' },
  stateDesc: function (s) { return STATE_DESC_ZH[s] || ''; },
  transition: function (from, to, cause) { return withSection(causeZh(from, to, cause) + ' → ' + stateName(to), causeSection(from, to, cause)); },
  why: function (w) { return withSection(whyZh(w), whySection(w)); },
};

/** The strings of a language: 'zh' for Simplified Chinese, anything else English. */
export function strings(lang: string): Strings {
  return lang === 'zh' ? ZH : EN;
}

/** Terminal columns a string takes: CJK and full-width characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    const wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6);
    w += wide ? 2 : 1;
  }
  return w;
}
