// The progress record of one target server. It never decides what is passed (the tutor
// re-checks the server every time); it remembers when a step first passed, how many attempts
// and hints it took, and the evidence of the passing check.
// Writes are atomic (temp file in the same dir + fsync + rename, 0600 in a 0700 dir), so two
// tutor processes can only ever leave one whole file: the last writer's. A damaged file is moved
// aside and reported, never silently dropped; the step records in it that still validate are
// kept. A file that cannot be read at all is left alone and nothing is saved over it.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { LANGS, type Lang } from '../i18n/types.js';
import { redactSecrets } from '../text/redact.js';
import { sanitizeTerminal } from '../text/sanitize.js';
import { parseTargetKey, progressFileName, targetKeyOf, type Target } from './paths.js';

const IsoTime = z.iso.datetime({ offset: true });
const Evidence = z.object({ checkId: z.string().min(1), summary: z.string() });
/** A quiz question answered right. Files written before quizzes existed simply have none. */
const QuizRecordSchema = z.looseObject({ passedAt: IsoTime });

// Loose objects: a field this version does not know survives a rewrite instead of vanishing.
const StepRecordSchema = z.looseObject({
  firstPassedAt: IsoTime.optional(),
  /** The last time this step's checks passed. */
  lastCheckedAt: IsoTime.optional(),
  /** Runs plus checks that did not pass. */
  attempts: z.number().int().min(0).default(0),
  hintsUsed: z.number().int().min(0).default(0),
  evidence: z.array(Evidence).optional(),
  /** Quiz steps: the questions answered right, by question id (wrong answers count as attempts). */
  quiz: z.record(z.string(), QuizRecordSchema).optional(),
});
export const ProgressSchema = z.looseObject({
  version: z.literal(1),
  target: z.object({
    user: z.string().min(1),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
  }),
  lang: z.enum(LANGS).optional(),
  updatedAt: IsoTime,
  steps: z.record(z.string(), StepRecordSchema),
});
export type Progress = z.infer<typeof ProgressSchema>;
export type StepRecord = z.infer<typeof StepRecordSchema>;
export type EvidenceItem = z.infer<typeof Evidence>;

/** What the UI shows when a progress file could not be read: where the old one was kept. */
export interface CorruptNotice {
  kind: 'corrupt';
  file: string;
  movedTo: string;
  reason: string;
}

/** One part of a damaged file that was left out: a whole step, a field of one, or a top-level field. */
export interface DroppedPart {
  /** `steps.<id>`, `steps.<id>.<field>`, `steps.<id>.quiz.<question>` or a top-level field (`lang`). */
  path: string;
  step?: string;
  reason: string;
}

/** A damaged file whose valid parts were kept: the original is kept aside, the rest goes on. */
export interface SalvagedNotice {
  kind: 'salvaged';
  file: string;
  movedTo: string;
  /** Step ids whose records were kept (perhaps without a dropped field). */
  kept: string[];
  dropped: DroppedPart[];
}

/**
 * The file is there but cannot be read (EACCES, EISDIR…), or it is damaged and cannot be moved
 * aside: it is left as it is and nothing is saved this session, so nothing in it is lost.
 */
export interface UnreadableNotice {
  kind: 'unreadable';
  file: string;
  /** The system's error code (EACCES, EISDIR…), or its message when there is none. */
  code: string;
  /** Set when the file was read but is damaged: what is wrong with it (it could not be moved aside). */
  damaged?: string;
}

export type ProgressNotice = CorruptNotice | SalvagedNotice | UnreadableNotice;

/** Saving failed (unwritable or missing directory, full disk): said once, then work goes on in memory. */
export interface SaveProblem {
  kind: 'not-saved';
  dir: string;
  /** The system's error code (EACCES, ENOTDIR, ENOSPC…), or its message when there is none. */
  reason: string;
}

export interface LoadResult {
  progress: Progress;
  notice: ProgressNotice | null;
}

/** Evidence kept per step: enough to show what passed, small enough to keep the file readable. */
export const EVIDENCE_CAP = 20;
export const SUMMARY_CAP = 300;
/**
 * A temp file older than this belongs to a writer that died (a killed save): a live writer opens,
 * writes a few KB, fsyncs and renames within milliseconds, so a few seconds is ample.
 */
