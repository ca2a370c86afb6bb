// Class snapshots for the instructor report tests: a course shaped like chapter 8 (6 pages,
// 23 steps) and students in every state, some of them hostile.
import type { ClassSnapshot, SnapshotPage, StudentRow, StudentStep } from '../../src/instructor/snapshot.js';

export const TAKEN_AT = '2026-12-03T13:30:00.000Z';
export const TAKEN_MS = Date.parse(TAKEN_AT);

const SIZES = [2, 4, 4, 5, 3, 5];
export const PAGES: SnapshotPage[] = SIZES.map((n, p) => ({
  id: `p${p + 1}`,
  title: `Page ${p + 1}`,
  steps: Array.from({ length: n }, (_, s) => ({ id: `p${p + 1}s${s + 1}`, title: `Step ${p + 1}.${s + 1}` })),
}));
export const STEP_IDS = PAGES.flatMap((p) => p.steps.map((s) => s.id));

/** Passed up to `passed` steps, failing on the next (stuck `stuckMin` minutes), the rest not started. */
export function stuckStudent(name: string, passed: number, stuckMin?: number, extra: Partial<StudentStep> = {}): StudentRow {
  const steps: Record<string, StudentStep> = {};
  STEP_IDS.forEach((id, i) => {
    if (i < passed) steps[id] = { status: 'passed' };
    else if (i === passed)
      steps[id] = {
        status: 'failing',
        failing: [{ checkId: `${id}-c1`, property: 'mode', expected: '0600', found: '0644' }],
        ...(stuckMin !== undefined ? { stuckSinceMs: TAKEN_MS - stuckMin * 60_000 } : {}),
        ...extra,
      };
    else steps[id] = { status: 'not-started' };
  });
  const current = STEP_IDS[passed];
  return { name, target: `root@10.0.0.${passed + 1}:22`, source: 'live', reach: { kind: 'ok' }, steps, ...(current ? { currentStep: current } : {}) };
}

export function unreachableStudent(name: string, kind: 'unreachable' | 'auth' | 'host-key-changed' | 'timeout', reason: string): StudentRow {
  return {
    name,
    target: `root@10.9.9.9:2222`,
    source: 'live',
    reach: { kind, reason },
    steps: Object.fromEntries(STEP_IDS.map((id) => [id, { status: 'unreachable' as const }])),
  };
}

export function snapshotOf(students: StudentRow[], lang: 'en' | 'ko' = 'en'): ClassSnapshot {
  return { takenAt: TAKEN_AT, tutorVersion: '0.1.0', lessonPackHash: 'sha256:0123abcd', lang, pages: PAGES, students };
}

export const SCRIPT = '<script>window.__pwned=1</script>';
export const IMG = '<img src=x onerror="window.__pwned=2">';
export const ESC = '\x1b[31m';
/** Right-to-left override, isolate and zero-width: make text read differently from what it is. */
export const BIDI = '\u202e\u2066\u200b';

/** Everything a hostile server could put into a report, in every field it reaches. */
export function hostileStudent(): StudentRow {
  const evil = `${SCRIPT}${IMG}${ESC}red${BIDI}gpj.exe & "quotes" 'single' ]]> <!-- -->`;
  const s = stuckStudent(`Mallory ${IMG}${ESC}${BIDI}`, 5, 42, {
    failing: [
      { checkId: 'p3s2-unit', property: 'active', expected: 'active', found: `${SCRIPT}\x1b]0;title\x07failed\x00\x08\x0b\ufffe` },
      { checkId: 'p3s2-file', property: 'contains', expected: '=cmd|" /C calc"!A0', found: null },
    ],
    diagnostic: `diagnostic ${IMG}`,
    evidence: `${evil}\nline 2 ${ESC}\x1b[2J\u202edesrever\n\`\`\`\nafter fence | pipe |`,
  });
  s.target = `root@evil"host'<b>:22`;
  return s;
}
