// Trusting a host key when known_hosts cannot be used (issue 9), against a real sshd: the
// session's connection fails with a message naming the file and what to do, in the learner's
// language, and the session keeps working (a check afterwards still completes).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/checks/run.js';
import { loadCourse } from '../../src/course/loader.js';
import { createTranslator } from '../../src/i18n/index.js';
import type { Lang } from '../../src/i18n/types.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';
import { ConnectionPool } from '../../src/remote/pool.js';
import { SshServerLink } from '../../src/remote/server-link.js';
import { TutorSession } from '../../src/tutor/session.js';
import { writeMiniCourse } from '../helpers/mini-course.js';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

let sshd: Sshd;
let root: string;
const pools: ConnectionPool[] = [];
const translator = createTranslator();

beforeAll(async () => {
  sshd = await startSshd();
  root = mkdtempSync(join(tmpdir(), 'kthw-khcrash-'));
});
afterAll(async () => {
  for (const p of pools) await p.closeAll();
  await sshd?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function session(name: string, knownHostsFile: string, lang: Lang) {
  writeMiniCourse(join(root, name, 'course'), join(root, name, 'server'));
  const course = loadCourse(join(root, name, 'course'));
  const pool = new ConnectionPool();
  pools.push(pool);
  const target = await targetFor(sshd, { knownHostsFile });
  const s = new TutorSession({
    pages: course.pages.map((p) => ({ id: p.id, steps: p.steps })),
    lang,
    translate: (l) => translator.forLang(l),
    server: new SshServerLink(pool, target),
    jumpbox: new LocalExecutor(),
    runBatch: (e, items, probes) => runBatch(e, items, probes),
    jumpboxDir: root,
    serverDir: root,
  });
  // The learner says yes to the new key.
  s.subscribe(() => {
    if (s.pendingPrompt?.kind === 'host-key') s.answerPrompt(true);
  });
  return s;
}

describe('trusting a key when known_hosts cannot be used', () => {
  it('its directory cannot be made (a file in the way): said with the file and what to do', async () => {
    const blocker = join(root, 'blocker');
    writeFileSync(blocker, 'x');
    const file = join(blocker, 'known_hosts');
    const s = await session('notdir', file, 'ko');
    expect(await s.connect()).toBe(false);
    const c = s.getState().connection;
    expect(c.kind).toBe('failed');
    const why = c.kind === 'failed' ? c.why : '';
    expect(why).toContain(file);
    expect(why).toContain('디렉터리');
    expect(why).not.toMatch(/ENOTDIR|EEXIST/);
    // The session goes on: a check completes (server checks are unavailable, not a crash).
    await s.check(['make-dir']);
    expect(s.getState().facts['make-dir']?.busy).toBeNull();
  });

  it('known_hosts is a directory: said at connect, before any prompt', async () => {
    const file = join(root, 'kh-dir');
    mkdirSync(file);
    const s = await session('isdir', file, 'en');
    expect(await s.connect()).toBe(false);
    const c = s.getState().connection;
    const why = c.kind === 'failed' ? c.why : '';
    expect(why).toContain(`known_hosts file ${file} is a directory`);
    expect(why).toContain(`mv ${file} ${file}.old`);
  });
});
