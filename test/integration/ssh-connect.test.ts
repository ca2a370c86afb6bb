// Connecting for real: how each failure is classified, encrypted keys, ssh-agent, ProxyJump.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError, type ConnectFailure } from '../../src/remote/connect-error.js';
import { connectSsh, type ConnectOptions } from '../../src/remote/connect.js';
import { SshExecutor } from '../../src/remote/ssh-executor.js';
import type { ResolvedTarget } from '../../src/remote/ssh-config.js';
import { keygen, startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

const run = promisify(execFile);
let sshd: Sshd;

beforeAll(async () => {
  sshd = await startSshd({ encryptedKey: true });
});
afterAll(async () => {
  await sshd?.stop();
});

async function failureOf(target: ResolvedTarget, options?: ConnectOptions): Promise<ConnectFailure> {
  try {
    (await connectSsh(target, options)).close();
  } catch (err) {
    if (err instanceof ConnectError) return err.failure;
    throw err;
  }
  throw new Error('expected the connection to fail');
}

async function whoami(target: ResolvedTarget, options?: ConnectOptions): Promise<string> {
  const connection = await connectSsh(target, options);
  try {
    return (await SshExecutor.forConnection(connection).exec('id -un')).stdout.trim();
  } finally {
    connection.close();
  }
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('failures are classified', () => {
  it("auth: a key the server does not know, listing what was tried and what was missing", async () => {
    const stranger = path.join(sshd.dir, 'stranger_ed25519');
    await keygen(stranger, '');
    const missing = path.join(sshd.dir, 'no_such_key');
    const target = await targetFor(sshd, { identityFile: stranger, extra: [`IdentityFile ${missing}`] });
    const failure = await failureOf(target);
    expect(failure).toMatchObject({
      kind: 'auth',
      user: 'root',
      tried: [{ method: 'key', path: stranger }],
      skipped: [{ path: missing, reason: 'missing' }],
    });
  });

  it('refused: nothing listens on the port', async () => {
    const target = await targetFor(sshd);
    target.port = await closedPort();
    expect(await failureOf(target)).toMatchObject({ kind: 'refused', host: '127.0.0.1', port: target.port, jump: false });
  });

  it('dns: a name under .invalid never resolves (answered locally, nothing leaves)', async () => {
    const target = await targetFor(sshd);
    target.hostName = 'name.invalid';
    expect(await failureOf(target)).toMatchObject({ kind: 'dns', host: 'name.invalid', code: 'ENOTFOUND' });
  });

  it('timeout: a listener that never speaks SSH, after ConnectTimeout', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const target = await targetFor(sshd, { extra: [] });
      target.port = (silent.address() as net.AddressInfo).port;
      target.connectTimeoutSec = 1;
      expect(await failureOf(target)).toMatchObject({ kind: 'timeout', phase: 'handshake', afterSec: 1 });
    } finally {
      silent.close();
    }
  });
});

describe('encrypted keys', () => {
  it('asks for the passphrase through the callback and logs in with it', async () => {
    const asked: string[] = [];
    const target = await targetFor(sshd, { identityFile: sshd.encryptedKeyPath! });
    const user = await whoami(target, { askPassphrase: async (keyPath) => (asked.push(keyPath), sshd.passphrase) });
    expect(user).toBe('root');
    expect(asked).toEqual([sshd.encryptedKeyPath]);
  });

  it("a wrong passphrase is a 'passphrase' failure naming the key", async () => {
    const target = await targetFor(sshd, { identityFile: sshd.encryptedKeyPath! });
    const failure = await failureOf(target, { askPassphrase: async () => 'not it' });
    expect(failure).toMatchObject({ kind: 'passphrase', keyPath: sshd.encryptedKeyPath });
  });

  it('a declined prompt skips the key, and the next key is tried', async () => {
    const target = await targetFor(sshd, { identityFile: sshd.encryptedKeyPath!, extra: [`IdentityFile ${sshd.clientKeyPath}`] });
    expect(await whoami(target, { askPassphrase: async () => undefined })).toBe('root');
    const alone = await targetFor(sshd, { identityFile: sshd.encryptedKeyPath! });
    expect(await failureOf(alone, { askPassphrase: async () => undefined })).toMatchObject({
      kind: 'auth',
      tried: [],
      skipped: [{ path: sshd.encryptedKeyPath, reason: 'passphrase-declined' }],
    });
  });
});

