// Checking a whole class at once: every student's server over one pooled connection each, with
// only the checks that cannot change a server (checks/read-only.ts), a time limit per student,
// and no question ever asked (an unknown host key is reported with its fingerprint for the
// instructor to review, never trusted here). One student's failure never touches another's.
import { readOnlyPart } from '../checks/read-only.js';
import type { CheckResult } from '../checks/result.js';
import type { BatchOptions, RunBatchResult } from '../checks/run.js';
import type { BatchItem } from '../checks/compile.js';
import { probeId, type Probe, type Step } from '../course/schema.js';
import type { Translate } from '../i18n/types.js';
import { isConnectError, type ConnectFailure } from '../remote/connect-error.js';
import { trustHostKey } from '../remote/connect.js';
import type { Executor } from '../remote/executor.js';
import { explainConnectError } from '../remote/explain.js';
import type { ConnectionPool } from '../remote/pool.js';
import { targetKey, type ResolvedTarget } from '../remote/ssh-config.js';
import { sanitizeTerminal } from '../text/sanitize.js';
import { matchDiagnostics } from '../tutor/diagnose.js';

export interface SurveyStudent {
  name: string;
  target: ResolvedTarget;
}

export type ReachKind = 'unreachable' | 'auth' | 'host-key-unknown' | 'host-key-changed' | 'timeout' | 'error';

/** Whether the student's server could be checked, and if not, why (in the instructor's language). */
export type Reach =
  | { kind: 'ok' }
  | { kind: ReachKind; reason: string; keyType?: string; fingerprint?: string };

/** Why a check was not run: it may change the server, or it runs on the student's own jumpbox. */
export type SkipReason = 'not-read-only' | 'jumpbox';

export interface SurveyedStep {
  checks: CheckResult[];
  skipped: Array<{ checkId: string; why: SkipReason }>;
  /** Ids of the step's diagnostics the evidence (checks, journal and port probes) matched. */
  diagnostics: string[];
}

export interface StudentSurvey {
  name: string;
  /** user@host:port */
  label: string;
  reach: Reach;
  /** By step id; empty when the server could not be checked. */
  steps: Record<string, SurveyedStep>;
  elapsedMs: number;
  /** The key offered when it was unknown: what the instructor reviews, and records if accepted. */
  unknownKey?: Extract<ConnectFailure, { kind: 'host-key-unknown' }>;
}

export type BatchRunner = (
  executor: Executor,
  items: readonly BatchItem[],
  probes: ReadonlyArray<{ id: string; probe: Probe }>,
  options: BatchOptions,
) => Promise<RunBatchResult>;

export interface SurveyOptions {
  pool: ConnectionPool;
  runBatch: BatchRunner;
  t: Translate;
  /** For one student: connecting and the whole batch (a hung check ends here). */
  timeoutMs: number;
  /** Called as each student is done, for a live board. */
  onStudent?: (survey: StudentSurvey) => void;
  /**
   * Host key fingerprints pinned in the roster, by student name: an unknown key that matches is
   * recorded in known_hosts (the roster is the instructor's review); any other stays unknown.
   */
  pinned?: ReadonlyMap<string, string>;
}

/** Checks every student's server; resolves with one survey per student, in roster order. */
export async function surveyClass(
  students: readonly SurveyStudent[],
  steps: readonly Step[],
  options: SurveyOptions,
): Promise<StudentSurvey[]> {
  const plan = planSurvey(steps);
  return Promise.all(
    students.map(async (student) => {
      const survey = await surveyStudent(student, plan, options);
      options.onStudent?.(survey);
      return survey;
    }),
  );
}

interface SurveyPlan {
  items: Array<BatchItem & { stepId: string; checkId: string }>;
  /** The server's probes (journal tails, listening ports), read-only by construction, once each. */
  probes: Array<{ id: string; probe: Probe }>;
  skipped: Map<string, Array<{ checkId: string; why: SkipReason }>>;
  steps: Step[];
}

/** What runs for every student: the server side's read-only checks, keyed `step/check`. */
export function planSurvey(steps: readonly Step[]): SurveyPlan {
  const items: SurveyPlan['items'] = [];
  const skipped = new Map<string, Array<{ checkId: string; why: SkipReason }>>();
  const probes = new Map<string, { id: string; probe: Probe }>();
  const planned: Step[] = [];
  for (const step of steps) {
    if (step.quiz) continue; // answered in the learner's app; nothing on the server to look at
    planned.push(step);
    for (const probe of step.probes) if (probe.where === 'server') probes.set(probeId(probe), { id: probeId(probe), probe });
    const own = step.checks.map((spec, i) => ({ spec, checkId: spec.id ?? `${spec.kind}-${i + 1}` }));
    const list: Array<{ checkId: string; why: SkipReason }> = [];
    const onServer = own.filter((c) => {
      if ((c.spec.where ?? step.where) === 'server') return true;
      list.push({ checkId: c.checkId, why: 'jumpbox' });
      return false;
    });
    const { run, skipped: writing } = readOnlyPart(onServer);
    for (const c of writing) list.push({ checkId: c.checkId, why: 'not-read-only' });
    for (const c of run) items.push({ id: `${step.id}/${c.checkId}`, spec: c.spec, stepId: step.id, checkId: c.checkId });
    skipped.set(step.id, list);
  }
  return { items, probes: [...probes.values()], skipped, steps: planned };
}

