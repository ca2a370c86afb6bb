// The class at one moment, as data: what every export (json, csv, md, junit, html) and the
// dashboard draw from. Pure: building, ordering and filtering rows performs no I/O, so the
// fan-out (live checks) and the report reader (students' own files) both fill the same model.
//
// Everything in a student's row came from that student's server or file and is untrusted; the
// model keeps it as received and each export escapes it for its own format.
import type { CheckResult } from '../checks/result.js';
import type { Lang } from '../i18n/types.js';

export type StepState = 'passed' | 'failing' | 'in-progress' | 'not-started' | 'skipped' | 'unreachable';
/** In the order a legend lists them. */
export const STEP_STATES: readonly StepState[] = ['passed', 'in-progress', 'failing', 'not-started', 'skipped', 'unreachable'];

export type ReachFailure = 'unreachable' | 'auth' | 'host-key-unknown' | 'host-key-changed' | 'timeout' | 'error';
export const REACH_FAILURES: readonly ReachFailure[] = ['unreachable', 'auth', 'host-key-unknown', 'host-key-changed', 'timeout', 'error'];
export type Reach = { kind: 'ok' } | { kind: ReachFailure; reason: string };

/** One property of one check that did not match. */
export interface FailingCheck {
  checkId: string;
  /** e.g. "mode", "active", "json:status.allowed"; absent when the whole check could not run. */
  property?: string;
  expected: string;
  /** null: the property could not be read (the file is missing, the check could not run). */
  found: string | null;
  /** Why the check could not run (timeout, missing tool, ...), when that is the failure. */
  error?: string;
}

export interface StudentStep {
  status: StepState;
  failing?: FailingCheck[];
  /** The matched diagnostic, already in the snapshot's language. */
  diagnostic?: string;
  /** What the server printed for the failing checks (sanitized and capped by the checks). */
  evidence?: string;
  /** Epoch ms of the first observation of the student failing this step (kept across refreshes). */
  stuckSinceMs?: number;
}

export interface StudentRow {
  /** As the roster spells it, any script. */
  name: string;
  /** user@host:port, a label only. */
  target: string;
  /** `report`: read from the student's own report file because the server could not be reached. */
  source: 'live' | 'report';
  reach: Reach;
  /** By step id; a step missing here reads as not started. */
  steps: Record<string, StudentStep>;
  /** The step the student is on: the first one, in course order, not passed or skipped. */
  currentStep?: string;
}

export interface SnapshotStep {
  id: string;
  title: string;
}

export interface SnapshotPage {
  id: string;
  title: string;
  steps: SnapshotStep[];
}

export interface ClassSnapshot {
  /** ISO 8601, UTC. */
  takenAt: string;
  tutorVersion: string;
  lessonPackHash: string;
  lang: Lang;
  pages: SnapshotPage[];
  students: StudentRow[];
}

const NOT_STARTED: StudentStep = { status: 'not-started' };

/** A student's state of one step; steps the row does not mention are not started. */
export function stepOf(student: StudentRow, stepId: string): StudentStep {
  return student.steps[stepId] ?? NOT_STARTED;
}

export interface Progress {
  pagesDone: number;
  pagesTotal: number;
  stepsPassed: number;
  /** Steps that can count: skipped ones (not checkable read-only) are left out. */
  stepsTotal: number;
}

/**
 * Pages done and steps passed. A skipped step cannot be judged read-only, so it neither counts
 * nor blocks its page; a page with nothing but skipped steps is not done (nothing was shown).
 */
export function progressOf(pages: readonly SnapshotPage[], student: StudentRow): Progress {
  let pagesDone = 0;
  let stepsPassed = 0;
  let stepsTotal = 0;
  for (const page of pages) {
    const states = page.steps.map((s) => stepOf(student, s.id).status);
    const counted = states.filter((s) => s !== 'skipped');
    stepsTotal += counted.length;
    const passed = counted.filter((s) => s === 'passed').length;
    stepsPassed += passed;
    if (counted.length > 0 && passed === counted.length) pagesDone++;
  }
  return { pagesDone, pagesTotal: pages.length, stepsPassed, stepsTotal };
}

