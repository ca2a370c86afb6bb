// An upload cut short (issue 11, item 4): the sshd process serving the session is killed while a
// ~100 MB file is on its way, or the learner cancels. The final name must then hold what it held
// before (the previous complete version, or nothing), never a part; a new upload then succeeds.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshConnection } from '../../src/remote/connect.js';
import { UploadError, tempPathFor, uploadFiles, type UploadOptions } from '../../src/remote/upload.js';
import { logFault } from '../helpers/fault-log.js';
import { connectionSshds } from '../helpers/processes.js';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

const BIG = 100 * 1024 * 1024;
let sshd: Sshd;
let local: string;
let bigFile: string;
let bigSha: string;
let n = 0;
const conns: SshConnection[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  sshd = await startSshd({ extraConfig: ['Subsystem sftp /usr/lib/openssh/sftp-server'] });
  local = mkdtempSync(join(tmpdir(), 'kthw-upload-cut-'));
  // Real random bytes, written in pieces (no 100 MB buffer held), hashed as written.
  bigFile = join(local, 'kube-apiserver');
  const hash = createHash('sha256');
  const fh = await open(bigFile, 'w', 0o755);
  for (let left = BIG; left > 0; ) {
    const piece = randomBytes(Math.min(left, 8 * 1024 * 1024));
    hash.update(piece);
    await fh.write(piece);
    left -= piece.length;
  }
  await fh.close();
  bigSha = hash.digest('hex');
});
afterEach(() => {
  for (const c of conns.splice(0)) c.close();
  expect(unhandled).toEqual([]);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await sshd?.stop();
  if (local) rmSync(local, { recursive: true, force: true });
});

async function connect(): Promise<SshConnection> {
  const c = await connectSsh(await targetFor(sshd));
  conns.push(c);
  return c;
}

/** Kills every sshd process serving a connection (the listener stays: new connections work). */
function killSession(): void {
  connectionSshds(sshd.dir).then(
    (found) => {
      if (found.length === 0) unhandled.push(new Error('no sshd connection process found to kill'));
      for (const pid of found) process.kill(pid, 'SIGKILL');
    },
    (err: unknown) => unhandled.push(err),
  );
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A fresh server directory, optionally with a previous complete version at the final name. */
function target(previous?: Buffer): { remote: string; temp: string } {
  const dir = join(sshd.dir, `cut-${++n}`);
  mkdirSync(dir);
  const remote = join(dir, 'kube-apiserver');
  if (previous) writeFileSync(remote, previous, { mode: 0o755 });
  return { remote, temp: tempPathFor(remote) };
}

/** Starts the upload and calls `cut` once the server has acknowledged more than `after` bytes. */
async function uploadAndCut(conn: SshConnection, remote: string, cut: () => void, options: UploadOptions = {}, after = 8 * 1024 * 1024) {
  let cutAt: number | undefined;
  let sentAtCut = 0;
  const t0 = performance.now();
  const err = await uploadFiles(conn, [{ local: bigFile, remote }], {
    ...options,
    onProgress: (p) => {
      if (cutAt === undefined && p.phase === 'sending' && p.fileBytes > after) {
        cutAt = performance.now();
        sentAtCut = p.fileBytes;
        cut();
      }
    },
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(cutAt, 'the upload finished before it could be cut').toBeDefined();
  expect(sentAtCut).toBeLessThan(BIG);
  return { err: err as UploadError, toldMs: performance.now() - cutAt!, sinceStartMs: cutAt! - t0 };
}

/** After the cut, a new connection uploads again and the server's copy matches. */
async function uploadsAgain(remote: string, temp: string, options: UploadOptions = {}) {
  const conn = await connect();
  const r = await uploadFiles(conn, [{ local: bigFile, remote }], options);
  expect(r.files[0]).toMatchObject({ outcome: 'sent', sha256: bigSha });
  expect(sha(remote)).toBe(bigSha);
  expect(existsSync(temp)).toBe(false);
}

describe('the sshd serving the session is killed mid-file', () => {
  for (const via of ['sftp', 'exec'] as const) {
    it(`over ${via}: reason connection, the previous version stays whole, a new upload succeeds`, async () => {
      const previous = randomBytes(1_234_567);
      const { remote, temp } = target(previous);
      const conn = await connect();
      const options = via === 'exec' ? { preferExec: true } : {};
      const { err, toldMs } = await uploadAndCut(conn, remote, killSession, options);
      expect(err).toBeInstanceOf(UploadError);
      expect(err.reason).toBe('connection');
      expect(err.file).toBe(remote);
      expect(err.message).toContain('kube-apiserver');
      expect(err.message).toMatch(/upload again/);
      // The final name: the old file, complete. Only the temp may hold a part.
      expect(sha(remote)).toBe(createHash('sha256').update(previous).digest('hex'));
      if (existsSync(temp)) expect(readFileSync(temp).length).toBeLessThan(BIG);
      logFault(`upload over ${via}: sshd child killed mid-file`, toldMs, `UploadError(connection); final name kept the previous version`);
      await uploadsAgain(remote, temp, options);
    });
  }

  it('with nothing there before: the final name does not exist after the cut', async () => {
    const { remote, temp } = target();
    const conn = await connect();
    const { err } = await uploadAndCut(conn, remote, killSession);
    expect(err.reason).toBe('connection');
    expect(existsSync(remote)).toBe(false);
    await uploadsAgain(remote, temp);
  });
});

describe('the learner cancels mid-file', () => {
  for (const via of ['sftp', 'exec'] as const) {
    it(`over ${via}: reason cancelled, final name untouched, temp removed, the connection still works`, async () => {
      const previous = randomBytes(777_777);
      const { remote, temp } = target(previous);
      const conn = await connect();
      const controller = new AbortController();
      const options = via === 'exec' ? { preferExec: true } : {};
      const { err, toldMs } = await uploadAndCut(conn, remote, () => controller.abort(), { ...options, signal: controller.signal });
      expect(err).toBeInstanceOf(UploadError);
      expect(err.reason).toBe('cancelled');
      expect(err.file).toBe(remote);
      expect(toldMs).toBeLessThan(5_000);
      expect(readFileSync(remote).equals(previous)).toBe(true);
      expect(existsSync(temp)).toBe(false);
      expect(conn.isOpen()).toBe(true);
      logFault(`upload over ${via}: cancelled mid-file`, toldMs, 'UploadError(cancelled); temp removed, final name untouched');
      // The same connection carries the next attempt, which starts the file over.
      const r = await uploadFiles(conn, [{ local: bigFile, remote }], options);
      expect(r.files[0]).toMatchObject({ outcome: 'sent', sha256: bigSha });
      expect(sha(remote)).toBe(bigSha);
      expect(existsSync(temp)).toBe(false);
    });
  }
});
