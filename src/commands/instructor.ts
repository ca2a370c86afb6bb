// `kthw-tutor instructor ROSTER`: the whole class, checked read-only over SSH, as a live board
// or (with --export) once as a report. Students whose servers cannot be reached may be shown
// from their own report files (--reports DIR), marked as such. Unknown host keys are never
// trusted here: a key pinned in the roster is recorded, others are shown with their
// fingerprints for the instructor to review (the board's `a` accepts the reviewed list).
// With --ansible-results nothing is connected to: Ansible ran the emitted batch, and its JSON is
// judged by the same survey code (the roster, if given, names the students; else the results).
import { readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { render } from 'ink';
import { createElement } from 'react';
import type { Command } from '../cli-args.js';
import { EXIT } from '../cli-args.js';
import { runBatch } from '../checks/run.js';
import type { Runtime } from '../compose.js';
import { lessonPackHash } from '../course/pack-hash.js';
import type { Lang, Translate } from '../i18n/types.js';
import { buildClassSnapshot, readStuck, rowsByKey, snapshotPages, stuckFile, writeStuck } from '../instructor/class-snapshot.js';
import { Board, type ReviewKey } from '../instructor/board/Board.js';
import { boardLines } from '../instructor/board/board-view.js';
import { EXPORT_EXTENSION, EXPORTERS } from '../instructor/export/index.js';
import { AnsibleResultsError, readAnsibleResults } from '../instructor/ansible-results.js';
import { surveyFromAnsible } from '../instructor/ansible-survey.js';
import { readRoster, RosterError, translateRosterProblem, type Student } from '../instructor/roster.js';
import type { ClassSnapshot, StudentRow } from '../instructor/snapshot.js';
import { readStudentReport, studentFromReport, type StudentReport } from '../instructor/student-report.js';
import { surveyClass, type StudentSurvey, type SurveyStudent } from '../instructor/survey.js';
import { trustHostKey } from '../remote/connect.js';
import { ConnectionPool } from '../remote/pool.js';
import { resolveUserTarget } from '../remote/ssh-config-fs.js';
import { parseTargetSpec, targetKey, type ResolvedTarget } from '../remote/ssh-config.js';
import { sanitizeTerminal } from '../text/sanitize.js';

type InstructorCommand = Extract<Command, { kind: 'instructor' }>;

/** A student's target: resolved like `ssh` would (their host may be an alias), then the roster's settings. */
export function studentTarget(student: Student, resolveSpec: (spec: string) => ResolvedTarget): ResolvedTarget {
  const spec = `${student.user ? `${student.user}@` : ''}${student.host.includes(':') ? `[${student.host}]` : student.host}${student.port ? `:${student.port}` : ''}`;
  const target = resolveSpec(spec);
  const home = os.userInfo().homedir;
  const expand = (p: string) => (p === '~' || p.startsWith('~/') ? home + p.slice(1) : p);
  const out: ResolvedTarget = { ...target };
  if (student.identityFile) {
    out.identityFiles = [expand(student.identityFile)];
    out.identitiesOnly = true;
  }
  if (student.identityAgent) out.identityAgent = expand(student.identityAgent);
  if (student.proxyJump && student.proxyJump !== 'none') {
    let via: ResolvedTarget | undefined;
    for (const hop of student.proxyJump.split(',')) {
      const resolved: ResolvedTarget = { ...resolveSpec(hop.trim()) };
      if (via) resolved.proxyJump = via;
      else delete resolved.proxyJump;
      via = resolved;
    }
    if (via) out.proxyJump = via;
  }
  return out;
}

/** Report files by the target they were written for, and by file name (without .json). */
function readReports(dir: string | undefined, warn: (m: string) => void): Map<string, StudentReport> {
  const reports = new Map<string, StudentReport>();
  if (!dir) return reports;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    warn(`${dir}: cannot read the reports folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return reports;
  }
  for (const name of names) {
    try {
      const report = readStudentReport(join(dir, name));
      reports.set(report.target, report);
      reports.set(name.slice(0, -'.json'.length), report);
    } catch (err) {
      warn((err as Error).message);
    }
  }
  return reports;
}

export async function runInstructor(runtime: Runtime, lang: Lang, command: InstructorCommand, version: string): Promise<number> {
  const t = runtime.translator.forLang(lang);
  const warn = (m: string) => process.stderr.write(`kthw-tutor: ${sanitizeTerminal(m)}\n`);
  let students: Student[] = [];
  if (command.roster !== undefined) {
    try {
      const roster = readRoster(command.roster);
      for (const w of roster.warnings) warn(translateRosterProblem(w, t));
      students = roster.students;
    } catch (err) {
      if (!(err instanceof RosterError)) throw err;
      for (const p of err.problems) warn(translateRosterProblem(p, t));
      return EXIT.USAGE;
    }
  }

  const surveyed: SurveyStudent[] = [];
  const pinned = new Map<string, string>();
  for (const student of students) {
    try {
      const target = studentTarget(student, (spec) => resolveUserTarget(parseTargetSpec(spec) ?? spec, runtime.env, runtime.sshConfig));
      surveyed.push({ name: student.name, target });
      if (student.hostKeyFingerprint) pinned.set(student.name, student.hostKeyFingerprint);
    } catch (err) {
      warn(`${student.source.file}:${student.source.line}: ${student.name}: ${(err as Error).message}`);
      return EXIT.USAGE;
    }
  }

  const views = runtime.views(lang);
  const pages = snapshotPages(
    views,
    runtime.course.pages.map((p) => p.id),
  );
  const steps = runtime.course.pages.flatMap((p) => p.steps);
  // Stuck times are the roster's; without one (hosts from Ansible's results), the results file's.
  const stuckPath = stuckFile(runtime.stateDir, resolve(command.roster ?? command.ansibleResults ?? '.'));
  const reports = readReports(command.reports, warn);
  const pool = new ConnectionPool();
  const meta = { tutorVersion: version, lessonPackHash: lessonPackHash(runtime.course.dir), lang };

  let previous: Map<string, StudentRow> = readStuck(stuckPath);
  let lastSurveys: StudentSurvey[] = [];
  // Once the board is up, stderr is not the place for warnings.
  let boardShown = false;
  const fromAnsible = async (file: string): Promise<{ surveys: StudentSurvey[]; now: number }> => {
    const results = readAnsibleResults(file);
    const roster = command.roster !== undefined ? surveyed.map((s, i) => ({ name: s.name, label: targetKey(s.target), host: students[i]!.host })) : undefined;
    const { surveys, extraHosts } = await surveyFromAnsible(results, runtime.course.pages, t, roster);
    if (extraHosts.length > 0 && !boardShown) warn(t('instructor:ansible.extraHosts', { file, hosts: extraHosts.join(', ') }));
    // Observed when Ansible ran, not when the file was read (never later than now).
    return { surveys, now: Math.min(results.endedAt ?? Date.now(), Date.now()) };
  };
  const check = async (): Promise<ClassSnapshot> => {
    const { surveys, now } = command.ansibleResults
      ? await fromAnsible(command.ansibleResults)
      : {
          surveys: await surveyClass(surveyed, steps, {
            pool,
            runBatch: (e, items, probes, options) => runBatch(e, items, probes, options),
            t,
            timeoutMs: command.timeoutSec * 1000,
            pinned,
          }),
          now: Date.now(),
        };
    lastSurveys = surveys;
    const snapshot = buildClassSnapshot(surveys, views, pages, { ...meta, now }, previous);
    // A student the instructor cannot reach, with a report of their own: shown from the report.
    snapshot.students = snapshot.students.map((row, i) => {
      if (row.reach.kind === 'ok') return row;
      const report = reports.get(surveys[i]!.label) ?? reports.get(row.name);
      return report ? studentFromReport(pages, row.name, report, now) : row;
    });
    previous = rowsByKey(snapshot);
    try {
      writeStuck(stuckPath, snapshot);
    } catch (err) {
      warn(`${stuckPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (stuck times are not kept between runs)`);
    }
    return snapshot;
  };

  try {
    let first: ClassSnapshot;
    try {
      first = await check();
    } catch (err) {
      if (!(err instanceof AnsibleResultsError)) throw err;
      warn(ansibleProblem(err, t));
      return EXIT.USAGE;
    }
    if (command.export) {
      const text = EXPORTERS[command.export](first, t);
      if (command.out && command.out !== '-') writeFileSync(command.out, text);
      else process.stdout.write(text);
      return EXIT.OK;
    }
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      const width = Number(runtime.env.COLUMNS) > 40 ? Number(runtime.env.COLUMNS) : 100;
      const { header, rows } = boardLines(first, first.students, { width, expandedPage: null }, t);
      process.stdout.write([header, ...rows].join('\n') + '\n');
      return EXIT.OK;
    }
    const exportView = async (view: ClassSnapshot) => {
      const stamp = view.takenAt.slice(0, 16).replace(/[-:T]/g, '');
      const written: string[] = [];
      for (const format of ['html', 'csv'] as const) {
        const file = resolve(`kthw-class-${stamp}.${EXPORT_EXTENSION[format]}`);
        writeFileSync(file, EXPORTERS[format](view, t));
        written.push(file);
      }
      return t('instructor:board.exported', { file: written.join(', ') });
    };
    // The keys the instructor reviewed on screen are the ones recorded: nothing else.
    const unknown = () => lastSurveys.flatMap((s) => (s.unknownKey ? [{ survey: s, key: s.unknownKey }] : []));
    const keysToReview = () =>
      unknown().map(({ survey, key }) => ({ name: survey.name, label: survey.label, keyType: key.keyType, fingerprint: key.fingerprint }));
    const acceptKeys = async (reviewed: readonly ReviewKey[]) => {
      const seen = new Set(reviewed.map((k) => `${k.label} ${k.fingerprint}`));
      for (const { survey, key } of unknown()) if (seen.has(`${survey.label} ${key.fingerprint}`)) await trustHostKey(key);
    };
    boardShown = true;
    // A results file that went bad between refreshes is said on the board, in the instructor's language.
    const refresh = () =>
      check().catch((err: unknown) => {
        throw err instanceof AnsibleResultsError ? new Error(ansibleProblem(err, t)) : err;
      });
    const board = { initial: first, refresh, exportView, keysToReview, acceptKeys, t, intervalSec: command.intervalSec };
    const app = render(createElement(Board, board), {
      exitOnCtrlC: false,
    });
    await app.waitUntilExit();
    return EXIT.OK;
  } finally {
    await pool.closeAll();
  }
}

function ansibleProblem(err: AnsibleResultsError, t: Translate): string {
  return `${err.file}: ${t(`instructor:ansible.problem.${err.code}`, err.params)}`;
}
