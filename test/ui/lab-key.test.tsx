// `L` when no server answers: the app calls the injected startLab (cli.tsx brings the lab up and
// switches to it; here a fake records the call), only then, and `l` still switches the language.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeResult } from '../../src/checks/describe.js';
import { runBatch } from '../../src/checks/run.js';
import { loadCourse } from '../../src/course/loader.js';
import { toPageViews } from '../../src/course/view.js';
import { createTranslator } from '../../src/i18n/index.js';
import { explainConnectError } from '../../src/remote/explain.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';
import { TutorSession, type ServerLink } from '../../src/tutor/session.js';
import { App } from '../../src/ui/App.js';
import { createMarkdownRenderer } from '../../src/ui/markdown.js';
import { localServer } from '../helpers/app.js';
import { renderAt, type Rendered } from '../helpers/ink.js';
import { writeMiniCourse } from '../helpers/mini-course.js';

const translator = createTranslator();
const dirs: string[] = [];
const mounted: Rendered[] = [];
const sessions: TutorSession[] = [];
afterEach(async () => {
  for (const m of mounted.splice(0)) m.unmount();
  for (const s of sessions.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** No server at `server`: refused, explained with the lab's key, as SshServerLink does with labOffer 'key'. */
const refused: ServerLink['connect'] = async (_prompts, t) => ({
  ok: false,
  retry: false,
  ...explainConnectError({ host: 'server', port: 22, jump: false, kind: 'refused' }, t, 'server', 'key'),
});

function mount(connect: ServerLink['connect'], startLab: () => void): { r: Rendered; session: TutorSession } {
  const root = mkdtempSync(join(tmpdir(), 'kthw-labkey-'));
  dirs.push(root);
  writeMiniCourse(join(root, 'course'), join(root, 'work'));
  const course = loadCourse(join(root, 'course'));
  const session = new TutorSession({
    pages: course.pages.map((p) => ({ id: p.id, steps: p.steps })),
    lang: 'en',
    translate: (l) => translator.forLang(l),
    server: localServer(connect),
    jumpbox: new LocalExecutor(),
    runBatch: (e, items, probes) => runBatch(e, items, probes),
    jumpboxDir: root,
    serverDir: root,
  });
  sessions.push(session);
  const r = renderAt(
    <App
      session={session}
      pagesIn={(l) => toPageViews(course, l)}
      markdown={createMarkdownRenderer(false)}
      color={false}
      describe={describeResult}
      changeTarget={async () => null}
      size={{ columns: 100, rows: 30 }}
      startLab={startLab}
    />,
    100,
    30,
  );
  mounted.push(r);
  return { r, session };
}

describe('the practice lab key', () => {
  it('offers L on the status line when nothing answers, and L calls startLab once per press', async () => {
    let calls = 0;
    const { r, session } = mount(refused, () => calls++);
    session.fire(session.start());
    await r.waitFor((s) => s.includes('Press L to start a practice lab server'));
    await r.type('L');
    expect(calls).toBe(1);
    await r.type('l'); // lower case: the language, as always
    await r.waitFor((s) => s.includes('언어: 한국어'));
    expect(calls).toBe(1);
  });

  it('does nothing on a server that answers', async () => {
    let calls = 0;
    const { r, session } = mount(async () => ({ ok: true }), () => calls++);
    session.fire(session.start());
    await r.waitFor((s) => s.includes('connected to root@local:22'));
    await r.type('L');
    await new Promise((done) => setTimeout(done, 100));
    expect(calls).toBe(0);
  });
});