async function surveyStudent(student: SurveyStudent, plan: SurveyPlan, o: SurveyOptions): Promise<StudentSurvey> {
  const started = performance.now();
  const label = targetKey(student.target);
  const done = (reach: Reach, steps: Record<string, SurveyedStep> = {}, unknownKey?: StudentSurvey['unknownKey']): StudentSurvey => ({
    name: student.name,
    label,
    reach,
    steps,
    elapsedMs: Math.round(performance.now() - started),
    ...(unknownKey ? { unknownKey } : {}),
  });
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => {
      abort.abort(new Error('time limit'));
      resolve('late');
    }, o.timeoutMs);
  });
  const timedOut = () =>
    done({ kind: 'timeout', reason: o.t('instructor:survey.timeout', { seconds: Math.round(o.timeoutMs / 1000) }) });
  try {
    const open = async (): Promise<'up'> => {
      try {
        await o.pool.connect(student.target);
      } catch (err) {
        const f = isConnectError(err) ? err.failure : undefined;
        const pin = o.pinned?.get(student.name);
        if (f?.kind !== 'host-key-unknown' || f.strict || pin === undefined || f.fingerprint !== pin) throw err;
        await trustHostKey(f);
        await o.pool.connect(student.target);
      }
      return 'up';
    };
    const connected = await Promise.race([open(), late]);
    if (connected === 'late') {
      await o.pool.close(label);
      return timedOut();
    }
    const batch = await Promise.race([
      o.runBatch(o.pool.executor(student.target), plan.items, plan.probes, { timeoutMs: o.timeoutMs, signal: abort.signal }),
      late,
    ]);
    if (batch === 'late') return timedOut();
    const byId = new Map(batch.checks.map((c) => [c.checkId, c]));
    const steps: Record<string, SurveyedStep> = {};
    for (const step of plan.steps) steps[step.id] = { checks: [], skipped: plan.skipped.get(step.id) ?? [], diagnostics: [] };
    for (const item of plan.items) {
      const measured = byId.get(item.id);
      if (!measured) continue;
      steps[item.stepId]!.checks.push({ ...measured, checkId: item.checkId, where: 'server' });
    }
    for (const step of plan.steps) {
      const own = steps[step.id]!;
      if (own.checks.length === 0 || own.checks.every((c) => c.status === 'pass')) continue;
      const probes = batch.probes.filter((p) => step.probes.some((q) => probeId(q) === p.probeId));
      own.diagnostics = matchDiagnostics(step.diagnostics, { checks: own.checks, probes, run: null });
    }
    // The batch ran out of time on the server side: every check says so; that is a hung server.
    if (plan.items.length > 0 && batch.checks.every((c) => c.status === 'error' && c.error === 'timeout')) return timedOut();
    return done({ kind: 'ok' }, steps);
  } catch (err) {
    const f = isConnectError(err) ? err.failure : undefined;
    return done(reachOf(err, o.t), {}, f?.kind === 'host-key-unknown' && !f.strict ? f : undefined);
  } finally {
    clearTimeout(timer);
  }
}

function reachOf(err: unknown, t: Translate): Reach {
  if (!isConnectError(err)) {
    const text = err instanceof Error ? err.message : String(err);
    return { kind: 'error', reason: sanitizeTerminal(text).split('\n')[0]!.trim() || 'error' };
  }
  const f: ConnectFailure = err.failure;
  const reason = explainConnectError(err, t).why;
  switch (f.kind) {
    case 'refused':
    case 'dns':
    case 'unreachable':
    case 'disconnected':
      return { kind: 'unreachable', reason };
    case 'timeout':
      return { kind: 'timeout', reason };
    case 'auth':
    case 'passphrase':
      return { kind: 'auth', reason };
    case 'host-key-unknown':
      return { kind: 'host-key-unknown', reason, keyType: f.keyType, fingerprint: f.fingerprint };
    case 'host-key-changed':
    case 'host-key-revoked':
      return { kind: 'host-key-changed', reason, keyType: f.keyType, fingerprint: f.fingerprint };
    case 'other':
      return { kind: 'error', reason };
  }
}
