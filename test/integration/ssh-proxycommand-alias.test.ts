// ProxyCommand and HostKeyAlias against a real sshd (issue 9, item 4). The ProxyCommand is a
// small node relay (stdin/stdout <-> TCP), run through the shell with %h %p expanded, as ssh runs it.
// HostKeyAlias: known_hosts lists the key under the bare alias, and trusting writes the alias.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError, type ConnectFailure } from '../../src/remote/connect-error.js';
import { connectSsh, trustHostKey } from '../../src/remote/connect.js';
import { SshExecutor } from '../../src/remote/ssh-executor.js';
import { resolveUserTarget } from '../../src/remote/ssh-config-fs.js';
import type { ResolvedTarget } from '../../src/remote/ssh-config.js';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

const run = promisify(execFile);
let sshd: Sshd;
let relay: string;

beforeAll(async () => {
  sshd = await startSshd();
  relay = path.join(sshd.dir, 'relay.cjs');
  // Also writes its pid, so the test can see it is gone after the connection closes.
  await writeFile(
    relay,
    [
      "const net = require('node:net');",
      "require('node:fs').writeFileSync(process.argv[4], String(process.pid));",
      'const s = net.connect(Number(process.argv[3]), process.argv[2]);',
      'process.stdin.pipe(s); s.pipe(process.stdout);',
      "s.on('error', (e) => { process.stderr.write('relay: ' + e.message + '\\n'); process.exit(7); });",
      "s.on('close', () => process.exit(0));",
    ].join('\n'),
  );
});
afterAll(async () => {
  await sshd?.stop();
});

async function failureOf(target: ResolvedTarget): Promise<ConnectFailure> {
  try {
    (await connectSsh(target)).close();
  } catch (err) {
    if (err instanceof ConnectError) return err.failure;
    throw err;
  }
  throw new Error('expected the connection to fail');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ProxyCommand', () => {
  it('connects through the command (tokens expanded), runs a command, and the command ends with the connection', async () => {
    const pidFile = path.join(sshd.dir, 'relay.pid');
    // The relay's pid file proves the bytes went through it; it dials %h:%p (127.0.0.1:port).
    const target = await targetFor(sshd, { extra: [`ProxyCommand ${process.execPath} ${relay} %h %p ${pidFile}`] });
    expect(target.proxyCommand).toContain('%h %p');
    const connection = await connectSsh(target);
    const pid = Number(await readFile(pidFile, 'utf8'));
    try {
      const out = await SshExecutor.forConnection(connection).exec('echo via-proxy; id -un');
      expect(out.stdout.split('\n').slice(0, 2)).toEqual(['via-proxy', 'root']);
      expect(alive(pid)).toBe(true);
    } finally {
      connection.close();
    }
    await connection.closed;
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive(pid)).toBe(false);
  });

  it('a failing command: the error says so, with its own stderr (sanitized)', async () => {
    // Run as `exec CMD`, as ssh does, so the status is the command's own.
    const target = await targetFor(sshd, { extra: [`ProxyCommand sh -c "echo no route to %h >&2; printf '\\033[31m' >&2; exit 3"`] });
    const failure = await failureOf(target);
    expect(failure.kind).toBe('other');
    const message = (failure as { message: string }).message;
    expect(message).toContain('ProxyCommand exited with status 3');
    expect(message).toContain('no route to 127.0.0.1');
    expect(message).not.toContain('\x1b');
  });

  it('an unknown %-token is refused before anything runs', async () => {
    const target = await targetFor(sshd, { extra: ['ProxyCommand nc %z %p'] });
    const failure = await failureOf(target);
    expect((failure as { message: string }).message).toContain('%z');
  });

  it('ssh -G resolves it too, and the app path connects with it', async () => {
    const pidFile = path.join(sshd.dir, 'relay2.pid');
    const config = path.join(sshd.dir, 'proxy_config');
    const knownHosts = path.join(sshd.dir, 'known_hosts_proxy');
    await writeFile(knownHosts, sshd.knownHostsLine + '\n');
    await writeFile(
      config,
      [
        'Host viaproxy',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        '  User root',
        `  IdentityFile ${sshd.clientKeyPath}`,
        `  UserKnownHostsFile ${knownHosts}`,
        `  ProxyCommand ${process.execPath} ${relay} %h %p ${pidFile}`,
        '  IdentityAgent none',
        '',
      ].join('\n'),
    );
    const target = resolveUserTarget('viaproxy', process.env, config);
    expect(target.resolvedBy).toBe('ssh -G');
    expect(target.proxyCommand).toBe(`${process.execPath} ${relay} %h %p ${pidFile}`);
    const connection = await connectSsh(target);
    try {
      expect((await SshExecutor.forConnection(connection).exec('echo ok')).stdout.trim()).toBe('ok');
    } finally {
      connection.close();
    }
  });
});

