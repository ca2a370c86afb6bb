// `kthw-tutor --dry-run` as a real process: it prints the chapter's commands and contacts nothing,
// not even `ssh -G` (an `ssh` on PATH that records its calls proves it; `check` with the same
// arguments shows that the recorder and the broken config would have been hit).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = pathToFileURL(createRequire(join(repo, 'package.json')).resolve('tsx')).href;
let home: string;
let calls: string;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', tsx, join(repo, 'src', 'cli.tsx'), ...args],
      {
        cwd: home,
        env: { PATH: `${join(home, 'bin')}:${process.env.PATH ?? ''}`, HOME: home, XDG_STATE_HOME: join(home, 'state'), LANG: 'C.UTF-8' },
        timeout: 30_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'kthw-dry-'));
  calls = join(home, 'ssh-calls');
  mkdirSync(join(home, 'bin'));
  writeFileSync(join(home, 'bin', 'ssh'), `#!/bin/sh\necho "$*" >> '${calls}'\nexit 255\n`);
  chmodSync(join(home, 'bin', 'ssh'), 0o755);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('kthw-tutor --dry-run', () => {
  it('prints page 1 in English and exits 0 with an unreachable target and an ssh config that does not exist', async () => {
    const args = ['--page', '1', '--lang', 'en', '--target', 'root@192.0.2.1', '--ssh-config', join(home, 'nonexistent')];
    const r = await cli(['--dry-run', ...args]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nothing is run and no server is\s+contacted/);
    expect(r.stdout).toContain(`  on the jumpbox, in ${join(home, 'kubernetes-the-hard-way')}:`);
    expect(r.stdout).toMatch(/\n {6}\$ scp downloads\/controller\/kube-apiserver /);
    expect(r.stdout).not.toContain('2/6');
    expect(existsSync(calls)).toBe(false);
    // The same arguments, checking: the config is read and refused.
    const check = await cli(['check', ...args]);
    expect(check.code).not.toBe(0);
    expect(check.stderr).toContain(join(home, 'nonexistent'));
  });

  it('resolves nothing with ssh: the whole chapter in Korean, while check asks ssh -G at once', async () => {
    const r = await cli(['--dry-run', '--lang', 'ko', '--target', 'root@192.0.2.1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('6/6 · ');
    expect(r.stdout).toContain('  server에서 실행, 작업 디렉터리 /root:');
    expect(existsSync(calls)).toBe(false);
    await cli(['check', '--page', '1', '--target', 'root@192.0.2.1']);
    expect(readFileSync(calls, 'utf8')).toContain('-G');
  });

  it('a page beyond the chapter, or a command with it, is a usage error (exit 2)', async () => {
    const r = await cli(['--dry-run', '--page', '99']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/there is no page 99; pages are 1-\d+/);
    const mixed = await cli(['check', '--dry-run']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--dry-run goes alone');
  });
});
