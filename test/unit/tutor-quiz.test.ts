// Quiz steps as a gate, and the frame state of stepped diagrams: the pure rules (reducer, state)
// and the session's effects (progress record, no SSH for a quiz), with a real ProgressStore in a
// temp directory and a fake server that counts every use.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/result.js';
import { buildCheckReport, formatCheckReport } from '../../src/commands/check-report.js';
import { loadCourse } from '../../src/course/loader.js';
import { toPageViews } from '../../src/course/view.js';
import { createTranslator } from '../../src/i18n/index.js';
import type { Executor } from '../../src/remote/executor.js';
import { ProgressSchema, ProgressStore } from '../../src/progress/store.js';
import { reduce, type Action } from '../../src/tutor/reducer.js';
import { TutorSession, type BatchRunner, type ServerLink } from '../../src/tutor/session.js';
import { initialState, pageUnlocked, stepDone, stepStatus, stepUnlocked, type CoursePlan, type TutorState } from '../../src/tutor/state.js';
import { writeQuizCourse } from '../helpers/quiz-course.js';

const translator = createTranslator();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

// p1: a (checked), quiz (2 questions), b (checked). p2: c (checked), last (a quiz, the page's last step).
const plan: CoursePlan = {
  pages: [
    {
      id: 'p1',
      steps: [
        { id: 'a' },
        {
          id: 'quiz',
          quiz: [
            { id: 'q1', options: ['x', 'y', 'z'], answer: 'y' },
            { id: 'q2', options: ['x', 'y'], answer: 'x' },
          ],
        },
        { id: 'b' },
      ],
    },
    { id: 'p2', steps: [{ id: 'c' }, { id: 'last', quiz: [{ id: 'q1', options: ['x', 'y'], answer: 'x' }] }] },
    { id: 'p3', steps: [{ id: 'd' }] },
  ],
};

const pass = (checkId = 'c1'): CheckResult => ({ checkId, kind: 'command', where: 'jumpbox', subject: checkId, status: 'pass', findings: [], evidence: '' });

const checked = (state: TutorState, ids: string[]) => checkedIn(plan, state, ids);
const answer = (s: TutorState, stepId: string, questionId: string, optionId: string) =>
  reduce(plan, s, { type: 'quiz-answer', stepId, questionId, optionId });

