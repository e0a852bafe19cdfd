/**
 * The browser lab in a real browser: Debian's Chromium (/usr/bin/chromium, or
 * SLIPSTACK_CHROMIUM) driven by playwright-core, no browser download. The page is served by
 * `slipstack lab`'s server on 127.0.0.1; the test clicks its buttons and reads what it shows.
 * Without Chromium it says why and skips; under CI=true it must run (.ci/run installs it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startLabServer } from '../../tools/lab/server.js';
import { LESSONS } from '../../tools/lessons/scenarios.js';

const CHROMIUM = process.env.SLIPSTACK_CHROMIUM ?? '/usr/bin/chromium';

function haveChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = CHROMIUM + ' is missing (apt-get install chromium)';
  if (process.env.CI === 'true') throw new Error('the browser lab test must run under CI=true, but ' + why);
  console.warn('skipping the browser lab test: ' + why);
  return false;
}

describe.runIf(haveChromium())('the browser lab in Chromium', () => {
  let ctx: BrowserContext;
  let page: Page;
  let close: () => Promise<void>;
  let profile: string;

  beforeAll(async () => {
    execFileSync(process.execPath, ['build.mjs', '--only=lab', '--quiet'], { stdio: 'inherit' });
    const lab = await startLabServer(join('dist', 'lab'), '127.0.0.1', 0);
    close = lab.close;
    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(join(tmpdir(), 'slipstack-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: false, // --headless below: Debian's build, run the way the command line runs it
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    page = await ctx.newPage();
    await page.setViewportSize({ width: 1650, height: 1200 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(lab.url);
    await page.waitForSelector('#state-a');
    expect(errors).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    if (ctx) await ctx.close();
    if (close) await close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const state = (e: string) => page.textContent('#state-' + e);
  const click = (sel: string) => page.click(sel);
  const call = (e: string, c: string) => click(`button[data-end="${e}"][data-call="${c}"]`);
  /** Press step until cond() holds (at most `max` steps); the states seen on the way. */
  async function stepUntil(cond: () => Promise<boolean>, max: number): Promise<string[][]> {
    const seen: string[][] = [];
    for (let i = 0; i < max; i++) {
      if (await cond()) return seen;
      await click('#step');
      seen.push([(await state('a')) ?? '', (await state('b')) ?? '']);
    }
    throw new Error('the lab never got there in ' + max + ' steps; states seen: ' + JSON.stringify(seen));
  }
  async function established(): Promise<void> {
    await click('#reset');
    await call('b', 'listen');
    await call('a', 'connect');
    await stepUntil(async () => (await state('a')) === 'ESTABLISHED' && (await state('b')) === 'ESTABLISHED', 20);
  }

  it('simultaneous close: both ends pass through CLOSING, then TIME-WAIT', async () => {
    await established();
    await call('a', 'close');
    await call('b', 'close');
    expect([await state('a'), await state('b')]).toEqual(['FIN-WAIT-1', 'FIN-WAIT-1']);
    const seen = await stepUntil(async () => (await state('a')) === 'TIME-WAIT' && (await state('b')) === 'TIME-WAIT', 20);
    expect(seen.some((s) => s[0] === 'CLOSING')).toBe(true);
    expect(seen.some((s) => s[1] === 'CLOSING')).toBe(true);
    // The timelines on the page list CLOSING for both ends, between FIN-WAIT-1 and TIME-WAIT.
    for (const e of ['a', 'b']) {
      const rows = await page.$$eval(`#timeline-${e} tr`, (trs) => trs.map((tr) => tr.getAttribute('data-state')));
      expect(rows.slice(-4)).toEqual(['ESTABLISHED', 'FIN-WAIT-1', 'CLOSING', 'TIME-WAIT']);
    }
    // The SVG draws CLOSING bands on both sides.
    expect(await page.$$eval('#diagram rect.band[data-state="CLOSING"]', (r) => r.map((x) => x.getAttribute('data-end')))).toEqual(['0', '1']);
  });

  it('a dropped final ACK: B repeats its FIN and TIME-WAIT acknowledges it again; undo brings the ACK back', async () => {
    await established();
    await call('a', 'close');
    await stepUntil(async () => (await state('b')) === 'CLOSE-WAIT', 10);
    await call('b', 'close');
    await stepUntil(async () => (await state('a')) === 'TIME-WAIT', 10);
    // A's ACK of B's FIN is on the line: click it.
    const flight = await page.$$eval('#diagram g.seg.flight', (gs) => gs.map((g) => Number(g.getAttribute('data-seg'))));
    expect(flight.length).toBe(1);
    const ack = flight[0];
    await click(`#diagram g.seg.flight[data-seg="${ack}"] circle.pkt`);
    expect(await page.textContent('#msg')).toBe('dropped #' + ack);
    expect(await page.getAttribute(`#diagram g.seg[data-seg="${ack}"]`, 'class')).toBe('seg dropped');
    const seen = await stepUntil(async () => (await state('b')) === 'CLOSED', 20);
    expect(seen.every((s) => s[1] === 'LAST-ACK' || s[1] === 'CLOSED')).toBe(true);
    expect(await state('a')).toBe('TIME-WAIT');
    const ladder = (await page.textContent('#ladder')) ?? '';
    const lines = ladder.split('\n');
    const again = lines.findIndex((l) => /◀─+ #\d+ F\. /.test(l) && l.includes('retransmission timeout'));
    expect(again).toBeGreaterThan(0);
    // After the repeated FIN reaches A (in TIME-WAIT), A sends an ACK, and that ACK closes B.
    const reack = lines.findIndex((l, i) => i > again && /#\d+ \. 2:2\(0\) ack 2 .*─▶/.test(l));
    expect(reack).toBeGreaterThan(again);
    expect(lines.slice(reack).some((l) => l.includes('B: rcv ACK of our FIN in LAST-ACK → CLOSED'))).toBe(true);
    mkdirSync('out', { recursive: true });
    await page.screenshot({ path: join('out', 'lab.png'), fullPage: false });
    // Undo takes back the drop: the log is replayed to the moment of the click, the ACK is in flight again.
    await click('#undo');
    expect(await page.getAttribute(`#diagram g.seg[data-seg="${ack}"]`, 'class')).toBe('seg flight');
    expect([await state('a'), await state('b')]).toEqual(['TIME-WAIT', 'LAST-ACK']);
    await stepUntil(async () => (await state('b')) === 'CLOSED', 3);
  });

  it('every lesson is one click away', async () => {
    for (const l of LESSONS) {
      await click(`button[data-lesson="${l.name}"]`);
      expect(await page.textContent('#lesson-name')).toContain(l.name);
      await click('#play'); // pause
      expect(await page.textContent('#play')).toBe('play');
    }
  });

  it('every lesson SVG (the golden files) parses as XML and renders', async () => {
    for (const l of LESSONS) {
      const svg = readFileSync(join('test', 'trace', 'golden', l.name + '.svg'), 'utf8');
      const r = await page.evaluate((text) => {
        const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
        const err = doc.getElementsByTagName('parsererror');
        const holder = document.createElement('div');
        holder.innerHTML = text.replace(/^<\?xml[^>]*>\n/, '');
        document.body.appendChild(holder);
        const box = (holder.querySelector('svg') as SVGSVGElement).getBBox();
        holder.remove();
        return { error: err.length > 0 ? err[0].textContent : '', root: doc.documentElement.nodeName, bands: doc.querySelectorAll('rect.band').length, w: box.width, h: box.height };
      }, svg);
      expect(r.error, l.name).toBe('');
      expect(r.root).toBe('svg');
      expect(r.bands).toBeGreaterThan(0);
      expect(r.w).toBeGreaterThan(500);
      expect(r.h).toBeGreaterThan(200);
    }
  });
});
