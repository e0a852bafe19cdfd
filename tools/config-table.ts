/**
 * The README's configuration table, printed from src/config.ts's SETTINGS (the one source of
 * truth for every setting). `npx tsx tools/config-table.ts` prints it; test/readme.test.ts
 * holds the README's copy equal to it.
 */
import { pathToFileURL } from 'node:url';
import { SETTINGS, SETTING_NAMES, DEFAULTS, fixedRam } from '../src/config.js';
import type { Setting } from '../src/config.js';

/** The table's lines, header included. */
export function configTable(): string[] {
  const lines = [
    '| setting | default | unit | what it is | RAM cost (octets) | at the default |',
    '|---|---|---|---|---|---|',
  ];
  for (const name of SETTING_NAMES) {
    const s = SETTINGS[name] as Setting<unknown>;
    const def = typeof s.def === 'function' ? s.defText ?? '(derived)' : JSON.stringify(s.def);
    lines.push('| `' + name + '` | ' + def + ' | ' + s.unit + ' | ' + s.doc + ' | ' + (s.cost ?? '0') + ' | ' +
      (s.ram !== undefined ? s.ram(DEFAULTS) : 0) + ' |');
  }
  lines.push('| (fixed) | | | one 32-bit counter per drop reason and per event, the ISN hash state, and the SACK block edges of the two segment reprs | fixed | ' + fixedRam() + ' |');
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(configTable().join('\n'));
