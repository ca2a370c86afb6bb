// The connection pool against a real sshd: one connection for many execs, at most 8 channels
// at once (proved on the server side), reconnecting after a drop, state events.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError } from '../../src/remote/connect-error.js';
import { ConnectionPool, type ConnectionEvent } from '../../src/remote/pool.js';
import { targetKey, type ResolvedTarget } from '../../src/remote/ssh-config.js';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

let sshd: Sshd;
let target: ResolvedTarget;
let pool: ConnectionPool;
let events: ConnectionEvent[];

beforeAll(async () => {
  sshd = await startSshd();
  target = await targetFor(sshd);
});
afterAll(async () => {
  await sshd?.stop();
});

function newPool(): ConnectionPool {
  pool = new ConnectionPool();
  events = [];
  pool.subscribe((e) => events.push(e));
  return pool;
}
afterEach(async () => {
  await pool?.closeAll();
});

describe('ConnectionPool', () => {
  it('runs many execs over ONE connection (sshd logs one login)', async () => {
    const executor = newPool().executor(target);
    const before = sshd.acceptedLogins();
    for (let i = 0; i < 10; i++) expect((await executor.exec(`echo ${i}`)).stdout).toBe(`${i}\n`);
    await Promise.all(Array.from({ length: 10 }, (_, i) => executor.exec(`echo ${i}`)));
    expect(sshd.acceptedLogins() - before).toBe(1);
    expect(pool.stats(target)).toMatchObject({ connects: 1, open: true, activeChannels: 0, queued: 0 });
    expect(executor.label).toBe(targetKey(target));
    expect(events.map((e) => e.state)).toEqual(['connecting', 'connected']);
  });

  it('opens at most 8 channels at once and queues the rest (counted on the server)', async () => {
    const executor = newPool().executor(target);
    const dir = `${sshd.dir}/running`;
    // Each command marks itself running, counts the marks, holds, then unmarks.
    const command = `mkdir -p ${dir} && touch ${dir}/$$ && ls ${dir} | wc -l && sleep 0.3; rm -f ${dir}/$$`;
    const results = await Promise.all(Array.from({ length: 20 }, () => executor.exec(command)));
    const seen = results.map((r) => Number(r.stdout.trim()));
    expect(results.every((r) => r.code === 0)).toBe(true);
    expect(Math.max(...seen)).toBeLessThanOrEqual(8);
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(4); // it did run in parallel
    expect(pool.stats(target)?.peakChannels).toBe(8);
  });

  it('reconnects on demand after the server drops the connection, telling subscribers', async () => {
    const executor = newPool().executor(target);
    await executor.exec('true');
    const before = sshd.acceptedLogins();
    // Kill this session's sshd process: the connection under the pool goes away mid-exec.
    const dropped = await executor.exec('kill -TERM $PPID; sleep 5').catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(ConnectError);
    expect((dropped as ConnectError).kind).toBe('disconnected');
    for (let i = 0; i < 100 && pool.stats(target)?.open; i++) await new Promise((r) => setTimeout(r, 10));

    expect((await executor.exec('echo again')).stdout).toBe('again\n');
    expect(sshd.acceptedLogins() - before).toBe(1);
    expect(pool.stats(target)?.connects).toBe(2);
    expect(events.map((e) => e.state)).toEqual(['connecting', 'connected', 'closed', 'connecting', 'connected']);
    expect(events[2]).toMatchObject({ state: 'closed', reason: expect.any(String) });
  });

  it('shares one connection attempt between callers that arrive together', async () => {
    const p = newPool();
    const before = sshd.acceptedLogins();
    const [a, b, c] = await Promise.all([p.connect(target), p.connect(target), p.connect(target)]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(sshd.acceptedLogins() - before).toBe(1);
  });

  it('reports a failed connect as an event and a ConnectError from exec', async () => {
    const executor = newPool().executor({ ...target, hostName: 'name.invalid' });
    await expect(executor.exec('true')).rejects.toMatchObject({ kind: 'dns' });
    expect(events.map((e) => e.state)).toEqual(['connecting', 'failed']);
  });

  it('close() ends the connection; the next exec opens a new one', async () => {
    const executor = newPool().executor(target);
    await executor.exec('true');
    const connection = await pool.connect(target);
    await pool.close(targetKey(target));
    expect(connection.isOpen()).toBe(false);
    expect(pool.stats(target)).toBeUndefined();
    expect(events.at(-1)).toEqual({ key: targetKey(target), state: 'closed' });
    expect((await executor.exec('echo back')).stdout).toBe('back\n');
  });

  it('keeps handshakes in flight under maxHandshakes, counted on the server while still unauthenticated', async () => {
    // One sshd on 12 loopback addresses: 12 targets the pool cannot tell apart. Its only source
    // of authorized keys is a command that counts the logins in progress, then waits 0.3 s, so
    // concurrent handshakes overlap and are seen (MaxStartups counts the same connections).
    const addresses = Array.from({ length: 12 }, (_, i) => `127.0.0.${i + 2}`);
    const mark = mkdtempSync(path.join(tmpdir(), 'kthw-handshakes-'));
    const count = `touch ${mark}/$$; ls ${mark} | wc -l >> ${mark}.counts; sleep 0.3; rm -f ${mark}/$$; cat ${mark}.keys`;
    const crowded = await startSshd({
      extraConfig: [
        ...addresses.map((a) => `ListenAddress ${a}`),
        `AuthorizedKeysCommand /bin/sh -c "${count}"`,
        'AuthorizedKeysCommandUser root',
        'AuthorizedKeysFile none',
      ],
    });
    const peakOnServer = () => {
      const seen = readFileSync(`${mark}.counts`, 'utf8').split('\n').filter(Boolean).map(Number);
      rmSync(`${mark}.counts`);
      return Math.max(...seen);
    };
    try {
      copyFileSync(path.join(crowded.dir, 'authorized_keys'), `${mark}.keys`);
      const knownHostsFile = path.join(crowded.dir, 'known_hosts_all');
      writeFileSync(knownHostsFile, addresses.map((a) => `[${a}]:${crowded.port} ${crowded.hostKeyPub}\n`).join(''));
      const targets: ResolvedTarget[] = [];
      for (const a of addresses) targets.push(await targetFor(crowded, { knownHostsFile, extra: [`HostName ${a}`] }));

      const bounded = new ConnectionPool({ maxHandshakes: 3 });
      await Promise.all(targets.map((t) => bounded.connect(t)));
      await bounded.closeAll();
      expect(bounded.handshakePeak).toBe(3);
      expect(peakOnServer()).toBe(3);

      // The same with room for all: the server sees them all at once (the limit is ours).
      const wide = new ConnectionPool({ maxHandshakes: 12 });
      await Promise.all(targets.map((t) => wide.connect(t)));
      await wide.closeAll();
      expect(peakOnServer()).toBeGreaterThan(3);
    } finally {
      await crowded.stop();
      rmSync(mark, { recursive: true, force: true });
      rmSync(`${mark}.keys`, { force: true });
    }
  });
});
