// A step's run output (issue 11, item 3), laid out at fixed widths in Korean and English: the
// command shown once per step, the elapsed time and spinner while it runs, the bounded pane with
// a line saying how many earlier lines are hidden. Then the real app: the elapsed time moves
// while a command runs in a real shell, and the full output stays in the step's facts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCourse, type LoadedCourse } from '../../src/course/loader.js';
import type { Lang } from '../../src/i18n/types.js';
import type { Action } from '../../src/tutor/reducer.js';
import type { TutorState } from '../../src/tutor/state.js';
import { mountApp } from '../helpers/app.js';
import { coursePackWriter } from '../helpers/course-pack.js';
import { layoutPage, stateAfter as foldActions } from '../helpers/page-layout.js';
import type { Rendered } from '../helpers/ink.js';

const dirs: string[] = [];
const mounted: Rendered[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) m.unmount();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * Two jumpbox steps: `quoted` whose prose shows its command in a code block, `listed` whose prose
 * does not (its command is shown in the "Commands" list). Neither has a check that can pass.
 */
function course(run = 'seq 1 40'): LoadedCourse {
  const root = mkdtempSync(join(tmpdir(), 'kthw-pane-'));
  dirs.push(root);
  const dir = join(root, 'course');
  coursePackWriter(dir, 'pane', ['01-out'])(
    '01-out',
    `page: out
steps:
  - id: quoted
    where: jumpbox
    run:
      - echo quoted-cmd
    checks:
      - kind: command
        run: echo no
        stdout: { equals: yes }
    hints: [h]
  - id: listed
    where: jumpbox
    run:
      - ${run}
    checks:
      - kind: command
        run: echo no
        stdout: { equals: yes }
    hints: [h]
`,
    '# 출력\n\n<!-- step: quoted -->\n## 인용된 명령\n\n```\necho quoted-cmd\n```\n\n<!-- hint: quoted.h -->\n힌트.\n\n<!-- step: listed -->\n## 목록의 명령\n\n숫자를 셉니다.\n\n<!-- hint: listed.h -->\n힌트.\n',
    '# Output\n\n<!-- step: quoted -->\n## Quoted command\n\n```\necho quoted-cmd\n```\n\n<!-- hint: quoted.h -->\nA hint.\n\n<!-- step: listed -->\n## Listed command\n\nIt counts.\n\n<!-- hint: listed.h -->\nA hint.\n',
  );
  return loadCourse(dir);
}

const layout = (c: LoadedCourse, lang: Lang, state: TutorState, width: number, now?: number) =>
  layoutPage(c, lang, state, width, { selected: 1, ...(now !== undefined ? { now } : {}) });
const stateAfter = (c: LoadedCourse, actions: Action[]) => foldActions(c, actions);

/** What the shell prints for `seq 1 <n>` run by the tutor: its echo, then the numbers. */
const transcript = (n: number) => `$ seq 1 ${n}\n${Array.from({ length: n }, (_, i) => i + 1).join('\n')}\n`;
const count = (lines: string[], text: string) => lines.filter((l) => l.includes(text)).length;

const HEADS = {
  en: {
    commands: 'Commands (run on the jumpbox):',
    running: (s: string) => `Output (running for ${s}; Esc or Ctrl-C cancels it):`,
    hidden: (n: number) => `… ${n} earlier lines not shown`,
    exited: (s: string) => `Output (exit status 0, after ${s}):`,
    cancelled: (s: string) => `Output (cancelled after ${s}; the command was stopped):`,
  },
  ko: {
    commands: '명령어 (jumpbox에서 실행):',
    running: (s: string) => `출력 (${s}째 실행 중, Esc나 Ctrl-C로 취소):`,
    hidden: (n: number) => `… 앞부분 ${n}줄 생략`,
    exited: (s: string) => `출력 (종료 코드 0, ${s} 걸림):`,
    cancelled: (s: string) => `출력 (${s} 만에 취소됨, 명령을 멈췄습니다):`,
  },
} as const;
const SECONDS = { en: (n: number) => `${n} s`, ko: (n: number) => `${n}초` } as const;
const MINUTES = { en: '2 min 05 s', ko: '2분 05초' } as const;

