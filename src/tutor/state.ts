// The tutor session's state and the pure rules over it. Nothing here performs I/O: effects
// (SSH, local shell, progress file) live in session.ts and report back through actions.
import type { CheckResult, ProbeResult } from '../checks/result.js';
import type { Lang } from '../i18n/types.js';

/** A quiz question as the rules need it: which options exist and which one is right. */
export interface PlanQuestion {
  id: string;
  options: readonly string[];
  answer: string;
}

/** A step as the rules need it; `quiz` makes it a knowledge gate instead of a server check. */
export interface PlanStep {
  id: string;
  quiz?: readonly PlanQuestion[];
}

/** Only the shape of the course the rules need: pages of steps, in order. */
export interface CoursePlan {
  pages: ReadonlyArray<{ id: string; steps: ReadonlyArray<PlanStep> }>;
}

/**
 * `unavailable`: the step could not be checked (server unreachable, or the check could not run).
 * It is shown, readable, and stays closed for gating purposes.
 */
export type StepStatus = 'locked' | 'ready' | 'running' | 'checking' | 'passed' | 'failed' | 'unavailable';

export interface RunOutput {
  command: string;
  /** Interleaved stdout/stderr as it arrived (capped), sanitized before it got here. */
  text: string;
  code: number | null;
  timedOut: boolean;
  done: boolean;
  /** When it started (epoch ms): the view shows the elapsed time while it runs. */
  startedAt?: number;
  /** How long it ran, once done. */
  elapsedMs?: number;
  /** The learner stopped it (Esc / Ctrl-C): the output so far stays, the step is not passed. */
  cancelled?: boolean;
  /** The tutor's own copy of the step's files (key u), not its commands: `text` is its progress. */
  upload?: boolean;
}

/** The learner's latest answer to a quiz question: drives the ✓/✗ feedback, never persisted. */
export interface QuizAnswer {
  questionId: string;
  optionId: string;
  correct: boolean;
}

/**
 * What the learner has shown in a quiz step. The question ids are copied from the plan so the
 * gate (stepDone) can tell "all answered" from the facts alone, like it does for checks.
 */
export interface QuizFacts {
  questions: readonly string[];
  /** Questions answered right, in this session or on record (the record is the truth here). */
  passed: readonly string[];
  last: QuizAnswer | null;
}

/**
 * What we know about one step: from the server (checks, probes, run) or, for a quiz step, from
 * the learner's answers. Gating is computed from this, never stored.
 */
export interface StepFacts {
  /** null = never checked in this session. */
  checks: CheckResult[] | null;
  probes: ProbeResult[];
  /** Ids of diagnostics whose evidence matched on the last check or run. */
  diagnostics: string[];
  /** Diagnostics found from the last run's exit status/output; kept until the next run. */
  runDiagnostics: string[];
  run: RunOutput | null;
  hintsShown: number;
  busy: 'running' | 'checking' | null;
  /** Quiz steps only; null for steps that are checked on the server. */
  quiz: QuizFacts | null;
}

export type ConnectionState =
  | { kind: 'idle' }
  | { kind: 'connecting'; label: string }
  | { kind: 'connected'; label: string }
  /** `retryInSec`: the next try in the background is due then (the failure looked passing). */
  | { kind: 'failed'; label: string; why: string; todo: string; retryInSec?: number }
  /** It was up and went away; steps keep what they last showed while it comes back. */
  | { kind: 'lost'; label: string; why: string; retryInSec?: number };

export type Overlay =
  | { kind: 'none' }
  /** `scroll`: first key binding shown, when the list is taller than the screen. */
  | { kind: 'help'; scroll?: number }
  | { kind: 'outline'; cursor: number }
  | { kind: 'confirm-run'; stepId: string; fix?: string }
  | { kind: 'confirm-upload'; stepId: string }
  | { kind: 'confirm-reset'; scope: 'page' | 'all' }
  | { kind: 'target' }
  | { kind: 'host-key'; host: string; port: number; keyType: string; fingerprint: string }
  /** `again`: the last passphrase typed for this key was wrong. */
  | { kind: 'passphrase'; keyPath: string; again?: boolean };

export interface TutorState {
  lang: Lang;
  page: number;
  /** Selected step on the current page. */
  step: number;
  scroll: number;
  /** The frame (0-based) shown of each step's stepped diagram; absent = the first. */
  frames: Readonly<Record<string, number>>;
  /** The step whose diagram is playing by itself, if any (the view owns the timer). */
  playing: string | null;
  facts: Record<string, StepFacts>;
  /** Steps whose first pass is on record (progress file): keeps later pages open across restarts. */
  passedBefore: ReadonlySet<string>;
  connection: ConnectionState;
  overlay: Overlay;
  /** One-line message in the status bar (already translated). */
  notice: string | null;
  /** Messages that stay above the status bar until dismissed (bad local state, not saved). */
  alerts: readonly string[];
}

