// `sameAs`: a file on the server compared with the jumpbox's, byte for byte (size and sha256),
// through real batches in the local shell; and the chapter's own checks and diagnostics for a copy
// cut short, on pages 1 and 2.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync, writeSync, closeSync, copyFileSync, chmodSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalFileDigests, ServerDigestMemo } from '../../src/checks/file-digests.js';
import type { MeasuredCheck } from '../../src/checks/result.js';
import { runBatch, type BatchOptions } from '../../src/checks/run.js';
import { CheckSpec } from '../../src/checks/spec.js';
import { defaultLessonsDir, loadCourse } from '../../src/course/loader.js';
import type { Executor } from '../../src/remote/executor.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';
import { matchDiagnostics } from '../../src/tutor/diagnose.js';

const dir = mkdtempSync(join(tmpdir(), 'kthw-same-as-'));
const jumpbox = join(dir, 'jumpbox');
const server = join(dir, 'server');
mkdirSync(join(jumpbox, 'downloads', 'controller'), { recursive: true });
mkdirSync(server);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIZE = 3 * 1024 * 1024 + 17;
const original = randomBytes(SIZE);
const local = join(jumpbox, 'downloads', 'controller', 'kube-apiserver');
const remote = join(server, 'kube-apiserver');
writeFileSync(local, original);

const spec = CheckSpec.parse({ kind: 'file', path: remote, or: [join(server, 'elsewhere')], sameAs: 'downloads/controller/kube-apiserver' });
const executor = new LocalExecutor();

/** Records every script a batch sends, so a test can see what the server was asked. */
function recording(inner: Executor): Executor & { scripts: string[] } {
  const scripts: string[] = [];
  return { label: inner.label, scripts, exec: (command, options) => (scripts.push(options?.stdin ?? ''), inner.exec(command, options)) };
}

async function check(options: BatchOptions, on: Executor = executor): Promise<MeasuredCheck> {
  const { checks } = await runBatch(on, [{ id: 'bin', spec }], [], options);
  return checks[0]!;
}