/** How long the student has been stuck on the current step at `takenAt`; undefined when not stuck. */
export function stuckForMs(student: StudentRow, takenAt: string | number): number | undefined {
  if (student.currentStep === undefined) return undefined;
  const since = student.steps[student.currentStep]?.stuckSinceMs;
  if (since === undefined) return undefined;
  const now = typeof takenAt === 'number' ? takenAt : Date.parse(takenAt);
  if (!Number.isFinite(now)) return undefined;
  return Math.max(0, now - since);
}

/** Where the student is: `page.step` numbers (1-based) and ids of the current step. */
export function locateStep(pages: readonly SnapshotPage[], stepId: string): { page: number; step: number; pageTitle: string; stepTitle: string } | undefined {
  for (const [p, page] of pages.entries()) {
    const s = page.steps.findIndex((x) => x.id === stepId);
    if (s !== -1) return { page: p + 1, step: s + 1, pageTitle: page.title, stepTitle: page.steps[s]!.title };
  }
  return undefined;
}

export type SortKey = 'stuck' | 'name' | 'progress';

/** Names compared as people expect in the language (Hangul in dictionary order, "a" next to "A"). */
export function nameCollator(lang: Lang): Intl.Collator {
  return new Intl.Collator(lang, { sensitivity: 'base', numeric: true });
}

/**
 * A new array, sorted: `stuck` longest first (not stuck last), `name` by the language's collation,
 * `progress` least first (who may need help on top; `descending` flips it). Ties go by name, then
 * target, so the order is stable across refreshes.
 */
export function sortStudents(snapshot: ClassSnapshot, key: SortKey, options: { descending?: boolean } = {}): StudentRow[] {
  const collator = nameCollator(snapshot.lang);
  const byName = (a: StudentRow, b: StudentRow) => collator.compare(a.name, b.name) || (a.target < b.target ? -1 : a.target > b.target ? 1 : 0);
  const stuck = new Map(snapshot.students.map((s) => [s, stuckForMs(s, snapshot.takenAt) ?? -1]));
  const done = new Map(snapshot.students.map((s) => [s, progressOf(snapshot.pages, s).stepsPassed]));
  const primary = (a: StudentRow, b: StudentRow): number => {
    if (key === 'stuck') return stuck.get(b)! - stuck.get(a)!;
    if (key === 'progress') return done.get(a)! - done.get(b)!;
    return 0;
  };
  const sign = options.descending ? -1 : 1;
  return [...snapshot.students].sort((a, b) => sign * primary(a, b) || byName(a, b));
}

export interface StudentFilter {
  /** Part of the name or target, case- and width-insensitive. */
  text?: string;
  /** Students with at least one step in this state (`unreachable` also matches a failed reach). */
  status?: StepState;
}

/** NFKC folds full-width Latin and composes Hangul typed as jamo, so "ｋｉｍ" finds "Kim". */
const fold = (s: string) => s.normalize('NFKC').toLocaleLowerCase();

export function filterStudents(snapshot: ClassSnapshot, students: readonly StudentRow[], filter: StudentFilter): StudentRow[] {
  const text = filter.text?.trim() ? fold(filter.text.trim()) : undefined;
  const stepIds = snapshot.pages.flatMap((p) => p.steps.map((s) => s.id));
  return students.filter((s) => {
    if (text !== undefined && !fold(s.name).includes(text) && !fold(s.target).includes(text)) return false;
    if (filter.status !== undefined) {
      const any = stepIds.some((id) => stepOf(s, id).status === filter.status);
      if (!any && !(filter.status === 'unreachable' && s.reach.kind !== 'ok')) return false;
    }
    return true;
  });
}

/** What was observed of one step on a student's server. */
export interface StepObservation {
  /** null or absent: the step was not checked (no result came back for it). */
  checks?: readonly CheckResult[] | null;
  /** Checks of the step left out because they could change the server (instructor mode is read-only). */
  skippedChecks?: number;
  /** The matched diagnostic, already translated. */
  diagnostic?: string;
}

export interface StudentInput {
  name: string;
  target: string;
  source?: 'live' | 'report';
  reach: Reach;
  /** By step id. */
  observed: Readonly<Record<string, StepObservation>>;
  /** When this observation was made (epoch ms): the start of being stuck on a new current step. */
  now: number;
  /** The same student's row from the previous refresh: keeps `stuckSinceMs` of the same step. */
  previous?: StudentRow;
}

