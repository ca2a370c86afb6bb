// The session's view of the server: connecting asks about an unknown host key through the
// prompts, records it only on "yes", and explains a refusal in the learner's language.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import i18next from 'i18next';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Translate } from '../../src/i18n/types.js';
import { ConnectionPool } from '../../src/remote/pool.js';
import { SshServerLink, type HostKeyQuestion } from '../../src/remote/server-link.js';
import type { ServerLink } from '../../src/tutor/session.js';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

let sshd: Sshd;
let pool: ConnectionPool;
let t: Translate;

beforeAll(async () => {
  sshd = await startSshd();
  const instance = i18next.createInstance();
  const en = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'locales', 'en', 'remote.json'), 'utf8'));
  await instance.init({ lng: 'en', resources: { en: { remote: en } }, interpolation: { escapeValue: false } });
  t = (key, params) => instance.t(key, { ...params });
});
afterEach(async () => {
  await pool?.closeAll();
});
afterAll(async () => {
  await sshd?.stop();
});

async function link(knownHostsFile: string): Promise<ServerLink> {
  pool = new ConnectionPool();
  return new SshServerLink(pool, await targetFor(sshd, { knownHostsFile }));
}

function prompts(answer: boolean, questions: HostKeyQuestion[]) {
  return {
    confirmHostKey: async (q: HostKeyQuestion) => (questions.push(q), answer),
    askPassphrase: async () => undefined,
  };
}

it('declining the unknown key leaves known_hosts alone and explains what to check', async () => {
  const file = path.join(sshd.dir, 'declined', 'known_hosts');
  const questions: HostKeyQuestion[] = [];
  const outcome = await (await link(file)).connect(prompts(false, questions), t);
  expect(questions).toEqual([{ host: '127.0.0.1', port: sshd.port, keyType: 'ssh-ed25519', fingerprint: sshd.hostKeyFingerprint }]);
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) {
    expect(outcome.why).toContain(sshd.hostKeyFingerprint);
    expect(outcome.todo).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
  }
  await expect(stat(file)).rejects.toThrow();
});

it('accepting records the key, connects, and the next connect asks nothing', async () => {
  const file = path.join(sshd.dir, 'accepted', 'known_hosts');
  const questions: HostKeyQuestion[] = [];
  const server = await link(file);
  expect(await server.connect(prompts(true, questions), t)).toEqual({ ok: true });
  expect(questions).toHaveLength(1);
  expect((await server.executor().exec('echo hi')).stdout).toBe('hi\n');
  await server.close();

  const again = await link(file);
  expect(await again.connect(prompts(false, questions), t)).toEqual({ ok: true });
  expect(questions).toHaveLength(1);
});
