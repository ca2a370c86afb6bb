import { readFileSync } from 'node:fs';
import path from 'node:path';
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lang, Translate } from '../../src/i18n/types.js';
import { ConnectError, type ConnectFailure } from '../../src/remote/connect-error.js';
import { describeConfigWarning, explainConfigError, explainConnectError, removeKeyCommand } from '../../src/remote/explain.js';
import { SshConfigError } from '../../src/remote/ssh-config.js';

const root = path.join(import.meta.dirname, '..', '..');
const locale = (lang: Lang) => JSON.parse(readFileSync(path.join(root, 'locales', lang, 'remote.json'), 'utf8')) as object;

const translators = {} as Record<Lang, Translate>;
beforeAll(async () => {
  for (const lng of ['ko', 'en'] as const) {
    const instance = i18next.createInstance();
    await instance.init({
      lng,
      resources: { [lng]: { remote: locale(lng) } },
      ns: ['remote'],
      defaultNS: 'remote',
      interpolation: { escapeValue: false },
    });
    translators[lng] = (key, params) => instance.t(key, { ...params });
  }
});

function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}

it('ko and en remote.json have exactly the same keys', () => {
  expect(keyPaths(locale('ko')).sort()).toEqual(keyPaths(locale('en')).sort());
});

const where = { host: '10.240.0.10', port: 22, jump: false };
const known = { keyType: 'ssh-ed25519', fingerprint: 'SHA256:oldoldold', file: '/home/learner/.ssh/known_hosts', line: 7 };
const failures: ConnectFailure[] = [
  { ...where, kind: 'dns', code: 'ENOTFOUND' },
  { ...where, kind: 'refused' },
  { ...where, kind: 'timeout', afterSec: 15, phase: 'connect' },
  { ...where, kind: 'timeout', afterSec: 15, phase: 'handshake' },
  { ...where, kind: 'unreachable', code: 'EHOSTUNREACH' },
  {
    ...where,
    kind: 'auth',
    user: 'root',
    tried: [
      { method: 'agent', socket: '/tmp/agent', keys: 2 },
      { method: 'key', path: '/home/learner/.ssh/id_ed25519' },
    ],
    skipped: [{ path: '/home/learner/.ssh/id_rsa', reason: 'missing' }],
    serverMethods: ['password'],
  },
  { ...where, kind: 'auth', user: 'root', tried: [], skipped: [] },
  { ...where, kind: 'auth', user: 'root', tried: [], skipped: [{ path: '/k/id_ed25519', reason: 'unreadable', error: 'EACCES' }] },
  { ...where, kind: 'auth', user: 'root', tried: [], skipped: [{ path: '/k/id_enc', reason: 'encrypted-no-prompt' }] },
  { ...where, kind: 'auth', user: 'root', tried: [], skipped: [{ path: '/k/id_enc', reason: 'passphrase-declined' }] },
  {
    ...where,
    kind: 'host-key-unknown',
    keyType: 'ssh-ed25519',
    fingerprint: 'SHA256:newnewnew',
    keyBlob: Buffer.alloc(0),
    knownHostsFile: '/home/learner/.ssh/known_hosts',
    hashKnownHosts: true,
    strict: false,
    otherKeys: [{ ...known, keyType: 'ssh-rsa', fingerprint: 'SHA256:rsarsarsa' }],
  },
  { ...where, kind: 'host-key-changed', keyType: 'ssh-ed25519', fingerprint: 'SHA256:newnewnew', known },
  { ...where, kind: 'host-key-revoked', keyType: 'ssh-ed25519', fingerprint: 'SHA256:newnewnew', known },
  { ...where, kind: 'passphrase', keyPath: '/home/learner/.ssh/id_ed25519' },
  { ...where, kind: 'disconnected', message: 'Keepalive timeout' },
  { ...where, kind: 'other', message: 'Connection lost before handshake' },
];