describe('quiz answers (reducer and gate)', () => {
  it('a wrong answer passes nothing and remembers the choice for the explanation', () => {
    let s = checked(initialState(plan, 'en'), ['a']);
    expect(stepStatus(plan, s, 0, 1)).toBe('ready');
    s = answer(s, 'quiz', 'q1', 'z');
    expect(s.facts.quiz!.quiz).toEqual({ questions: ['q1', 'q2'], passed: [], last: { questionId: 'q1', optionId: 'z', correct: false } });
    expect(stepDone(s, 'quiz')).toBe(false);
    expect(stepUnlocked(plan, s, 0, 2)).toBe(false);
  });

  it('a right answer passes that question; the last one passes the step and opens the next step', () => {
    let s = checked(initialState(plan, 'en'), ['a']);
    s = answer(s, 'quiz', 'q1', 'y');
    expect(s.facts.quiz!.quiz!.passed).toEqual(['q1']);
    expect(s.facts.quiz!.quiz!.last).toEqual({ questionId: 'q1', optionId: 'y', correct: true });
    expect(stepStatus(plan, s, 0, 1)).toBe('ready');
    expect(stepStatus(plan, s, 0, 2)).toBe('locked');
    s = answer(s, 'quiz', 'q2', 'y'); // wrong: takes nothing back
    expect(s.facts.quiz!.quiz!.passed).toEqual(['q1']);
    s = answer(s, 'quiz', 'q2', 'x');
    expect(stepStatus(plan, s, 0, 1)).toBe('passed');
    expect(stepStatus(plan, s, 0, 2)).toBe('ready');
    // A wrong answer to a passed question does not take the pass back either.
    s = answer(s, 'quiz', 'q1', 'x');
    expect(stepStatus(plan, s, 0, 1)).toBe('passed');
  });

  it('a quiz that ends a page opens the next page when answered', () => {
    let s = checked(initialState(plan, 'en'), ['a', 'b', 'c']);
    s = answer(answer(s, 'quiz', 'q1', 'y'), 'quiz', 'q2', 'x');
    expect(pageUnlocked(plan, s, 1)).toBe(true);
    expect(pageUnlocked(plan, s, 2)).toBe(false);
    s = answer(s, 'last', 'q1', 'x');
    expect(pageUnlocked(plan, s, 2)).toBe(true);
    expect(stepStatus(plan, s, 2, 0)).toBe('ready');
  });

  it('ignores unknown questions and options, and answers to steps that are not quizzes', () => {
    const s = initialState(plan, 'en');
    expect(answer(s, 'quiz', 'q9', 'x')).toBe(s);
    expect(answer(s, 'quiz', 'q1', 'nope')).toBe(s);
    expect(answer(s, 'a', 'q1', 'x')).toBe(s);
  });

  it('starts from the answers on record, and forgets them on reset', () => {
    let s = initialState(plan, 'en', ['a'], { quiz: ['q1', 'q2', 'gone'] });
    expect(s.facts.quiz!.quiz!.passed).toEqual(['q1', 'q2']); // a question the course dropped does not count
    expect(stepStatus(plan, s, 0, 1)).toBe('passed');
    s = reduce(plan, s, { type: 'forget', stepIds: ['a', 'quiz', 'b'] });
    expect(s.facts.quiz!.quiz).toEqual({ questions: ['q1', 'q2'], passed: [], last: null });
    expect(stepDone(s, 'quiz')).toBe(false);
  });

  it('a quiz is answered, not checked: a failing server does not make it unavailable', () => {
    let s = reduce(plan, initialState(plan, 'en'), { type: 'connection', connection: { kind: 'failed', label: 'x', why: 'dns', todo: '' } });
    s = checked(s, ['a']);
    expect(stepStatus(plan, s, 0, 1)).toBe('ready');
  });
});

describe('frames of a stepped diagram (reducer)', () => {
  it('steps within 1..count and hands control back from the player', () => {
    let s = initialState(plan, 'en');
    s = reduce(plan, s, { type: 'frame', stepId: 'a', delta: -1, count: 3 });
    expect(s.frames.a).toBe(0);
    for (let i = 0; i < 5; i++) s = reduce(plan, s, { type: 'frame', stepId: 'a', delta: 1, count: 3 });
    expect(s.frames.a).toBe(2);
    s = reduce(plan, s, { type: 'frame-play', stepId: 'a', count: 3 });
    expect(s.playing).toBe('a');
    expect(s.frames.a).toBe(0); // from the last frame, play starts over
    s = reduce(plan, s, { type: 'frame', stepId: 'a', delta: 1, count: 3 });
    expect(s.playing).toBeNull();
  });

  it('plays one frame a tick and stops at the last; play again stops it; moving on stops it', () => {
    let s = reduce(plan, initialState(plan, 'en'), { type: 'frame-play', stepId: 'a', count: 3 });
    s = reduce(plan, s, { type: 'frame-tick', count: 3 });
    expect([s.frames.a, s.playing]).toEqual([1, 'a']);
    s = reduce(plan, s, { type: 'frame-tick', count: 3 });
    expect([s.frames.a, s.playing]).toEqual([2, null]);
    s = reduce(plan, s, { type: 'frame-tick', count: 3 });
    expect(s.frames.a).toBe(2);
    s = reduce(plan, s, { type: 'frame', stepId: 'a', delta: -2, count: 3 });
    s = reduce(plan, s, { type: 'frame-play', stepId: 'a', count: 3 });
    s = reduce(plan, s, { type: 'frame-play', stepId: 'a', count: 3 });
    expect(s.playing).toBeNull();
    s = reduce(plan, s, { type: 'frame-play', stepId: 'a', count: 3 });
    s = reduce(plan, s, { type: 'select-step', delta: 1 });
    expect(s.playing).toBeNull();
    expect(reduce(plan, initialState(plan, 'en'), { type: 'frame-play', stepId: 'a', count: 1 }).playing).toBeNull();
  });
});

