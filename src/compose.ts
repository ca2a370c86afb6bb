// The composition root: builds the real pieces (lessons, i18n, SSH pool, executors, progress)
// and wires them into a tutor session. Everything else receives its dependencies from here.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describeResult } from './checks/describe.js';
import { LocalFileDigests, ServerDigestMemo } from './checks/file-digests.js';
import { runBatch } from './checks/run.js';
import { defaultLessonsDir, loadCourse, type LoadedCourse } from './course/loader.js';
import { toPageViews } from './course/view.js';
import { createTranslator, type Translator } from './i18n/index.js';
import type { Lang } from './i18n/types.js';
import { LocalExecutor } from './remote/local-executor.js';
import { ConnectionPool } from './remote/pool.js';
import { SshServerLink } from './remote/server-link.js';
import type { LabOffer } from './remote/explain.js';
import { resolveUserTarget } from './remote/ssh-config-fs.js';
import { DEFAULT_HOST, targetKey } from './remote/ssh-config.js';
import type { TargetChoice } from './cli-args.js';
import { labLayout } from './lab/layout.js';
import { stateDir } from './progress/paths.js';
import { cleanStaleTemps, ProgressStore, type ProgressNotice } from './progress/store.js';
import { TutorSession } from './tutor/session.js';
import type { PageView } from './ui/document.js';

/** Where server steps run unless a step names its own `cwd` (the chapter works as root in ~). */
export const SERVER_DIR = '/root';

export interface Runtime {
  env: NodeJS.ProcessEnv;
  translator: Translator;
  course: LoadedCourse;
  views: (lang: Lang) => PageView[];
  stateDir: string;
  workdir: string;
  /** ssh config to use instead of the learner's (`--ssh-config`, or the lab's). */
  sshConfig?: string;
  /** Environment of commands run on the jumpbox (the lab puts its ssh/scp/curl wrappers first on PATH). */
  jumpboxEnv: NodeJS.ProcessEnv;
  pool: ConnectionPool;
  describe: typeof describeResult;
  /** How an unreachable server's explanation offers the practice lab (cli.tsx decides; none on the lab). */
  labOffer?: LabOffer;
}

export function createRuntime(options: {
  env: NodeJS.ProcessEnv;
  lessons?: string;
  workdir?: string;
  sshConfig?: string;
  lab?: boolean;
}): Runtime {
  const env = options.env;
  const lab = options.lab ? labLayout(env) : undefined;
  const home = env.HOME || homedir();
  const course = loadCourse(options.lessons ?? defaultLessonsDir());
  const cache = new Map<Lang, PageView[]>();
  const dir = stateDir(env, home);
  cleanStaleTemps(join(dir, 'progress'));
  return {
    env,
    translator: createTranslator(),
    course,
    views: (lang) => {
      if (!cache.has(lang)) cache.set(lang, toPageViews(course, lang));
      return cache.get(lang)!;
    },
    stateDir: dir,
    workdir: options.workdir ?? lab?.jumpbox ?? join(home, 'kubernetes-the-hard-way'),
    ...(lab || options.sshConfig ? { sshConfig: lab?.sshConfig ?? options.sshConfig! } : {}),
    jumpboxEnv: lab ? { ...env, PATH: `${lab.binDir}:${env.PATH ?? '/usr/bin:/bin'}` } : env,
    pool: new ConnectionPool(),
    describe: describeResult,
  };
}

export interface OpenedTarget {
  /** As the learner typed it: shown in the `t` form and resolved again from it. */
  typed: string;
  link: SshServerLink;
  progress: ProgressStore;
  notice: ProgressNotice | null;
}

/** Resolves a parsed target (or the default `server`) like ssh, with its progress record. */
export function openTarget(runtime: Runtime, choice: TargetChoice | undefined): OpenedTarget {
  const { typed, spec } = choice ?? { typed: DEFAULT_HOST, spec: { host: DEFAULT_HOST } };
  const target = resolveUserTarget(spec, runtime.env, runtime.sshConfig);
  const progress = new ProgressStore(join(runtime.stateDir, 'progress'), targetKey(target));
  const link = new SshServerLink(runtime.pool, target);
  link.labOffer = runtime.labOffer;
  return { typed, link, progress, notice: progress.notice };
}

export function createSession(runtime: Runtime, opened: OpenedTarget, lang: Lang): TutorSession {
  const jumpboxFiles = new LocalFileDigests(runtime.workdir);
  const serverDigests = new ServerDigestMemo();
  return new TutorSession({
    pages: runtime.course.pages.map((p) => ({ id: p.id, steps: p.steps })),
    lang,
    translate: (l) => runtime.translator.forLang(l),
    server: opened.link,
    targetTyped: opened.typed,
    // Jumpbox checks, like the chapter's jumpbox commands, work in the learner's KTHW folder
    // (the final curl names `ca.crt` relative to it).
    jumpbox: new LocalExecutor({ env: runtime.jumpboxEnv, cwd: runtime.workdir }),
    // Copies are compared with the jumpbox's files; hashes of unchanged files are not redone.
    runBatch: (executor, items, probes) => runBatch(executor, items, probes, { jumpboxFiles, serverDigests }),
    progress: opened.progress,
    passedBefore: opened.progress.passedSteps(),
    quizPassed: opened.progress.passedQuestions(),
    jumpboxDir: runtime.workdir,
    serverDir: SERVER_DIR,
  });
}