describe.each(['en', 'ko'] as const)('the output pane (%s)', (lang) => {
  const h = HEADS[lang];

  it.each([40, 80])('before a run: each command once, by the prose or by the list (%i columns)', (width) => {
    const c = course();
    const lines = layout(c, lang, stateAfter(c, []), width);
    expect(Math.max(...lines.map((l) => stringWidth(l)))).toBeLessThanOrEqual(width);
    // The prose quotes `echo quoted-cmd`: no list repeats it.
    expect(count(lines, 'echo quoted-cmd')).toBe(1);
    expect(count(lines, '$ echo quoted-cmd')).toBe(0);
    // The prose does not show `seq 1 40`: the list does, once.
    expect(count(lines, h.commands)).toBe(1);
    expect(count(lines, '$ seq 1 40')).toBe(1);
  });

  it.each([40, 80])('while running: elapsed time, the last 12 lines and how many are hidden (%i columns)', (width) => {
    const c = course();
    const state = stateAfter(c, [
      { type: 'run-start', stepId: 'listed', command: 'seq 1 40', startedAt: 1_000_000 },
      { type: 'run-output', stepId: 'listed', chunk: transcript(40) },
    ]);
    const lines = layout(c, lang, state, width, 1_000_000 + 7_400);
    expect(Math.max(...lines.map((l) => stringWidth(l)))).toBeLessThanOrEqual(width);
    const head = lines.findIndex((l) => /^ {4}[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /.test(l)); // the spinner
    expect(head).toBeGreaterThan(-1);
    // 41 lines of output (the echo and 40 numbers): 29 hidden, the last 12 shown.
    const hidden = lines.findIndex((l) => l.trim() === h.hidden(29));
    expect(hidden).toBeGreaterThan(head);
    // The head may wrap on a narrow terminal; its words are all there, in order.
    const flat = (text: string) => text.replace(/\s+/g, '');
    expect(flat(lines.slice(head, hidden).join(' '))).toContain(flat(h.running(SECONDS[lang](7))));
    expect(lines.slice(hidden + 1, hidden + 13).map((l) => l.trim())).toEqual(Array.from({ length: 12 }, (_, i) => String(29 + i)));
    expect(lines[hidden + 13]?.trim() ?? '').toBe('');
    // The command is shown once: the echo scrolled away and the list is not repeated while it runs.
    expect(count(lines, h.commands)).toBe(0);
    expect(count(lines, 'seq 1 40')).toBe(0);
    // The full text is kept for the step's evidence.
    expect(state.facts.listed?.run?.text).toBe(transcript(40));
  });

  it('a short run shows its echo in the output, not in a list too; minutes once past 60 s', () => {
    const c = course('seq 1 3');
    const state = stateAfter(c, [
      { type: 'run-start', stepId: 'listed', command: 'seq 1 3', startedAt: 0 },
      { type: 'run-output', stepId: 'listed', chunk: transcript(3) },
    ]);
    const lines = layout(c, lang, state, 80, 125_000);
    expect(count(lines, 'seq 1 3')).toBe(1);
    expect(count(lines, '$ seq 1 3')).toBe(1);
    expect(count(lines, h.running(MINUTES[lang]))).toBe(1);
    expect(lines.some((l) => l.includes(h.hidden(0)))).toBe(false);
  });

  it('after the run: exit status with its time; a cancelled run says so and keeps its output', () => {
    const c = course('seq 1 3');
    const start: Action[] = [
      { type: 'run-start', stepId: 'listed', command: 'seq 1 3', startedAt: 0 },
      { type: 'run-output', stepId: 'listed', chunk: transcript(3) },
    ];
    const done = layout(c, lang, stateAfter(c, [...start, { type: 'run-done', stepId: 'listed', code: 0, timedOut: false, diagnostics: [], elapsedMs: 3_200 }]), 80);
    expect(count(done, h.exited(SECONDS[lang](3)))).toBe(1);
    expect(count(done, 'seq 1 3')).toBe(1);
    const cancelledState = stateAfter(c, [...start, { type: 'run-cancelled', stepId: 'listed', elapsedMs: 4_900 }]);
    const cancelled = layout(c, lang, cancelledState, 80);
    expect(count(cancelled, h.cancelled(SECONDS[lang](4)))).toBe(1);
    expect(cancelled.map((l) => l.trim())).toEqual(expect.arrayContaining(['$ seq 1 3', '1', '2', '3']));
    expect(cancelledState.facts.listed?.busy).toBeNull();
    expect(cancelledState.facts.listed?.run).toMatchObject({ done: true, cancelled: true, text: transcript(3) });
  });
});

describe('the app while a command runs', () => {
  it('the elapsed time moves in a real shell, then the pane settles with the exit status', async () => {
    const c = course('for i in $(seq 1 30); do echo line-$i; done; sleep 2.5; echo finished');
    const root = dirs[dirs.length - 1]!;
    // The view's own ticker (500 ms): it must exist only while the command runs.
    const ticks: unknown[] = [];
    const cleared = new Set<unknown>();
    const realSet = globalThis.setInterval;
    const realClear = globalThis.clearInterval;
    const setSpy = vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void, ms?: number) => {
      const handle = realSet(fn, ms);
      if (ms === 500) ticks.push(handle);
      return handle;
    }) as typeof setInterval);
    const clearSpy = vi.spyOn(globalThis, 'clearInterval').mockImplementation(((handle: NodeJS.Timeout) => {
      cleared.add(handle);
      realClear(handle);
    }) as typeof clearInterval);
    const { r, session } = mountApp(c, { lang: 'en', columns: 80, rows: 40, root });
    mounted.push(r);
    await session.start();
    // The first step's check fails, so pass it by hand: the second step opens only after it.
    session.dispatch({ type: 'check-done', results: { quoted: { checks: [{ checkId: 'x', kind: 'command', where: 'jumpbox', subject: 's', status: 'pass', findings: [], evidence: '' }], probes: [], diagnostics: [] } } });
    session.dispatch({ type: 'select-step', delta: 1 });
    session.fire(session.run('listed'));
    const first = await r.waitFor((s) => /Output \(running for \d+ s; Esc or Ctrl-C cancels it\)/.test(s) && s.includes('line-30'));
    expect(first).toContain('… 19 earlier lines not shown'); // the echo and line-1..line-30, the last 12 shown
    expect(first).toContain('Esc/Ctrl-C cancel run');
    const before = /running for (\d+) s/.exec(first)![1]!;
    await r.waitFor((s) => {
      const now = /running for (\d+) s/.exec(s)?.[1];
      return now !== undefined && Number(now) > Number(before);
    });
    const done = await r.waitFor((s) => /Output \(exit status 0, after \d+ s\)/.test(s), 10_000);
    expect(done).toContain('finished');
    expect(done).toContain('q/Ctrl-C quit');
    expect(session.getState().facts.listed?.run?.text).toContain('line-1\n');
    setSpy.mockRestore();
    clearSpy.mockRestore();
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.filter((h) => !cleared.has(h))).toEqual([]);
  });
});
