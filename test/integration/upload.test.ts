// uploadFiles against real OpenSSH sshds: one with the sftp subsystem, one without (the exec
// fallback). What lands on the server is read back with sha256sum/stat over exec.
import { execFile, execSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshConnection } from '../../src/remote/connect.js';
import { SshExecutor } from '../../src/remote/ssh-executor.js';
import {
  UploadError,
  formatEta,
  formatUploadProgress,
  tempPathFor,
  uploadFiles,
  type UploadFile,
  type UploadProgress,
} from '../../src/remote/upload.js';
import { ProgressTracker } from '../../src/remote/upload-progress.js';
import { parseSumLine, parseVerify, sumsScript, verifyScript } from '../../src/remote/upload-remote.js';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

const SFTP = ['Subsystem sftp /usr/lib/openssh/sftp-server'];

let withSftp: Sshd;
let noSftp: Sshd;
let sftpConn: SshConnection;
let execConn: SshConnection;
let local: string;
let n = 0;

beforeAll(async () => {
  [withSftp, noSftp] = await Promise.all([startSshd({ extraConfig: SFTP }), startSshd()]);
  [sftpConn, execConn] = await Promise.all([connectSsh(await targetFor(withSftp)), connectSsh(await targetFor(noSftp))]);
  local = mkdtempSync(join(tmpdir(), 'kthw-upload-'));
});
afterAll(async () => {
  sftpConn?.close();
  execConn?.close();
  await Promise.all([withSftp?.stop(), noSftp?.stop()]);
  if (local) rmSync(local, { recursive: true, force: true });
});

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A local file of random bytes with the given mode; returns its path and sha256. */
function makeFile(name: string, size: number, mode: number): { path: string; sha256: string; data: Buffer } {
  const path = join(local, name);
  const data = randomBytes(size);
  writeFileSync(path, data);
  chmodSync(path, mode);
  return { path, sha256: sha(data), data };
}

/** A fresh, empty directory on the server (the sshd runs on this machine, under its own dir). */
function remoteDir(server: Sshd): string {
  const dir = join(server.dir, `remote-${++n}`);
  mkdirSync(dir);
  return dir;
}

/** sha256 and octal mode of each path as the SERVER sees them, read over exec. */
async function onServer(conn: SshConnection, paths: string[]): Promise<Array<{ sha256: string; mode: string }>> {
  const exec = SshExecutor.forConnection(conn);
  const quoted = paths.map((p) => `'${p}'`).join(' ');
  const r = await exec.exec(`for f in ${quoted}; do printf '%s %s\\n' "$(sha256sum < "$f" | cut -c1-64)" "$(stat -c %a "$f")"; done`);
  expect(r.code).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => {
      const [sha256, mode] = l.split(' ');
      return { sha256: sha256!, mode: mode! };
    });
}