/** A server that must never be used for a quiz: every use is counted. */
function countingServer(failing: readonly string[] = []) {
  const uses = { connect: 0, executor: 0, exec: 0, batches: [] as string[][] };
  const executor: Executor = {
    label: 'root@server:22',
    exec: async () => {
      uses.exec++;
      throw new Error('no exec expected');
    },
  };
  const server: ServerLink = {
    label: 'root@server:22',
    connect: async () => {
      uses.connect++;
      return { ok: true };
    },
    executor: () => {
      uses.executor++;
      return executor;
    },
    close: async () => {},
  };
  // Checks pass unless their step is `failing`; the batch ids ("step/check") show what was sent.
  const runBatch: BatchRunner = async (_e, items) => {
    uses.batches.push(items.map((i) => i.id));
    const result = (id: string): CheckResult => (failing.includes(id.split('/')[0]!) ? { ...pass(id), status: 'fail' } : pass(id));
    return { checks: items.map((i) => result(i.id)), probes: [] };
  };
  return { uses, server, executor, runBatch };
}

function quizSession(progress?: ProgressStore, failing: readonly string[] = []) {
  const root = tmp('kthw-quiz-session-');
  writeQuizCourse(join(root, 'course'));
  const course = loadCourse(join(root, 'course'));
  const fake = countingServer(failing);
  const session = new TutorSession({
    pages: course.pages.map((p) => ({ id: p.id, steps: p.steps })),
    lang: 'en',
    translate: (l) => translator.forLang(l),
    server: fake.server,
    jumpbox: fake.executor,
    runBatch: fake.runBatch,
    jumpboxDir: root,
    serverDir: root,
    ...(progress ? { progress, passedBefore: progress.passedSteps(), quizPassed: progress.passedQuestions() } : {}),
  });
  return { session, course, ...fake };
}

