/**
 * The generated state-grid scripts are what their generator writes: every file
 * test/scripts/gen/generate.ts produces is committed with exactly that text, and nothing else
 * lives in the folders it owns (test/scripts/states/*.pkt, test/scripts/rfc5961/*.pkt).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, SCRIPTS } from './generate.js';
import { CLOSED_ROWS, LISTEN_ROWS, SYN_SENT_ROWS, GENERIC_ROWS, SPECIAL_ROWS, SEGMENT_KINDS } from './cells.js';
import { SYNC_STATES } from './model.js';

const HINT = ' (regenerate with: npx tsx test/scripts/gen/generate.ts)';

describe('the state-grid generator', () => {
  const out = generate();

  it('writes one script per cell of the table and one RFC 5961 grid per synchronized state', () => {
    // CLOSED and LISTEN have no out-of-window cell; LISTEN's SYN cell is the handshake itself.
    expect(CLOSED_ROWS).toHaveLength(8);
    expect(LISTEN_ROWS.length + 1).toBe(8);
    expect(SYN_SENT_ROWS.map((r) => r.segment)).toEqual([...SEGMENT_KINDS]);
    expect(GENERIC_ROWS.length + 3).toBe(SEGMENT_KINDS.length);
    expect(SPECIAL_ROWS).toHaveLength(3 * SYNC_STATES.length);
    expect(out).toHaveLength(8 + 8 + 9 + 9 * SYNC_STATES.length + SYNC_STATES.length);
    expect(new Set(out.map((o) => o.dir + '/' + o.name)).size).toBe(out.length);
  });

  it('regenerates every committed script byte for byte', () => {
    const differ = out.filter((o) => {
      const p = join(SCRIPTS, o.dir, o.name);
      return !existsSync(p) || readFileSync(p, 'utf8') !== o.text;
    }).map((o) => o.dir + '/' + o.name);
    expect(differ, 'scripts that differ from the generator' + HINT).toEqual([]);
  });

  it('owns every script in its folders: none is left over from an older table', () => {
    const made = new Set(out.map((o) => o.dir + '/' + o.name));
    const committed = ['states', 'rfc5961'].flatMap((d) => readdirSync(join(SCRIPTS, d)).filter((f) => f.endsWith('.pkt')).map((f) => d + '/' + f));
    expect(committed.filter((f) => !made.has(f)), 'scripts the generator no longer writes' + HINT).toEqual([]);
  });
});