describe('uploadFiles over SFTP', () => {
  it('sends files byte for byte with their modes, leaves no temp behind, and skips them the second time', async () => {
    const dir = remoteDir(withSftp);
    const big = makeFile('big.bin', 6 * 1024 * 1024 + 123, 0o755);
    const key = makeFile('key.pem', 1700, 0o600);
    const empty = makeFile('empty', 0, 0o644);
    const files: UploadFile[] = [
      { local: big.path, remote: join(dir, 'kube-apiserver') },
      { local: key.path, remote: join(dir, 'ca-key.pem') },
      { local: empty.path, remote: join(dir, 'empty') },
    ];
    const first = await uploadFiles(sftpConn, files);
    expect(first.files.map((f) => [f.outcome, f.via])).toEqual([
      ['sent', 'sftp'],
      ['sent', 'sftp'],
      ['sent', 'sftp'],
    ]);
    expect(first.bytesSent).toBe(big.data.length + key.data.length);
    expect(first.files.map((f) => f.sha256)).toEqual([big.sha256, key.sha256, empty.sha256]);
    expect(await onServer(sftpConn, files.map((f) => f.remote))).toEqual([
      { sha256: big.sha256, mode: '755' },
      { sha256: key.sha256, mode: '600' },
      { sha256: empty.sha256, mode: '644' },
    ]);
    expect(readdirSync(dir).sort()).toEqual(['ca-key.pem', 'empty', 'kube-apiserver']);

    // Second run: nothing to send; a mode changed on the server is put back.
    chmodSync(join(dir, 'ca-key.pem'), 0o644);
    const second = await uploadFiles(sftpConn, files);
    expect(second.files.map((f) => f.outcome)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(second.bytesSent).toBe(0);
    expect((await onServer(sftpConn, [join(dir, 'ca-key.pem')]))[0]!.mode).toBe('600');

    // A changed local file (new size) is sent again; the others stay skipped.
    const changed = makeFile('key.pem', 1800, 0o600);
    const third = await uploadFiles(sftpConn, files);
    expect(third.files.map((f) => f.outcome)).toEqual(['skipped', 'sent', 'skipped']);
    expect(third.bytesSent).toBe(1800);
    expect((await onServer(sftpConn, [join(dir, 'ca-key.pem')]))[0]!.sha256).toBe(changed.sha256);
  });

  it('replaces the part left by a cut attempt, and removes it when the file is already there', async () => {
    const dir = remoteDir(withSftp);
    const f = makeFile('retry', 400_000, 0o644);
    const remote = join(dir, 'retry');
    const temp = tempPathFor(remote);
    expect(temp).toBe(join(dir, '.retry.kthw-part'));
    writeFileSync(temp, 'part of an earlier attempt', { mode: 0o600 });
    const r = await uploadFiles(sftpConn, [{ local: f.path, remote }]);
    expect(r.files[0]!.outcome).toBe('sent');
    expect((await onServer(sftpConn, [remote]))[0]!.sha256).toBe(f.sha256);
    expect(existsSync(temp)).toBe(false);
    // Cut again after the file got there by other means: nothing to send, the part goes.
    writeFileSync(temp, 'another part');
    const again = await uploadFiles(sftpConn, [{ local: f.path, remote }]);
    expect(again.files[0]!.outcome).toBe('skipped');
    expect(existsSync(temp)).toBe(false);
  });

  it('re-sends a server file of the same size whose content differs', async () => {
    const dir = remoteDir(withSftp);
    const f = makeFile('same-size', 300_000, 0o644);
    const remote = join(dir, 'same-size');
    const other = Buffer.from(f.data);
    other[150_000] = other[150_000]! ^ 0xff; // one byte flipped, same size
    writeFileSync(remote, other);
    const r = await uploadFiles(sftpConn, [{ local: f.path, remote }]);
    expect(r.files[0]!.outcome).toBe('sent');
    expect(r.bytesSent).toBe(300_000);
    expect((await onServer(sftpConn, [remote]))[0]!.sha256).toBe(f.sha256);
  });

  it('replaces a binary that is running (rename, not truncation: no ETXTBSY)', async () => {
    const dir = remoteDir(withSftp);
    const remote = join(dir, 'sleeper');
    copyFileSync('/bin/sleep', remote);
    chmodSync(remote, 0o755);
    const proc = spawn(remote, ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const f = makeFile('new-sleeper', 200_000, 0o755);
      const r = await uploadFiles(sftpConn, [{ local: f.path, remote }]);
      expect(r.files[0]!.outcome).toBe('sent');
      expect((await onServer(sftpConn, [remote]))[0]!.sha256).toBe(f.sha256);
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('reports progress: totals never go back, each file ends verified, the last event is at totalSize', async () => {
    const dir = remoteDir(withSftp);
    const a = makeFile('p-a', 3 * 1024 * 1024, 0o644);
    const b = makeFile('p-b', 2 * 1024 * 1024, 0o644);
    const c = makeFile('p-c', 4096, 0o644);
    writeFileSync(join(dir, 'p-c'), c.data); // already there: skipped
    const events: UploadProgress[] = [];
    const r = await uploadFiles(
      sftpConn,
      [a, b, c].map((f, i) => ({ local: f.path, remote: join(dir, ['p-a', 'p-b', 'p-c'][i]!) })),
      { onProgress: (p) => events.push({ ...p }), chunkSize: 64 * 1024, concurrency: 4 },
    );
    expect(r.files.map((f) => f.outcome)).toEqual(['sent', 'sent', 'skipped']);
    const totalSize = a.data.length + b.data.length + c.data.length;
    for (let i = 1; i < events.length; i++) expect(events[i]!.totalBytes).toBeGreaterThanOrEqual(events[i - 1]!.totalBytes);
    for (const e of events) {
      expect(e.totalSize).toBe(totalSize);
      expect(e.fileBytes).toBeLessThanOrEqual(e.fileSize);
      expect(e.count).toBe(3);
    }
    const last = events.at(-1)!;
    expect(last.totalBytes).toBe(totalSize);
    expect(last.etaSeconds).toBe(0);
    // Per file, in order: sending (bytes only grow), verifying, done; the skipped one: hashing, checking, skipped.
    const phases = (i: number) => events.filter((e) => e.index === i).map((e) => e.phase);
    const squash = (xs: string[]) => xs.filter((x, k) => x !== xs[k - 1]);
    expect(squash(phases(0))).toEqual(['sending', 'verifying', 'done']);
    expect(squash(phases(1))).toEqual(['sending', 'verifying', 'done']);
    expect(squash(phases(2))).toEqual(['hashing', 'checking', 'skipped']);
    const sendingA = events.filter((e) => e.index === 0 && e.phase === 'sending').map((e) => e.fileBytes);
    expect(sendingA).toEqual([...sendingA].sort((x, y) => x - y));
    expect(events.find((e) => e.index === 0 && e.phase === 'done')!.fileBytes).toBe(a.data.length);
    expect(events.some((e) => e.phase === 'sending' && e.bytesPerSecond > 0)).toBe(true);
  });

  it('the exec path works on an SFTP server too when asked (preferExec)', async () => {
    const dir = remoteDir(withSftp);
    const f = makeFile('forced', 2_500_000, 0o700);
    const r = await uploadFiles(sftpConn, [{ local: f.path, remote: join(dir, 'forced') }], { preferExec: true });
    expect(r.files[0]).toMatchObject({ outcome: 'sent', via: 'exec', sha256: f.sha256, mode: 0o700 });
    expect(await onServer(sftpConn, [join(dir, 'forced')])).toEqual([{ sha256: f.sha256, mode: '700' }]);
  });
});

describe('uploadFiles without an SFTP subsystem (exec fallback)', () => {
  it('sends over exec with the same checks, and skips the second time', async () => {
    const dir = remoteDir(noSftp);
    const big = makeFile('x-big', 5 * 1024 * 1024 + 7, 0o755);
    const key = makeFile('x-key', 999, 0o600);
    const files = [
      { local: big.path, remote: join(dir, 'kube-scheduler') },
      { local: key.path, remote: join(dir, "it's a key.pem") }, // a quote in the name
    ];
    const events: UploadProgress[] = [];
    const first = await uploadFiles(execConn, files, { onProgress: (p) => events.push({ ...p }) });
    expect(first.files.map((f) => [f.outcome, f.via])).toEqual([
      ['sent', 'exec'],
      ['sent', 'exec'],
    ]);
    expect(first.bytesSent).toBe(big.data.length + key.data.length);
    expect(events.at(-1)).toMatchObject({ totalBytes: big.data.length + key.data.length, phase: 'done' });
    for (let i = 1; i < events.length; i++) expect(events[i]!.totalBytes).toBeGreaterThanOrEqual(events[i - 1]!.totalBytes);
    expect(await onServer(execConn, [join(dir, 'kube-scheduler')])).toEqual([{ sha256: big.sha256, mode: '755' }]);
    expect(sha(Buffer.from(await readRemote(join(dir, "it's a key.pem"))))).toBe(key.sha256);
    expect(statSync(join(dir, "it's a key.pem")).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(["it's a key.pem", 'kube-scheduler']);

    const second = await uploadFiles(execConn, files);
    expect(second.files.map((f) => [f.outcome, f.via])).toEqual([
      ['skipped', 'exec'],
      ['skipped', 'exec'],
    ]);
    expect(second.bytesSent).toBe(0);
  });
});

async function readRemote(path: string): Promise<Buffer> {
  const { readFile } = await import('node:fs/promises');
  return readFile(path);
}

describe('failures say which file and what to do', () => {
  it('a missing local file: reason local, nothing sent', async () => {
    const dir = remoteDir(withSftp);
    const err = await uploadFiles(sftpConn, [{ local: join(local, 'nope'), remote: join(dir, 'nope') }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect(err).toMatchObject({ reason: 'local', file: join(dir, 'nope') });
    expect((err as Error).message).toContain(join(local, 'nope'));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a missing server directory: reason remote, with the mkdir to run', async () => {
    const f = makeFile('nodir', 10, 0o644);
    const target = join(withSftp.dir, 'no-such-dir', 'f');
    const err = (await uploadFiles(sftpConn, [{ local: f.path, remote: target }]).catch((e: unknown) => e)) as UploadError;
    expect(err).toMatchObject({ reason: 'remote', file: target });
    expect(err.message).toContain(`mkdir -p ${join(withSftp.dir, 'no-such-dir')}`);
  });

  it("the server's error text reaches the message without control sequences", async () => {
    // /proc takes no new files: the server's shell says so, echoing the name with its escape.
    const f = makeFile('evil', 10, 0o644);
    const target = '/proc/\x1b[31mred\x1b]0;title\x07';
    const err = (await uploadFiles(execConn, [{ local: f.path, remote: target }]).catch((e: unknown) => e)) as UploadError;
    expect(err).toBeInstanceOf(UploadError);
    expect(err.reason).toBe('remote');
    expect(err.message).toMatch(/No such file|cannot create|Permission denied|not permitted/i);
    expect(err.message).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });

  it('an already aborted signal: reason cancelled, nothing touched', async () => {
    const dir = remoteDir(withSftp);
    const f = makeFile('never', 10, 0o644);
    const err = await uploadFiles(sftpConn, [{ local: f.path, remote: join(dir, 'never') }], { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'cancelled' });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the verify script (run by /bin/sh here, as on the server)', () => {
  it('a temp that does not match is removed and the final name is left alone', async () => {
    const dir = mkdtempSync(join(local, 'verify-'));
    const final = join(dir, 'kubectl');
    const temp = tempPathFor(final);
    writeFileSync(final, 'old version');
    writeFileSync(temp, 'truncated');
    const plan = { temp, size: 20, sha256: sha(Buffer.from('the full new version')), place: { final, mode: 0o755 } };
    const { stdout } = await runSh(verifyScript(plan));
    expect(parseVerify(stdout, plan)).toEqual({ kind: 'mismatch', size: 9, sha256: sha(Buffer.from('truncated')) });
    expect(existsSync(temp)).toBe(false);
    expect(await readRemote(final).then(String)).toBe('old version');
  });

  it('a matching temp gets the mode and replaces the final name', async () => {
    const dir = mkdtempSync(join(local, 'verify-'));
    const final = join(dir, 'kubectl');
    const temp = tempPathFor(final);
    writeFileSync(final, 'old version');
    writeFileSync(temp, 'the full new version');
    const plan = { temp, size: 20, sha256: sha(Buffer.from('the full new version')), place: { final, mode: 0o750 } };
    const { stdout } = await runSh(verifyScript(plan));
    expect(parseVerify(stdout, plan)).toEqual({ kind: 'placed' });
    expect(await readRemote(final).then(String)).toBe('the full new version');
    expect(statSync(final).mode & 0o777).toBe(0o750);
    expect(existsSync(temp)).toBe(false);
  });
});

function runSh(script: string, env?: NodeJS.ProcessEnv): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('/bin/sh', ['-s'], { env: env ?? process.env }, (err, stdout) => (err ? reject(err) : resolve({ stdout })));
    child.stdin!.end(script);
  });
}

describe('the sha256 the server computes', () => {
  /** A PATH holding only the tools named (symlinks), and `openssl` as given. */
  function pathWith(tools: string[], openssl?: 'real' | 'broken'): string {
    const bin = mkdtempSync(join(local, 'bin-'));
    for (const t of tools) symlinkSync(execSync(`command -v ${t}`, { shell: '/bin/sh' }).toString().trim(), join(bin, t));
    if (openssl === 'real') symlinkSync(execSync('command -v openssl', { shell: '/bin/sh' }).toString().trim(), join(bin, 'openssl'));
    if (openssl === 'broken') writeFileSync(join(bin, 'openssl'), '#!/bin/sh\necho "openssl: unsupported" >&2; exit 1\n', { mode: 0o755 });
    return bin;
  }

  it('is the same with openssl, with a broken openssl, and with sha256sum only; an unreadable file is an error', async () => {
    const f = makeFile('summed', 70_000, 0o644);
    const script = sumsScript([
      { index: 0, path: f.path },
      { index: 7, path: join(local, 'no-such-file') },
    ]);
    for (const openssl of ['real', 'broken', undefined] as const) {
      const { stdout } = await runSh(script, { PATH: pathWith(['sha256sum'], openssl) });
      expect(stdout.split('\n').map(parseSumLine).filter(Boolean), `openssl: ${openssl ?? 'absent'}`).toEqual([
        { index: 0, sha256: f.sha256 },
        { index: 7, sha256: undefined },
      ]);
    }
  });
});

describe('formatUploadProgress', () => {
  const base: UploadProgress = {
    index: 0,
    count: 9,
    name: 'kube-apiserver',
    phase: 'sending',
    fileBytes: 52_100_000,
    fileSize: 120_000_000,
    totalBytes: 52_100_000,
    totalSize: 290_400_000,
    bytesPerSecond: 181_000_000,
    etaSeconds: 1.3,
  };

  it('prints the sending line as in the issue', () => {
    expect(formatUploadProgress(base)).toBe('kube-apiserver  52.1/120.0 MB  43%  181 MB/s  ETA 0:02   (total 1/9 files, 52.1/290.4 MB)');
    expect(formatUploadProgress({ ...base, etaSeconds: 0.4 })).toContain('ETA 0:01');
  });

  it('never says 100% before the last byte, and picks units by size', () => {
    expect(formatUploadProgress({ ...base, fileBytes: 119_999_999 })).toContain(' 99% ');
    expect(formatUploadProgress({ ...base, fileBytes: 1_500, fileSize: 2_000, bytesPerSecond: 900 })).toContain('1.5/2.0 kB  75%  900 B/s');
    expect(formatUploadProgress({ ...base, bytesPerSecond: 0, etaSeconds: undefined })).toContain('-- B/s  ETA --:--');
    expect(formatUploadProgress({ ...base, bytesPerSecond: 2_340_000 })).toContain('2.3 MB/s');
  });

  it('formats ETA as m:ss, h:mm:ss, and unknown', () => {
    expect(formatEta(0)).toBe('0:00');
    expect(formatEta(59.2)).toBe('1:00');
    expect(formatEta(61)).toBe('1:01');
    expect(formatEta(3600)).toBe('1:00:00');
    expect(formatEta(3 * 3600 + 5 * 60 + 9)).toBe('3:05:09');
    expect(formatEta(undefined)).toBe('--:--');
    expect(formatEta(Infinity)).toBe('--:--');
    expect(formatEta(1e9)).toBe('>99h');
  });

  it('says what is happening in the other phases', () => {
    expect(formatUploadProgress({ ...base, phase: 'skipped', index: 2 })).toBe(
      'kube-apiserver  already on the server, not sent   (total 3/9 files, 52.1/290.4 MB)',
    );
    expect(formatUploadProgress({ ...base, phase: 'verifying', fileBytes: 120_000_000 })).toContain('120.0/120.0 MB  verifying on the server');
    expect(formatUploadProgress({ ...base, phase: 'hashing' })).toContain('hashing');
    expect(formatUploadProgress({ ...base, phase: 'done', fileBytes: 120_000_000 })).toContain('120.0/120.0 MB  done');
  });
});

describe('ProgressTracker (fake clock)', () => {
  it('throttles sending events, smooths the rate, and derives the ETA from what is left', () => {
    let now = 0;
    const events: UploadProgress[] = [];
    const t = new ProgressTracker(['a', 'b'], [100_000_000, 50_000_000], (p) => events.push({ ...p }), () => now);
    t.phase(0, 'sending');
    // 10 MB every 100 ms = 100 MB/s, reported in steps of 1 MB every 10 ms: one event per 100 ms.
    for (let k = 1; k <= 100; k++) {
      now = k * 10;
      t.sent(0, 1_000_000);
    }
    const sending = events.filter((e) => e.phase === 'sending' && e.fileBytes > 0);
    expect(sending.length).toBeGreaterThanOrEqual(9);
    expect(sending.length).toBeLessThanOrEqual(11);
    const last = sending.at(-1)!;
    expect(last.bytesPerSecond).toBeGreaterThan(90e6);
    expect(last.bytesPerSecond).toBeLessThan(110e6);
    expect(last.etaSeconds).toBeCloseTo((150_000_000 - last.totalBytes) / last.bytesPerSecond, 6);
    // Verifying takes time without sending: the rate is kept, not dragged towards zero.
    now += 2_000;
    t.phase(0, 'verifying');
    expect(events.at(-1)!.bytesPerSecond).toBe(last.bytesPerSecond);
    t.finished(0);
    t.sent(0, 5); // a late acknowledgement never pushes a file past its size
    t.skipped(1);
    expect(events.at(-1)).toMatchObject({ phase: 'skipped', totalBytes: 150_000_000, fileBytes: 50_000_000, etaSeconds: 0 });
    expect(t.bytesSent).toBe(100_000_005);
  });
});
