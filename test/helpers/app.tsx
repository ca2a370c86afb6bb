// The Ink app over a loaded lesson pack, as the UI tests mount it: a real session whose "server"
// is this machine through the local executor (a real shell, no SSH; the SSH path has its own tests).
import { describeResult } from '../../src/checks/describe.js';
import { runBatch } from '../../src/checks/run.js';
import type { LoadedCourse } from '../../src/course/loader.js';
import { toPageViews } from '../../src/course/view.js';
import { createTranslator } from '../../src/i18n/index.js';
import type { Lang } from '../../src/i18n/types.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';
import { TutorSession, type ProgressSink, type ServerLink } from '../../src/tutor/session.js';
import { App } from '../../src/ui/App.js';
import { createMarkdownRenderer } from '../../src/ui/markdown.js';
import { renderAt, type Rendered } from './ink.js';

const translator = createTranslator();

export function localServer(connect: ServerLink['connect'] = async () => ({ ok: true })): ServerLink {
  const executor = new LocalExecutor();
  return { label: 'root@local:22', connect, executor: () => executor, close: async () => {} };
}

export interface MountOptions {
  lang: Lang;
  columns: number;
  rows: number;
  /** Where `run` works on both sides. */
  root: string;
  server?: ServerLink;
  /** The server as the learner typed it (the `t` form starts from it). */
  targetTyped?: string;
  changeTarget?: (value: string) => Promise<string | null>;
  frameIntervalMs?: number;
  progress?: ProgressSink;
  onExit?: () => void;
}

/** Renders the app at a fixed size; the caller starts the session (and unmounts `r`). */
export function mountApp(course: LoadedCourse, o: MountOptions): { r: Rendered; session: TutorSession } {
  const session = new TutorSession({
    pages: course.pages.map((p) => ({ id: p.id, steps: p.steps })),
    lang: o.lang,
    translate: (l) => translator.forLang(l),
    server: o.server ?? localServer(),
    ...(o.targetTyped !== undefined ? { targetTyped: o.targetTyped } : {}),
    jumpbox: new LocalExecutor(),
    runBatch: (e, items, probes) => runBatch(e, items, probes),
    ...(o.progress ? { progress: o.progress } : {}),
    jumpboxDir: o.root,
    serverDir: o.root,
  });
  const r = renderAt(
    <App
      session={session}
      pagesIn={(l) => toPageViews(course, l)}
      markdown={createMarkdownRenderer(false)}
      color={false}
      describe={describeResult}
      changeTarget={o.changeTarget ?? (async () => null)}
      size={{ columns: o.columns, rows: o.rows }}
      {...(o.frameIntervalMs !== undefined ? { frameIntervalMs: o.frameIntervalMs } : {})}
      {...(o.onExit ? { onExit: o.onExit } : {})}
    />,
    o.columns,
    o.rows,
  );
  return { r, session };
}
