import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/result.js';
import { runBatch } from '../../src/checks/run.js';
import { Step } from '../../src/course/schema.js';
import { createTranslator } from '../../src/i18n/index.js';
import type { Executor } from '../../src/remote/executor.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';
import { TutorSession, type BatchRunner, type ServerLink } from '../../src/tutor/session.js';
import { reduce, type Action } from '../../src/tutor/reducer.js';
import {
  initialState,
  pageDone,
  pageUnlocked,
  stepStatus,
  stepUnlocked,
  type CoursePlan,
  type TutorState,
} from '../../src/tutor/state.js';

const translator = createTranslator();

const plan: CoursePlan = {
  pages: [
    { id: 'p1', steps: [{ id: 'a' }, { id: 'b' }] },
    { id: 'p2', steps: [{ id: 'c' }, { id: 'd' }] },
  ],
};

function result(status: CheckResult['status'], checkId = 'file-1'): CheckResult {
  return { checkId, kind: 'file', where: 'server', subject: '/root/x', status, findings: [], evidence: '' };
}

function checked(state: TutorState, outcome: Record<string, CheckResult['status'][]>): TutorState {
  const results: Extract<Action, { type: 'check-done' }>['results'] = {};
  for (const [id, statuses] of Object.entries(outcome)) {
    results[id] = { checks: statuses.map((s, i) => result(s, `c${i}`)), probes: [], diagnostics: [] };
  }
  return reduce(plan, state, { type: 'check-done', results });
}

describe('gating', () => {
  it('opens only the first step of the first page at the start', () => {
    const s = initialState(plan, 'en');
    expect(stepStatus(plan, s, 0, 0)).toBe('ready');
    expect(stepStatus(plan, s, 0, 1)).toBe('locked');
    expect(pageUnlocked(plan, s, 1)).toBe(false);
    expect(stepStatus(plan, s, 1, 0)).toBe('locked');
  });

  it('unlocks the next step only when every check of the current step passes', () => {
    let s = initialState(plan, 'en');
    s = checked(s, { a: ['pass', 'fail'] });
    expect(stepStatus(plan, s, 0, 0)).toBe('failed');
    expect(stepUnlocked(plan, s, 0, 1)).toBe(false);
    s = checked(s, { a: ['pass', 'pass'] });
    expect(stepStatus(plan, s, 0, 0)).toBe('passed');
    expect(stepStatus(plan, s, 0, 1)).toBe('ready');
    expect(pageUnlocked(plan, s, 1)).toBe(false);
  });

  it('opens the next page when every step of the page passes, and closes it again on a regression', () => {
    let s = checked(initialState(plan, 'en'), { a: ['pass'], b: ['pass'] });
    expect(pageDone(plan, s, 0)).toBe(true);
    expect(pageUnlocked(plan, s, 1)).toBe(true);
    expect(stepStatus(plan, s, 1, 0)).toBe('ready');
    // The server is the truth: a re-check that fails closes what followed.
    s = checked(s, { b: ['fail'] });
    expect(pageUnlocked(plan, s, 1)).toBe(false);
    expect(stepStatus(plan, s, 1, 0)).toBe('locked');
  });

  it('a later step whose checks pass stays locked while an earlier one fails', () => {
    const s = checked(initialState(plan, 'en'), { a: ['fail'], b: ['pass'] });
    expect(stepStatus(plan, s, 0, 1)).toBe('locked');
  });

  it('errors without failures mean "unavailable", not "failed"', () => {
    const s = checked(initialState(plan, 'en'), { a: ['error'] });
    expect(stepStatus(plan, s, 0, 0)).toBe('unavailable');
    const t = checked(initialState(plan, 'en'), { a: ['error', 'fail'] });
    expect(stepStatus(plan, t, 0, 0)).toBe('failed');
  });

  it('a recorded first pass opens later pages until a fresh check says otherwise', () => {
    let s = initialState(plan, 'en', ['a', 'b']);
    expect(pageUnlocked(plan, s, 1)).toBe(true);
    s = checked(s, { a: ['fail'] });
    expect(pageUnlocked(plan, s, 1)).toBe(false);
  });

  it('shows running and checking while busy, whatever the gate says', () => {
    let s = initialState(plan, 'en');
    s = reduce(plan, s, { type: 'run-start', stepId: 'a', command: 'true' });
    expect(stepStatus(plan, s, 0, 0)).toBe('running');
    s = reduce(plan, s, { type: 'run-done', stepId: 'a', code: 0, timedOut: false, diagnostics: [] });
    s = reduce(plan, s, { type: 'check-start', stepIds: ['a', 'b'] });
    expect(stepStatus(plan, s, 0, 0)).toBe('checking');
    expect(stepStatus(plan, s, 0, 1)).toBe('checking');
  });

  it('marks unchecked steps unavailable when the server cannot be reached', () => {
    const s = reduce(plan, initialState(plan, 'en'), {
      type: 'connection',
      connection: { kind: 'failed', label: 'root@server:22', why: 'dns', todo: 'fix /etc/hosts' },
    });
    expect(stepStatus(plan, s, 0, 0)).toBe('unavailable');
  });
});

