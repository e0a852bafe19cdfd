/**
 * A HAL wrapper that records every IP packet crossing it, both ways, as a pcap stream
 * (LINKTYPE_RAW: opens in Wireshark and tcpdump), like smoltcp's `phy::PcapWriter`.
 *
 * Contract:
 * - `withPcap(inner, sink, mtu)` returns a HAL that forwards everything to `inner`
 *   unchanged, `wake` included (hal/wrap.ts, the one wrapper); it claims inner's receiver at
 *   once and hands the bytes on to whichever receiver is registered on the wrapper.
 * - The pcap global header goes to `sink` at creation; then one record (16-octet header,
 *   then the packet) per IP packet, sent or received, timestamped with `inner.now()`.
 * - The SLIP framing is undone by two private decoders (one per direction), so the file
 *   holds the IP packets as the stacks see them; frames the decoder rejects (bad escape,
 *   longer than mtu) are not recorded. A received packet is recorded before the receiver
 *   sees it, so a reply sent from inside the receiver is recorded after it.
 * - `sink(buf, off, len)` must consume or copy the bytes before returning (buffers are
 *   reused). Host tools typically append them to a file with fs.writeSync; this module
 *   itself uses no Node modules.
 * - Allocation-free per packet: the header buffers are preallocated.
 */
import type { Hal } from '../src/hal.js';
import { wrapHal } from './wrap.js';
import { SlipDecoder } from '../src/wire/slip.js';
import { pcapGlobalHeader, pcapRecordHeader, GLOBAL_HEADER_LEN, RECORD_HEADER_LEN } from '../src/trace/pcap.js';

/** Where the pcap bytes go; must consume or copy them before returning. */
export type PcapSink = (buf: Uint8Array, off: number, len: number) => void;

/** The tap behind `withPcap`: undoes the SLIP framing both ways and writes one record per packet. */
class PcapTap {
  private clock: Hal;
  private sink: PcapSink;
  private txDecoder: SlipDecoder;
  private rxDecoder: SlipDecoder;
  /** The record header, reused for every packet. */
  private header: Uint8Array;

  constructor(clock: Hal, sink: PcapSink, mtu: number) {
    this.clock = clock;
    this.sink = sink;
    this.header = new Uint8Array(RECORD_HEADER_LEN);
    // The closures are made once here, never per packet.
    this.txDecoder = new SlipDecoder(mtu, (buf: Uint8Array, len: number) => this.record(buf, len));
    this.rxDecoder = new SlipDecoder(mtu, (buf: Uint8Array, len: number) => this.record(buf, len));
    const fileHeader = new Uint8Array(GLOBAL_HEADER_LEN);
    // snaplen = mtu: no packet longer than the decoder buffer is ever recorded.
    pcapGlobalHeader(fileHeader, 0, mtu);
    sink(fileHeader, 0, GLOBAL_HEADER_LEN);
  }

  /** One pcap record: header, then the packet. */
  private record(buf: Uint8Array, len: number): void {
    pcapRecordHeader(this.header, 0, this.clock.now(), len, len);
    this.sink(this.header, 0, RECORD_HEADER_LEN);
    this.sink(buf, 0, len);
  }

  sent(buf: Uint8Array, off: number, len: number): void {
    this.txDecoder.push(buf, off, len);
  }

  received(buf: Uint8Array, off: number, len: number): void {
    this.rxDecoder.push(buf, off, len);
  }
}

/** Wrap `inner` so that every IP packet it carries, both ways, is written to `sink` as pcap. */
export function withPcap(inner: Hal, sink: PcapSink, mtu: number): Hal {
  return wrapHal(inner, new PcapTap(inner, sink, mtu));
}