/** Facts of a step nothing is known about yet; a quiz step starts with `passed` answered. */
export function emptyFacts(step?: PlanStep, passed: Iterable<string> = []): StepFacts {
  const questions = step?.quiz?.map((q) => q.id) ?? [];
  const known = new Set(passed);
  return {
    checks: null,
    probes: [],
    diagnostics: [],
    runDiagnostics: [],
    run: null,
    hintsShown: 0,
    busy: null,
    // Answers on record for questions the course no longer has are dropped, not counted.
    quiz: step?.quiz ? { questions, passed: questions.filter((q) => known.has(q)), last: null } : null,
  };
}

/**
 * `passedBefore`: steps whose first pass is on record. `quizPassed`: questions answered right
 * on record, by step id.
 */
export function initialState(
  plan: CoursePlan,
  lang: Lang,
  passedBefore: Iterable<string> = [],
  quizPassed: Readonly<Record<string, Iterable<string>>> = {},
): TutorState {
  const facts: Record<string, StepFacts> = {};
  for (const page of plan.pages) for (const step of page.steps) facts[step.id] = emptyFacts(step, quizPassed[step.id]);
  return {
    lang,
    page: 0,
    step: 0,
    scroll: 0,
    frames: {},
    playing: null,
    facts,
    passedBefore: new Set(passedBefore),
    connection: { kind: 'idle' },
    overlay: { kind: 'none' },
    notice: null,
    alerts: [],
  };
}

/** A step's checks all passed on the last check in this session. */
export function checksPassed(facts: StepFacts | undefined): boolean {
  return !!facts?.checks && facts.checks.length > 0 && facts.checks.every((c) => c.status === 'pass');
}

/**
 * Whether a step counts as done for opening what follows. A fresh check in this session wins;
 * before any check, a first pass on record counts so a returning learner is not locked out of
 * later pages while the server is being re-checked.
 */
export function stepDone(state: TutorState, stepId: string): boolean {
  const facts = state.facts[stepId];
  // A quiz has no server to re-check: its answers are the whole truth.
  if (facts?.quiz) return quizDone(facts.quiz);
  if (facts?.checks) return checksPassed(facts);
  return state.passedBefore.has(stepId);
}

export function allStepIds(plan: CoursePlan): string[] {
  return plan.pages.flatMap((p) => p.steps.map((s) => s.id));
}

/** A page opens when every step on every earlier page is done. */
export function pageUnlocked(plan: CoursePlan, state: TutorState, pageIndex: number): boolean {
  for (let p = 0; p < pageIndex; p++) {
    const page = plan.pages[p];
    if (page && !page.steps.every((s) => stepDone(state, s.id))) return false;
  }
  return true;
}

export function pageDone(plan: CoursePlan, state: TutorState, pageIndex: number): boolean {
  const page = plan.pages[pageIndex];
  return !!page && page.steps.every((s) => stepDone(state, s.id));
}

/** A step opens when its page is open and every earlier step on the page is done. */
export function stepUnlocked(plan: CoursePlan, state: TutorState, pageIndex: number, stepIndex: number): boolean {
  if (!pageUnlocked(plan, state, pageIndex)) return false;
  const page = plan.pages[pageIndex];
  if (!page) return false;
  for (let s = 0; s < stepIndex; s++) {
    const step = page.steps[s];
    if (step && !stepDone(state, step.id)) return false;
  }
  return true;
}

export function stepStatus(plan: CoursePlan, state: TutorState, pageIndex: number, stepIndex: number): StepStatus {
  const step = plan.pages[pageIndex]?.steps[stepIndex];
  if (!step) return 'locked';
  const facts = state.facts[step.id] ?? emptyFacts();
  if (facts.busy) return facts.busy;
  if (!stepUnlocked(plan, state, pageIndex, stepIndex)) return 'locked';
  if (facts.quiz) return quizDone(facts.quiz) ? 'passed' : 'ready';
  if (facts.checks) return checkedStatus(facts.checks);
  if (state.connection.kind === 'failed') return 'unavailable';
  return 'ready';
}

/** What a step's own check results say, regardless of gating. */
export function checkedStatus(checks: readonly CheckResult[]): 'passed' | 'failed' | 'unavailable' {
  if (checks.length > 0 && checks.every((c) => c.status === 'pass')) return 'passed';
  if (checks.some((c) => c.status === 'error') && !checks.some((c) => c.status === 'fail')) return 'unavailable';
  return 'failed';
}

/** Every question of the quiz was answered right. */
export function quizDone(quiz: QuizFacts): boolean {
  return quiz.questions.every((q) => quiz.passed.includes(q));
}

/** The question the learner is on: the first one not answered right yet (undefined when done). */
export function currentQuestion(quiz: QuizFacts): string | undefined {
  return quiz.questions.find((q) => !quiz.passed.includes(q));
}

/** A step of the plan by id. */
export function planStep(plan: CoursePlan, stepId: string): PlanStep | undefined {
  for (const page of plan.pages) for (const step of page.steps) if (step.id === stepId) return step;
  return undefined;
}

/** Index of the first step on a page that is not done (or the last step when all are). */
export function firstOpenStep(plan: CoursePlan, state: TutorState, pageIndex: number): number {
  const steps = plan.pages[pageIndex]?.steps ?? [];
  const i = steps.findIndex((s) => !stepDone(state, s.id));
  return i === -1 ? Math.max(0, steps.length - 1) : i;
}

