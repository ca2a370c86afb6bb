// A target is parsed once (as typed) and resolved from what was typed: an ssh_config alias keeps
// its Host block (the lab's `server`: address, key, known_hosts, strict checking), and the session
// hands the typed text back to the `t` form, so accepting it changes nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTarget } from '../../src/cli-args.js';
import { createRuntime, createSession, openTarget } from '../../src/compose.js';

const home = mkdtempSync(join(tmpdir(), 'kthw-target-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const config = join(home, 'ssh_config');
writeFileSync(
  config,
  [
    'Host server',
    '  HostName 10.77.0.10',
    '  User root',
    `  IdentityFile ${home}/lab_key`,
    `  UserKnownHostsFile ${home}/known_hosts`,
    '  StrictHostKeyChecking yes',
    '',
  ].join('\n'),
);
const runtime = createRuntime({
  env: { HOME: home, XDG_STATE_HOME: join(home, 'state'), PATH: process.env.PATH },
  sshConfig: config,
  lessons: join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'courses', 'valid'),
});

describe('openTarget', () => {
  it.each([undefined, 'server', 'root@server'])('%s: resolved through the Host block, shown as typed', (typed) => {
    const opened = openTarget(runtime, typed === undefined ? undefined : parseTarget(typed));
    expect(opened.typed).toBe(typed ?? 'server');
    expect(opened.link.target).toMatchObject({
      alias: 'server',
      hostName: '10.77.0.10',
      identityFiles: [`${home}/lab_key`],
      knownHostsFiles: [`${home}/known_hosts`],
      strictHostKeyChecking: 'yes',
    });
    expect(opened.progress.target).toBe('root@10.77.0.10:22');
    const session = createSession(runtime, opened, 'en');
    expect(session.targetLabel).toBe('root@10.77.0.10:22');
    // What the `t` form starts from: the alias, which resolves to the same server again.
    expect(session.targetTyped).toBe(typed ?? 'server');
    expect(openTarget(runtime, parseTarget(session.targetTyped)).link.target).toEqual(opened.link.target);
  });

  it('the resolved address is another host to ssh: it matches no Host block (why `t` must not offer it)', () => {
    const byAddress = openTarget(runtime, parseTarget('root@10.77.0.10:22'));
    expect(byAddress.link.target.identityFiles).not.toContain(`${home}/lab_key`);
    expect(byAddress.link.target.strictHostKeyChecking).not.toBe('yes');
  });
});