describe('TutorSession.answerQuiz', () => {
  it('never touches the server for a quiz step: check, checkSelected and run all leave it alone', async () => {
    const { session, uses } = quizSession();
    const seen: string[] = [];
    session.subscribe(() => seen.push(session.getState().facts['webhook-quiz']!.busy ?? 'idle'));
    await session.check(['webhook-quiz']);
    expect(uses.batches).toEqual([]);
    expect(uses.executor + uses.exec).toBe(0);
    // Not even marked as being checked, and no (empty) check result to mistake for a verdict.
    expect(seen).toEqual([]);
    expect(session.getState().facts['webhook-quiz']!.checks).toBeNull();
    await session.start();
    // The start-up check of the whole course sends every checked step but not the quiz.
    expect(uses.batches.flat().some((id) => id.startsWith('webhook-quiz'))).toBe(false);
    expect(uses.batches.flat().some((id) => id.startsWith('logs-flow'))).toBe(true);
    expect(session.selectedStep()?.id).toBe('webhook-quiz');
    const before = uses.batches.length;
    await session.checkSelected();
    session.requestRun();
    expect(uses.batches.length).toBe(before);
    expect(session.getState().overlay.kind).toBe('none');
    expect(session.getState().notice).toBe('This step is a quiz: answer it with the keys 1-3. Nothing is run or checked on the server.');
  });

  it('wrong, right, done: records attempts and passed questions, then the step pass; the next step opens', async () => {
    const dir = tmp('kthw-quiz-progress-');
    const store = new ProgressStore(dir, 'root@server:22');
    // after-quiz fails on the server, so once the quiz opens it, it shows what it found.
    const { session } = quizSession(store, ['after-quiz']);
    await session.start();
    const plan = session.coursePlan;
    const status = (i: number) => stepStatus(plan, session.getState(), 0, i);
    expect([status(1), status(2)]).toEqual(['ready', 'locked']);

    expect(session.answerQuiz('webhook-quiz', 'q1', 'a')).toEqual({ correct: false, stepDone: false });
    expect(session.getState().facts['webhook-quiz']!.quiz!.passed).toEqual([]);
    expect(store.snapshot.steps['webhook-quiz']).toMatchObject({ attempts: 1 });
    expect(store.passedQuestions()).toEqual({});

    expect(session.answerQuiz('webhook-quiz', 'q1', 'b')).toEqual({ correct: true, stepDone: false });
    expect(store.passedQuestions()).toEqual({ 'webhook-quiz': ['q1'] });
    expect(store.passedSteps()).not.toContain('webhook-quiz');
    expect(status(2)).toBe('locked');

    // The app answers by option number: the current question is q2 now (answer d = 4th).
    expect(session.answerSelected(3)).toEqual({ correct: true, stepDone: false });
    expect(session.answerSelected(0)).toEqual({ correct: true, stepDone: true }); // q3: "yes"
    expect([status(1), status(2)]).toEqual(['passed', 'failed']);
    expect(store.passedQuestions()).toEqual({ 'webhook-quiz': ['q1', 'q2', 'q3'] });
    expect(store.passedSteps()).toContain('webhook-quiz');
    expect(session.getState().notice).toBe('Step 2 passed: every question answered right. Press n for step 3.');
    expect(session.answerSelected(0)).toBeNull();

    // On disk, as a new process would read it.
    const onDisk = ProgressSchema.parse(JSON.parse(readFileSync(store.file, 'utf8')));
    expect(Object.keys(onDisk.steps['webhook-quiz']!.quiz!)).toEqual(['q1', 'q2', 'q3']);
  });

  it('a new session on the same record starts with the quiz passed; reset forgets the answers', async () => {
    const dir = tmp('kthw-quiz-progress-');
    const first = quizSession(new ProgressStore(dir, 'root@server:22'));
    await first.session.start();
    for (const [q, o] of [['q1', 'b'], ['q2', 'd'], ['q3', 'yes']] as const) first.session.answerQuiz('webhook-quiz', q, o);

    const store = new ProgressStore(dir, 'root@server:22');
    const { session } = quizSession(store);
    expect(stepDone(session.getState(), 'webhook-quiz')).toBe(true);
    await session.start();
    expect(stepStatus(session.coursePlan, session.getState(), 0, 2)).toBe('passed'); // after-quiz opened and checked
    expect(session.getState().page).toBe(1); // page 1 is done: the session opens page 2

    session.dispatch({ type: 'open-page', page: 0 });
    await session.reset('page');
    expect(session.getState().facts['webhook-quiz']!.quiz!.passed).toEqual([]);
    expect(stepStatus(session.coursePlan, session.getState(), 0, 1)).toBe('ready');
    expect(stepStatus(session.coursePlan, session.getState(), 0, 2)).toBe('locked');
    expect(new ProgressStore(dir, 'root@server:22').passedQuestions()).toEqual({});
  });

  it('refuses answers to a locked quiz and to unknown questions or options', async () => {
    const { session, uses } = quizSession();
    // Before any check, logs-flow is not done: the quiz after it is locked.
    expect(session.answerQuiz('webhook-quiz', 'q1', 'b')).toBeNull();
    expect(session.getState().notice).toBe('This step is locked: finish step 1 first.');
    expect(session.getState().facts['webhook-quiz']!.quiz!.passed).toEqual([]);
    expect(session.answerQuiz('webhook-quiz', 'q7', 'b')).toBeNull();
    expect(session.answerQuiz('webhook-quiz', 'q1', 'q')).toBeNull();
    expect(session.answerQuiz('logs-flow', 'q1', 'a')).toBeNull();
    expect(uses.exec).toBe(0);
  });
});

