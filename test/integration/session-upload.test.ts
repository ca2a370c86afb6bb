// Key u end to end against a real OpenSSH sshd with its SFTP subsystem: the session sends a
// step's files with the tutor's verified copy, shows per-file progress in the run pane, checks the
// step (sameAs: each server file equals the jumpbox's), skips identical files the second time,
// and a cancel mid-copy leaves nothing under a final name while the app carries on.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFileDigests } from '../../src/checks/file-digests.js';
import { runBatch } from '../../src/checks/run.js';
import { loadCourse } from '../../src/course/loader.js';
import { createTranslator } from '../../src/i18n/index.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';
import { ConnectionPool } from '../../src/remote/pool.js';
import { SshServerLink } from '../../src/remote/server-link.js';
import { TutorSession } from '../../src/tutor/session.js';
import { stepStatus } from '../../src/tutor/state.js';
import { coursePackWriter } from '../helpers/course-pack.js';
import { connectionSshds, until } from '../helpers/processes.js';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

let sshd: Sshd;
let root: string;
const pools: ConnectionPool[] = [];

beforeAll(async () => {
  sshd = await startSshd({ extraConfig: ['Subsystem sftp /usr/lib/openssh/sftp-server'] });
  root = mkdtempSync(join(tmpdir(), 'kthw-upload-flow-'));
});
afterAll(async () => {
  for (const p of pools) await p.closeAll();
  await sshd?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A random file of `size` bytes, written in 8 MiB pieces. */
function randomFile(path: string, size: number, mode = 0o644): void {
  const fd = openSync(path, 'w');
  for (let done = 0; done < size; ) {
    const n = Math.min(8 * 1024 * 1024, size - done);
    writeSync(fd, randomBytes(n));
    done += n;
  }
  closeSync(fd);
  chmodSync(path, mode);
}

async function newSession(name: string, bigSize: number) {
  const jumpbox = join(root, name, 'jumpbox');
  const server = join(root, name, 'server');
  mkdirSync(join(jumpbox, 'downloads'), { recursive: true });
  mkdirSync(join(jumpbox, 'units'), { recursive: true });
  mkdirSync(server, { recursive: true });
  randomFile(join(jumpbox, 'downloads', 'kube-apiserver'), bigSize, 0o755);
  writeFileSync(join(jumpbox, 'units', 'kube-apiserver.service'), '[Unit]\nDescription=Kubernetes API Server\n');
  const courseDir = join(root, name, 'course');
  const page = coursePackWriter(courseDir, 'upload', ['01-copy']);
  page(
    '01-copy',
    `page: copy
steps:
  - id: copy-files
    where: jumpbox
    run:
      - scp downloads/kube-apiserver units/kube-apiserver.service root@server:${server}/
    upload:
      to: ${server}
      files: [downloads/kube-apiserver, units/kube-apiserver.service]
    checks:
      - { id: bin, where: server, kind: file, path: ${server}/kube-apiserver, mode: "0755", sameAs: downloads/kube-apiserver }
      - { id: unit, where: server, kind: file, path: ${server}/kube-apiserver.service, sameAs: units/kube-apiserver.service }
    hints: [how]
`,
    `# 복사\n\n<!-- step: copy-files -->\n## 파일 보내기\n\n서버로 파일을 보냅니다.\n\n<!-- hint: copy-files.how -->\nu를 누르세요.\n`,
    `# Copy\n\n<!-- step: copy-files -->\n## Send the files\n\nSend the files to the server.\n\n<!-- hint: copy-files.how -->\nPress u.\n`,
  );
  const course = loadCourse(courseDir);
  const pool = new ConnectionPool();
  pools.push(pool);
  const knownHostsFile = join(root, name, 'known_hosts');
  writeFileSync(knownHostsFile, sshd.knownHostsLine + '\n');
  const target = await targetFor(sshd, { knownHostsFile });
  const translator = createTranslator();
  const jumpboxFiles = new LocalFileDigests(jumpbox);
  const session = new TutorSession({
    pages: course.pages.map((p) => ({ id: p.id, steps: p.steps })),
    lang: 'en',
    translate: (l) => translator.forLang(l),
    server: new SshServerLink(pool, target),
    jumpbox: new LocalExecutor({ cwd: jumpbox }),
    runBatch: (executor, items, probes) => runBatch(executor, items, probes, { jumpboxFiles }),
    jumpboxDir: jumpbox,
    serverDir: server,
  });
  return { session, jumpbox, server };
}

describe('the tutor sends a step\'s files itself (key u)', () => {
  it('asks first, shows progress per file, verifies, passes the step; the second time nothing is sent', async () => {
    const { session, server } = await newSession('copy', 24 * 1024 * 1024 + 5);
    await session.start();
    expect(stepStatus(session.coursePlan, session.getState(), 0, 0)).toBe('failed');

    session.requestUpload();
    expect(session.getState().overlay).toEqual({ kind: 'confirm-upload', stepId: 'copy-files' });
    expect(session.uploadFilesFor('copy-files').map((f) => f.remote)).toEqual([`${server}/kube-apiserver`, `${server}/kube-apiserver.service`]);

    // Every frame of the pane while it runs, to see the progress the learner saw.
    const frames: string[] = [];
    const unsubscribe = session.subscribe(() => {
      const text = session.getState().facts['copy-files']?.run?.text;
      if (text && frames.at(-1) !== text) frames.push(text);
    });
    await session.upload('copy-files');
    unsubscribe();

    const state = session.getState();
    const run = state.facts['copy-files']!.run!;
    expect(run).toMatchObject({ upload: true, done: true, code: 0 });
    expect(run.text).toMatch(/^kube-apiserver\s+25\.2 MB sent and verified$/m);
    expect(run.text).toMatch(/^kube-apiserver\.service\s+0\.0 MB sent and verified$/m);
    expect(run.text).toMatch(/2 sent \(25\.2 MB\), 0 already identical; every file verified by sha256/);
    // While it ran, a total line with rate and ETA was on screen.
    expect(frames.some((f) => /^total [\d.]+ MB \/ 25\.2 MB · file \d\/2 · .+ · ETA /m.test(f))).toBe(true);
    expect(stepStatus(session.coursePlan, state, 0, 0)).toBe('passed');
    expect(statSync(join(server, 'kube-apiserver')).mode & 0o777).toBe(0o755);
    // No temporary file is left behind.
    expect(readdirSync(server).sort()).toEqual(['kube-apiserver', 'kube-apiserver.service']);

    await session.upload('copy-files');
    const again = session.getState().facts['copy-files']!.run!;
    expect(again.text).toMatch(/0 sent \(0\.0 MB\), 2 already identical/);
    expect(again.text).toMatch(/^kube-apiserver\s+25\.2 MB, already identical on the server: not sent$/m);
  });

  it('the connection dropped mid-copy: said in one line, nothing under the final name, back by itself, and u finishes', async () => {
    const { session, server } = await newSession('drop', 300 * 1024 * 1024);
    await session.start();
    let killed = false;
    const unsubscribe = session.subscribe(() => {
      const text = session.getState().facts['copy-files']?.run?.text ?? '';
      if (killed || !/[1-9][\d.]* MB \/ 314\.6 MB/.test(text)) return;
      killed = true;
      // The sshd process serving the tutor's connection dies (the listener stays).
      void connectionSshds(sshd.dir).then((found) => found.forEach((pid) => process.kill(pid, 'SIGKILL')));
    });
    await session.upload('copy-files');
    unsubscribe();
    expect(killed).toBe(true);
    expect(session.getState().notice ?? '').toMatch(/^The connection was lost while step 1's files were being copied: .+\. No file was left half-written/);
    expect(existsSync(join(server, 'kube-apiserver'))).toBe(false);
    // The background reconnect (1 s, 2 s, ...) gets the server back and offers u.
    await until(() => (session.getState().notice ?? '').includes('Press u to finish step 1'), 'the reconnect notice', 20_000);
    await session.upload('copy-files');
    expect(session.getState().facts['copy-files']!.run).toMatchObject({ done: true, code: 0 });
    expect(stepStatus(session.coursePlan, session.getState(), 0, 0)).toBe('passed');
    expect(readdirSync(server).sort()).toEqual(['kube-apiserver', 'kube-apiserver.service']);
  }, 60_000);

  it('cancel mid-copy: no file under its final name, the step not passed, and the app goes on', async () => {
    const { session, server } = await newSession('cancel', 400 * 1024 * 1024);
    await session.start();
    let cancelled: Promise<boolean> | undefined;
    const unsubscribe = session.subscribe(() => {
      // Once bytes of the big file are on their way, the learner presses Esc.
      const text = session.getState().facts['copy-files']?.run?.text ?? '';
      if (!cancelled && /[1-9][\d.]* MB \/ 419\.4 MB/.test(text)) cancelled = session.cancelRun();
    });
    await session.upload('copy-files');
    unsubscribe();
    expect(await cancelled).toBe(true);
    const state = session.getState();
    expect(state.facts['copy-files']!.run).toMatchObject({ upload: true, cancelled: true, done: true });
    expect(state.notice ?? '').toContain('No file was left half-written under its own name');
    expect(existsSync(join(server, 'kube-apiserver'))).toBe(false);
    expect(stepStatus(session.coursePlan, state, 0, 0)).not.toBe('passed');
    // Not wedged: the next check runs and reports.
    await session.checkSelected();
    expect(stepStatus(session.coursePlan, session.getState(), 0, 0)).toBe('failed');
  });
});
