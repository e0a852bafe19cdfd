import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SETTINGS, DEFAULTS } from '../src/config.js';

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');
  it('lists every setting with its default and its RAM cost at the default', () => {
    for (const s of SETTINGS) {
      const row = readme.split('\n').find((l) => l.startsWith('| `' + s.name + '` |'));
      expect(row, s.name).toBeDefined();
      const cells = row!.split('|').map((c) => c.trim());
      expect(cells[2]).toBe(JSON.stringify((DEFAULTS as unknown as Record<string, unknown>)[s.name]));
      expect(cells[5]).toBe(String(s.ram(DEFAULTS)));
    }
  });
  it('keeps set-up to npm install and npm test', () => {
    expect(readme).toMatch(/```sh\nnpm install\nnpm test\n```/);
  });
});
