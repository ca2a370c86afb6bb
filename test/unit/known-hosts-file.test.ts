// known_hosts that cannot be used (issue 9): a directory, unreadable, not writable, its directory
// blocked by a file, or endless (/dev/zero). Each is a KnownHostsFileError naming the file and
// what to do, never a bare errno line; the session says it in the learner's language.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { appendKnownHostsLine, KnownHostsFileError, readKnownHosts } from '../../src/remote/known-hosts-file.js';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'kthw-khf-'));
chmodSync(root, 0o755); // the unprivileged child below must reach its files
afterAll(() => rmSync(root, { recursive: true, force: true }));

const LINE = '[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

async function failure(p: Promise<unknown>): Promise<KnownHostsFileError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KnownHostsFileError);
  return err as KnownHostsFileError;
}

/**
 * Permission errors cannot happen to root: as root, the call runs in a child as `nobody`.
 * Returns the error's problem and message, or 'ok'.
 */
async function unprivileged(call: 'read' | 'append', file: string): Promise<{ problem: string; message: string } | 'ok'> {
  const mod = join(process.cwd(), 'src/remote/known-hosts-file.ts');
  const expr =
    call === 'read' ? `m.readKnownHosts([${JSON.stringify(file)}])` : `m.appendKnownHostsLine(${JSON.stringify(file)}, ${JSON.stringify(LINE)})`;
  const script = `import(${JSON.stringify(mod)}).then((m) => ${expr}).then(() => console.log('"ok"'), (e) => console.log(JSON.stringify({ problem: e.problem, message: e.message })))`;
  const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
  const argv = process.getuid?.() === 0 ? ['setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', tsx, '-e', script]] : [tsx, ['-e', script]];
  const { stdout } = await run(argv[0] as string, argv[1] as string[]);
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('known_hosts files that cannot be used', () => {
  it('a directory where the file should be', async () => {
    const file = join(root, 'dir-known_hosts');
    mkdirSync(file);
    const read = await failure(readKnownHosts([file]));
    expect(read.problem).toBe('is-directory');
    expect(read.message).toContain(file);
    expect(read.message).toContain(`mv ${file} ${file}.old`);
    const append = await failure(appendKnownHostsLine(file, LINE));
    expect(append.problem).toBe('is-directory');
  });

  it('its directory cannot be made because a file is in the way', async () => {
    const blocker = join(root, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const file = join(blocker, 'sub', 'known_hosts');
    const err = await failure(appendKnownHostsLine(file, LINE));
    expect(err.problem).toBe('no-directory');
    expect(err.message).toContain(file);
    expect(err.message).toContain(join(blocker, 'sub'));
    // Reading such a path is "not there yet", as for ssh.
    await expect(readKnownHosts([file])).resolves.toEqual({ entries: [], problems: [] });
  });

  it('an endless file (/dev/zero) is refused instead of read into memory', async () => {
    const err = await failure(readKnownHosts(['/dev/zero']));
    expect(err.problem).toBe('too-big');
    expect(err.message).toContain('/dev/zero');
  });

  it('an unreadable file, and a file in a directory the learner cannot write', async () => {
    const unreadable = join(root, 'unreadable');
    writeFileSync(unreadable, `${LINE}\n`);
    chmodSync(unreadable, 0o000);
    const read = await unprivileged('read', unreadable);
    expect(read).toMatchObject({ problem: 'unreadable' });
    expect(read !== 'ok' && read.message).toContain(`chmod 600 ${unreadable}`);

    const locked = join(root, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    const append = await unprivileged('append', join(locked, 'known_hosts'));
    expect(append).toMatchObject({ problem: 'unwritable' });
    expect(append !== 'ok' && append.message).toContain(join(locked, 'known_hosts'));
  });

  it('a readable file still reads', async () => {
    const file = join(root, 'good');
    await appendKnownHostsLine(file, LINE);
    const parsed = await readKnownHosts([file]);
    expect(parsed.entries).toHaveLength(1);
  });
});

describe('readKnownHosts reuses a parse only while the file is the same', () => {
  const OTHER = '[127.0.0.1]:2223 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

  it('sees a line appended, a file rewritten with the same size, and a file removed', async () => {
    const file = join(root, 'cached_known_hosts');
    writeFileSync(file, `${LINE}\n`);
    const first = await readKnownHosts([file]);
    expect(first.entries).toHaveLength(1);
    expect((await readKnownHosts([file])).entries).toEqual(first.entries);
    await appendKnownHostsLine(file, OTHER);
    expect((await readKnownHosts([file])).entries).toHaveLength(2);
    // Same length, other content (a port digit changed): a new parse, not the old one.
    writeFileSync(file, `${LINE.replace(':2222', ':2224')}\n${OTHER}\n`);
    const rewritten = await readKnownHosts([file]);
    expect(rewritten.entries.map((e) => e.line)).toEqual([1, 2]);
    expect(JSON.stringify(rewritten.entries[0])).toContain('2224');
    rmSync(file);
    expect((await readKnownHosts([file])).entries).toEqual([]);
  });
});