export const STALE_TEMP_MS = 5_000;

export class ProgressStore {
  readonly file: string;
  /** The canonical target key, `user@host:port`. */
  readonly target: string;
  readonly targetInfo: Target;
  private data: Progress;
  private lastNotice: ProgressNotice | null = null;
  private firstSaveProblem: SaveProblem | null = null;
  /** The first save problem was passed to onSaveProblem (or is already told by the load notice). */
  private problemTold = false;
  /** Set when the file on disk could not be read: saving would overwrite what we never saw. */
  private readBlocked: string | null = null;
  /** Called once, on the first save that fails (later failures are the same news). */
  onSaveProblem: ((problem: SaveProblem) => void) | undefined;

  /**
   * `dir` is the progress directory (see progressDir); `target` is a Target or its key.
   * Loads at once, so `notice` tells whether an old file had to be moved aside.
   */
  constructor(
    readonly dir: string,
    target: string | Target,
    private readonly now: () => Date = () => new Date(),
  ) {
    const info = typeof target === 'string' ? parseTargetKey(target) : { ...target, host: target.host.toLowerCase() };
    if (!info) throw new Error(`"${String(target)}" is not a target: expected user@host[:port]`);
    this.targetInfo = info;
    this.target = targetKeyOf(info);
    this.file = join(dir, progressFileName(this.target));
    this.data = this.empty();
    this.load();
  }

  /** Set when the last load found a damaged file (moved aside, maybe salvaged) or could not read it. */
  get notice(): ProgressNotice | null {
    return this.lastNotice;
  }

  /** Set once a save has failed; the record is then kept in memory only. */
  get saveProblem(): SaveProblem | null {
    return this.firstSaveProblem;
  }

  get snapshot(): Readonly<Progress> {
    return this.data;
  }

  private empty(): Progress {
    return { version: 1, target: { ...this.targetInfo }, updatedAt: this.now().toISOString(), steps: {} };
  }

  /**
   * (Re)reads the file: missing -> empty; damaged -> moved aside with a notice, keeping the step
   * records that still validate; unreadable -> left alone, empty, nothing saved, notice.
   */
  load(): LoadResult {
    cleanStaleTemps(this.dir, STALE_TEMP_MS, this.now().getTime());
    for (;;) {
      this.readBlocked = null;
      const outcome = this.readOnce();
      if (outcome === 'raced') continue; // another process moved the bad file first: read again
      this.data = outcome.progress;
      this.lastNotice = outcome.notice;
      if (outcome.salvaged) this.write(outcome.progress); // the kept parts, now in a valid file
      return { progress: outcome.progress, notice: outcome.notice };
    }
  }