describe('reducer', () => {
  it('opening a page selects its first step that is not done', () => {
    let s = checked(initialState(plan, 'en'), { a: ['pass'], b: ['pass'], c: ['pass'] });
    s = reduce(plan, s, { type: 'open-page', page: 1 });
    expect(s.page).toBe(1);
    expect(s.step).toBe(1);
    s = reduce(plan, s, { type: 'open-page', page: 9 });
    expect(s.page).toBe(1);
  });

  it('keeps step selection and scrolling in range', () => {
    let s = initialState(plan, 'en');
    s = reduce(plan, s, { type: 'select-step', delta: 5 });
    expect(s.step).toBe(1);
    s = reduce(plan, s, { type: 'select-step', delta: -5 });
    expect(s.step).toBe(0);
    s = reduce(plan, s, { type: 'scroll', delta: 50, max: 7 });
    expect(s.scroll).toBe(7);
    s = reduce(plan, s, { type: 'scroll', delta: -50 });
    expect(s.scroll).toBe(0);
  });

  it('keeps only the tail of long run output', () => {
    let s = reduce(plan, initialState(plan, 'en'), { type: 'run-start', stepId: 'a', command: 'yes' });
    const chunk = 'y\n'.repeat(40_000);
    s = reduce(plan, s, { type: 'run-output', stepId: 'a', chunk });
    s = reduce(plan, s, { type: 'run-output', stepId: 'a', chunk: 'LAST LINE\n' });
    const text = s.facts.a!.run!.text;
    expect(text.length).toBeLessThanOrEqual(64 * 1024);
    expect(text.endsWith('LAST LINE\n')).toBe(true);
  });

  it('run diagnostics survive the check that follows the run, and are cleared by the next run', () => {
    let s = reduce(plan, initialState(plan, 'en'), { type: 'run-start', stepId: 'a', command: 'scp' });
    s = reduce(plan, s, { type: 'run-done', stepId: 'a', code: 1, timedOut: false, diagnostics: ['no-downloads'] });
    s = reduce(plan, s, {
      type: 'check-done',
      results: { a: { checks: [result('fail')], probes: [], diagnostics: ['missing-file'] } },
    });
    expect(s.facts.a!.diagnostics).toEqual(['missing-file', 'no-downloads']);
    s = reduce(plan, s, { type: 'run-start', stepId: 'a', command: 'scp' });
    expect(s.facts.a!.diagnostics).toEqual([]);
  });

  it('counts hints up to the number available', () => {
    let s = initialState(plan, 'en');
    for (let i = 0; i < 5; i++) s = reduce(plan, s, { type: 'hint', stepId: 'a', available: 2 });
    expect(s.facts.a!.hintsShown).toBe(2);
  });

  it('forget clears facts and the recorded pass', () => {
    let s = checked(initialState(plan, 'en', ['a']), { a: ['pass'] });
    s = reduce(plan, s, { type: 'forget', stepIds: ['a'] });
    expect(s.facts.a!.checks).toBeNull();
    expect(s.passedBefore.has('a')).toBe(false);
  });
});

