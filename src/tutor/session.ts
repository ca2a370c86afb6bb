// A tutor session: holds the state, performs the effects (checks, runs, progress) and reports
// back through the pure reducer. The Ink app subscribes to it; tests drive it directly.
import { isAbsolute, join, posix } from 'node:path';
import type { CheckResult, MeasuredCheck, ProbeResult } from '../checks/result.js';
import type { CheckSpec, Where } from '../checks/spec.js';
import { probeId, type Probe, type Step } from '../course/schema.js';
import type { Lang, Translate } from '../i18n/types.js';
import { isConnectError } from '../remote/connect-error.js';
import type { ExecResult, Executor } from '../remote/executor.js';
import { explainConnectError } from '../remote/explain.js';
import { KnownHostsFileError } from '../remote/known-hosts-file.js';
import type { HostKeyQuestion, ConnectPrompts as Prompts, LinkOutcome as ConnectOutcome } from '../remote/server-link.js';
import { UploadError, type UploadFile, type UploadOptions, type UploadResult } from '../remote/upload.js';
import { sanitizeTerminal } from '../text/sanitize.js';
import { OutputTail } from '../text/output-tail.js';
import { shq } from '../text/shell-quote.js';
import { matchDiagnostics } from './diagnose.js';
import { UploadBoard } from './upload-board.js';
import { reduce, RUN_OUTPUT_CAP, type Action } from './reducer.js';
import {
  allStepIds,
  checksPassed,
  currentQuestion,
  initialState,
  pageDone,
  stepDone,
  stepUnlocked,
  type CoursePlan,
  type TutorState,
} from './state.js';

export interface SessionPage {
  id: string;
  steps: Step[];
}

// How the session asks the learner something while connecting (the UI answers), and what a
// connection attempt comes to: defined by the SSH layer, which does the asking.
export type { HostKeyQuestion, ConnectPrompts as Prompts, LinkOutcome as ConnectOutcome } from '../remote/server-link.js';

/** The learner's server as the session sees it; src/remote provides the real one. */
export interface ServerLink {
  readonly label: string;
  connect(prompts: Prompts, t: Translate): Promise<ConnectOutcome>;
  executor(): Executor;
  close(): Promise<void>;
  /** Tells `listener` why, each time an open connection is ended by the server or the network. */
  onDrop?(listener: (why: string) => void): () => void;
  /** The tutor's own verified copy of files to the server (a step's `upload`). */
  upload?(files: readonly UploadFile[], options: UploadOptions): Promise<UploadResult>;
}

/** Where progress is recorded; src/progress provides the real one. */
export interface ProgressSink {
  recordAttempt(stepId: string): void;
  recordHint(stepId: string): void;
  recordPass(stepId: string, evidence: Array<{ checkId: string; summary: string }>): void;
  /** A quiz question was answered right (kept: a quiz has no server to re-check). */
  recordQuizPass(stepId: string, questionId: string): void;
  forget(stepIds: string[]): void;
}

/** What answering did; null when the answer was not taken (unknown ids, locked step). */
export interface QuizOutcome {
  correct: boolean;
  /** Every question of the step is now answered right. */
  stepDone: boolean;
}

/**
 * Runs a batch of checks with their probes in ONE exec on one executor. Each result carries its
 * item's id; the session matches results to checks by that id.
 */
export type BatchRunner = (
  executor: Executor,
  items: Array<{ id: string; spec: CheckSpec }>,
  probes: Array<{ id: string; probe: Probe }>,
) => Promise<{ checks: MeasuredCheck[]; probes: ProbeResult[] }>;

export interface SessionDeps {
  pages: SessionPage[];
  lang: Lang;
  translate: (lang: Lang) => Translate;
  server: ServerLink;
  /** The server as the learner typed it (an ssh_config alias stays an alias); default: its label. */
  targetTyped?: string;
  jumpbox: Executor;
  runBatch: BatchRunner;
  progress?: ProgressSink;
  passedBefore?: Iterable<string>;
  /** Quiz questions answered right on record, by step id (ProgressStore.passedQuestions). */
  quizPassed?: Record<string, string[]>;
  /** Default working directories for `run` (a step's own `cwd` wins). */
  jumpboxDir: string;
  serverDir: string;
}

type Pending =
  | { kind: 'host-key'; question: HostKeyQuestion; resolve: (ok: boolean) => void }
  | { kind: 'passphrase'; keyPath: string; resolve: (value: string | undefined) => void };

/**
 * Seconds between tries to reach a server that is down or went away: quick at first (a restart
 * takes a second or two), then no more often than every 15 s.
 */
export const RECONNECT_BACKOFF_SEC = [1, 2, 4, 8, 15] as const;

/** Answers nobody types: a try in the background never opens a prompt over the page. */
const UNATTENDED: Prompts = { confirmHostKey: async () => false, askPassphrase: async () => undefined };

/** Check ids default to kind-index within a step (the loader fills them; this keeps it total). */
export function checkId(spec: CheckSpec, index: number): string {
  return spec.id ?? `${spec.kind}-${index + 1}`;
}

/**
 * The script a step's run sends on stdin to /bin/sh -s: echo each command as the learner would
 * see it at a prompt, stop at the first failure (as following the chapter by hand would).
 */
