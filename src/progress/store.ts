// The progress record of one target server. It never decides what is passed (the tutor
// re-checks the server); it remembers when a step first passed, attempts, hints and evidence.
// Writes are atomic (temp file + fsync + rename, 0600); a file that cannot be read is moved
// aside and reported, never silently dropped.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { progressFileName } from './paths.js';

const Evidence = z.object({ checkId: z.string(), summary: z.string() });
const StepRecord = z.object({
  firstPassedAt: z.string().optional(),
  lastPassedAt: z.string().optional(),
  attempts: z.number().int().min(0).default(0),
  hintsUsed: z.number().int().min(0).default(0),
  evidence: z.array(Evidence).optional(),
});
export const ProgressFile = z.object({
  version: z.literal(1),
  target: z.string(),
  updatedAt: z.string(),
  steps: z.record(z.string(), StepRecord),
});
export type ProgressFile = z.infer<typeof ProgressFile>;
export type StepRecord = z.infer<typeof StepRecord>;

export interface CorruptNotice {
  kind: 'corrupt';
  file: string;
  movedTo: string;
  reason: string;
}

/** Evidence kept per step: enough to show what passed, small enough to keep the file readable. */
const EVIDENCE_CAP = 20;
const SUMMARY_CAP = 300;

export class ProgressStore {
  readonly file: string;
  private data: ProgressFile;
  /** Set when the file on disk could not be read and was moved aside. */
  readonly notice: CorruptNotice | null;

  constructor(
    dir: string,
    readonly target: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.file = join(dir, progressFileName(target));
    const loaded = this.load();
    this.data = loaded.data;
    this.notice = loaded.notice;
  }

  private empty(): ProgressFile {
    return { version: 1, target: this.target, updatedAt: this.now().toISOString(), steps: {} };
  }

  private load(): { data: ProgressFile; notice: CorruptNotice | null } {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: this.empty(), notice: null };
      throw new Error(`${this.file}: cannot read progress (${(err as Error).message})`);
    }
    let reason: string;
    try {
      const parsed = ProgressFile.safeParse(JSON.parse(text));
      if (parsed.success) return { data: parsed.data, notice: null };
      const issue = parsed.error.issues[0];
      reason = `${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`;
    } catch (err) {
      reason = `not JSON: ${(err as Error).message}`;
    }
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const movedTo = this.file.replace(/\.json$/, `.corrupt-${stamp}.json`);
    renameSync(this.file, movedTo);
    return { data: this.empty(), notice: { kind: 'corrupt', file: this.file, movedTo, reason } };
  }

  get snapshot(): Readonly<ProgressFile> {
    return this.data;
  }

  /** Step ids with a first pass on record. */
  passedSteps(): string[] {
    return Object.entries(this.data.steps)
      .filter(([, r]) => r.firstPassedAt)
      .map(([id]) => id);
  }

  private update(stepId: string, change: (r: StepRecord) => StepRecord): void {
    const current = this.data.steps[stepId] ?? { attempts: 0, hintsUsed: 0 };
    this.data = {
      ...this.data,
      updatedAt: this.now().toISOString(),
      steps: { ...this.data.steps, [stepId]: change(current) },
    };
    this.save();
  }

  recordAttempt(stepId: string): void {
    this.update(stepId, (r) => ({ ...r, attempts: r.attempts + 1 }));
  }

  recordHint(stepId: string): void {
    this.update(stepId, (r) => ({ ...r, hintsUsed: r.hintsUsed + 1 }));
  }

  recordPass(stepId: string, evidence: Array<{ checkId: string; summary: string }>): void {
    const at = this.now().toISOString();
    this.update(stepId, (r) => ({
      ...r,
      firstPassedAt: r.firstPassedAt ?? at,
      lastPassedAt: at,
      evidence: evidence.slice(0, EVIDENCE_CAP).map((e) => ({ ...e, summary: e.summary.slice(0, SUMMARY_CAP) })),
    }));
  }

  forget(stepIds: string[]): void {
    const steps = { ...this.data.steps };
    for (const id of stepIds) delete steps[id];
    this.data = { ...this.data, updatedAt: this.now().toISOString(), steps };
    this.save();
  }

  /** temp file in the same directory + fsync + rename: a crash leaves the old or the new file. */
  private save(): void {
    const dir = dirname(this.file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.${basename(this.file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(this.data, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}

/** Removes temp files left by a crash mid-write (older than a minute, so a live writer is safe). */
export function cleanStaleTemps(dir: string, olderThanMs = 60_000, now = Date.now()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith('.') || !name.endsWith('.tmp')) continue;
    const path = join(dir, name);
    try {
      if (now - statSync(path).mtimeMs > olderThanMs) {
        unlinkSync(path);
        removed++;
      }
    } catch {
      // raced with its writer: fine
    }
  }
  return removed;
}