describe('opening a page', () => {
  it('select-open-step moves the cursor to the page\'s first step that is not done', () => {
    let s = reduce(plan, initialState(plan, 'en'), { type: 'open-page', page: 0 });
    expect(s.step).toBe(0);
    s = checked(s, { a: ['pass'] });
    s = reduce(plan, s, { type: 'select-open-step' });
    expect(s.step).toBe(1);
  });

  it('puts the cursor on the first step the fresh check says is not done, not on one that passed since', async () => {
    const passing = new Set(['a']);
    const session = fakeSession(passing);
    await session.start();
    expect([session.getState().page, session.selectedStep()?.id]).toEqual([0, 'b']);
    // The learner finishes b; doing so also made c true (a step that failed at start-up).
    passing.add('b');
    passing.add('c');
    await session.check(['b']);
    await session.openPage(1);
    expect(session.getState().facts.c!.checks![0]!.status).toBe('pass');
    expect(session.selectedStep()?.id).toBe('d');
  });

  it('leaves the cursor where the learner put it while the page was being checked', async () => {
    let release = () => {};
    const session = fakeSession(new Set(), () => new Promise<void>((r) => (release = r)));
    await session.connect();
    const opening = session.openPage(1);
    expect(session.selectedStep()?.id).toBe('c');
    session.dispatch({ type: 'select-step', delta: 1 }); // reading ahead while c is checked
    release();
    await opening;
    // c failed, so the first step not done is c; the learner chose d, and d it stays.
    expect(session.getState().facts.c!.checks![0]!.status).toBe('fail');
    expect(session.selectedStep()?.id).toBe('d');
  });
});

describe('check results: keyed by check id, with the `where` resolved from the step', () => {
  const steps = {
    local: Step.parse({
      id: 'local',
      where: 'jumpbox',
      hints: ['h'],
      checks: [
        { kind: 'command', id: 'first', run: 'true' },
        { kind: 'command', id: 'second', run: 'false' },
        { kind: 'command', id: 'there', where: 'server', run: 'true' },
      ],
    }),
  };

  function session(runBatch: BatchRunner) {
    const executor = new LocalExecutor();
    const server: ServerLink = { label: 'root@local:22', connect: async () => ({ ok: true }), executor: () => executor, close: async () => {} };
    return new TutorSession({
      pages: [{ id: 'p', steps: [steps.local] }],
      lang: 'en',
      translate: (l) => translator.forLang(l),
      server,
      jumpbox: executor,
      runBatch,
      jumpboxDir: tmpdir(),
      serverDir: tmpdir(),
    });
  }

  it('a check without its own `where` runs and reports where its step runs (the real batch runner)', async () => {
    const s = session((e, items, probes) => runBatch(e, items, probes));
    await s.connect();
    await s.check(['local']);
    const checks = s.getState().facts.local!.checks!;
    expect(checks.map((c) => [c.checkId, c.where, c.status])).toEqual([
      ['first', 'jumpbox', 'pass'],
      ['second', 'jumpbox', 'fail'],
      ['there', 'server', 'pass'],
    ]);
  });

  it('results are matched by id, whatever order the runner returns them in; a missing one is not a pass', async () => {
    const s = session(async (e, items, probes) => {
      const r = await runBatch(e, items.filter((i) => !i.id.endsWith('/there')), probes);
      return { ...r, checks: [...r.checks].reverse() };
    });
    await s.connect();
    await s.check(['local']);
    const checks = s.getState().facts.local!.checks!;
    expect(checks.map((c) => [c.checkId, c.status])).toEqual([
      ['first', 'pass'],
      ['second', 'fail'],
      ['there', 'error'],
    ]);
    expect(checks[2]!.error).toBe('incomplete');
  });
});

/** A session over a two-page course whose checks pass for the steps in `passing` (read live). */
function fakeSession(passing: ReadonlySet<string>, gate?: () => Promise<void>): TutorSession {
  const executor: Executor = { label: 'root@server:22', exec: async () => ({ code: 0, stdout: '', stderr: '', timedOut: false, truncated: false, elapsedMs: 0 }) };
  const server: ServerLink = { label: 'root@server:22', connect: async () => ({ ok: true }), executor: () => executor, close: async () => {} };
  const step = (id: string) => Step.parse({ id, where: 'server', hints: ['h'], checks: [{ kind: 'file', id: 'f', path: `/root/${id}` }] });
  const runBatch: BatchRunner = async (_e, items) => {
    if (gate) await gate();
    return {
      checks: items.map((i) => ({
        checkId: i.id,
        kind: 'file' as const,
        subject: i.id,
        status: passing.has(i.id.split('/')[0]!) ? ('pass' as const) : ('fail' as const),
        findings: [],
        evidence: '',
      })),
      probes: [],
    };
  };
  return new TutorSession({
    pages: plan.pages.map((p) => ({ id: p.id, steps: p.steps.map((s) => step(s.id)) })),
    lang: 'en',
    translate: (l) => translator.forLang(l),
    server,
    jumpbox: executor,
    runBatch,
    jumpboxDir: '/tmp',
    serverDir: '/root',
  });
}
