// The class snapshot as JSON, for scripts and for reading back (dashboard, later comparisons).
//
// Shape (version 1); keys always in this order, steps in course order, every course step present:
//   { format: "kthw-tutor.class-snapshot", version: 1, takenAt, tutorVersion, lessonPackHash, lang,
//     pages: [{ id, title, steps: [{ id, title }] }],
//     students: [{ name, target, source: "live"|"report", reach: { kind, reason? },
//                  currentStep: id | null, stuckForMs: number | null,
//                  progress: { pagesDone, pagesTotal, stepsPassed, stepsTotal },
//                  steps: { <stepId>: { status, failing?: [{ checkId, property?, expected, found, error? }],
//                                       diagnostic?, evidence?, stuckSinceMs? } } }] }
// `progress`, `stuckForMs` are derived (at takenAt) for readers that do not recompute them. Text
// from students' servers is cleaned of control sequences and bidi controls, never otherwise changed.
import { z } from 'zod';
import type { Translate } from '../../i18n/types.js';
import { LANGS } from '../../i18n/types.js';
import {
  progressOf,
  REACH_FAILURES,
  STEP_STATES,
  stepOf,
  stuckForMs,
  type ClassSnapshot,
  type FailingCheck,
  type Reach,
  type StudentRow,
  type StudentStep,
} from '../snapshot.js';
import { clean, cleanLine } from './common.js';

export const SNAPSHOT_FORMAT = 'kthw-tutor.class-snapshot';
export const SNAPSHOT_VERSION = 1;

function failingJson(f: FailingCheck) {
  return {
    checkId: cleanLine(f.checkId),
    ...(f.property !== undefined ? { property: cleanLine(f.property) } : {}),
    expected: clean(f.expected),
    found: f.found === null ? null : clean(f.found),
    ...(f.error !== undefined ? { error: clean(f.error) } : {}),
  };
}

function stepJson(s: StudentStep) {
  return {
    status: s.status,
    ...(s.failing && s.failing.length > 0 ? { failing: s.failing.map(failingJson) } : {}),
    ...(s.diagnostic !== undefined ? { diagnostic: clean(s.diagnostic) } : {}),
    ...(s.evidence !== undefined ? { evidence: clean(s.evidence) } : {}),
    ...(s.stuckSinceMs !== undefined ? { stuckSinceMs: s.stuckSinceMs } : {}),
  };
}

function reachJson(r: Reach) {
  return r.kind === 'ok' ? { kind: r.kind } : { kind: r.kind, reason: clean(r.reason) };
}

function studentJson(snapshot: ClassSnapshot, s: StudentRow) {
  const stepIds = snapshot.pages.flatMap((p) => p.steps.map((x) => x.id));
  const current = s.currentStep !== undefined && stepIds.includes(s.currentStep) ? s.currentStep : null;
  return {
    name: cleanLine(s.name),
    target: cleanLine(s.target),
    source: s.source,
    reach: reachJson(s.reach),
    currentStep: current,
    stuckForMs: stuckForMs(s, snapshot.takenAt) ?? null,
    progress: progressOf(snapshot.pages, s),
    steps: Object.fromEntries(stepIds.map((id) => [id, stepJson(stepOf(s, id))])),
  };
}

export function exportJson(snapshot: ClassSnapshot, _t?: Translate): string {
  const doc = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    takenAt: snapshot.takenAt,
    tutorVersion: cleanLine(snapshot.tutorVersion),
    lessonPackHash: cleanLine(snapshot.lessonPackHash),
    lang: snapshot.lang,
    pages: snapshot.pages.map((p) => ({ id: p.id, title: cleanLine(p.title), steps: p.steps.map((s) => ({ id: s.id, title: cleanLine(s.title) })) })),
    students: snapshot.students.map((s) => studentJson(snapshot, s)),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const failingSchema = z.object({
  checkId: z.string(),
  property: z.string().optional(),
  expected: z.string(),
  found: z.string().nullable(),
  error: z.string().optional(),
});
const stepSchema = z.object({
  status: z.enum(STEP_STATES as [string, ...string[]]),
  failing: z.array(failingSchema).optional(),
  diagnostic: z.string().optional(),
  evidence: z.string().optional(),
  stuckSinceMs: z.number().finite().optional(),
});
const reachSchema = z.union([
  z.object({ kind: z.literal('ok') }),
  z.object({ kind: z.enum(REACH_FAILURES as [string, ...string[]]), reason: z.string() }),
]);
const docSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.literal(SNAPSHOT_VERSION),
  takenAt: z.string(),
  tutorVersion: z.string(),
  lessonPackHash: z.string(),
  lang: z.enum(LANGS as [string, ...string[]]),
  pages: z.array(z.object({ id: z.string(), title: z.string(), steps: z.array(z.object({ id: z.string(), title: z.string() })) })),
  students: z.array(
    z.object({
      name: z.string(),
      target: z.string(),
      source: z.enum(['live', 'report']),
      reach: reachSchema,
      currentStep: z.string().nullable(),
      steps: z.record(z.string(), stepSchema),
    }),
  ),
});

/**
 * Reads what exportJson wrote back into a snapshot (derived fields are recomputed, not trusted).
 * `file` names the source in the error, which lists each bad field by its path.
 */
export function readSnapshotJson(text: string, file = 'snapshot'): ClassSnapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = docSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw new Error(`${file}: not a class snapshot written by kthw-tutor (${where})`);
  }
  const d = parsed.data;
  return {
    takenAt: d.takenAt,
    tutorVersion: d.tutorVersion,
    lessonPackHash: d.lessonPackHash,
    lang: d.lang as ClassSnapshot['lang'],
    pages: d.pages,
    students: d.students.map((s) => ({
      name: s.name,
      target: s.target,
      source: s.source,
      reach: s.reach as Reach,
      steps: s.steps as Record<string, StudentStep>,
      ...(s.currentStep !== null ? { currentStep: s.currentStep } : {}),
    })),
  };
}
