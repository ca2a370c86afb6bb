// Entry point: argv -> the interactive tutor, `check`, `reset`, `export` or `lab`. One exit path (main's
// return value), and one for failures (`fail`): errors are printed as one clear line, not a stack.
import { createInterface } from 'node:readline/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Box, render, type Instance } from 'ink';
import { useState } from 'react';
import {
  EXIT,
  HELP_TEXT,
  langInArgv,
  parseArgs,
  parseTarget,
  parseTargetIn,
  TargetError,
  targetProblem,
  UsageError,
  type CliOptions,
  type TargetChoice,
} from './cli-args.js';
import { buildCheckReport, formatCheckReport, type ReportNotice } from './commands/check-report.js';
import { renderPlainCourse } from './commands/plain.js';
import { renderDryRun } from './commands/dry-run.js';
import { LessonLoadError } from './course/loader.js';
import { sanitizeTerminal } from './text/sanitize.js';
import { progressNoticeText } from './progress/notice-text.js';
import type { ProgressNotice } from './progress/store.js';
import { createRuntime, createSession, openTarget, SERVER_DIR, type Runtime } from './compose.js';
import { describeConfigWarning, explainConfigError } from './remote/explain.js';
import { SshConfigError } from './remote/ssh-config.js';
import { createTranslator } from './i18n/index.js';
import { progressLine, runLab, terminalReporter } from './commands/lab.js';
import { ensureLab, labOffer, realLabHost } from './commands/lab-start.js';
import { LabCommandError } from './lab/exec.js';
import { LabError, labUp } from './lab/lab.js';
import type { LabLayout } from './lab/layout.js';
import { renderChapterMarkdown } from './export/markdown.js';
import { detectLang } from './i18n/detect.js';
import { labLayout } from './lab/layout.js';
import type { Lang, Translate } from './i18n/types.js';
import { readSettings, writeSettings } from './settings.js';
import { allStepIds } from './tutor/state.js';
import { App } from './ui/App.js';
import { FirstRun } from './ui/FirstRun.js';
import { createMarkdownRenderer } from './ui/markdown.js';
import { TutorSession } from './tutor/session.js';

