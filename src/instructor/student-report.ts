// A learner's own record as a file (`kthw-tutor report`), for an instructor who cannot reach
// the learner's server: steps with first-pass times, attempts, hints, quiz answers and the
// evidence of passing checks, with the tutor version and the lesson pack's hash. The instructor
// reads it next to live checks and says which is which. It is written from the progress record,
// which never holds secrets (evidence is redacted when saved), and read back as untrusted input.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Progress } from '../progress/store.js';
import { targetKeyOf } from '../progress/paths.js';
import { studentFromResults, type ClassSnapshot, type StudentRow } from './snapshot.js';
import type { CheckResult } from '../checks/result.js';

export const REPORT_FORMAT = 'kthw-tutor.student-report';

const IsoTime = z.iso.datetime({ offset: true });
const ReportStep = z.object({
  id: z.string().min(1).max(200),
  page: z.number().int().min(1),
  title: z.string().max(500),
  firstPassedAt: IsoTime.optional(),
  lastCheckedAt: IsoTime.optional(),
  attempts: z.number().int().min(0),
  hintsUsed: z.number().int().min(0),
  quizAnswered: z.array(z.string().max(200)).optional(),
  evidence: z.array(z.object({ checkId: z.string().max(200), summary: z.string().max(4096) })).max(50),
});
export const StudentReportSchema = z.object({
  format: z.literal(REPORT_FORMAT),
  version: z.literal(1),
  createdAt: IsoTime,
  tutorVersion: z.string().max(100),
  lessonPackHash: z.string().max(100),
  lang: z.string().max(10),
  target: z.string().max(300),
  steps: z.array(ReportStep).max(1000),
});
export type StudentReport = z.infer<typeof StudentReportSchema>;

export interface ReportCourse {
  pages: Array<{ steps: Array<{ id: string; title: string }> }>;
}

/** The learner's record laid over the course, in course order. Pure. */
export function buildStudentReport(
  progress: Progress,
  course: ReportCourse,
  meta: { createdAt: string; tutorVersion: string; lessonPackHash: string; lang: string },
): StudentReport {
  const steps = course.pages.flatMap((page, p) =>
    page.steps.map((step) => {
      const r = progress.steps[step.id];
      const quiz = r?.quiz ? Object.keys(r.quiz).sort() : undefined;
      return {
        id: step.id,
        page: p + 1,
        title: step.title,
        ...(r?.firstPassedAt ? { firstPassedAt: r.firstPassedAt } : {}),
        ...(r?.lastCheckedAt ? { lastCheckedAt: r.lastCheckedAt } : {}),
        attempts: r?.attempts ?? 0,
        hintsUsed: r?.hintsUsed ?? 0,
        ...(quiz && quiz.length > 0 ? { quizAnswered: quiz } : {}),
        evidence: r?.evidence ?? [],
      };
    }),
  );
  return { format: REPORT_FORMAT, version: 1, ...meta, target: targetKeyOf(progress.target), steps };
}

export class StudentReportError extends Error {
  override readonly name = 'StudentReportError';
}

/** Reads a report file; a file that is not one says so with the file name and the first problem. */
export function readStudentReport(file: string): StudentReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new StudentReportError(`${file}: cannot read the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StudentReportError(`${file}: not JSON (${(err as Error).message}); ask the student for the file \`kthw-tutor report\` wrote`);
  }
  const parsed = StudentReportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StudentReportError(`${file}: not a kthw-tutor student report (at ${issue.path.join('.') || 'the top'}: ${issue.message})`);
  }
  return parsed.data;
}

/**
 * A student's row from their report: a step passed on record counts as passed (the server was
 * not looked at: the board marks the row as coming from a report).
 */
export function studentFromReport(pages: ClassSnapshot['pages'], name: string, report: StudentReport, now: number): StudentRow {
  const byId = new Map(report.steps.map((s) => [s.id, s]));
  const observed: Record<string, { checks: CheckResult[] }> = {};
  for (const page of pages) {
    for (const step of page.steps) {
      const r = byId.get(step.id);
      if (!r?.firstPassedAt) continue;
      observed[step.id] = {
        checks: [{ checkId: 'record', kind: 'command', where: 'server', subject: 'record', status: 'pass', findings: [], evidence: '' }],
      };
    }
  }
  return studentFromResults(pages, { name, target: report.target, source: 'report', reach: { kind: 'ok' }, observed, now });
}
