// The tutor's engine end to end against a real OpenSSH sshd: a step's check fails, the step is
// run through the session's runner over SSH, its check passes and the next step opens; a fired
// diagnostic offers a fix that repairs the server; progress records the first pass.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/checks/run.js';
import { loadCourse } from '../../src/course/loader.js';
import { createTranslator } from '../../src/i18n/index.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';
import { ConnectionPool } from '../../src/remote/pool.js';
import { SshServerLink } from '../../src/remote/server-link.js';
import { ProgressStore } from '../../src/progress/store.js';
import { TutorSession } from '../../src/tutor/session.js';
import { pageUnlocked, stepStatus } from '../../src/tutor/state.js';
import { writeMiniCourse } from '../helpers/mini-course.js';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

let sshd: Sshd;
let root: string;
const pools: ConnectionPool[] = [];

beforeAll(async () => {
  sshd = await startSshd();
  root = mkdtempSync(join(tmpdir(), 'kthw-flow-'));
});
afterAll(async () => {
  for (const p of pools) await p.closeAll();
  await sshd?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function newSession(name: string, options: { untrusted?: boolean } = {}) {
  const work = join(root, name, 'server');
  const courseDir = join(root, name, 'course');
  writeMiniCourse(courseDir, work);
  const course = loadCourse(courseDir);
  const pool = new ConnectionPool();
  pools.push(pool);
  const knownHostsFile = join(root, name, 'known_hosts');
  // An empty known_hosts means the learner has never seen this server's key.
  writeFileSync(knownHostsFile, options.untrusted ? '' : sshd.knownHostsLine + '\n');
  const target = await targetFor(sshd, { knownHostsFile });
  const progress = new ProgressStore(join(root, name, 'state'), 'root@127.0.0.1');
  const translator = createTranslator();
  const session = new TutorSession({
    pages: course.pages.map((p) => ({ id: p.id, steps: p.steps })),
    lang: 'en',
    translate: (l) => translator.forLang(l),
    server: new SshServerLink(pool, target),
    jumpbox: new LocalExecutor(),
    runBatch: (executor, items, probes) => runBatch(executor, items, probes),
    progress,
    jumpboxDir: root,
    serverDir: root,
  });
  return { session, work, progress, knownHostsFile };
}

describe('a page against a real sshd', () => {
  it('fails, runs over SSH, passes, and unlocks the next step and page', async () => {
    const { session, work, progress } = await newSession('flow');
    await session.start();
    const plan = session.coursePlan;
    expect(session.getState().connection.kind).toBe('connected');
    expect(stepStatus(plan, session.getState(), 0, 0)).toBe('failed');
    expect(stepStatus(plan, session.getState(), 0, 1)).toBe('locked');

    // Consent first: asking to run opens the confirmation with the exact command.
    session.requestRun();
    expect(session.getState().overlay).toEqual({ kind: 'confirm-run', stepId: 'make-dir' });
    expect(session.commandsFor('make-dir')).toEqual([`mkdir -p ${work}/etc`]);
    await session.run('make-dir');

    let state = session.getState();
    expect(existsSync(join(work, 'etc'))).toBe(true);
    expect(state.facts['make-dir']!.run).toMatchObject({ code: 0, done: true });
    expect(state.facts['make-dir']!.run!.text).toContain(`$ mkdir -p ${work}/etc`);
    expect(stepStatus(plan, state, 0, 0)).toBe('passed');
    expect(stepStatus(plan, state, 0, 1)).toBe('failed'); // checked at start, still not done
    expect(state.step).toBe(1); // the next step is selected
    expect(pageUnlocked(plan, state, 1)).toBe(false);

    await session.run('write-config');
    state = session.getState();
    expect(stepStatus(plan, state, 0, 1)).toBe('passed');
    expect(pageUnlocked(plan, state, 1)).toBe(true);
    await session.openPage(1);
    expect(stepStatus(plan, session.getState(), 1, 0)).toBe('passed');

    const record = progress.snapshot.steps['make-dir']!;
    expect(record.firstPassedAt).toMatch(/^\d{4}-/);
    expect(record.attempts).toBe(1);
    expect(record.evidence?.[0]?.checkId).toBe('file-1');
    await session.close();
  });

  it('shows expected vs found, fires the diagnostic from evidence, and its fix repairs the server', async () => {
    const { session, work } = await newSession('diag');
    await session.start();
    await session.run('make-dir');
    await session.run('write-config');
    chmodSync(join(work, 'etc', 'app.conf'), 0o644);

    await session.openPage(0);
    const state = session.getState();
    const facts = state.facts['write-config']!;
    expect(stepStatus(session.coursePlan, state, 0, 1)).toBe('failed');
    const mode = facts.checks![0]!.findings.find((f) => f.property === 'mode');
    expect(mode).toMatchObject({ expected: expect.stringMatching(/0?600/), found: expect.stringMatching(/0?644/), ok: false });
    expect(facts.diagnostics).toEqual(['wrong-mode']);
    // The page opened again: the later page closes, since the server says the step regressed.
    expect(pageUnlocked(session.coursePlan, state, 1)).toBe(false);

    const fix = session.availableFix('write-config');
    expect(fix).toEqual({ diagnostic: 'wrong-mode', commands: [`chmod 600 ${work}/etc/app.conf`] });
    await session.run('write-config', fix!.diagnostic);
    expect(stepStatus(session.coursePlan, session.getState(), 0, 1)).toBe('passed');
    expect(readFileSync(join(work, 'etc', 'app.conf'), 'utf8')).toBe('hello\n');
    await session.close();
  });

  it('fires a diagnostic from a failed run: exit status and output', async () => {
    const { session, work } = await newSession('denied');
    await session.start();
    // Make the step's mkdir fail the way a non-root login would.
    mkdirSync(join(root, 'denied'), { recursive: true });
    writeFileSync(work, 'a file where the directory should be');
    await session.run('make-dir');
    const facts = session.getState().facts['make-dir']!;
    expect(facts.run?.code).not.toBe(0);
    expect(facts.run?.text).toMatch(/File exists|Not a directory/);
    expect(facts.diagnostics).toEqual(['blocked']);
    expect(stepStatus(session.coursePlan, session.getState(), 0, 0)).toBe('failed');
    await session.close();
  });

  it('asks before trusting an unknown host key, then records it', async () => {
    const { session, knownHostsFile } = await newSession('tofu', { untrusted: true });
    const asked: string[] = [];
    session.subscribe(() => {
      const o = session.getState().overlay;
      if (o.kind === 'host-key' && session.pendingPrompt) {
        asked.push(o.fingerprint);
        session.answerPrompt(true);
      }
    });
    expect(await session.connect()).toBe(true);
    expect(asked).toEqual([sshd.hostKeyFingerprint]);
    expect(readFileSync(knownHostsFile, 'utf8')).toMatch(/ssh-ed25519 /);
    await session.close();
  });

  it('declining an unknown host key leaves the server unreachable and every check unavailable', async () => {
    const { session, knownHostsFile } = await newSession('decline', { untrusted: true });
    session.subscribe(() => {
      if (session.getState().overlay.kind === 'host-key' && session.pendingPrompt) session.answerPrompt(false);
    });
    await session.start();
    const state = session.getState();
    expect(state.connection.kind).toBe('failed');
    expect(stepStatus(session.coursePlan, state, 0, 0)).toBe('unavailable');
    expect(readFileSync(knownHostsFile, 'utf8')).toBe('');
    await session.close();
  });
});
