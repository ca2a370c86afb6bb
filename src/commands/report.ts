// `kthw-tutor report`: the learner's record of one server as a file to hand to the instructor.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT, type TargetChoice } from '../cli-args.js';
import { openTarget, type Runtime } from '../compose.js';
import { lessonPackHash } from '../course/pack-hash.js';
import type { Lang } from '../i18n/types.js';
import { buildStudentReport } from '../instructor/student-report.js';

export async function runReport(
  runtime: Runtime,
  target: TargetChoice | undefined,
  lang: Lang,
  out: string | undefined,
  version: string,
): Promise<number> {
  const t = runtime.translator.forLang(lang);
  const opened = openTarget(runtime, target);
  const views = runtime.views(lang);
  const report = buildStudentReport(
    opened.progress.snapshot,
    { pages: views.map((v) => ({ steps: v.steps })) },
    { createdAt: new Date().toISOString(), tutorVersion: version, lessonPackHash: lessonPackHash(runtime.course.dir), lang },
  );
  const text = JSON.stringify(report, null, 2) + '\n';
  if (out === '-') {
    process.stdout.write(text);
    return EXIT.OK;
  }
  const file = resolve(out ?? `kthw-tutor-report-${report.target.replace(/[^A-Za-z0-9@._-]/g, '_')}.json`);
  writeFileSync(file, text, { mode: 0o644 });
  const passed = report.steps.filter((s) => s.firstPassedAt).length;
  process.stdout.write(`${t('instructor:studentReport.written', { file, passed, total: report.steps.length })}\n`);
  return EXIT.OK;
}
