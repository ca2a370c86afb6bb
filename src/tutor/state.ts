// The tutor session's state and the pure rules over it. Nothing here performs I/O: effects
// (SSH, local shell, progress file) live in session.ts and report back through actions.
import type { CheckResult, ProbeResult } from '../checks/result.js';
import type { Lang } from '../i18n/types.js';

/** Only the shape of the course the rules need: pages of steps, in order. */
export interface CoursePlan {
  pages: ReadonlyArray<{ id: string; steps: ReadonlyArray<{ id: string }> }>;
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
}

/** What we know from the server about one step. Gating is computed from this, never stored. */
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
}

export type ConnectionState =
  | { kind: 'idle' }
  | { kind: 'connecting'; label: string }
  | { kind: 'connected'; label: string }
  | { kind: 'failed'; label: string; why: string; todo: string };

export type Overlay =
  | { kind: 'none' }
  | { kind: 'help' }
  | { kind: 'outline'; cursor: number }
  | { kind: 'confirm-run'; stepId: string; fix?: string }
  | { kind: 'confirm-reset'; scope: 'page' | 'all' }
  | { kind: 'target' }
  | { kind: 'host-key'; host: string; port: number; keyType: string; fingerprint: string }
  | { kind: 'passphrase'; keyPath: string };

export interface TutorState {
  lang: Lang;
  page: number;
  /** Selected step on the current page. */
  step: number;
  scroll: number;
  facts: Record<string, StepFacts>;
  /** Steps whose first pass is on record (progress file): keeps later pages open across restarts. */
  passedBefore: ReadonlySet<string>;
  connection: ConnectionState;
  overlay: Overlay;
  /** One-line message in the status bar (already translated). */
  notice: string | null;
}

export function emptyFacts(): StepFacts {
  return { checks: null, probes: [], diagnostics: [], runDiagnostics: [], run: null, hintsShown: 0, busy: null };
}

export function initialState(plan: CoursePlan, lang: Lang, passedBefore: Iterable<string> = []): TutorState {
  const facts: Record<string, StepFacts> = {};
  for (const page of plan.pages) for (const step of page.steps) facts[step.id] = emptyFacts();
  return {
    lang,
    page: 0,
    step: 0,
    scroll: 0,
    facts,
    passedBefore: new Set(passedBefore),
    connection: { kind: 'idle' },
    overlay: { kind: 'none' },
    notice: null,
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

/** Index of the first step on a page that is not done (or the last step when all are). */
export function firstOpenStep(plan: CoursePlan, state: TutorState, pageIndex: number): number {
  const steps = plan.pages[pageIndex]?.steps ?? [];
  const i = steps.findIndex((s) => !stepDone(state, s.id));
  return i === -1 ? Math.max(0, steps.length - 1) : i;
}

