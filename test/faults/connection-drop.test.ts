// Real connections cut under the app (issue 9): the sshd child serving the session is killed
// while a step runs a long command. The app says so in one line and keeps running; the progress
// file stays readable with everything recorded before. And `q` during a run asks, then kills the
// remote command before the app exits.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createElement } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeResult } from '../../src/checks/describe.js';
import { runBatch } from '../../src/checks/run.js';
import { loadCourse } from '../../src/course/loader.js';
import { toPageViews } from '../../src/course/view.js';
import { createTranslator } from '../../src/i18n/index.js';
import { ProgressStore } from '../../src/progress/store.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';
import { ConnectionPool } from '../../src/remote/pool.js';
import { SshServerLink } from '../../src/remote/server-link.js';
import { TutorSession } from '../../src/tutor/session.js';
import { App } from '../../src/ui/App.js';
import { createMarkdownRenderer } from '../../src/ui/markdown.js';
import { coursePackWriter } from '../helpers/course-pack.js';
import { renderAt, type Rendered } from '../helpers/ink.js';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

const run = promisify(execFile);
const translator = createTranslator();
let sshd: Sshd;
let root: string;
const pools: ConnectionPool[] = [];
const mounted: Rendered[] = [];
const markers: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  sshd = await startSshd();
  root = mkdtempSync(join(tmpdir(), 'kthw-drop-'));
});
afterEach(async () => {
  for (const m of mounted.splice(0)) m.unmount();
  // A remote command the test left behind (only when an assertion failed first): ours, by pid.
  for (const marker of markers.splice(0)) for (const pid of await pids(marker)) process.kill(pid, 'SIGKILL');
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const p of pools) await p.closeAll();
  await sshd?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Pids whose command line contains `pattern` (pgrep -f). */
async function pids(pattern: string): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-f', pattern]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number);
}

async function ps(pid: number, field: 'ppid' | 'args'): Promise<string> {
  const { stdout } = await run('ps', ['-o', `${field}=`, '-p', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout.trim();
}

/** The per-connection sshd: the ancestor of `pid` whose parent is the listening sshd. */
async function connectionSshd(pid: number): Promise<number> {
  const listener = join(sshd.dir, 'sshd_config');
  for (let p = pid; p > 1; ) {
    const parent = Number(await ps(p, 'ppid'));
    if ((await ps(parent, 'args')).includes(listener)) return p;
    p = parent;
  }
  throw new Error(`no sshd connection process above pid ${pid}`);
}

async function until<T>(get: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A page whose first step passes and whose second runs `sleep <unique>` (the marker to find). */
async function mount(name: string) {
  const marker = `30.${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`;
  markers.push(`sleep ${marker}`);
  const courseDir = join(root, name, 'course');
  coursePackWriter(courseDir, 'drop', ['01-long'])(
    '01-long',
    `page: long
steps:
  - id: first
    where: server
    checks:
      - kind: command
        run: echo ok
        stdout: { equals: ok }
    hints: [h]
  - id: long
    where: server
    run:
      - sleep ${marker}
    checks:
      - kind: command
        run: echo no
        stdout: { equals: yes }
    hints: [h]
`,
    '# 긴 명령\n\n<!-- step: first -->\n## 첫 단계\n\n통과합니다.\n\n<!-- hint: first.h -->\n힌트.\n\n<!-- step: long -->\n## 긴 단계\n\n오래 걸립니다.\n\n<!-- hint: long.h -->\n힌트.\n',
    '# Long\n\n<!-- step: first -->\n## First\n\nIt passes.\n\n<!-- hint: first.h -->\nA hint.\n\n<!-- step: long -->\n## Long\n\nIt takes long.\n\n<!-- hint: long.h -->\nA hint.\n',
  );
  const course = loadCourse(courseDir);
  const pool = new ConnectionPool();
  pools.push(pool);
  const knownHostsFile = join(root, `${name}-known_hosts`);
  writeFileSync(knownHostsFile, sshd.knownHostsLine + '\n');
  const target = await targetFor(sshd, { knownHostsFile });
  const stateDir = join(root, name, 'state');
  const progress = new ProgressStore(stateDir, 'root@127.0.0.1');
  const session = new TutorSession({
    pages: course.pages.map((p) => ({ id: p.id, steps: p.steps })),
    lang: 'en',
    translate: (l) => translator.forLang(l),
    server: new SshServerLink(pool, target),
    jumpbox: new LocalExecutor(),
    runBatch: (e, items, probes) => runBatch(e, items, probes),
    progress,
    jumpboxDir: root,
    serverDir: root,
  });
  let exited = false;
  const r = renderAt(
    createElement(App, {
      session,
      pagesIn: (l) => toPageViews(course, l),
      markdown: createMarkdownRenderer(false),
      color: false,
      describe: describeResult,
      changeTarget: async () => null,
      size: { columns: 100, rows: 30 },
      onExit: () => (exited = true),
    }),
    100,
    30,
  );
  mounted.push(r);
  await session.start();
  expect(session.getState().connection.kind).toBe('connected');
  // Run the long step with consent, and wait until its command is running on the server.
  await r.type('r');
  await r.waitFor((s) => s.includes(`sleep ${marker}`));
  await r.type('y');
  const [sleeper] = await until(async () => {
    const found = await pids(`sleep ${marker}`);
    return found.length > 0 ? found : null;
  }, 'the remote sleep');
  return { r, session, progress, stateDir, marker: `sleep ${marker}`, sleeper: sleeper!, exited: () => exited };
}

describe('the connection drops during a step run', () => {
  it('says so in the app, which keeps running, and the progress file is intact', async () => {
    const { r, session, progress, stateDir, marker, sleeper } = await mount('drop');
    const before = readFileSync(progress.file, 'utf8');
    expect(JSON.parse(before).steps.first).toBeDefined(); // passed at start, on record

    process.kill(await connectionSshd(sleeper), 'SIGKILL');

    const screen = await r.waitFor((s) => s.includes('The run stopped before it finished'), 10_000);
    expect(screen).not.toMatch(/ConnectError|at .*\.ts:\d+/);
    expect(session.getState().facts.long?.busy).toBeNull();
    // Still alive and taking keys.
    await r.type('?');
    await r.waitFor((s) => s.includes('Press Esc or ? to close.'));
    await r.type('\x1b');
    await r.waitFor((s) => !s.includes('Press Esc or ? to close.'));
    // Progress: what was on record is still there, the file reads back without a notice.
    const reread = new ProgressStore(stateDir, 'root@127.0.0.1');
    expect(reread.notice).toBeNull();
    expect(reread.passedSteps()).toContain('first');
    expect(reread.snapshot.steps.long).toBeDefined(); // the attempt was recorded before the run
    for (const pid of await pids(marker)) process.kill(pid, 'SIGKILL');
    expect(unhandled).toEqual([]);
  });
});

describe('q during a step run', () => {
  it('asks first, then kills the command on the server before the app exits', async () => {
    const { r, session, marker, exited } = await mount('quit');
    await r.type('q');
    await r.waitFor((s) => s.includes('Press q again to stop them on the server and quit'));
    expect(exited()).toBe(false);
    expect(await pids(marker)).not.toEqual([]);
    await r.type('q');
    await until(exited, 'the app to exit');
    expect(session.running).toBe(false);
    // The remote process group was killed, not left running behind the learner.
    expect(await pids(marker)).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});