const DEFAULT_TARGET = 'root@server';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (err) {
    if (err instanceof TargetError) {
      const t = createTranslator().forLang(langInArgv(argv) ?? detectLang(env));
      process.stderr.write(`kthw-tutor: ${targetProblem(err, t)}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`kthw-tutor: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (options.command.kind === 'help') {
    process.stdout.write(HELP_TEXT);
    return 0;
  }
  if (options.command.kind === 'version') {
    process.stdout.write(`kthw-tutor ${version()}\n`);
    return 0;
  }

  if (options.command.kind === 'lab') return runLab(labLayout(env), options.command);

  const runtime = createRuntime({
    env,
    lessons: options.lessons,
    workdir: options.workdir,
    sshConfig: options.sshConfig,
    lab: options.lab,
  });
  // Nothing answers and no lab in use: the explanation names the lab (runTui may offer its key instead).
  if (!options.lab) runtime.labOffer = labOffer(realLabHost, { onLab: false, interactive: false });
  const warn = (m: string) => process.stderr.write(`kthw-tutor: ${m}\n`);
  const settings = readSettings(runtime.stateDir, warn);
  const lang: Lang = options.lang ?? settings?.lang ?? detectLang(env);
  let saved: TargetChoice | undefined;
  if (settings?.target !== undefined) {
    try {
      saved = parseTarget(settings.target);
    } catch (err) {
      warn(`${targetProblem(err, runtime.translator.forLang(lang))} (saved in ${runtime.stateDir}/settings.json; ignored)`);
    }
  }
  // The lab's server is always `server` in the lab's ssh_config; a saved target is for the real one.
  const target = options.lab ? undefined : (options.target ?? saved);
  const color = !env.NO_COLOR && !!process.stdout.isTTY;
  // `--lab` with the lab down: bring it up first (as `lab up` does), for the commands that connect.
  if (options.lab && ['tui', 'check', 'report'].includes(options.command.kind)) {
    const code = await startLabFirst(labLayout(env), runtime.translator.forLang(lang));
    if (code !== undefined) return code;
  }

  switch (options.command.kind) {
    case 'check':
      if (options.command.emitScript) return emitScript(runtime, options.command.page);
      return runCheck(runtime, target, lang, options.command);
    case 'reset':
      return runReset(runtime, target, lang, options.command);
    case 'export':
      return runExport(runtime, lang, options.command.out);
    case 'dry-run':
      return runDryRun(runtime, lang, options.command.page, env);
    case 'report':
      return (await import('./commands/report.js')).runReport(runtime, target, lang, options.command.out, version());
    // Loaded only for the instructor: the board and the exporters are nobody else's.
    case 'instructor':
      return (await import('./commands/instructor.js')).runInstructor(runtime, lang, options.command, version());
    case 'tui': {
      const interactive = !!process.stdin.isTTY && !!process.stdout.isTTY;
      if (!interactive) {
        const t = runtime.translator.forLang(lang);
        process.stdout.write(
          renderPlainCourse({
            pages: runtime.views(lang),
            t,
            width: Number(env.COLUMNS) > 20 ? Number(env.COLUMNS) : 80,
            markdown: createMarkdownRenderer(false),
            describe: runtime.describe,
          }) + '\n',
        );
        return 0;
      }
      const firstRun = settings === null && options.lang === undefined && options.target === undefined && !options.lab;
      const labRuntime = () => createRuntime({ env, lessons: options.lessons, lab: true });
      return runTui(runtime, { lang, target, firstRun, color, lab: !!options.lab, savedTarget: saved, labRuntime });
    }
  }
}

/** The lab running (now), or why not as one line on stderr and exit 1. Progress goes to stderr: stdout may be JSON. */
async function startLabFirst(layout: LabLayout, t: Translate): Promise<number | undefined> {
  const reporter = terminalReporter(process.stderr);
  let told = false;
  try {
    const plan = await ensureLab(layout, {
      phase: (text) => {
        // Said once, before the first phase of a real start (nothing when the lab already runs).
        if (!told) process.stderr.write(`kthw-tutor: ${t('ui:lab.starting')}\n`);
        told = true;
        reporter.phase(text);
      },
      progress: (p) => reporter.progress(p),
      t,
    });
    reporter.end();
    if (plan.kind === 'refuse') {
      process.stderr.write(`kthw-tutor ${t(plan.need === 'root' ? 'ui:lab.needRoot' : 'ui:lab.needLinux')}\n`);
      return 1;
    }
    if (plan.kind === 'up') process.stderr.write(`kthw-tutor: ${t('ui:lab.started')}\n`);
    return undefined;
  } catch (err) {
    reporter.end();
    if (err instanceof LabError || err instanceof LabCommandError) {
      process.stderr.write(`kthw-tutor ${t('ui:lab.upFailed', { reason: sanitizeTerminal(err.message).split('\n')[0] })}\n`);
      return 1;
    }
    throw err;
  }
}

/** `--page N` beyond the course says which pages there are. */
function pageExists(runtime: Runtime, page: number | undefined): boolean {
  const count = runtime.course.pages.length;
  if (page === undefined || page <= count) return true;
  process.stderr.write(`kthw-tutor: there is no page ${page}; pages are 1-${count}\n`);
  return false;
}

/** `check --emit-script`: the instructor's read-only batch of the chapter (or page N) on stdout. */
async function emitScript(runtime: Runtime, page: number | undefined): Promise<number> {
  if (!pageExists(runtime, page)) return 2;
  const { batchScript, emittableSelections } = await import('./instructor/batch-script.js');
  const selections = emittableSelections(runtime.course.pages);
  process.stdout.write(batchScript(selections[page ?? 0]!).script);
  return 0;
}

async function runCheck(
  runtime: Runtime,
  target: TargetChoice | undefined,
  lang: Lang,
  command: { page?: number; json: boolean },
): Promise<number> {
  const t = runtime.translator.forLang(lang);
  if (!pageExists(runtime, command.page)) return 2;
  const opened = openTarget(runtime, target);
  const session = createSession(runtime, opened, lang);
  const notices: ReportNotice[] = [];
  if (opened.notice) notices.push({ ...opened.notice, text: progressNoticeText(opened.notice, t) });
  // What the config says that the tutor does not do (only without an ssh binary to ask).
  for (const w of opened.link.target.warnings) notices.push({ kind: 'ssh-config', file: w.file, line: w.line, keyword: w.keyword, text: describeConfigWarning(w, t) });
  // Said once, in the report; only check results decide the exit code.
  opened.progress.onSaveProblem = (p) => notices.push({ ...p, text: t('ui:notice.notSaved', { dir: p.dir, reason: p.reason }) });
  opened.progress.probeSave();
  // Without a person to ask, an unknown host key is refused (never trusted silently).
  session.subscribe(() => {
    if (session.pendingPrompt) session.answerPrompt(session.pendingPrompt.kind === 'host-key' ? false : undefined);
  });
  const connected = await session.connect();
  if (!connected) {
    const c = session.getState().connection;
    if (c.kind === 'failed') process.stderr.write(`kthw-tutor: ${t('ui:connection.failed', { label: c.label })}: ${c.why}\n  ${c.todo}\n`);
  }
  const pageNumbers = command.page ? [command.page] : runtime.course.pages.map((_, i) => i + 1);
  const stepIds = pageNumbers.flatMap((n) => runtime.course.pages[n - 1]!.steps.map((s) => s.id));
  await session.check(stepIds);
  const report = buildCheckReport({
    plan: session.coursePlan,
    state: session.getState(),
    pages: runtime.views(lang),
    pageNumbers,
    target: session.targetLabel,
    t,
    notices,
  });
  process.stdout.write(command.json ? JSON.stringify(report, null, 2) + '\n' : formatCheckReport(report, t, runtime.describe));
  await session.close();
  if (!connected) return EXIT.UNREACHABLE;
  return report.ok ? EXIT.OK : EXIT.CHECKS_FAILED;
}

async function runReset(
  runtime: Runtime,
  target: TargetChoice | undefined,
  lang: Lang,
  command: { page?: number; yes: boolean },
): Promise<number> {
  const t = runtime.translator.forLang(lang);
  const opened = openTarget(runtime, target);
  if (opened.notice) process.stderr.write(`kthw-tutor: ${progressNoticeText(opened.notice, t)}\n`);
  const pages = runtime.course.pages;
  if (!pageExists(runtime, command.page)) return 2;
  const ids = command.page ? pages[command.page - 1]!.steps.map((s) => s.id) : allStepIds({ pages });
  const question = command.page
    ? t('ui:confirm.resetPageTitle', { page: command.page })
    : t('ui:confirm.resetAllTitle', { target: opened.progress.target });
  if (!command.yes) {
    if (!process.stdin.isTTY) {
      process.stderr.write(`kthw-tutor: ${question}\n  (no terminal to ask in: add --yes to confirm)\n`);
      return 2;
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = (await rl.question(`${question}\n${t('ui:confirm.resetNote')} [y/N] `)).trim().toLowerCase();
    rl.close();
    if (answer !== 'y' && answer !== 'yes') return 1;
  }
  opened.progress.forget(ids);
  // Nothing forgotten on disk: say why instead of claiming it (an unreadable file is said above).
  const problem = opened.progress.saveProblem;
  if (problem) {
    if (opened.notice?.kind !== 'unreadable') process.stderr.write(`kthw-tutor: ${t('ui:notice.notSaved', { dir: problem.dir, reason: problem.reason })}\n`);
    return 1;
  }
  process.stdout.write(`${t('ui:notice.reset').replace(/…$/, '')}\n`);
  return 0;
}

/** `--dry-run`: the chapter's commands from the lesson pack alone; no target is resolved or contacted. */
async function runDryRun(runtime: Runtime, lang: Lang, page: number | undefined, env: NodeJS.ProcessEnv): Promise<number> {
  if (!pageExists(runtime, page)) return 2;
  const { course } = runtime;
  if (!course.languages.includes(lang)) {
    process.stderr.write(`kthw-tutor: the lesson pack in ${course.dir} has no ${lang} text (it is in ${course.languages.join(', ')}); use --lang ${course.languages[0]}\n`);
    return 1;
  }
  const columns = process.stdout.isTTY ? process.stdout.columns : Number(env.COLUMNS);
  const text = renderDryRun({
    views: runtime.views(lang),
    steps: course.pages.map((p) => p.steps),
    ...(page !== undefined ? { page } : {}),
    t: runtime.translator.forLang(lang),
    dirs: { jumpboxDir: runtime.workdir, serverDir: SERVER_DIR },
    width: columns > 20 ? columns : 80,
  });
  // Wait for the write to be handed off: main's caller exits the process right after (a pipe may lag).
  await new Promise<void>((done) => process.stdout.write(text, () => done()));
  return 0;
}

/** `export`: no server involved, only the loaded lesson pack (`--lessons`) and the locales. */
async function runExport(runtime: Runtime, lang: Lang, out: string | undefined): Promise<number> {
  const t = runtime.translator.forLang(lang);
  const { course } = runtime;
  // Another pack (--lessons) may be written in one language only.
  if (!course.languages.includes(lang)) {
    process.stderr.write(`kthw-tutor: the lesson pack in ${course.dir} has no ${lang} text (it is in ${course.languages.join(', ')}); use --lang ${course.languages[0]}\n`);
    return 1;
  }
  const text = renderChapterMarkdown(course, lang, t);
  if (out === '-') {
    // Wait for the write to be handed off: main's caller exits the process right after.
    await new Promise<void>((done) => process.stdout.write(text, () => done()));
    return 0;
  }
  const path = resolve(out ?? `kthw-tutor-chapter8-${lang}.md`);
  try {
    writeFileSync(path, text, 'utf8');
  } catch (err) {
    // Common causes in the learner's words; anything rarer as the system says it.
    const key = `ui:export.writeError.${(err as NodeJS.ErrnoException).code}`;
    const reason = runtime.translator.instance.exists(key, { lng: lang }) ? t(key) : (err as Error).message;
    process.stderr.write(`kthw-tutor: ${t('ui:export.writeFailed', { path, reason })}\n`);
    return 1;
  }
  const language = t('ui:export.language');
  process.stdout.write(`${t('ui:export.written', { pages: course.pages.length, language, path })}\n`);
  return 0;
}

async function runTui(
  runtime: Runtime,
  start: {
    lang: Lang;
    target: TargetChoice | undefined;
    firstRun: boolean;
    color: boolean;
    /** On the lab the server is the lab's `server`: `t` may switch it, but the saved target stays. */
    lab: boolean;
    savedTarget: TargetChoice | undefined;
    /** The runtime on the lab, for when `L` starts it from the app. */
    labRuntime: () => Runtime;
  },
): Promise<number> {
  const markdown = createMarkdownRenderer(start.color);
  // `L` moves the app onto the lab: its runtime (ssh_config, jumpbox folder, wrappers) from then on.
  let rt = runtime;
  let onLab = start.lab;
  // In the app, root on Linux may start the lab with a key rather than a command.
  if (!start.lab) runtime.labOffer = labOffer(realLabHost, { onLab: false, interactive: true });
  let session: TutorSession | null = null;
  // An unwritable state directory is said once in the app and once on quit; the tutor goes on.
  let settingsProblem: string | null = null;
  let told = false;
  let lastSaveProblem: { dir: string; reason: string } | null = null;
  const tellNotSaved = (s: TutorSession, dir: string, reason: string) => {
    lastSaveProblem ??= { dir, reason };
    if (told) return;
    told = true;
    s.dispatch({ type: 'notice', text: s.t('ui:notice.notSaved', { dir, reason }) });
  };
  // A progress file that could not be read is left alone and nothing is saved: said again on quit.
  let unreadable: ProgressNotice | null = null;
  const tellProgressNotice = (s: TutorSession, notice: ProgressNotice) => {
    if (notice.kind === 'unreadable') unreadable = notice;
    s.alert(progressNoticeText(notice, s.t)); // stays until the learner dismisses it
  };
  const saveSettings = (settings: Parameters<typeof writeSettings>[1]) => {
    try {
      writeSettings(runtime.stateDir, settings);
    } catch (err) {
      settingsProblem ??= (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    }
  };
  // What is saved as the learner's server: as they typed it, and never the lab's.
  let savedTarget = start.lab ? start.savedTarget : (start.target ?? start.savedTarget);

  const begin = (lang: Lang, target: TargetChoice | undefined): TutorSession => {
    const opened = openTarget(rt, target);
    const s = createSession(rt, opened, lang);
    opened.progress.onSaveProblem = (p) => tellNotSaved(s, p.dir, p.reason);
    opened.progress.probeSave();
    if (settingsProblem) tellNotSaved(s, runtime.stateDir, settingsProblem);
    if (opened.notice) tellProgressNotice(s, opened.notice);
    const warnings = opened.link.target.warnings;
    if (warnings.length > 0) s.alert(warnings.map((w) => describeConfigWarning(w, s.t)).join(' '));
    s.fire(s.start());
    return s;
  };

  const changeTarget = async (value: string): Promise<string | null> => {
    const t = session!.t;
    try {
      const choice = parseTarget(value);
      const opened = openTarget(rt, choice);
      opened.progress.onSaveProblem = (p) => tellNotSaved(session!, p.dir, p.reason);
      if (!onLab) {
        savedTarget = choice;
        saveSettings({ lang: session!.getState().lang, target: choice.typed });
      }
      await session!.retarget({
        server: opened.link,
        typed: opened.typed,
        progress: opened.progress,
        passedBefore: opened.progress.passedSteps(),
        quizPassed: opened.progress.passedQuestions(),
      });
      if (opened.notice) tellProgressNotice(session!, opened.notice);
      return null;
    } catch (err) {
      return targetProblem(err, t);
    }
  };

  // `L`: the lab comes up with its progress on the status line, then a session on it replaces this one.
  let switchTo: ((s: TutorSession) => void) | undefined;
  let labStarting = false;
  const startLab = () => {
    const s = session;
    if (!s || labStarting || onLab) return;
    labStarting = true;
    const width = Math.max(40, (process.stdout.columns || 80) - 2);
    s.dispatch({ type: 'notice', text: s.t('ui:lab.starting') });
    s.fire(
      labUp(labLayout(runtime.env), {
        phase: (text) => s.dispatch({ type: 'notice', text: `lab: ${text}` }),
        progress: (p) => s.dispatch({ type: 'notice', text: progressLine(p, width) }),
        t: s.t,
      })
        .then(async () => {
          rt = start.labRuntime();
          onLab = true;
          switchTo?.(begin(s.getState().lang, undefined));
          await s.close();
        })
        .finally(() => {
          labStarting = false;
        }),
    );
  };

  function Root() {
    const [current, setCurrent] = useState<TutorSession | null>(() => (start.firstRun ? null : begin(start.lang, start.target)));
    session = current;
    switchTo = setCurrent;
    if (!current) {
      return (
        <Box>
          <FirstRun
            defaultLang={start.lang}
            defaultTarget={start.target?.typed ?? DEFAULT_TARGET}
            translate={(l) => runtime.translator.forLang(l)}
            parseTarget={parseTargetIn}
            onDone={({ lang, target }) => {
              savedTarget = target;
              saveSettings({ lang, target: target.typed });
              setCurrent(begin(lang, target));
            }}
            onQuit={() => instance.unmount()}
            offerLab={runtime.labOffer !== undefined}
          />
        </Box>
      );
    }
    return (
      <App
        session={current}
        pagesIn={runtime.views}
        markdown={markdown}
        color={start.color}
        describe={runtime.describe}
        changeTarget={changeTarget}
        {...(rt.labOffer === 'key' ? { startLab } : {})}
      />
    );
  }

  // We only get here with a TTY on both ends; `interactive` keeps Ink drawing even when a CI
  // variable is set in the learner's shell (Ink would otherwise print only the last frame).
  const instance = render(<Root />, { exitOnCtrlC: false, alternateScreen: true, interactive: true });
  mountedInk = instance;
  await instance.waitUntilExit();
  mountedInk = undefined;
  const last = session as TutorSession | null;
  if (last) {
    // Remember the language the learner ended with, and the target as they wrote it.
    saveSettings({ lang: last.getState().lang, ...(savedTarget ? { target: savedTarget.typed } : {}) });
    await last.close();
  }
  await runtime.pool.closeAll();
  if (rt !== runtime) await rt.pool.closeAll();
  // The app's screen is gone now (and Ink done writing): one line that stays in the terminal.
  const lost = lastSaveProblem ?? (settingsProblem ? { dir: runtime.stateDir, reason: settingsProblem } : null);
  if (last && lost) process.stderr.write(`kthw-tutor: ${last.t('ui:notice.notSaved', lost)}\n`);
  if (last && unreadable) process.stderr.write(`kthw-tutor: ${progressNoticeText(unreadable, last.t)}\n`);
  return 0;
}

/** The app on screen, if any: taken down before a fatal message, so the message stays visible. */
let mountedInk: Instance | undefined;
let failing = false;

/**
 * The one way the CLI ends on an error nobody handled (thrown from main, or an uncaught exception
 * or rejection anywhere later): one line on stderr, no stack, exit 1. 2 and 3 stay check's own.
 */
function fail(err: unknown): never {
  if (!failing) {
    failing = true;
    try {
      mountedInk?.unmount();
    } catch {
      // the screen is going away anyway
    }
    process.stderr.write(`kthw-tutor: ${failureText(err)}\n`);
    if (process.env.KTHW_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  }
  process.exit(EXIT.CHECKS_FAILED);
}

/** What `fail` prints: the message's first line, sanitized (it may quote a file or a server). */
function failureText(err: unknown): string {
  // The lesson loader lists every problem as file:line on its own line: kept whole.
  if (err instanceof LessonLoadError) return sanitizeTerminal(err.message);
  // A config ssh refuses too: file:line and what to do, in the learner's language.
  if (err instanceof SshConfigError) {
    const { why, todo } = explainConfigError(err, createTranslator().forLang(langInArgv(process.argv.slice(2)) ?? detectLang(process.env)));
    return sanitizeTerminal(`${why}\n  ${todo}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  const line = sanitizeTerminal(message).split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  // Errors of the language itself are bugs, not something the learner did.
  const bug = err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError;
  if (bug || line === '') {
    return `internal error: ${line || (err instanceof Error ? err.name : typeof err)} (a bug in kthw-tutor: please report it with the command you ran; KTHW_DEBUG=1 shows where it happened)`;
  }
  return line;
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
main(process.argv.slice(2), process.env).then((code) => process.exit(code), fail);