export function runScript(commands: readonly string[], cwd: string): string {
  const lines = ['set -e', `cd ${shq(cwd)}`];
  for (const cmd of commands) {
    lines.push(`printf '%s\\n' ${shq(`$ ${cmd}`)}`, cmd);
  }
  return lines.join('\n') + '\n';
}

/** Where a step's `run` starts: its own `cwd`, else the machine's default (also `--dry-run`'s rule). */
export function stepCwd(step: Pick<Step, 'cwd' | 'where'>, dirs: { jumpboxDir: string; serverDir: string }): string {
  return step.cwd ?? (step.where === 'jumpbox' ? dirs.jumpboxDir : dirs.serverDir);
}

export class TutorSession {
  private state: TutorState;
  private readonly listeners = new Set<() => void>();
  private readonly plan: CoursePlan;
  private pending: Pending | null = null;
  private connected = false;
  /** The attempt in flight: a second caller waits for it instead of opening another. */
  private connecting: Promise<boolean> | null = null;
  /** Trying again in the background: how many tries so far and the timer of the next. */
  private retry: { tries: number; timer: NodeJS.Timeout | null } | null = null;
  /** What to offer once the server is back: the step whose run or check the drop cut short. */
  private cutShort: { kind: 'run' | 'check' | 'upload'; n: number } | null = null;
  private unwatchDrops: (() => void) | undefined;
  private closed = false;
  /** Runs in flight, by step: a second copy of the same step is refused; quitting stops them. */
  private readonly runs = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(private readonly deps: SessionDeps) {
    this.plan = { pages: deps.pages };
    this.state = initialState(this.plan, deps.lang, deps.passedBefore, deps.quizPassed);
    this.watchDrops();
  }

  // --- store protocol (useSyncExternalStore) ---
  getState = (): TutorState => this.state;
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  get coursePlan(): CoursePlan {
    return this.plan;
  }
  get pendingPrompt(): Pending | null {
    return this.pending;
  }
  get t(): Translate {
    return this.deps.translate(this.state.lang);
  }

  dispatch(action: Action): void {
    this.state = reduce(this.plan, this.state, action);
    for (const l of this.listeners) l();
  }

  /** Progress is a record, not the truth: a failed save (full disk) is said, never fatal. */
  private record(write: (p: ProgressSink) => void): void {
    if (!this.deps.progress) return;
    try {
      write(this.deps.progress);
    } catch (err) {
      this.dispatch({ type: 'notice', text: (err as Error).message });
    }
  }

  private notice(key: string, params?: Record<string, unknown>): void {
    this.dispatch({ type: 'notice', text: this.t(key, params) });
  }

  /** A message that stays above the status line until the learner dismisses it (d). */
  alert(text: string): void {
    this.dispatch({ type: 'alert', text });
  }

  /** An error in the learner's words, one line: a dropped connection explained, anything else as said. */
  private reason(err: unknown): string {
    if (isConnectError(err)) return explainConnectError(err, this.t).why;
    if (err instanceof KnownHostsFileError) {
      return this.t(`remote:knownHostsFile.${err.problem}`, { file: err.file, dir: err.dir, reason: err.reason });
    }
    const text = err instanceof Error ? err.message : String(err);
    return sanitizeTerminal(text).split('\n')[0]!.trim() || String(err);
  }

  /** A failed effect becomes a notice and frees its steps; the app keeps going. */
  private failed(err: unknown, stepIds: string[], key = 'ui:notice.effectFailed'): void {
    if (stepIds.length > 0) this.dispatch({ type: 'effect-failed', stepIds });
    this.notice(key, { reason: this.reason(err) });
  }

  /**
   * Starts an effect from the UI without awaiting it: whatever it throws is said as a notice.
   * Every UI call site goes through here, so no rejection can end the app.
   */
  fire(effect: Promise<unknown> | (() => Promise<unknown>)): void {
    try {
      const p = typeof effect === 'function' ? effect() : effect;
      p.catch((err: unknown) => this.failed(err, this.busySteps()));
    } catch (err) {
      this.failed(err, this.busySteps());
    }
  }

  private busySteps(): string[] {
    return Object.entries(this.state.facts)
      .filter(([id, f]) => f.busy && !this.runs.has(id))
      .map(([id]) => id);
  }

  // --- connection ---
  /**
   * Connects (or waits for the attempt in flight). `unattended`: a try in the background, which
   * asks nothing; a host key or passphrase question ends it until the learner presses c.
   * A failure that may pass by itself (server down, network cut) is tried again with backoff.
   */
  connect(options: { unattended?: boolean } = {}): Promise<boolean> {
    if (this.connecting) return this.connecting;
    const attempt = this.connectOnce(options.unattended === true).finally(() => {
      this.connecting = null;
    });
    this.connecting = attempt;
    return attempt;
  }