describe('HostKeyAlias', () => {
  it('trusts a key recorded under the alias (not under [127.0.0.1]:port), like ssh -o HostKeyAlias', async () => {
    const knownHostsFile = path.join(sshd.dir, 'known_hosts_alias');
    const keyOnly = sshd.hostKeyPub;
    await writeFile(knownHostsFile, `myalias ${keyOnly}\n`);
    const target = await targetFor(sshd, { knownHostsFile, extra: ['HostKeyAlias MyAlias', 'StrictHostKeyChecking yes'] });
    expect(target.hostKeyAlias).toBe('myalias');
    const connection = await connectSsh(target);
    connection.close();
    // OpenSSH agrees on the same files.
    const ssh = await run('ssh', [
      '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHostsFile}`,
      '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'HostKeyAlias=MyAlias', '-i', sshd.clientKeyPath, '-p', String(sshd.port),
      'root@127.0.0.1', 'echo', 'ssh-ok',
    ]);
    expect(ssh.stdout.trim()).toBe('ssh-ok');
  });

  it('a key under [127.0.0.1]:port only is unknown for the alias; trusting records the alias', async () => {
    const knownHostsFile = path.join(sshd.dir, 'known_hosts_alias2');
    await writeFile(knownHostsFile, sshd.knownHostsLine + '\n');
    const target = await targetFor(sshd, { knownHostsFile, extra: ['HostKeyAlias other-alias', 'HashKnownHosts no'] });
    const failure = await failureOf(target);
    expect(failure).toMatchObject({ kind: 'host-key-unknown', knownAs: 'other-alias' });
    if (failure.kind !== 'host-key-unknown') throw new Error('unreachable');
    const line = await trustHostKey(failure);
    expect(line).toBe(`other-alias ${sshd.hostKeyPub}`);
    expect((await readFile(knownHostsFile, 'utf8')).trim().split('\n').at(-1)).toBe(line);
    (await connectSsh(target)).close();
    // ...and OpenSSH trusts what we wrote.
    const ssh = await run('ssh', [
      '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHostsFile}`,
      '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'HostKeyAlias=other-alias', '-i', sshd.clientKeyPath, '-p', String(sshd.port),
      'root@127.0.0.1', 'echo', 'ssh-ok',
    ]);
    expect(ssh.stdout.trim()).toBe('ssh-ok');
  });
});

describe('through ssh -G (the app path)', () => {
  it('ProxyJump hops are resolved by ssh -G each, with HostKeyAlias, and the connection works', async () => {
    const config = path.join(sshd.dir, 'jump_config');
    const knownHosts = path.join(sshd.dir, 'known_hosts_jump');
    // Both hops are this sshd; the target's key is known only under its alias.
    await writeFile(knownHosts, `${sshd.knownHostsLine}\ninner-alias ${sshd.hostKeyPub}\n`);
    await writeFile(
      config,
      [
        'Host Inner',
        '  HostName 127.0.0.1',
        '  HostKeyAlias Inner-Alias',
        `  ProxyJump root@hop:${sshd.port}`,
        'Host hop',
        '  HostName 127.0.0.1',
        'Host *',
        `  Port ${sshd.port}`,
        '  User root',
        `  IdentityFile ${sshd.clientKeyPath}`,
        `  UserKnownHostsFile ${knownHosts}`,
        '  GlobalKnownHostsFile none',
        '  IdentityAgent none',
        '  StrictHostKeyChecking yes',
        '',
      ].join('\n'),
    );
    const target = resolveUserTarget('Inner', process.env, config);
    expect(target).toMatchObject({ resolvedBy: 'ssh -G', hostName: '127.0.0.1', hostKeyAlias: 'inner-alias', user: 'root' });
    expect(target.proxyJump).toMatchObject({ resolvedBy: 'ssh -G', alias: 'hop', hostName: '127.0.0.1', port: sshd.port, user: 'root' });
    const before = sshd.acceptedLogins();
    const connection = await connectSsh(target);
    try {
      expect((await SshExecutor.forConnection(connection).exec('echo through-jump')).stdout.trim()).toBe('through-jump');
    } finally {
      connection.close();
    }
    expect(sshd.acceptedLogins() - before).toBe(2); // the hop, then the target through it
  });
});