describe('ProgressStore and quizzes', () => {
  it('loads a progress file written before quizzes existed, and adds quiz data to it', () => {
    const dir = tmp('kthw-quiz-old-');
    const store0 = new ProgressStore(dir, 'root@server:22');
    const old = {
      version: 1,
      target: { user: 'root', host: 'server', port: 22 },
      lang: 'ko',
      updatedAt: '2025-12-01T00:00:00.000Z',
      steps: {
        'make-dir': { firstPassedAt: '2025-12-01T00:00:00.000Z', lastCheckedAt: '2025-12-01T00:00:00.000Z', attempts: 2, hintsUsed: 1, evidence: [] },
      },
    };
    writeFileSync(store0.file, JSON.stringify(old));
    const store = new ProgressStore(dir, 'root@server:22');
    expect(store.notice).toBeNull();
    expect(store.passedSteps()).toEqual(['make-dir']);
    expect(store.passedQuestions()).toEqual({});
    store.recordQuizPass('webhook-quiz', 'q1');
    store.recordQuizPass('webhook-quiz', 'q1');
    const again = new ProgressStore(dir, 'root@server:22');
    expect(again.notice).toBeNull();
    expect(again.passedSteps()).toEqual(['make-dir']);
    expect(again.passedQuestions()).toEqual({ 'webhook-quiz': ['q1'] });
    expect(again.snapshot.steps['make-dir']).toMatchObject({ attempts: 2, hintsUsed: 1 });
  });
});

describe('`check` and quizzes', () => {
  it('an unanswered quiz is not passed: ok is false and the report says to answer it in the app', async () => {
    const { session, course } = quizSession();
    await session.check(course.pages[0]!.steps.map((s) => s.id));
    const t = translator.forLang('en');
    const report = () =>
      buildCheckReport({ plan: session.coursePlan, state: session.getState(), pages: toPageViews(course, 'en'), pageNumbers: [1], target: 'x', t });
    const r = report();
    expect(r.ok).toBe(false);
    expect(r.counts).toEqual({ passed: 2, failed: 0, unavailable: 0, locked: 0, quiz: 1 });
    const quizStep = r.pages[0]!.steps[1]!;
    expect(quizStep.status).not.toBe('passed');
    expect(quizStep.checks).toEqual([]);
    expect(quizStep.quiz).toEqual({ answered: 0, total: 3, note: expect.stringContaining('answered in the app') });
    const text = formatCheckReport(r, t, () => []);
    expect(text).toMatch(/QUIZ webhook-quiz: Check what you learned/);
    expect(text).toContain('quiz: 0/3 questions answered.');
    expect(text).toContain('1 quiz to answer in the app');

    // Answered in the app (so on record): the same report passes it, without any server check.
    const onRecord = initialState(session.coursePlan, 'en', [], { 'webhook-quiz': ['q1', 'q2', 'q3'] });
    const r2 = buildCheckReport({
      plan: session.coursePlan,
      state: checkedIn(session.coursePlan, onRecord, ['logs-flow', 'after-quiz']),
      pages: toPageViews(course, 'en'),
      pageNumbers: [1],
      target: 'x',
      t,
    });
    expect(r2.ok).toBe(true);
    expect(r2.pages[0]!.steps[1]).toMatchObject({ status: 'passed', quiz: { answered: 3, total: 3 } });
    expect(r2.pages[0]!.steps[1]!.quiz!.note).toBeUndefined();
  });
});

function checkedIn(p: CoursePlan, state: TutorState, ids: string[]): TutorState {
  const results: Extract<Action, { type: 'check-done' }>['results'] = {};
  for (const id of ids) results[id] = { checks: [pass()], probes: [], diagnostics: [] };
  return reduce(p, state, { type: 'check-done', results });
}
