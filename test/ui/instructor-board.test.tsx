// The instructor's board at fixed widths, in Korean and English: 30 students fit 80 columns and
// scroll, Korean names line up with Latin ones (widths in terminal cells), hostile text from a
// student's server never reaches the terminal as escapes, and the keys sort, filter, expand a
// page, drill into a student and refresh (a failed refresh is a line, not a crash).
import stringWidth from 'string-width';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { createTranslator } from '../../src/i18n/index.js';
import { Board, type ReviewKey } from '../../src/instructor/board/Board.js';
import { boardLines, pageState } from '../../src/instructor/board/board-view.js';
import type { ClassSnapshot } from '../../src/instructor/snapshot.js';
import { hostileStudent, PAGES, snapshotOf, stuckStudent, unreachableStudent } from '../helpers/class-snapshot.js';
import { KEYS, renderAt, type Rendered } from '../helpers/ink.js';

const translator = createTranslator();
const mounted: Rendered[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) m.unmount();
});

const NAMES = ['김민준', '이서연', 'Alex Kim', '박지호', 'Sam', '최수아', '정우진', 'Jordan Lee', '강하은', '조현우'];

function classOf(n: number, lang: 'en' | 'ko'): ClassSnapshot {
  const students = Array.from({ length: n }, (_, i) =>
    i % 7 === 6
      ? unreachableStudent(`${NAMES[i % NAMES.length]} ${i + 1}`, 'unreachable', 'connection refused')
      : stuckStudent(`${NAMES[i % NAMES.length]} ${i + 1}`, (i * 3) % 23, (i * 5) % 90),
  );
  return snapshotOf(students, lang);
}

const KEY = { name: '김민준', label: 'root@10.0.0.7:22', keyType: 'ssh-ed25519', fingerprint: 'SHA256:o8HM0ozgYjBC2AAlOKa3nnMRg3yjubyqHodqVMIWcDc' };

function mount(
  snapshot: ClassSnapshot,
  columns: number,
  rows: number,
  refresh: () => Promise<ClassSnapshot> = async () => snapshot,
  keys: ReviewKey[] = [],
) {
  const t = translator.forLang(snapshot.lang);
  const exported: ClassSnapshot[] = [];
  const accepted: ReviewKey[][] = [];
  let refreshed = 0;
  const r = renderAt(
    createElement(Board, {
      initial: snapshot,
      refresh: () => {
        refreshed++;
        return refresh();
      },
      exportView: async (s: ClassSnapshot) => {
        exported.push(s);
        return `saved ${s.students.length}`;
      },
      keysToReview: () => keys,
      acceptKeys: async (reviewed: readonly ReviewKey[]) => {
        accepted.push([...reviewed]);
      },
      t,
      intervalSec: 0,
      size: { columns, rows },
    }),
    columns,
    rows,
  );
  mounted.push(r);
  return { r, t, exported, accepted, refreshed: () => refreshed };
}

describe('board lines', () => {
  it.each(['en', 'ko'] as const)('%s: every row fits 80 cells and the page columns line up under Korean names', (lang) => {
    const snapshot = classOf(30, lang);
    const t = translator.forLang(lang);
    const { header, rows } = boardLines(snapshot, snapshot.students, { width: 79, expandedPage: null }, t);
    for (const line of [header, ...rows]) expect(stringWidth(line)).toBeLessThanOrEqual(79);
    // The page symbols start at the same cell in every row, whatever script the name is in.
    const start = (line: string) => stringWidth(line.slice(0, line.search(/[✓✗◐·–?] /)));
    const starts = new Set(rows.map(start));
    expect(starts.size).toBe(1);
  });

  it('a page is passed, failing, in progress or not started from its steps; a down server is "?"', () => {
    const s = stuckStudent('a', 2, 5); // page 1 (2 steps) passed, page 2 first step failing
    expect(pageState(PAGES[0]!, s)).toBe('passed');
    expect(pageState(PAGES[1]!, s)).toBe('failing');
    expect(pageState(PAGES[2]!, s)).toBe('not-started');
    expect(pageState(PAGES[0]!, unreachableStudent('b', 'auth', 'denied'))).toBe('unreachable');
  });
});

