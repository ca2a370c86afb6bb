import { describe, expect, it } from 'vitest';
import { summarize, type Progress } from '../../src/progress/store.js';

const progress: Progress = {
  version: 1,
  target: { user: 'root', host: 'server', port: 22 },
  updatedAt: '2026-01-03T00:00:00.000Z',
  steps: {
    copy: { attempts: 1, hintsUsed: 0, firstPassedAt: '2026-01-02T10:00:00.000Z' },
    unit: { attempts: 3, hintsUsed: 2 },
    start: { attempts: 0, hintsUsed: 0, firstPassedAt: '2026-01-01T09:00:00+09:00' },
    renamed: { attempts: 7, hintsUsed: 1, firstPassedAt: '2025-12-31T00:00:00.000Z' },
  },
};

describe('summarize', () => {
  it('lays the record over the course steps, in course order', () => {
    const s = summarize(progress, ['copy', 'unit', 'start', 'verify']);
    expect(s).toMatchObject({
      target: 'root@server:22',
      total: 4,
      passedOnRecord: 2,
      remaining: ['unit', 'verify'],
      attempts: 4,
      hintsUsed: 2,
      firstPassAt: '2026-01-01T09:00:00+09:00', // compared as instants, not as text
      latestFirstPassAt: '2026-01-02T10:00:00.000Z',
      unknownSteps: ['renamed'],
    });
    expect(s.steps.map((x) => [x.id, x.passedOnRecord])).toEqual([
      ['copy', true],
      ['unit', false],
      ['start', true],
      ['verify', false],
    ]);
    expect(s.steps[3]).toEqual({ id: 'verify', passedOnRecord: false, attempts: 0, hintsUsed: 0 });
  });

  it('has no pass times when nothing passed', () => {
    const s = summarize({ ...progress, steps: {} }, ['a']);
    expect(s.firstPassAt).toBeUndefined();
    expect(s.latestFirstPassAt).toBeUndefined();
    expect(s.remaining).toEqual(['a']);
  });
});