  private async connectOnce(unattended: boolean): Promise<boolean> {
    if (this.retry?.timer) clearTimeout(this.retry.timer);
    if (this.retry) this.retry.timer = null;
    const label = this.deps.server.label;
    const lost = this.state.connection.kind === 'lost' ? this.state.connection : null;
    if (!lost) this.dispatch({ type: 'connection', connection: { kind: 'connecting', label } });
    const prompts: Prompts = unattended
      ? UNATTENDED
      : {
          confirmHostKey: (question) =>
            new Promise<boolean>((resolve) => {
              this.pending = { kind: 'host-key', question, resolve };
              this.dispatch({ type: 'overlay', overlay: { kind: 'host-key', ...question } });
            }),
          askPassphrase: (keyPath, again) =>
            new Promise<string | undefined>((resolve) => {
              this.pending = { kind: 'passphrase', keyPath, resolve };
              this.dispatch({ type: 'overlay', overlay: { kind: 'passphrase', keyPath, ...(again ? { again } : {}) } });
            }),
        };
    let outcome: ConnectOutcome;
    try {
      outcome = await this.deps.server.connect(prompts, this.t);
    } catch (err) {
      // Trusting a key (known_hosts not writable) or the link itself threw: a failed connection.
      outcome = { ok: false, why: this.reason(err), todo: this.t('ui:connection.errorTodo'), retry: false };
      if (this.pending) this.dispatch({ type: 'overlay', overlay: { kind: 'none' } });
    }
    this.pending = null;
    if (this.closed || this.deps.server.label !== label) return outcome.ok; // retargeted meanwhile
    this.connected = outcome.ok;
    if (outcome.ok) {
      const wasRetrying = this.retry !== null || lost !== null;
      this.retry = null;
      this.dispatch({ type: 'connection', connection: { kind: 'connected', label } });
      if (!wasRetrying) {
        this.dispatch({ type: 'notice', text: null });
        return true;
      }
      // Back by itself: what the page shows was measured without the server; measure it again.
      if (unattended) await this.check(this.plan.pages[this.state.page]?.steps.map((s) => s.id) ?? []);
      this.sayBack(label);
      return true;
    }
    const retryInSec = outcome.retry ? this.scheduleRetry() : undefined;
    if (!outcome.retry) this.retry = null;
    const when = retryInSec === undefined ? {} : { retryInSec };
    this.dispatch({
      type: 'connection',
      connection:
        lost && outcome.retry
          ? { kind: 'lost', label, why: lost.why, ...when }
          : { kind: 'failed', label, why: outcome.why, todo: outcome.todo, ...when },
    });
    // A failed connection is explained on the status line (why, what to do); no notice hides it.
    this.dispatch({ type: 'notice', text: null });
    return false;
  }

  /** The next background try, after the backoff for how many tries failed so far; its delay. */
  private scheduleRetry(): number | undefined {
    if (this.closed) return undefined;
    const tries = this.retry?.tries ?? 0;
    const delay = RECONNECT_BACKOFF_SEC[Math.min(tries, RECONNECT_BACKOFF_SEC.length - 1)]!;
    const timer = setTimeout(() => {
      if (this.retry) this.retry.timer = null;
      this.fire(this.connect({ unattended: true }));
    }, delay * 1000);
    timer.unref(); // never what keeps the process alive
    this.retry = { tries: tries + 1, timer };
    return delay;
  }

  /** Back after a failure or a drop: say so, and offer again what the drop cut short. */
  private sayBack(label: string): void {
    const cut = this.cutShort;
    this.cutShort = null;
    if (cut?.kind === 'run') this.notice('ui:notice.backRun', { label, n: cut.n });
    else if (cut?.kind === 'upload') this.notice('ui:notice.backUpload', { label, n: cut.n });
    else if (cut?.kind === 'check') this.notice('ui:notice.backCheck', { label, n: cut.n });
    else this.notice('ui:notice.back', { label });
  }

  private watchDrops(): void {
    this.unwatchDrops?.();
    this.unwatchDrops = this.deps.server.onDrop?.((why) => this.dropped(why));
  }

  /** The server or the network ended the connection: say so, and get it back in the background. */
  private dropped(why: string): void {
    if (this.closed || !this.connected) return;
    this.connected = false;
    const label = this.deps.server.label;
    const reason = sanitizeTerminal(why).split('\n')[0]!;
    const retryInSec = this.scheduleRetry();
    this.dispatch({
      type: 'connection',
      connection: { kind: 'lost', label, why: reason, ...(retryInSec === undefined ? {} : { retryInSec }) },
    });
  }

  /** True when the server can take work now; if not, one attempt (with its prompts) first. */
  private async ensureConnected(): Promise<boolean> {
    return this.connected || (await this.connect());
  }

