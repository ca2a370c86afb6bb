// Endless or huge files named as SSH files (issue 9): `--ssh-config /dev/zero` and an
// IdentityFile of /dev/zero are refused with a message naming the file, instead of reading
// without end. The CLI runs as a real process; the key case connects to a real sshd.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectError } from '../../src/remote/connect-error.js';
import { connectSsh } from '../../src/remote/connect.js';
import { FileTooBigError } from '../../src/remote/read-capped.js';
import { resolveUserTarget } from '../../src/remote/ssh-config-fs.js';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = pathToFileURL(createRequire(join(repo, 'package.json')).resolve('tsx')).href;
let sshd: Sshd;
let home: string;

beforeAll(async () => {
  sshd = await startSshd();
  home = mkdtempSync(join(tmpdir(), 'kthw-caps-'));
});
afterAll(async () => {
  await sshd?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('files that never end', () => {
  it('--ssh-config /dev/zero: refused, naming the file, with bounded memory', async () => {
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        // A heap far below what reading /dev/zero whole would take: the cap, not luck, ends it.
        ['--max-old-space-size=64', '--import', tsx, join(repo, 'src', 'cli.tsx'), 'check', '--ssh-config', '/dev/zero'],
        { cwd: repo, env: { PATH: process.env.PATH ?? '', HOME: home, XDG_STATE_HOME: join(home, 'state'), LANG: 'C.UTF-8' }, timeout: 30_000 },
        (err, _stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr }),
      );
    });
    expect(stderr).toContain('/dev/zero');
    expect(stderr).toContain('bigger than');
    expect(stderr).not.toMatch(/heap out of memory|\n\s+at /);
    expect(code).not.toBe(0);
  });

  it('the config reader itself throws FileTooBigError', () => {
    expect(() => resolveUserTarget('server', { HOME: home }, '/dev/zero')).toThrow(FileTooBigError);
  });

  it('IdentityFile /dev/zero is skipped as unreadable, and the connection says so', async () => {
    const target = await targetFor(sshd, { identityFile: '/dev/zero' });
    const err = await connectSsh(target).then(
      (c) => {
        c.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect(isConnectError(err)).toBe(true);
    const failure = isConnectError(err) ? err.failure : null;
    expect(failure).toMatchObject({ kind: 'auth', skipped: [{ path: '/dev/zero', reason: 'unreadable' }] });
  });
});
