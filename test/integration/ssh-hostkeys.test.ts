// Host key checking against a real sshd: trust on first use (refuse, ask, record, reconnect),
// a changed key, a revoked key, and the StrictHostKeyChecking modes.
import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError, type ConnectFailure } from '../../src/remote/connect-error.js';
import { connectSsh, trustHostKey } from '../../src/remote/connect.js';
import { SshExecutor } from '../../src/remote/ssh-executor.js';
import type { ResolvedTarget } from '../../src/remote/ssh-config.js';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

const run = promisify(execFile);
let sshd: Sshd;

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

async function failureOf(target: ResolvedTarget): Promise<ConnectFailure> {
  try {
    const connection = await connectSsh(target);
    connection.close();
  } catch (err) {
    if (err instanceof ConnectError) return err.failure;
    throw err;
  }
  throw new Error('expected the connection to fail');
}

async function echoOver(target: ResolvedTarget): Promise<string> {
  const connection = await connectSsh(target);
  try {
    return (await SshExecutor.forConnection(connection).exec('echo connected')).stdout;
  } finally {
    connection.close();
  }
}

// In order (tests in a file run one after another): the first trusts the key the second sees change.
describe('trust on first use', () => {
  // A directory that does not exist yet: trusting must create it (0700) and the file (0600).
  const knownHostsFile = () => path.join(sshd.dir, 'fresh-home', '.ssh', 'known_hosts');
  let oldFingerprint = '';

  it('refuses an unknown key with the fingerprint ssh-keygen shows, then records it on request', async () => {
    const target = await targetFor(sshd, { knownHostsFile: knownHostsFile() });
    const failure = await failureOf(target);
    expect(failure).toMatchObject({
      kind: 'host-key-unknown',
      host: '127.0.0.1',
      port: sshd.port,
      keyType: 'ssh-ed25519',
      fingerprint: sshd.hostKeyFingerprint,
      knownHostsFile: knownHostsFile(),
      strict: false,
      otherKeys: [],
    });
    await expect(stat(knownHostsFile())).rejects.toThrow(); // nothing written before the learner agrees

    if (failure.kind !== 'host-key-unknown') return;
    const line = await trustHostKey(failure);
    expect(line.startsWith('|1|')).toBe(true); // hashed, as HashKnownHosts yes would write it
    expect((await stat(knownHostsFile())).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(knownHostsFile()))).mode & 0o777).toBe(0o700);

    // OpenSSH itself finds the entry we wrote.
    const found = await run('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', knownHostsFile()]);
    expect(found.stdout).toContain(`found: line 1`);
    expect(found.stdout).toContain(sshd.hostKeyPub.split(' ')[1]);

    expect(await echoOver(target)).toBe('connected\n');
    oldFingerprint = sshd.hostKeyFingerprint;
  });

  it('refuses a changed key with both fingerprints and the old entry, writing nothing', async () => {
    const before = await readFile(knownHostsFile(), 'utf8');
    await sshd.restartWithNewHostKey();
    expect(sshd.hostKeyFingerprint).not.toBe(oldFingerprint);

    const failure = await failureOf(await targetFor(sshd, { knownHostsFile: knownHostsFile() }));
    expect(failure).toMatchObject({
      kind: 'host-key-changed',
      keyType: 'ssh-ed25519',
      fingerprint: sshd.hostKeyFingerprint,
      known: { fingerprint: oldFingerprint, file: knownHostsFile(), line: 1 },
    });
    expect(await readFile(knownHostsFile(), 'utf8')).toBe(before);
  });
});

describe('other host key states', () => {
  it('refuses a key marked @revoked, even when it is also listed as trusted', async () => {
    const file = path.join(sshd.dir, 'known_hosts_revoked');
    await writeFile(file, `# revoked below\n${sshd.knownHostsLine}\n@revoked * ${sshd.hostKeyPub}\n`);
    const failure = await failureOf(await targetFor(sshd, { knownHostsFile: file }));
    expect(failure).toMatchObject({
      kind: 'host-key-revoked',
      fingerprint: sshd.hostKeyFingerprint,
      known: { file, line: 3 },
    });
  });

  it('refuses as changed a host known only with another key type, even with accept-new (as ssh 9.2 does)', async () => {
    // ssh: "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! ... Offending ECDSA key in FILE:1".
    const file = path.join(sshd.dir, 'known_hosts_ecdsa');
    const fixture = path.join(import.meta.dirname, '..', 'fixtures', 'known-hosts', 'host_ecdsa.pub');
    const ecdsa = (await readFile(fixture, 'utf8')).split(' ').slice(0, 2).join(' ');
    await writeFile(file, `[127.0.0.1]:${sshd.port} ${ecdsa}\n`);
    for (const mode of ['ask', 'accept-new']) {
      const failure = await failureOf(await targetFor(sshd, { knownHostsFile: file, extra: [`StrictHostKeyChecking ${mode}`] }));
      expect(failure).toMatchObject({
        kind: 'host-key-changed',
        keyType: 'ssh-ed25519',
        fingerprint: sshd.hostKeyFingerprint,
        known: { keyType: 'ecdsa-sha2-nistp256', file, line: 1 },
      });
    }
    expect(await readFile(file, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${ecdsa}\n`);
  });

  it('StrictHostKeyChecking accept-new records a new key by itself (plain when HashKnownHosts no)', async () => {
    const file = path.join(sshd.dir, 'known_hosts_accept_new');
    const target = await targetFor(sshd, { knownHostsFile: file, extra: ['StrictHostKeyChecking accept-new', 'HashKnownHosts no'] });
    expect(await echoOver(target)).toBe('connected\n');
    expect(await readFile(file, 'utf8')).toBe(`${sshd.knownHostsLine}\n`);
  });

  it('StrictHostKeyChecking yes refuses an unknown key and will not record it', async () => {
    const file = path.join(sshd.dir, 'known_hosts_strict');
    const failure = await failureOf(await targetFor(sshd, { knownHostsFile: file, extra: ['StrictHostKeyChecking yes'] }));
    expect(failure).toMatchObject({ kind: 'host-key-unknown', strict: true });
    if (failure.kind === 'host-key-unknown') await expect(trustHostKey(failure)).rejects.toThrow(/StrictHostKeyChecking/);
    await expect(stat(file)).rejects.toThrow();
  });
});
