import { describe, it, expect } from 'vitest';
import {
  pcapGlobalHeader, pcapRecordHeader, GLOBAL_HEADER_LEN, RECORD_HEADER_LEN, LINKTYPE_RAW,
} from '../../src/trace/pcap.js';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

describe('pcapGlobalHeader', () => {
  it('writes the golden 24 octets: LE magic, v2.4, zone 0, sigfigs 0, snaplen, LINKTYPE_RAW', () => {
    const buf = new Uint8Array(24);
    expect(pcapGlobalHeader(buf, 0, 1500)).toBe(24);
    expect(hex(buf)).toBe(
      'd4 c3 b2 a1 02 00 04 00 00 00 00 00 00 00 00 00 dc 05 00 00 65 00 00 00',
    );
    expect(GLOBAL_HEADER_LEN).toBe(24);
    expect(LINKTYPE_RAW).toBe(101);
  });

  it('writes at an offset and touches nothing else', () => {
    const buf = new Uint8Array(30).fill(0xee);
    pcapGlobalHeader(buf, 3, 0x12345678);
    expect(Array.from(buf.subarray(0, 3))).toEqual([0xee, 0xee, 0xee]);
    expect(Array.from(buf.subarray(27))).toEqual([0xee, 0xee, 0xee]);
    expect(hex(buf.subarray(19, 23))).toBe('78 56 34 12');
    const dv = new DataView(buf.buffer, 3);
    expect(dv.getUint32(0, true)).toBe(0xa1b2c3d4);
  });
});

describe('pcapRecordHeader', () => {
  it('writes the golden 16 octets: seconds, microseconds, caplen, origlen, little-endian', () => {
    const buf = new Uint8Array(16);
    // 12345.678 ms = 12 s + 345678 us
    expect(pcapRecordHeader(buf, 0, 12345.678, 84, 84)).toBe(16);
    expect(hex(buf)).toBe('0c 00 00 00 4e 46 05 00 54 00 00 00 54 00 00 00');
    expect(RECORD_HEADER_LEN).toBe(16);
  });

  it('rounds to the microsecond and carries into the seconds', () => {
    const buf = new Uint8Array(16);
    const dv = new DataView(buf.buffer);
    pcapRecordHeader(buf, 0, 1999.9996, 1, 2);
    expect(dv.getUint32(0, true)).toBe(2);
    expect(dv.getUint32(4, true)).toBe(0);
    pcapRecordHeader(buf, 0, 0.0867, 1, 2);
    expect(dv.getUint32(0, true)).toBe(0);
    expect(dv.getUint32(4, true)).toBe(87);
    expect(dv.getUint32(8, true)).toBe(1);
    expect(dv.getUint32(12, true)).toBe(2);
  });

  it('clamps negative times to 0 and handles times past 2^31 microseconds', () => {
    const buf = new Uint8Array(16);
    const dv = new DataView(buf.buffer);
    pcapRecordHeader(buf, 0, -5, 0, 0);
    expect(dv.getUint32(0, true)).toBe(0);
    expect(dv.getUint32(4, true)).toBe(0);
    // 40 days of virtual time
    pcapRecordHeader(buf, 0, 40 * 86400 * 1000 + 0.001, 0, 0);
    expect(dv.getUint32(0, true)).toBe(40 * 86400);
    expect(dv.getUint32(4, true)).toBe(1);
  });
});