describe('ssh-agent', () => {
  let agent: ChildProcess | undefined;
  let socket = '';

  beforeAll(async () => {
    socket = path.join(sshd.dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const listed = await run('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: socket } }).catch((e: { code?: number }) => e);
      if ((listed as { code?: number }).code === 1) break; // "The agent has no identities."
      await new Promise((r) => setTimeout(r, 20));
    }
    // Load the passphrase-protected key: the agent holds it decrypted, so no prompt is needed.
    const decrypted = path.join(sshd.dir, 'agent_key');
    await copyFile(sshd.encryptedKeyPath!, decrypted);
    await run('ssh-keygen', ['-q', '-p', '-P', sshd.passphrase, '-N', '', '-f', decrypted]);
    await run('ssh-add', ['-q', decrypted], { env: { SSH_AUTH_SOCK: socket } });
    await rm(decrypted);
  });
  afterAll(() => {
    agent?.kill();
  });

  it('authenticates with a key held only by the agent', async () => {
    const target = await targetFor(sshd, { identityFile: path.join(sshd.dir, 'no_such_key'), extra: [`IdentityAgent ${socket}`] });
    let asked = false;
    expect(await whoami(target, { askPassphrase: async () => ((asked = true), undefined) })).toBe('root');
    expect(asked).toBe(false);
  });

  it('with IdentitiesOnly, offers only agent keys that match an IdentityFile', async () => {
    const other = path.join(sshd.dir, 'other_ed25519');
    await keygen(other, '');
    const target = await targetFor(sshd, { identityFile: other, extra: [`IdentityAgent ${socket}`, 'IdentitiesOnly yes'] });
    const failure = await failureOf(target);
    expect(failure).toMatchObject({
      kind: 'auth',
      tried: [
        { method: 'agent', socket, keys: 0 },
        { method: 'key', path: other },
      ],
    });
    // The agent's key is the encrypted one's pair: pointing IdentityFile at it (its .pub is there) works.
    const matching = await targetFor(sshd, {
      identityFile: sshd.encryptedKeyPath!,
      extra: [`IdentityAgent ${socket}`, 'IdentitiesOnly yes'],
    });
    expect(await whoami(matching)).toBe('root');
  });
});

describe('ProxyJump', () => {
  const jumpBlock = (identityFile = sshd.clientKeyPath) => [
    'Host jump',
    '  HostName 127.0.0.1',
    `  Port ${sshd.port}`,
    '  User root',
    `  IdentityFile ${identityFile}`,
    `  UserKnownHostsFile ${path.join(sshd.dir, 'known_hosts')}`,
    '  GlobalKnownHostsFile none',
    '  IdentityAgent none',
  ];

  it('reaches the target through the jump host (the target sees sshd, not us, as its client)', async () => {
    const target = await targetFor(sshd, { extra: ['ProxyJump jump'], after: jumpBlock() });
    expect(target.proxyJump).toMatchObject({ alias: 'jump', hostName: '127.0.0.1', user: 'root' });
    const logins = sshd.acceptedLogins();
    const connection = await connectSsh(target);
    try {
      expect(sshd.acceptedLogins() - logins).toBe(2);
      const r = await SshExecutor.forConnection(connection).exec('echo $SSH_CONNECTION');
      const clientPort = r.stdout.trim().split(' ')[1];
      // Who owns the client end of the target's TCP connection? sshd, forwarding for the jump.
      const owner = await run('ss', ['-tnpH', 'state', 'established', `( sport = :${clientPort} )`]);
      expect(owner.stdout).toContain('sshd');
      expect(owner.stdout).not.toContain('node');
    } finally {
      connection.close();
    }
    await connection.closed;
  });

  it('marks a failure on the jump host itself as jump', async () => {
    const stranger = path.join(sshd.dir, 'stranger_jump_ed25519');
    await keygen(stranger, '');
    const target = await targetFor(sshd, { extra: ['ProxyJump jump'], after: jumpBlock(stranger) });
    expect(await failureOf(target)).toMatchObject({ kind: 'auth', jump: true, tried: [{ method: 'key', path: stranger }] });
  });

  it('reports a target the jump host cannot reach as refused (the jump host says so)', async () => {
    const target = await targetFor(sshd, { extra: ['ProxyJump jump'], after: jumpBlock() });
    target.port = await closedPort();
    expect(await failureOf(target)).toMatchObject({ kind: 'refused', port: target.port, jump: false });
  });
});