describe('a file compared with the jumpbox', () => {
  const jumpboxFiles = new LocalFileDigests(jumpbox);

  it('passes when size and sha256 are the same, and says so in the evidence', async () => {
    copyFileSync(local, remote);
    const r = await check({ jumpboxFiles });
    expect(r.status).toBe('pass');
    expect(r.findings.find((f) => f.property === 'sameAs')).toMatchObject({ ok: true });
    expect(r.evidence).toContain('copy: identical');
    expect(r.evidence).toMatch(/jumpbox: downloads\/controller\/kube-apiserver \(3145745 bytes, sha256 [0-9a-f]{64}\)/);
  });

  it('fails a copy cut short as truncated, with the bytes that arrived', async () => {
    truncateSync(remote, 1_000_000);
    const r = await check({ jumpboxFiles });
    expect(r.status).toBe('fail');
    expect(r.findings.find((f) => f.property === 'sameAs')).toMatchObject({ ok: false, found: '1000000 bytes' });
    expect(r.evidence).toContain(`copy: truncated (1000000 of ${SIZE} bytes)`);
  });

  it('fails other bytes of the same size, and a larger file', async () => {
    copyFileSync(local, remote);
    const fd = openSync(remote, 'r+');
    writeSync(fd, Buffer.from([original[SIZE - 1]! ^ 0xff]), 0, 1, SIZE - 1);
    closeSync(fd);
    const r = await check({ jumpboxFiles });
    expect(r.status).toBe('fail');
    expect(r.evidence).toContain('copy: different bytes (same size)');
    writeFileSync(remote, Buffer.concat([original, Buffer.from('x')]));
    expect((await check({ jumpboxFiles })).evidence).toContain(`copy: larger (${SIZE + 1} bytes`);
  });

  it('compares nothing where the jumpbox files are not at hand (instructor mode), and says why when one is missing', async () => {
    truncateSync(remote, 10);
    const r = await check({});
    expect(r.status).toBe('pass');
    expect(r.findings.some((f) => f.property === 'sameAs')).toBe(false);
    const missing = await check({ jumpboxFiles: new LocalFileDigests(join(dir, 'nowhere')) });
    expect(missing.status).toBe('pass');
    expect(missing.evidence).toMatch(/jumpbox: downloads\/controller\/kube-apiserver: ENOENT at .*, so not compared/);
  });

  it('hashes an unchanged server file once per session, and again as soon as it changes', async () => {
    copyFileSync(local, remote);
    const serverDigests = new ServerDigestMemo();
    const spy = recording(executor);
    expect((await check({ jumpboxFiles, serverDigests }, spy)).status).toBe('pass');
    expect(spy.scripts[0]).not.toMatch(/echo '[0-9a-f]{64}'/);
    expect((await check({ jumpboxFiles, serverDigests }, spy)).status).toBe('pass');
    // The second batch carries the known hash for this file's signature instead of reading it.
    expect(spy.scripts[1]).toMatch(/echo '[0-9a-f]{64}'/);
    // Same size, other bytes: the signature (mtime, ctime) moves, so it is hashed again.
    const fd = openSync(remote, 'r+');
    writeSync(fd, Buffer.from([original[0]! ^ 0xff]), 0, 1, 0);
    closeSync(fd);
    const r = await check({ jumpboxFiles, serverDigests }, spy);
    expect(r.status).toBe('fail');
    expect(r.evidence).toContain('copy: different bytes (same size)');
  });

  it('hashes with sha256sum on a server without openssl', async () => {
    copyFileSync(local, remote);
    // A PATH with the tools the gather uses, but no openssl.
    const bin = join(dir, 'bin-no-openssl');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['stat', 'sha256sum', 'cut', 'head']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
    const bare = new LocalExecutor({ env: { PATH: bin } });
    const r = await check({ jumpboxFiles }, bare);
    expect(r.status).toBe('pass');
    expect(r.evidence).toContain('copy: identical');
    truncateSync(remote, 5);
    expect((await check({ jumpboxFiles }, bare)).evidence).toContain(`copy: truncated (5 of ${SIZE} bytes)`);
  });

  it('reads a jumpbox file again when it changed', async () => {
    const files = new LocalFileDigests(jumpbox);
    const first = await files.facts('downloads/controller/kube-apiserver');
    const other = join(jumpbox, 'other');
    writeFileSync(other, 'a');
    const a = await files.facts(other);
    writeFileSync(other, 'b');
    const b = await files.facts(other);
    expect(first).toMatchObject({ kind: 'file', size: SIZE });
    expect(a.kind === 'file' && b.kind === 'file' && a.sha256 !== b.sha256).toBe(true);
  });
});

describe("the chapter's copy and install checks", () => {
  const course = loadCourse(defaultLessonsDir());
  const step = (id: string) => course.pages.flatMap((p) => p.steps).find((s) => s.id === id)!;

  it('page 1 and page 2 name a truncated binary as a copy cut short (not a wrong architecture)', async () => {
    // The chapter's paths, rooted in this test's folders: /root -> server, ~/kubernetes-the-hard-way -> jumpbox.
    const jumpboxFiles = new LocalFileDigests(jumpbox);
    for (const [stepId, checkId, want] of [
      ['copy-files', 'kube-apiserver', 'truncated-copy'],
      ['install-binaries', 'apiserver-bin', 'truncated-binary'],
    ] as const) {
      const s = step(stepId);
      const chapter = s.checks.find((c) => c.id === checkId)!;
      expect(chapter.kind === 'file' && chapter.sameAs).toBe('downloads/controller/kube-apiserver');
      if (chapter.kind !== 'file') throw new Error('not a file check');
      const rooted = CheckSpec.parse({ ...chapter, path: remote, or: [], owner: undefined });
      writeFileSync(remote, original.subarray(0, 4096));
      chmodSync(remote, 0o755);
      const { checks } = await runBatch(executor, [{ id: checkId, spec: rooted }], [], { jumpboxFiles });
      const result = { ...checks[0]!, checkId, where: 'server' as const };
      expect(result.status).toBe('fail');
      // Even with the kernel's "Exec format error" from running the cut binary in the evidence.
      const version = { ...result, checkId: 'apiserver-version', findings: [{ property: 'stdout', expected: 'Kubernetes v1.32', found: 'Exec format error', ok: false }], evidence: 'Exec format error' };
      expect(matchDiagnostics(s.diagnostics, { checks: [result, version], probes: [], run: null })).toEqual([want]);
    }
  });
});
