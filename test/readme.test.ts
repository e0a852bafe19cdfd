import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { configTable } from '../tools/config-table.js';

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');
  it('prints the configuration table exactly as src/config.ts defines it (tools/config-table.ts)', () => {
    const lines = readme.split('\n');
    const want = configTable();
    const at = lines.indexOf(want[0]);
    expect(at, 'the table header').toBeGreaterThan(0);
    expect(lines.slice(at, at + want.length)).toEqual(want);
    expect(lines[at + want.length]).toBe('');
  });
  it('keeps set-up to npm install and npm test', () => {
    expect(readme).toMatch(/```sh\nnpm install\nnpm test\n```/);
  });
});