  /** The UI's answer to a host-key or passphrase prompt. */
  answerPrompt(answer: boolean | string | undefined): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    this.dispatch({ type: 'overlay', overlay: { kind: 'none' } });
    if (p.kind === 'host-key') p.resolve(answer === true);
    else p.resolve(typeof answer === 'string' ? answer : undefined);
  }

  // --- checking ---
  private executorFor(where: Where): Executor | null {
    if (where === 'jumpbox') return this.deps.jumpbox;
    return this.connected ? this.deps.server.executor() : null;
  }

  private stepById(stepId: string): Step | undefined {
    for (const page of this.deps.pages) for (const s of page.steps) if (s.id === stepId) return s;
    return undefined;
  }

  /**
   * Checks the given steps: all their checks and probes go out as ONE batch per location
   * (jumpbox, server), then each step gets its results, diagnostics and progress record.
   */
  /**
   * `reconnect`: the learner asked for this check (c), so a server that is not connected is
   * tried once first; checks the app starts itself leave that to the background retries.
   */
  async check(stepIds: string[], options: { reconnect?: boolean } = {}): Promise<void> {
    const ids = stepIds.filter((id) => !this.runs.has(id));
    try {
      await this.checkNow(ids, options.reconnect === true);
    } catch (err) {
      this.failed(err, ids, 'ui:notice.checkFailed');
    }
  }

  private async checkNow(stepIds: string[], reconnect: boolean): Promise<void> {
    // A quiz step is answered, not checked: it never reaches the server.
    const steps = stepIds.map((id) => this.stepById(id)).filter((s): s is Step => !!s && !s.quiz);
    if (steps.length === 0) return;
    const needsServer = steps.some((s) => s.where === 'server' || s.checks.some((c) => c.where === 'server'));
    if (reconnect && needsServer) await this.ensureConnected();
    this.dispatch({ type: 'check-start', stepIds: steps.map((s) => s.id) });
    const started = Date.now();

    // `where` is resolved here, once per check (its own, else its step's), and travels with the
    // result; results come back keyed by `key`, never matched by position.
    type Item = { key: string; stepId: string; id: string; spec: CheckSpec; where: Where };
    const byWhere: Record<Where, { items: Item[]; probes: Array<{ id: string; probe: Probe; stepId: string }> }> = {
      jumpbox: { items: [], probes: [] },
      server: { items: [], probes: [] },
    };
    const itemsByStep = new Map<string, Item[]>();
    for (const step of steps) {
      const own: Item[] = step.checks.map((spec, i) => {
        const id = checkId(spec, i);
        return { key: `${step.id}/${id}`, stepId: step.id, id, spec, where: spec.where ?? step.where };
      });
      itemsByStep.set(step.id, own);
      for (const item of own) byWhere[item.where].items.push(item);
      for (const probe of step.probes) {
        byWhere[probe.where].probes.push({ id: probeId(probe), probe, stepId: step.id });
      }
    }

    const measured = new Map<string, MeasuredCheck>();
    let lost: unknown = null;
    const probesByStep = new Map<string, ProbeResult[]>();
    await Promise.all(
      (['jumpbox', 'server'] as const).map(async (where) => {
        const { items, probes } = byWhere[where];
        if (items.length === 0 && probes.length === 0) return;
        const executor = this.executorFor(where);
        let results: { checks: MeasuredCheck[]; probes: ProbeResult[] };
        if (!executor) {
          results = { checks: items.map((it) => unavailable(it.key, it.id, it.spec, 'offline')), probes: [] };
        } else {
          // Probe ids are shared between steps (two steps may read the same journal): run once.
          const uniqueProbes = [...new Map(probes.map((p) => [p.id, { id: p.id, probe: p.probe }])).values()];
          // The batch runner turns a failed exec into error results; the session still needs to
          // know the connection failed, to say so.
          const watched: Executor = {
            label: executor.label,
            exec: (command, options) =>
              executor.exec(command, options).catch((err: unknown) => {
                lost = err;
                throw err;
              }),
          };
          try {
            results = await this.deps.runBatch(
              watched,
              items.map((it) => ({ id: it.key, spec: it.spec })),
              uniqueProbes,
            );
          } catch (err) {
            // The connection dropped mid-batch: these checks did not run; the other side's stand.
            lost = err;
            results = { checks: items.map((it) => unavailable(it.key, it.id, it.spec, 'failed')), probes: [] };
          }
        }
        for (const r of results.checks) measured.set(r.checkId, r);
        for (const p of probes) {
          const found = results.probes.find((r) => r.probeId === p.id);
          if (!found) continue;
          const list = probesByStep.get(p.stepId) ?? [];
          list.push(found);
          probesByStep.set(p.stepId, list);
        }
      }),
    );

    const results: Record<string, { checks: CheckResult[]; probes: ProbeResult[]; diagnostics: string[] }> = {};
    for (const step of steps) {
      // In the step's own order; a check the batch gave no result for counts as not run.
      const checks = (itemsByStep.get(step.id) ?? []).map((item): CheckResult => {
        const r = measured.get(item.key) ?? unavailable(item.key, item.id, item.spec, 'incomplete');
        return { ...r, checkId: item.id, where: item.where };
      });
      const probes = probesByStep.get(step.id) ?? [];
      const passed = checks.length > 0 && checks.every((c) => c.status === 'pass');
      const run = this.state.facts[step.id]?.run;
      const diagnostics = passed
        ? []
        : matchDiagnostics(step.diagnostics, {
            checks,
            probes,
            run: run?.done ? { code: run.code, output: run.text } : null,
          });
      results[step.id] = { checks, probes, diagnostics };
    }
    const wasDone = new Set(allStepIds(this.plan).filter((id) => checksPassed(this.state.facts[id])));
    this.dispatch({ type: 'check-done', results });
    this.recordProgress(steps, results, wasDone);
    this.announce(steps.map((s) => s.id), wasDone, Date.now() - started);
    if (lost !== null) {
      this.cutShort = { kind: 'check', n: this.state.step + 1 };
      this.notice('ui:notice.checkFailed', { reason: this.reason(lost) });
    }
  }

  private recordProgress(
    steps: Step[],
    results: Record<string, { checks: CheckResult[] }>,
    wasDone: Set<string>,
  ): void {
    for (const step of steps) {
      const checks = results[step.id]?.checks ?? [];
      if (checks.length > 0 && checks.every((c) => c.status === 'pass') && !wasDone.has(step.id)) {
        const evidence = checks.map((c) => ({ checkId: c.checkId, summary: `${c.subject}: ${c.evidence.slice(0, 200)}` }));
        this.record((p) => p.recordPass(step.id, evidence));
      }
    }
  }

  /** Tells the learner what a check changed for the selected step. */
  private announce(checked: string[], wasDone: Set<string>, ms: number): void {
    const pageIndex = this.state.page;
    const page = this.plan.pages[pageIndex];
    const selected = page?.steps[this.state.step];
    if (selected && checked.includes(selected.id) && checked.length === 1) {
      const n = this.state.step + 1;
      if (checksPassed(this.state.facts[selected.id])) {
        if (pageDone(this.plan, this.state, pageIndex)) {
          const last = pageIndex === this.plan.pages.length - 1;
          this.notice(last ? 'ui:notice.courseDone' : 'ui:notice.pagePassed');
        } else {
          this.notice('ui:notice.passed', { n });
          if (!wasDone.has(selected.id)) this.dispatch({ type: 'select-step', delta: 1 });
        }
      } else {
        this.notice('ui:notice.failed', { n });
      }
      return;
    }
    if (this.state.connection.kind === 'failed') this.dispatch({ type: 'notice', text: null });
    else this.notice('ui:notice.checked', { count: checked.length, ms });
  }

  /**
   * Connects, checks the whole course in one batch per location (so the outline is true from
   * the start), then opens the first page that is not done.
   */
  async start(): Promise<void> {
    await this.connect();
    await this.check(allStepIds(this.plan));
    const page = this.plan.pages.findIndex((_, i) => !pageDone(this.plan, this.state, i));
    this.dispatch({ type: 'open-page', page: page === -1 ? this.plan.pages.length - 1 : page });
  }

  /**
   * Opens a page and re-checks its steps: the server's state is the truth, not the record. The
   * cursor goes to the first step not done as the fresh check says (the facts from before may be
   * stale: a step that failed at start-up can pass now), unless the learner moved it meanwhile.
   */
  async openPage(index: number): Promise<void> {
    this.dispatch({ type: 'open-page', page: index });
    const { page: opened, step: cursor } = this.state;
    const page = this.plan.pages[opened];
    if (!page) return;
    await this.check(page.steps.map((s) => s.id));
    if (this.state.page === opened && this.state.step === cursor) this.dispatch({ type: 'select-open-step' });
  }

  async checkSelected(): Promise<void> {
    const step = this.selectedStep();
    if (!step) return;
    if (step.quiz) {
      this.notice('ui:quiz.notice.noCheck', { count: this.selectedQuestionOptions() });
      return;
    }
    this.record((p) => p.recordAttempt(step.id));
    await this.check([step.id], { reconnect: true });
  }

  selectedStep(): Step | undefined {
    return this.deps.pages[this.state.page]?.steps[this.state.step];
  }

  /** Asks for consent before anything runs: opens the confirmation with the exact commands. */
  requestRun(fixOf?: string): void {
    const step = this.selectedStep();
    if (!step) return;
    if (this.refuseIfLocked(this.state.page, this.state.step)) return;
    if (this.refuseIfRunning(step.id)) return;
    if (step.quiz) {
      this.notice('ui:quiz.notice.noCheck', { count: this.selectedQuestionOptions() });
      return;
    }
    if (fixOf !== undefined) {
      this.dispatch({ type: 'overlay', overlay: { kind: 'confirm-run', stepId: step.id, fix: fixOf } });
      return;
    }
    if (step.run.length === 0) {
      this.notice('ui:notice.noRun');
      return;
    }
    this.dispatch({ type: 'overlay', overlay: { kind: 'confirm-run', stepId: step.id } });
  }

  /** Asks for consent before the tutor sends the selected step's files itself (key u). */
  requestUpload(): void {
    const step = this.selectedStep();
    if (!step) return;
    if (this.refuseIfLocked(this.state.page, this.state.step)) return;
    if (this.refuseIfRunning(step.id)) return;
    if (!step.upload || !this.deps.server.upload) {
      this.notice('ui:notice.noUpload');
      return;
    }
    this.dispatch({ type: 'overlay', overlay: { kind: 'confirm-upload', stepId: step.id } });
  }

  /** The step's `upload` as paths: the jumpbox's (from its chapter folder) and the server's. */
  uploadFilesFor(stepId: string): UploadFile[] {
    const upload = this.stepById(stepId)?.upload;
    if (!upload) return [];
    return upload.files.map((f) => ({
      local: isAbsolute(f) ? f : join(this.deps.jumpboxDir, f),
      remote: posix.join(upload.to, posix.basename(f)),
    }));
  }

  /**
   * Sends the step's files with the tutor's verified copy, showing per-file progress in the run
   * pane, then checks the step. Cancel (Esc / Ctrl-C) and a dropped connection leave no partial
   * file under a final name (the copy writes to a temporary name and renames last).
   */
  async upload(stepId: string): Promise<void> {
    const step = this.stepById(stepId);
    const send = this.deps.server.upload?.bind(this.deps.server);
    this.dispatch({ type: 'overlay', overlay: { kind: 'none' } });
    if (!step?.upload || !send || this.refuseIfRunning(stepId)) return;
    if (!(await this.ensureConnected())) {
      this.notice('ui:notice.offline');
      return;
    }
    const files = this.uploadFilesFor(stepId);
    const abort = new AbortController();
    let settle = () => {};
    this.runs.set(stepId, { abort, done: new Promise<void>((r) => (settle = r)) });
    const startedAt = Date.now();
    const board = new UploadBoard(files.map((f) => posix.basename(f.remote)));
    // Progress comes many times a second; the screen needs a few frames of it.
    let shownAt = 0;
    const show = (result?: UploadResult) => this.dispatch({ type: 'run-progress', stepId, text: board.text(this.t, result) });
    try {
      this.record((p) => p.recordAttempt(step.id));
      const command = this.t('ui:upload.command', { count: files.length, target: this.targetLabel, to: step.upload.to });
      this.dispatch({ type: 'run-start', stepId, command, startedAt, upload: true });
      const result = await send(files, {
        signal: abort.signal,
        onProgress: (p) => {
          board.update(p);
          const now = Date.now();
          if (now - shownAt < 200 && p.phase === 'sending') return;
          shownAt = now;
          show();
        },
      });
      show(result);
      this.dispatch({ type: 'run-done', stepId, code: 0, timedOut: false, diagnostics: [], elapsedMs: Date.now() - startedAt });
    } catch (err) {
      show();
      const elapsedMs = Date.now() - startedAt;
      if (abort.signal.aborted) {
        this.dispatch({ type: 'run-cancelled', stepId, elapsedMs });
        this.notice('ui:notice.uploadCancelled');
      } else if (isConnectError(err) || (err instanceof UploadError && err.reason === 'connection')) {
        const n = this.stepNumber(stepId);
        this.cutShort = { kind: 'upload', n };
        this.dispatch({ type: 'effect-failed', stepIds: [stepId] });
        this.notice('ui:notice.uploadLost', { n, reason: this.reason(err) });
      } else {
        // Said in the pane and on the status line; the message names the file and what to do.
        const why = sanitizeTerminal((err as Error).message).split('\n')[0] ?? '';
        this.dispatch({ type: 'run-output', stepId, chunk: `\n${this.t('ui:upload.failed', { why })}` });
        this.dispatch({ type: 'run-done', stepId, code: 1, timedOut: false, diagnostics: [], elapsedMs });
        this.notice('ui:notice.uploadFailed', { why });
      }
      return;
    } finally {
      this.runs.delete(stepId);
      settle();
    }
    await this.check([stepId]);
  }

  /** The fix offered by the first firing diagnostic that has one, if any. */
  availableFix(stepId: string): { diagnostic: string; commands: string[] } | null {
    const step = this.stepById(stepId);
    const fired = this.state.facts[stepId]?.diagnostics ?? [];
    for (const id of fired) {
      const d = step?.diagnostics.find((x) => x.id === id);
      if (d?.fix) return { diagnostic: id, commands: d.fix };
    }
    return null;
  }

  commandsFor(stepId: string, fix?: string): string[] {
    const step = this.stepById(stepId);
    if (!step) return [];
    if (fix === undefined) return step.run;
    return step.diagnostics.find((d) => d.id === fix)?.fix ?? [];
  }

  cwdFor(step: Step): string {
    return stepCwd(step, this.deps);
  }

  /** Runs the step's commands (or a diagnostic's fix) after consent, then checks the step. */
  async run(stepId: string, fix?: string): Promise<void> {
    const step = this.stepById(stepId);
    if (!step) return;
    this.dispatch({ type: 'overlay', overlay: { kind: 'none' } });
    if (this.refuseIfRunning(stepId)) return;
    const commands = this.commandsFor(stepId, fix);
    if (step.where === 'server' && commands.length > 0) await this.ensureConnected();
    const executor = this.executorFor(step.where);
    if (!executor || commands.length === 0) {
      this.notice(executor ? 'ui:notice.noRun' : 'ui:notice.offline');
      return;
    }
    const abort = new AbortController();
    let settle = () => {};
    this.runs.set(stepId, { abort, done: new Promise<void>((r) => (settle = r)) });
    const startedAt = Date.now();
    let result: ExecResult;
    // Live output is untrusted remote text and may not end: only its last RUN_OUTPUT_CAP
    // characters are kept, sanitized, and handed to the screen a few times a second.
    const tail = new OutputTail(RUN_OUTPUT_CAP, (text) => this.dispatch({ type: 'run-output', stepId, chunk: text }));
    try {
      this.record((p) => p.recordAttempt(step.id));
      this.dispatch({ type: 'run-start', stepId, command: commands.join('\n'), startedAt });
      result = await executor.exec('/bin/sh -s', {
        stdin: runScript(commands, this.cwdFor(step)),
        timeoutMs: step.timeoutSeconds * 1000,
        // The screen's tail is all the session uses; the executor keeps no more than that.
        maxOutputBytes: RUN_OUTPUT_CAP,
        onStdoutBytes: (chunk) => tail.pushBytes(chunk, 'stdout'),
        onStderrBytes: (chunk) => tail.pushBytes(chunk, 'stderr'),
        onStdout: (chunk) => tail.push(chunk, 'stdout'),
        onStderr: (chunk) => tail.push(chunk, 'stderr'),
        signal: abort.signal,
      });
    } catch (err) {
      if (abort.signal.aborted) {
        // The executor has killed the process group (remote or local) before it rejected; what
        // the run printed so far stays on screen, and the step is not checked (nothing passed).
        tail.end();
        this.dispatch({ type: 'run-cancelled', stepId, elapsedMs: Date.now() - startedAt });
        if (abort.signal.reason === CANCELLED) this.notice('ui:notice.runCancelled', { where: this.t(`ui:where.${step.where}`) });
        else this.notice('ui:notice.runStopped');
      } else if (isConnectError(err) && step.where === 'server') {
        // The connection went away under the run: the drop watcher is getting it back.
        const n = this.stepNumber(stepId);
        this.cutShort = { kind: 'run', n };
        this.dispatch({ type: 'effect-failed', stepIds: [stepId] });
        this.notice('ui:notice.runLost', { n, reason: this.reason(err) });
      } else {
        this.failed(err, [stepId], 'ui:notice.runFailed');
      }
      return;
    } finally {
      tail.end();
      this.runs.delete(stepId);
      settle();
    }
    const output = this.state.facts[stepId]?.run?.text ?? '';
    const diagnostics =
      result.code === 0 ? [] : matchDiagnostics(step.diagnostics, { checks: null, probes: [], run: { code: result.code, output } });
    this.dispatch({ type: 'run-done', stepId, code: result.code, timedOut: result.timedOut, diagnostics, elapsedMs: Date.now() - startedAt });
    await this.check([stepId]);
  }

  /** A step's number on its page (1-based), as the learner sees it. */
  private stepNumber(stepId: string): number {
    for (const page of this.deps.pages) {
      const i = page.steps.findIndex((s) => s.id === stepId);
      if (i !== -1) return i + 1;
    }
    return 0;
  }

  /** True (and said) when this step's commands are still running: one copy at a time. */
  private refuseIfRunning(stepId: string): boolean {
    if (!this.runs.has(stepId)) return false;
    this.notice('ui:notice.alreadyRunning');
    return true;
  }

  /** Whether a step's commands are running now (quitting asks first). */
  get running(): boolean {
    return this.runs.size > 0;
  }

  /** Whether this step's commands are running now. */
  isRunning(stepId: string): boolean {
    return this.runs.has(stepId);
  }

  /**
   * Cancels a run the learner no longer wants (Esc / Ctrl-C) without leaving the tutor: the
   * given step's, or every run when none is given. Resolves once the executor has killed the
   * process group (at most `timeoutMs`); false when nothing was running.
   */
  async cancelRun(stepId?: string, timeoutMs = 5000): Promise<boolean> {
    const runs = stepId === undefined ? [...this.runs.values()] : [this.runs.get(stepId)].filter((r) => r !== undefined);
    if (runs.length === 0) return false;
    for (const r of runs) if (!r.abort.signal.aborted) r.abort.abort(CANCELLED);
    await settleWithin(runs.map((r) => r.done), timeoutMs);
    return true;
  }

  /**
   * Stops every run: the executor kills the remote process group before the run settles. Waits
   * for that at most `timeoutMs` (a dead connection cannot confirm the kill).
   */
  async stopRuns(timeoutMs = 5000): Promise<void> {
    const runs = [...this.runs.values()];
    for (const r of runs) if (!r.abort.signal.aborted) r.abort.abort(new Error('stopped by the learner'));
    await settleWithin(runs.map((r) => r.done), timeoutMs);
  }

  /** Tells the learner which step to finish first, when this one is still locked. */
  private refuseIfLocked(pageIndex: number, stepIndex: number): boolean {
    if (stepUnlocked(this.plan, this.state, pageIndex, stepIndex)) return false;
    const firstOpen = this.plan.pages[pageIndex]!.steps.findIndex((s) => !stepDone(this.state, s.id));
    this.notice('ui:notice.locked', { n: firstOpen + 1 });
    return true;
  }

  // --- quizzes ---

  /**
   * The learner's answer to one question of a quiz step. Wrong: nothing is passed, the attempt
   * is counted and the view explains that option. Right: the question is passed and kept in the
   * progress record. The last right answer passes the step, which opens what follows exactly as
   * passing checks do (gating reads the same facts).
   */
  answerQuiz(stepId: string, questionId: string, optionId: string): QuizOutcome | null {
    const step = this.stepById(stepId);
    const question = step?.quiz?.find((q) => q.id === questionId);
    if (!step || !question || !question.options.includes(optionId)) return null;
    const pageIndex = this.deps.pages.findIndex((p) => p.steps.some((s) => s.id === stepId));
    const stepIndex = this.deps.pages[pageIndex]!.steps.findIndex((s) => s.id === stepId);
    if (this.refuseIfLocked(pageIndex, stepIndex)) return null;
    const wasDone = stepDone(this.state, stepId);
    this.dispatch({ type: 'quiz-answer', stepId, questionId, optionId });
    // The reducer judged the answer; read its verdict rather than judging twice.
    const correct = this.state.facts[stepId]!.quiz!.last!.correct;
    const done = stepDone(this.state, stepId);
    if (!correct) {
      this.record((p) => p.recordAttempt(stepId));
    } else {
      this.record((p) => p.recordQuizPass(stepId, questionId));
      if (done && !wasDone) {
        // The first pass goes on record like a checked step's, so reports count it.
        const answered = step.quiz!.map((q) => q.id).join(', ');
        this.record((p) => p.recordPass(stepId, [{ checkId: 'quiz', summary: `answered right: ${answered}` }]));
      }
    }
    if (done && !wasDone) {
      const page = this.plan.pages[pageIndex]!;
      if (pageDone(this.plan, this.state, pageIndex)) {
        this.notice(pageIndex === this.plan.pages.length - 1 ? 'ui:notice.courseDone' : 'ui:notice.pagePassed');
      } else {
        // Unlike a check, the selection stays: the last explanation is still worth reading.
        this.notice('ui:quiz.notice.passed', { n: stepIndex + 1, next: Math.min(stepIndex + 2, page.steps.length) });
      }
    } else {
      // The step view shows ✓ or ✗ with the explanation; an older notice would only distract.
      this.dispatch({ type: 'notice', text: null });
    }
    return { correct, stepDone: done };
  }

  /** Answers the selected step's current question with its option number `index` (0-based). */
  answerSelected(index: number): QuizOutcome | null {
    const step = this.selectedStep();
    const quiz = step ? this.state.facts[step.id]?.quiz : null;
    if (!step?.quiz || !quiz) {
      this.notice('ui:quiz.notice.notQuiz');
      return null;
    }
    const questionId = currentQuestion(quiz);
    if (questionId === undefined) {
      this.notice('ui:quiz.notice.allAnswered');
      return null;
    }
    const question = step.quiz.find((q) => q.id === questionId)!;
    const optionId = question.options[index];
    if (optionId === undefined) {
      this.notice('ui:quiz.notice.pick', { count: question.options.length });
      return null;
    }
    return this.answerQuiz(step.id, questionId, optionId);
  }

  /** How many options the selected step's current question has (for "press 1-n"). */
  private selectedQuestionOptions(): number {
    const step = this.selectedStep();
    const quiz = step ? this.state.facts[step.id]?.quiz : null;
    const current = quiz ? currentQuestion(quiz) : undefined;
    return step?.quiz?.find((q) => q.id === current)?.options.length ?? step?.quiz?.[0]?.options.length ?? 0;
  }

  hint(): void {
    const step = this.selectedStep();
    if (!step) return;
    const shown = this.state.facts[step.id]?.hintsShown ?? 0;
    if (shown >= step.hints.length) {
      this.notice('ui:notice.noHints');
      return;
    }
    this.record((p) => p.recordHint(step.id));
    this.dispatch({ type: 'hint', stepId: step.id, available: step.hints.length });
  }

  setLang(lang: Lang): void {
    this.dispatch({ type: 'lang', lang });
    this.notice('ui:notice.langChanged');
  }

  /** Forgets recorded progress of the current page (or all) and checks again. */
  async reset(scope: 'page' | 'all'): Promise<void> {
    const ids =
      scope === 'all' ? allStepIds(this.plan) : (this.plan.pages[this.state.page]?.steps.map((s) => s.id) ?? []);
    this.record((p) => p.forget(ids));
    this.dispatch({ type: 'forget', stepIds: ids });
    this.dispatch({ type: 'overlay', overlay: { kind: 'none' } });
    this.notice('ui:notice.reset');
    await this.check(this.plan.pages[this.state.page]?.steps.map((s) => s.id) ?? []);
  }

  /** Where checks go, resolved (`user@address:port`): the status line and confirmations. */
  get targetLabel(): string {
    return this.deps.server.label;
  }

  /** What the learner typed for the server: the `t` form starts from it, never from the address. */
  get targetTyped(): string {
    return this.deps.targetTyped ?? this.deps.server.label;
  }

  /** Points the session at another server (and its own progress record), then reconnects. */
  async retarget(next: {
    server: ServerLink;
    typed: string;
    progress: ProgressSink | undefined;
    passedBefore: Iterable<string>;
    quizPassed?: Record<string, string[]>;
  }): Promise<void> {
    const { server, progress, passedBefore, quizPassed = {} } = next;
    await this.stopRuns();
    this.stopRetrying();
    await this.closeQuietly();
    this.deps.server = server;
    this.deps.targetTyped = next.typed;
    this.deps.progress = progress;
    this.connected = false;
    this.cutShort = null;
    this.watchDrops();
    this.state = { ...initialState(this.plan, this.state.lang, passedBefore, quizPassed), page: this.state.page };
    this.dispatch({ type: 'overlay', overlay: { kind: 'none' } });
    await this.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopRetrying();
    this.unwatchDrops?.();
    await this.closeQuietly();
  }

  private stopRetrying(): void {
    if (this.retry?.timer) clearTimeout(this.retry.timer);
    this.retry = null;
  }

  /** Closing a connection that already dropped may fail; there is nothing left to do about it. */
  private async closeQuietly(): Promise<void> {
    try {
      await this.deps.server.close();
    } catch {
      // already gone
    }
  }
}

/** The abort reason of a run the learner cancelled (as opposed to one stopped by quitting). */
const CANCELLED = new Error('cancelled by the learner');

/** Waits for all of `done`, or `timeoutMs` (a dead connection cannot confirm a kill). */
async function settleWithin(done: Array<Promise<void>>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
  await Promise.race([Promise.all(done), late]);
  clearTimeout(timer);
}

function unavailable(key: string, id: string, spec: CheckSpec, reason: string): MeasuredCheck {
  return { checkId: key, kind: spec.kind, subject: id, status: 'error', findings: [], evidence: '', error: reason };
}