  private readOnce(): (LoadResult & { salvaged?: boolean }) | 'raced' {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      // ENOTDIR: a file stands where a directory should be, so there is no record (saving will say so).
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { progress: this.empty(), notice: null };
      return { progress: this.empty(), notice: this.blockSaving(code ?? (err as Error).message) };
    }
    const read = this.problemWith(text);
    if (typeof read !== 'string' && read.dropped.length === 0) return { progress: read.progress, notice: null };
    const reason = typeof read === 'string' ? read : read.dropped.map((d) => d.path).join(', ');
    let movedTo: string;
    try {
      movedTo = this.moveAside();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'raced';
      // Left in place (a save would replace it), so the damaged original is not lost either.
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      const progress = typeof read === 'string' ? this.empty() : read.progress;
      return { progress, notice: this.blockSaving(code, reason) };
    }
    if (typeof read === 'string') return { progress: this.empty(), notice: { kind: 'corrupt', file: this.file, movedTo, reason } };
    const kept = Object.keys(read.progress.steps);
    return { progress: read.progress, notice: { kind: 'salvaged', file: this.file, movedTo, kept, dropped: read.dropped }, salvaged: true };
  }

  /** Nothing is saved this session; the notice already says so, so onSaveProblem is not called. */
  private blockSaving(code: string, damaged?: string): UnreadableNotice {
    this.readBlocked = code;
    this.firstSaveProblem ??= { kind: 'not-saved', dir: this.dir, reason: code };
    this.problemTold = true;
    return { kind: 'unreadable', file: this.file, code, ...(damaged !== undefined ? { damaged } : {}) };
  }

  /**
   * The parsed progress (with the parts that had to be left out), or why the text is not a
   * progress file of this target at all.
   */
  private problemWith(text: string): { progress: Progress; dropped: DroppedPart[] } | string {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return `not JSON (${(err as Error).message})`;
    }
    const parsed = ProgressSchema.safeParse(json);
    if (parsed.success) {
      const recorded = targetKeyOf(parsed.data.target);
      if (recorded !== this.target) return `it records another server (${recorded}), not ${this.target}`;
      return { progress: parsed.data, dropped: [] };
    }
    const issue = parsed.error.issues[0];
    const whole = `not a progress file: ${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}`;
    return salvage(json, this.target, this.now) ?? whole;
  }

  /** `<name>.corrupt-<timestamp>.json` next to it; never overwrites an earlier copy. */
  private moveAside(): string {
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const stem = this.file.replace(/\.json$/, `.corrupt-${stamp}`);
    let movedTo = `${stem}.json`;
    for (let n = 1; existsSync(movedTo); n++) movedTo = `${stem}-${n}.json`;
    renameSync(this.file, movedTo);
    return movedTo;
  }

  /**
   * Tries a save without changing the record (creates the directory, writes and removes a temp
   * file), so an unwritable directory is said at start, not after the learner's first pass.
   */
  probeSave(): SaveProblem | null {
    if (this.firstSaveProblem) {
      // Found while loading (the salvaged record could not be written): say it now.
      if (!this.problemTold) {
        this.problemTold = true;
        this.onSaveProblem?.(this.firstSaveProblem);
      }
      return this.firstSaveProblem;
    }
    const probe = join(this.dir, `.${basename(this.file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      closeSync(openSync(probe, 'wx', 0o600));
      unlinkSync(probe);
    } catch (err) {
      this.saveFailed(err);
    }
    return this.firstSaveProblem;
  }

  private saveFailed(err: unknown): void {
    if (this.firstSaveProblem) return;
    const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? (err as NodeJS.ErrnoException).code;
    this.firstSaveProblem = { kind: 'not-saved', dir: this.dir, reason: code ?? (err as Error).message };
    if (this.onSaveProblem) {
      this.problemTold = true;
      this.onSaveProblem(this.firstSaveProblem);
    }
  }

  /** Step ids whose first pass is on record (the tutor still re-checks them). */
  passedSteps(): string[] {
    return Object.entries(this.data.steps)
      .filter(([, record]) => record.firstPassedAt !== undefined)
      .map(([id]) => id);
  }

  /**
   * Quiz steps have no server to re-check, so their passed questions are kept: by question id,
   * with the time of the first right answer.
   */
  passedQuestions(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [id, record] of Object.entries(this.data.steps)) {
      const questions = Object.keys(record.quiz ?? {});
      if (questions.length > 0) out[id] = questions;
    }
    return out;
  }

  /** A quiz question was answered right; the first time is kept. */
  recordQuizPass(stepId: string, questionId: string): void {
    const at = this.now().toISOString();
    this.updateStep(stepId, (r) => ({ ...r, quiz: { ...r.quiz, [questionId]: r.quiz?.[questionId] ?? { passedAt: at } } }));
  }

  recordAttempt(stepId: string): void {
    this.updateStep(stepId, (r) => ({ ...r, attempts: r.attempts + 1 }));
  }

  recordHint(stepId: string): void {
    this.updateStep(stepId, (r) => ({ ...r, hintsUsed: r.hintsUsed + 1 }));
  }

  /**
   * The step's checks all passed: the first time sets firstPassedAt, every time refreshes
   * lastCheckedAt and the evidence. Evidence came from the server, so it is stored sanitized,
   * and with key material redacted whoever built it.
   */
  recordPass(stepId: string, evidence: readonly EvidenceItem[]): void {
    const at = this.now().toISOString();
    const kept = evidence.slice(0, EVIDENCE_CAP).map((e) => ({
      checkId: e.checkId,
      summary: capCodePoints(redactSecrets(sanitizeTerminal(e.summary)), SUMMARY_CAP),
    }));
    this.updateStep(stepId, (r) => ({ ...r, firstPassedAt: r.firstPassedAt ?? at, lastCheckedAt: at, evidence: kept }));
  }

  /** The language the learner last used with this server. */
  recordLang(lang: Lang): void {
    if (this.data.lang !== lang) this.write({ ...this.data, lang });
  }

  /** Forgets the given steps entirely (a page reset); other steps stay. */
  resetPage(stepIds: Iterable<string>): void {
    const steps = { ...this.data.steps };
    for (const id of stepIds) delete steps[id];
    this.write({ ...this.data, steps });
  }

  /** The tutor session's name for resetPage. */
  forget(stepIds: Iterable<string>): void {
    this.resetPage(stepIds);
  }

  resetAll(): void {
    this.write({ ...this.data, steps: {} });
  }

  private updateStep(stepId: string, change: (r: StepRecord) => StepRecord): void {
    const current = this.data.steps[stepId] ?? { attempts: 0, hintsUsed: 0 };
    this.write({ ...this.data, steps: { ...this.data.steps, [stepId]: change(current) } });
  }

  private write(next: Progress): void {
    const stamped = { ...next, updatedAt: this.now().toISOString() };
    // Progress is a record, not the truth: when it cannot be saved, the session goes on in memory.
    this.data = stamped;
    if (this.readBlocked !== null) return; // the file we could not read stays as it is
    try {
      writeFileAtomic(this.file, JSON.stringify(stamped, null, 2) + '\n');
    } catch (err) {
      this.saveFailed(err);
    }
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Keeps what can be trusted from a file that failed validation: only when it is our format
 * (version 1; a newer version may mean something else by the same fields) and records this
 * target. A step record that fails loses only its bad fields (a bad quiz answer only that
 * answer); a step that is still invalid, or not an object, is dropped whole.
 */
function salvage(json: unknown, target: string, now: () => Date): { progress: Progress; dropped: DroppedPart[] } | undefined {
  if (!isPlainObject(json) || json.version !== 1 || !isPlainObject(json.steps)) return undefined;
  const targetInfo = ProgressSchema.shape.target.safeParse(json.target);
  if (!targetInfo.success || targetKeyOf(targetInfo.data) !== target) return undefined;
  const dropped: DroppedPart[] = [];
  const candidate: Record<string, unknown> = { ...json, steps: {} };
  if (!ProgressSchema.shape.lang.safeParse(json.lang).success) {
    delete candidate.lang;
    dropped.push({ path: 'lang', reason: `not a language: ${JSON.stringify(json.lang)}` });
  }
  if (!IsoTime.safeParse(json.updatedAt).success) {
    candidate.updatedAt = now().toISOString();
    dropped.push({ path: 'updatedAt', reason: 'not a time' });
  }
  const steps: Record<string, StepRecord> = {};
  for (const [id, raw] of Object.entries(json.steps)) {
    const record = salvageStep(id, raw, dropped);
    if (record) steps[id] = record;
  }
  const progress = ProgressSchema.safeParse({ ...candidate, steps });
  return progress.success ? { progress: progress.data, dropped } : undefined;
}

function salvageStep(id: string, raw: unknown, dropped: DroppedPart[]): StepRecord | undefined {
  const first = StepRecordSchema.safeParse(raw);
  if (first.success) return first.data;
  if (!isPlainObject(raw)) {
    dropped.push({ path: `steps.${id}`, step: id, reason: 'not a step record' });
    return undefined;
  }
  const record: Record<string, unknown> = { ...raw };
  const parts: DroppedPart[] = [];
  for (const issue of first.error.issues) {
    const [field, key] = issue.path.map(String);
    if (field === undefined) continue;
    // A quiz keeps its other answers: they cannot be re-checked on the server.
    if (field === 'quiz' && key !== undefined && isPlainObject(record.quiz)) {
      const quiz = { ...record.quiz };
      delete quiz[key];
      record.quiz = quiz;
      parts.push({ path: `steps.${id}.quiz.${key}`, step: id, reason: issue.message });
      continue;
    }
    if (!(field in record)) continue; // already dropped for an earlier issue
    delete record[field];
    parts.push({ path: `steps.${id}.${field}`, step: id, reason: issue.message });
  }
  const second = StepRecordSchema.safeParse(record);
  if (!second.success) {
    dropped.push({ path: `steps.${id}`, step: id, reason: first.error.issues[0]?.message ?? 'invalid' });
    return undefined;
  }
  dropped.push(...parts);
  return second.data;
}

/**
 * Temp file in the same directory (same filesystem, so rename is atomic), 0600, fsynced, then
 * renamed over the target and the directory fsynced: a crash leaves the old file or the new one.
 */
export function writeFileAtomic(file: string, text: string): void {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, 'wx', 0o600); // wx: never reuse or follow something already there
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw new Error(`cannot save progress to ${file}: ${(err as Error).message}. Check free space and permissions of ${dir}.`, { cause: err });
  }
  fsyncDir(dir);
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some platforms cannot fsync a directory; the rename itself is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function capCodePoints(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : points.slice(0, max - 1).join('') + '…';
}

/** `.<file>.<pid>.<8 hex>.tmp`, as writeFileAtomic names its temp files. */
const TEMP_NAME = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;

/** Removes temp files left by a crash mid-write (old enough that no live writer owns them). */
export function cleanStaleTemps(dir: string, olderThanMs = STALE_TEMP_MS, now = Date.now()): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0; // no directory yet: nothing to clean
  }
  let removed = 0;
  for (const name of names) {
    if (!TEMP_NAME.test(name)) continue; // only writeFileAtomic's own names
    const path = join(dir, name);
    try {
      if (now - statSync(path).mtimeMs > olderThanMs) {
        unlinkSync(path);
        removed++;
      }
    } catch {
      // its writer renamed or removed it meanwhile: fine
    }
  }
  return removed;
}

export interface StepSummary {
  id: string;
  /** A first pass is on record; the server may have changed since (re-check for the truth). */
  passedOnRecord: boolean;
  firstPassedAt?: string;
  attempts: number;
  hintsUsed: number;
}

export interface ProgressSummary {
  target: string;
  total: number;
  passedOnRecord: number;
  /** Course steps without a first pass, in course order. */
  remaining: string[];
  attempts: number;
  hintsUsed: number;
  firstPassAt?: string;
  latestFirstPassAt?: string;
  /** Steps on record that the course no longer has (renamed or removed): shown, not counted. */
  unknownSteps: string[];
  steps: StepSummary[];
}

/** For reports: the record laid over the course's step ids, in course order. Pure. */
export function summarize(progress: Progress, courseStepIds: readonly string[]): ProgressSummary {
  const steps = courseStepIds.map((id): StepSummary => {
    const record = progress.steps[id];
    return {
      id,
      passedOnRecord: record?.firstPassedAt !== undefined,
      ...(record?.firstPassedAt !== undefined ? { firstPassedAt: record.firstPassedAt } : {}),
      attempts: record?.attempts ?? 0,
      hintsUsed: record?.hintsUsed ?? 0,
    };
  });
  const passTimes = steps
    .map((s) => s.firstPassedAt)
    .filter((t): t is string => t !== undefined)
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  const known = new Set(courseStepIds);
  return {
    target: targetKeyOf(progress.target),
    total: steps.length,
    passedOnRecord: passTimes.length,
    remaining: steps.filter((s) => !s.passedOnRecord).map((s) => s.id),
    attempts: steps.reduce((n, s) => n + s.attempts, 0),
    hintsUsed: steps.reduce((n, s) => n + s.hintsUsed, 0),
    ...(passTimes.length > 0 ? { firstPassAt: passTimes[0]!, latestFirstPassAt: passTimes.at(-1)! } : {}),
    unknownSteps: Object.keys(progress.steps).filter((id) => !known.has(id)).sort(),
    steps,
  };
}