/** A step's own verdict from its check results, before knowing where the student is. */
function verdict(obs: StepObservation | undefined): StepState | 'checked-failing' | 'partial' {
  const checks = obs?.checks;
  if (!checks || checks.length === 0) return obs?.skippedChecks ? 'skipped' : 'not-started';
  if (checks.every((c) => c.status === 'pass')) return 'passed';
  // Only errors (timeout, missing tool): the step could not be judged, as in the tutor.
  if (!checks.some((c) => c.status === 'fail')) return 'unreachable';
  return checks.some((c) => c.status === 'pass') ? 'partial' : 'checked-failing';
}

function failingOf(checks: readonly CheckResult[]): FailingCheck[] {
  const out: FailingCheck[] = [];
  for (const c of checks) {
    if (c.status === 'error') {
      out.push({ checkId: c.checkId, expected: '', found: null, error: c.error ?? 'error' });
      continue;
    }
    if (c.status !== 'fail') continue;
    const bad = c.findings.filter((f) => !f.ok);
    // A failed check always names what it expected; guard against one that lists nothing.
    if (bad.length === 0) out.push({ checkId: c.checkId, expected: '', found: null });
    for (const f of bad) out.push({ checkId: c.checkId, property: f.property, expected: f.expected, found: f.found ?? null });
  }
  return out;
}

function evidenceOf(checks: readonly CheckResult[]): string | undefined {
  const parts = checks.filter((c) => c.status !== 'pass' && c.evidence.trim() !== '').map((c) => `[${c.checkId}]\n${c.evidence.trimEnd()}`);
  return parts.length > 0 ? parts.join('\n') : undefined;
}

/**
 * A student's row from the check results of one refresh. The current step is the first in course
 * order not passed or skipped; a failing step before it is a regression and shows as failing,
 * failing steps after it show as not started (the student has not got there), and the current step
 * is failing, or in progress when some of its checks already pass. Stuck time runs from the first
 * refresh that saw the student on that step failing.
 */
export function studentFromResults(pages: readonly SnapshotPage[], input: StudentInput): StudentRow {
  const base = { name: input.name, target: input.target, source: input.source ?? 'live', reach: input.reach } as const;
  const order = pages.flatMap((p) => p.steps.map((s) => s.id));
  if (input.reach.kind !== 'ok' && (input.source ?? 'live') === 'live') {
    return { ...base, steps: Object.fromEntries(order.map((id) => [id, { status: 'unreachable' }])) };
  }
  const verdicts = new Map(order.map((id) => [id, verdict(input.observed[id])]));
  const currentStep = order.find((id) => verdicts.get(id) !== 'passed' && verdicts.get(id) !== 'skipped');
  const currentIndex = currentStep === undefined ? order.length : order.indexOf(currentStep);
  const steps: Record<string, StudentStep> = {};
  for (const [i, id] of order.entries()) {
    const v = verdicts.get(id)!;
    const obs = input.observed[id];
    const checks = obs?.checks ?? [];
    if (v === 'passed' || v === 'skipped') {
      steps[id] = { status: v };
      continue;
    }
    if (i > currentIndex && v !== 'unreachable') {
      steps[id] = { status: 'not-started' };
      continue;
    }
    let status: StepState = v === 'partial' ? 'in-progress' : v === 'checked-failing' ? 'failing' : v;
    // A regression before the current step is failing even when some of its checks pass.
    if (i < currentIndex && status === 'in-progress') status = 'failing';
    const step: StudentStep = { status };
    const failing = failingOf(checks);
    if (failing.length > 0) step.failing = failing;
    if (obs?.diagnostic) step.diagnostic = obs.diagnostic;
    const evidence = evidenceOf(checks);
    if (evidence !== undefined) step.evidence = evidence;
    if (id === currentStep && (status === 'failing' || status === 'in-progress')) {
      const before = input.previous?.currentStep === id ? input.previous.steps[id]?.stuckSinceMs : undefined;
      step.stuckSinceMs = before ?? input.now;
    }
    steps[id] = step;
  }
  return { ...base, steps, ...(currentStep !== undefined ? { currentStep } : {}) };
}
