/**
 * `slipstack lesson` and the lab's session model, from the outside: the bundled command's
 * output and exit codes, and undo as an exact replay (tools/lab/session.ts).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { LabSession } from '../../tools/lab/session.js';
import { findLesson } from '../../tools/lessons/scenarios.js';
import { lessonText } from '../../src/trace/ladder.js';
import { strings } from '../../src/trace/i18n.js';
import { stateSequence } from '../../src/trace/story.js';
import { STATE_NAMES } from '../../src/tcp/constants.js';

describe('slipstack lesson (the bundled command)', () => {
  it('prints the lesson, and exits 2 with one line for a bad name or option', () => {
    execFileSync(process.execPath, ['build.mjs', '--only=slipstack', '--quiet'], { stdio: 'inherit' });
    const out = execFileSync(process.execPath, ['dist/slipstack.mjs', 'lesson', 'handshake'], { encoding: 'utf8' });
    expect(out).toBe(readFileSync('test/trace/golden/handshake.txt', 'utf8'));
    for (const args of [['lesson', 'nope'], ['lesson', 'close', '--drop', 'a>a:1']]) {
      const r = spawnSync(process.execPath, ['dist/slipstack.mjs', ...args], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^slipstack: /);
    }
  });
});

describe('the lab session', () => {
  const states = (s: LabSession, e: number) => stateSequence(s.world.story, e).map((x) => STATE_NAMES[x]);

  it('undo replays the seed and the log: the same story as never having done it', () => {
    const s = new LabSession(3);
    s.call(1, 'listen');
    s.call(0, 'connect');
    s.advance(50);
    s.call(0, 'close');
    s.advance(9);
    const before = lessonText(s.world.story, strings('en'));
    const flying = s.world.inFlight().filter((x) => x.fate === 'flight');
    expect(flying.length).toBe(1);
    expect(s.drop(flying[0].n)).toBe(true);
    s.advance(2000);
    expect(states(s, 1)).toContain('CLOSE-WAIT');
    expect(s.undo()).toBe(true);
    expect(lessonText(s.world.story, strings('en'))).toBe(before);
    // Without the drop, B sees the FIN: CLOSE-WAIT.
    s.advance(50);
    expect(states(s, 1).slice(-1)).toEqual(['CLOSE-WAIT']);
  });

  it('a refused call is not logged; the loss slider replays the log on a lossy line', () => {
    const s = new LabSession(1);
    expect(() => s.call(0, 'close')).toThrow();
    expect(s.log).toEqual([]);
    s.call(1, 'listen');
    s.call(0, 'connect');
    s.advance(100);
    expect(states(s, 0)).toEqual(['CLOSED', 'SYN-SENT', 'ESTABLISHED']);
    s.setLoss(0.5);
    expect(s.now()).toBe(100);
    expect(s.log.length).toBe(2);
    const lossy = lessonText(s.world.story, strings('en'));
    s.setLoss(0.5);
    expect(lessonText(s.world.story, strings('en'))).toBe(lossy);
  });

  it('a lesson loads as a log that replays to the same story as the command', () => {
    const s = new LabSession(1);
    s.load(findLesson('simultaneous-close')!);
    expect(s.now()).toBe(0);
    s.advance(2500);
    expect(states(s, 0)).toEqual(['CLOSED', 'SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'CLOSING', 'TIME-WAIT', 'CLOSED']);
    expect(states(s, 1)).toEqual(['CLOSED', 'LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'CLOSING', 'TIME-WAIT', 'CLOSED']);
  });
});