describe('Board', () => {
  it('30 students at 80x24: scrolls with the selection, Enter shows the details, Esc goes back', async () => {
    const snapshot = classOf(30, 'ko');
    const { r } = mount(snapshot, 80, 24);
    let screen = await r.waitFor((s) => s.includes('수강생'));
    for (const line of screen.split('\n')) expect(stringWidth(line)).toBeLessThanOrEqual(80);
    // Sorted by stuck time: the longest first.
    const longest = [...snapshot.students].sort((a, b) => (a.steps[a.currentStep ?? '']?.stuckSinceMs ?? Infinity) - (b.steps[b.currentStep ?? '']?.stuckSinceMs ?? Infinity))[0]!;
    expect(screen.split('\n')[2]).toContain(longest.name);
    for (let i = 0; i < 25; i++) await r.type('j');
    screen = await r.waitFor((s) => !s.includes(longest.name));
    await r.type(KEYS.enter);
    screen = await r.waitFor((s) => s.includes('Enter/Esc'));
    await r.type(KEYS.escape);
    await r.waitFor((s) => s.includes('q 종료'));
  });

  it('hostile text from a server is shown without its escapes, in the row and the details', async () => {
    const snapshot = snapshotOf([hostileStudent(), stuckStudent('Bob', 3, 1)]);
    const { r } = mount(snapshot, 100, 30);
    let screen = await r.waitFor((s) => s.includes('Mallory'));
    expect(screen).not.toMatch(/\x1b\][0-9]|\u202e|\u2066|\u200b/);
    await r.type(KEYS.enter);
    screen = await r.waitFor((s) => s.includes('failed') || s.includes('0644') || s.includes('expected'));
    expect(screen).toContain('<script>'); // shown as text: a terminal runs no markup
    expect(screen).not.toMatch(/\x1b\][0-9]|\x1b\[2J|\u202e/);
  });

  it('s sorts, / searches, f filters by state, e expands a page; x exports the current view', async () => {
    const snapshot = classOf(12, 'en');
    const { r, exported } = mount(snapshot, 100, 30);
    await r.waitFor((s) => s.includes('stuck longest first'));
    await r.type('s');
    let screen = await r.waitFor((s) => s.includes('by name'));
    const names = screen.split('\n').slice(2, 14).map((l) => l.trim());
    expect(names[0]!.startsWith('Alex Kim')).toBe(true);
    await r.type('/');
    await r.type('jordan');
    await r.type(KEYS.enter);
    screen = await r.waitFor((s) => s.includes('search: jordan') && !s.includes('Alex Kim'));
    expect(screen).toContain('Jordan Lee');
    await r.type('x');
    await r.waitFor((s) => s.includes('saved 1'));
    expect(exported[0]!.students.map((s) => s.name)).toEqual(['Jordan Lee 8']);
    await r.type('/');
    await r.type(KEYS.enter); // empty search again
    await r.type('f');
    await r.waitFor((s) => s.includes('showing: passed'));
    await r.type('e');
    screen = await r.waitFor((s) => /\[[✓✗◐·–?]{2}\]/.test(s));
    await r.type(KEYS.right);
    await r.waitFor((s) => /\[[✓✗◐·–?]{4}\]/.test(s));
  });

  it('a refresh that fails says why in one line; the board keeps the last snapshot', async () => {
    const snapshot = classOf(3, 'en');
    const { r } = mount(snapshot, 100, 20, async () => {
      throw new Error('pool closed\n    at stack (x.ts:1:1)');
    });
    await r.waitFor((s) => s.includes(NAMES[0]!));
    await r.type('r');
    const screen = await r.waitFor((s) => s.includes('pool closed'));
    expect(screen).not.toContain('x.ts:1:1');
    expect(screen).toContain(NAMES[0]!);
  });

  it.each(['en', 'ko'] as const)('%s: a shows the unknown host keys with fingerprints; y trusts exactly those and checks again', async (lang) => {
    const snapshot = classOf(4, lang);
    const { r, t, accepted, refreshed } = mount(snapshot, 80, 24, async () => snapshot, [KEY]);
    await r.waitFor((s) => s.includes(NAMES[0]!));
    const footer = t('instructor:board.keys');
    expect(stringWidth(footer)).toBeLessThanOrEqual(80);
    await r.type('a');
    const screen = await r.waitFor((s) => s.includes(KEY.fingerprint));
    expect(screen).toContain(KEY.label);
    for (const line of screen.split('\n')) expect(stringWidth(line)).toBeLessThanOrEqual(80);
    await r.type('y');
    await r.waitFor(() => refreshed() === 1);
    expect(accepted).toEqual([[KEY]]);
  });

  it('a with no unknown keys says so; n closes the list without trusting anything', async () => {
    const snapshot = classOf(2, 'en');
    const none = mount(snapshot, 80, 24);
    await none.r.type('a');
    await none.r.waitFor((s) => s.includes('No unknown host keys to review.'));
    const some = mount(snapshot, 80, 24, async () => snapshot, [KEY]);
    await some.r.type('a');
    await some.r.waitFor((s) => s.includes(KEY.fingerprint));
    await some.r.type('n');
    await some.r.waitFor((s) => !s.includes(KEY.fingerprint));
    expect(some.accepted).toEqual([]);
  });
});