describe.each(['ko', 'en'] as const)('explainConnectError in %s', (lang) => {
  it.each(failures.map((f) => [`${f.kind}${f.kind === 'timeout' ? `/${f.phase}` : ''}`, f] as const))(
    '%s: says why and what to do, with every value filled in',
    (_name, failure) => {
      const { why, todo } = explainConnectError(new ConnectError(failure), translators[lang], 'server');
      for (const text of [why, todo]) {
        expect(text.length).toBeGreaterThan(10);
        expect(text).not.toMatch(/\{\{|\}\}|remote:|error\.\w+\.\w+/);
      }
      expect(why).toContain(failure.kind === 'passphrase' ? failure.keyPath : failure.host);
    },
  );

  it('a changed key shows both fingerprints, the file:line and the exact removal command', () => {
    const changed = failures.find((f) => f.kind === 'host-key-changed')!;
    const { why, todo } = explainConnectError(changed, translators[lang]);
    expect(why).toContain('SHA256:newnewnew');
    expect(why).toContain('SHA256:oldoldold');
    expect(why).toContain('/home/learner/.ssh/known_hosts:7');
    expect(todo).toContain('ssh-keygen -R 10.240.0.10 -f /home/learner/.ssh/known_hosts');
  });

  it('an auth failure lists what was tried and what was skipped', () => {
    const { why } = explainConnectError(failures.find((f) => f.kind === 'auth')!, translators[lang]);
    expect(why).toContain('/home/learner/.ssh/id_ed25519');
    expect(why).toContain('ssh-agent');
    expect(why).toContain('/home/learner/.ssh/id_rsa');
    expect(why).toContain('password');
  });

  it('an unreadable key or a missing passphrase is the headline when no key was offered, not ssh-copy-id', () => {
    const auth = (skipped: Extract<ConnectFailure, { kind: 'auth' }>['skipped'], tried: Extract<ConnectFailure, { kind: 'auth' }>['tried'] = []) =>
      explainConnectError({ ...where, kind: 'auth', user: 'root', tried, skipped }, translators[lang], 'server');
    const refused = auth([]);
    const unreadable = auth([
      { path: '/k/missing', reason: 'missing' },
      { path: '/k/id_ed25519', reason: 'unreadable', error: 'EACCES' },
    ]);
    expect(unreadable.why).not.toBe(refused.why);
    expect(unreadable.why.startsWith(refused.why.split(' ')[0]!)).toBe(false);
    expect(unreadable.why).toContain('/k/id_ed25519');
    expect(unreadable.why).toContain(lang === 'en' ? 'permission denied' : '권한 없음');
    expect(unreadable.why).toContain('/k/missing'); // the other skips are still listed
    expect(unreadable.todo).toContain('chmod 600 /k/id_ed25519');
    expect(unreadable.todo).not.toContain('ssh-copy-id');
    const isDir = auth([{ path: '/k/dir', reason: 'unreadable', error: 'EISDIR' }]);
    expect(isDir.why).toContain(lang === 'en' ? 'it is a directory' : '디렉터리');
    for (const reason of ['encrypted-no-prompt', 'passphrase-declined'] as const) {
      const { why, todo } = auth([{ path: '/k/id_enc', reason }]);
      expect(why).toContain('/k/id_enc');
      expect(why).not.toContain(refused.why);
      expect(todo).toContain('ssh-add /k/id_enc');
      expect(todo).not.toContain('ssh-copy-id');
    }
  });

  it('keys offered and refused: still "not accepted", and the key that could not be used comes first in what to do', () => {
    const { why, todo } = explainConnectError(
      {
        ...where,
        kind: 'auth',
        user: 'root',
        tried: [{ method: 'key', path: '/k/other' }],
        skipped: [{ path: '/k/id_enc', reason: 'passphrase-declined' }],
      },
      translators[lang],
      'server',
    );
    const plain = explainConnectError({ ...where, kind: 'auth', user: 'root', tried: [], skipped: [] }, translators[lang], 'server');
    expect(why.startsWith(plain.why.split('.')[0]!)).toBe(true);
    expect(why).toContain('/k/id_enc');
    expect(todo.indexOf('ssh-add /k/id_enc')).toBeGreaterThanOrEqual(0);
    expect(todo.indexOf('ssh-add /k/id_enc')).toBeLessThan(todo.indexOf('ssh-copy-id root@server'));
  });

  it('says when the failure was on the jump host', () => {
    const jump = explainConnectError({ ...where, host: 'bastion', jump: true, kind: 'refused' }, translators[lang]);
    const direct = explainConnectError({ ...where, host: 'bastion', kind: 'refused' }, translators[lang]);
    expect(jump.why).toContain('bastion:22');
    expect(direct.why).not.toContain('bastion:22');
    expect(jump.why.endsWith(direct.why)).toBe(true);
  });

  it('explains config errors and warnings with file and line', () => {
    const err = new SshConfigError('bad-port', '/home/learner/.ssh/config', 4, 'Port', 'eighty', 'x');
    const { why, todo } = explainConfigError(err, translators[lang]);
    expect(why).toContain('/home/learner/.ssh/config:4');
    expect(why).toContain('eighty');
    expect(todo).toContain('ssh -G server');
    const warning = describeConfigWarning(
      { file: '/c', line: 2, code: 'option-unsupported', keyword: 'ProxyCommand' },
      translators[lang],
    );
    expect(warning).toContain('/c:2');
    expect(warning).toContain('ProxyCommand');
  });
});

it('quotes the [host]:port name in the ssh-keygen -R command (it is a shell glob otherwise)', () => {
  expect(removeKeyCommand('127.0.0.1', 2222, '/root/.ssh/known_hosts')).toBe(
    "ssh-keygen -R '[127.0.0.1]:2222' -f /root/.ssh/known_hosts",
  );
  expect(removeKeyCommand('server', 22, "/tmp/it's here")).toBe(`ssh-keygen -R server -f '/tmp/it'\\''s here'`);
});
