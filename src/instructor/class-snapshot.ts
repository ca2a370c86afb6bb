// From what the fan-out measured to the ClassSnapshot every view draws: step titles and
// diagnostics in the instructor's language, and "stuck since" carried over from the previous
// refresh, also across runs of the tutor (a small file in the instructor's state directory).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { PageView } from '../course/view.js';
import type { Lang } from '../i18n/types.js';
import { studentFromResults, type ClassSnapshot, type StepObservation, type StudentRow } from './snapshot.js';
import type { StudentSurvey } from './survey.js';

export interface SnapshotMeta {
  tutorVersion: string;
  lessonPackHash: string;
  lang: Lang;
  now: number;
}

/** The pages as the snapshot lists them: ids and titles in the view's language. */
export function snapshotPages(views: readonly PageView[], ids: readonly string[]): ClassSnapshot['pages'] {
  return views.map((view, i) => ({
    id: ids[i] ?? String(i + 1),
    title: view.title,
    steps: view.steps.filter((s) => !s.quiz).map((s) => ({ id: s.id, title: s.title })),
  }));
}

/** Builds the class snapshot; `previous` rows (by name and target) keep their stuck times. */
export function buildClassSnapshot(
  surveys: readonly StudentSurvey[],
  views: readonly PageView[],
  pages: ClassSnapshot['pages'],
  meta: SnapshotMeta,
  previous: ReadonlyMap<string, StudentRow> = new Map(),
): ClassSnapshot {
  const diagnosticText = new Map<string, Record<string, string>>();
  for (const view of views) for (const s of view.steps) diagnosticText.set(s.id, s.diagnostics);
  const students = surveys.map((survey) => {
    const observed: Record<string, StepObservation> = {};
    for (const [stepId, step] of Object.entries(survey.steps)) {
      const first = step.diagnostics[0];
      const text = first !== undefined ? diagnosticText.get(stepId)?.[first] : undefined;
      observed[stepId] = {
        checks: step.checks,
        skippedChecks: step.skipped.length,
        ...(text !== undefined ? { diagnostic: text } : {}),
      };
    }
    const before = previous.get(rowKey(survey.name, survey.label));
    return studentFromResults(pages, {
      name: survey.name,
      target: survey.label,
      reach: survey.reach.kind === 'ok' ? { kind: 'ok' } : { kind: survey.reach.kind, reason: survey.reach.reason },
      observed,
      now: meta.now,
      ...(before ? { previous: before } : {}),
    });
  });
  return {
    takenAt: new Date(meta.now).toISOString(),
    tutorVersion: meta.tutorVersion,
    lessonPackHash: meta.lessonPackHash,
    lang: meta.lang,
    pages,
    students,
  };
}

export function rowKey(name: string, target: string): string {
  return `${name}\u0000${target}`;
}

// --- stuck times across runs ---------------------------------------------------------------

const StuckFile = z.object({
  version: z.literal(1),
  students: z.record(z.string(), z.object({ step: z.string(), since: z.number() })),
});

/** Where a roster's stuck times are kept: one file per roster path. */
export function stuckFile(stateDir: string, rosterPath: string): string {
  const id = createHash('sha256').update(rosterPath).digest('hex').slice(0, 12);
  return join(stateDir, 'instructor', `stuck-${id}.json`);
}

/** The rows of the last run, as far as stuck times go; a missing or unreadable file is a fresh start. */
export function readStuck(file: string): Map<string, StudentRow> {
  const rows = new Map<string, StudentRow>();
  let parsed: z.infer<typeof StuckFile>;
  try {
    parsed = StuckFile.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return rows;
  }
  for (const [key, { step, since }] of Object.entries(parsed.students)) {
    const [name = '', target = ''] = key.split('\u0000');
    rows.set(key, {
      name,
      target,
      source: 'live',
      reach: { kind: 'ok' },
      currentStep: step,
      steps: { [step]: { status: 'failing', stuckSinceMs: since } },
    });
  }
  return rows;
}

/** Keeps who is stuck where since when; written atomically (a temp file renamed). */
export function writeStuck(file: string, snapshot: ClassSnapshot): void {
  const students: Record<string, { step: string; since: number }> = {};
  for (const s of snapshot.students) {
    const since = s.currentStep !== undefined ? s.steps[s.currentStep]?.stuckSinceMs : undefined;
    if (s.currentStep !== undefined && since !== undefined) students[rowKey(s.name, s.target)] = { step: s.currentStep, since };
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ version: 1, students }) + '\n', { mode: 0o600 });
  renameSync(temp, file);
}

/** Rows by key, to hand to the next build. */
export function rowsByKey(snapshot: ClassSnapshot): Map<string, StudentRow> {
  return new Map(snapshot.students.map((s) => [rowKey(s.name, s.target), s]));
}
