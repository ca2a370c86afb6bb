// The class checked through the REAL `ansible` (Debian's), against real sshd instances: the
// batch printed by `check --emit-script`, run by `ansible all -m script` with the json callback,
// and judged by `instructor --ansible-results` must say exactly what the live `instructor`
// says for the same servers: reach, each step's status, the step each student is on. One host
// is down; one prints terminal escapes and markup. Ansible's own config, home and temp
// directories are ours, so the machine's Ansible settings cannot change the outcome.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classCli, runIn, writeClassCourse, type CliRun as Run } from '../helpers/class-course.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';

let home: string;
let ahead: Sshd, early: Sshd, fresh: Sshd, down: Sshd;

const run = (file: string, args: string[], env: NodeJS.ProcessEnv, timeout?: number) => runIn(home, file, args, env, timeout);
const cli = (args: string[]) => classCli(home)(args);

// Step three prints terminal escapes, a bare \r and markup when it passes: framing must survive
// Ansible's terminal (which turns every \n into \r\n) and the judgement must match the live one.
const STEPS = `page: class
steps:
  - id: one
    where: server
    checks:
      - { kind: command, readOnly: true, run: 'test -f "$HOME/one" && echo done', stdout: { equals: done } }
      - { kind: file, path: /etc/hostname }
    hints: [h]
  - id: two
    where: server
    checks:
      - { kind: command, readOnly: true, run: 'test -f "$HOME/two" && echo done', stdout: { equals: done } }
      - { kind: command, run: 'touch "$HOME/written"; echo done', stdout: { equals: done } }
    hints: [h]
  - id: three
    where: server
    checks:
      - { kind: command, readOnly: true, run: 'test -f "$HOME/three" && printf "\\033]0;pwned\\007\\033[31m<img src=x onerror=alert(1)>\\r\\ndone\\n"', stdout: { contains: done } }
    hints: [h]
`;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'kthw-ansible-'));
  writeClassCourse(home, STEPS);
  [ahead, early, fresh, down] = await Promise.all([startSshd(), startSshd(), startSshd(), startSshd()]);
  for (const f of ['one', 'two', 'three']) writeFileSync(join(ahead.dir, 'home', f), '');
  writeFileSync(join(early.dir, 'home', 'one'), '');
  await down.pause();

  const knownHosts = join(home, 'known_hosts');
  writeFileSync(knownHosts, [ahead, early, fresh, down].map((s) => `${s.knownHostsLine}\n`).join(''));
  writeFileSync(
    join(home, 'ssh_config'),
    `Host *\n  UserKnownHostsFile ${knownHosts}\n  GlobalKnownHostsFile none\n  IdentityAgent none\n  ConnectTimeout 3\n`,
  );
  // One inventory for both: the live instructor reads it as its roster, Ansible as its inventory.
  const host = (name: string, s: Sshd) =>
    `${name} ansible_host=127.0.0.1 ansible_port=${s.port} ansible_user=root ansible_ssh_private_key_file=${s.clientKeyPath}`;
  writeFileSync(
    join(home, 'inventory.ini'),
    [
      '[class]',
      host('kim-minjun', ahead),
      host('sam-early', early),
      host('fresh', fresh),
      host('down', down),
      '',
      '[all:vars]',
      // Host keys are checked against our file: nothing is trusted blindly, by ssh or by Ansible.
      `ansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=5'`,
      // The test sshd has no sftp subsystem; piped is what Ansible would fall back to, without the warnings.
      'ansible_ssh_transfer_method=piped',
      '',
    ].join('\n'),
  );
}, 60_000);
afterAll(async () => {
  await Promise.all([ahead, early, fresh, down].map((s) => s?.stop()));
  if (home) rmSync(home, { recursive: true, force: true });
});

/** ansible with nothing of this machine's: an empty config file, our HOME and temp directories. */
async function ansible(script: string, out: string): Promise<Run> {
  const dir = join(home, 'ansible');
  for (const d of ['home', 'local', 'remote']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'ansible.cfg'), '');
  const r = await run('ansible', ['all', '-i', join(home, 'inventory.ini'), '-m', 'script', '-a', script], {
    PATH: process.env.PATH ?? '',
    HOME: join(dir, 'home'),
    LANG: 'C.UTF-8',
    ANSIBLE_CONFIG: join(dir, 'ansible.cfg'),
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_LOCAL_TEMP: join(dir, 'local'),
    ANSIBLE_REMOTE_TEMP: join(dir, 'remote'),
    ANSIBLE_STDOUT_CALLBACK: 'json',
    // Without it, ad-hoc `ansible` ignores ANSIBLE_STDOUT_CALLBACK and prints its plain format.
    ANSIBLE_LOAD_CALLBACK_PLUGINS: '1',
    ANSIBLE_NOCOLOR: '1',
  });
  writeFileSync(out, r.stdout);
  return r;
}

interface Row {
  name: string;
  reach: { kind: string; reason?: string };
  currentStep?: string | null;
  steps: Record<string, { status: string }>;
}
const rows = (json: string) => (JSON.parse(json) as { students: Row[] }).students;
/** What must agree: reach, each step's status, the current step. */
const verdict = (r: Row) => ({
  name: r.name,
  reach: r.reach.kind,
  currentStep: r.currentStep ?? null,
  steps: Object.fromEntries(Object.entries(r.steps).map(([id, s]) => [id, s.status])),
});

describe('instructor through Ansible', () => {
  it('emit-script, ansible -m script, --ansible-results: the same verdicts as the live instructor', async () => {
    const emitted = await cli(['check', '--emit-script']);
    expect(emitted.code, emitted.stderr).toBe(0);
    const header = /^# kthw-tutor batch ([0-9a-f]{18}) page 1$/m.exec(emitted.stdout);
    expect(header).not.toBeNull();
    // Emitting again gives the same script: results can be read by a later run of the tutor.
    expect((await cli(['check', '--emit-script'])).stdout).toBe(emitted.stdout);
    const script = join(home, 'batch.sh');
    writeFileSync(script, emitted.stdout);

    const results = join(home, 'results.json');
    const a = await ansible(script, results);
    expect(a.code).toBe(4); // ansible's own code: some host was unreachable
    const raw = JSON.parse(readFileSync(results, 'utf8')) as {
      plays: Array<{ tasks: Array<{ hosts: Record<string, { stdout?: string; unreachable?: boolean }> }> }>;
    };
    const hosts = raw.plays[0]!.tasks[0]!.hosts;
    expect(Object.keys(hosts).sort()).toEqual(['down', 'fresh', 'kim-minjun', 'sam-early']);
    expect(hosts.down!.unreachable).toBe(true);
    // Ansible ran the script on a terminal: every newline came back as \r\n.
    expect(hosts['kim-minjun']!.stdout).toContain(`\r\n@@kthw:${header![1]}:done:all\r\n`);

    const inventory = join(home, 'inventory.ini');
    const live = await cli(['instructor', inventory, '--export', 'json', '--timeout', '10']);
    expect(live.code, live.stderr).toBe(0);
    const viaAnsible = await cli(['instructor', inventory, '--ansible-results', results, '--export', 'json']);
    expect(viaAnsible.code, viaAnsible.stderr).toBe(0);
    const withoutRoster = await cli(['instructor', '--ansible-results', results, '--export', 'json']);
    expect(withoutRoster.code, withoutRoster.stderr).toBe(0);

    const expected = rows(live.stdout).map(verdict);
    // The live run is what it should be, so agreeing with it means something.
    expect(expected).toEqual([
      { name: 'kim-minjun', reach: 'ok', currentStep: null, steps: { one: 'passed', two: 'passed', three: 'passed' } },
      { name: 'sam-early', reach: 'ok', currentStep: 'two', steps: expect.objectContaining({ one: 'passed', two: 'failing' }) },
      // One of step one's two checks passes (/etc/hostname): in progress, not failing.
      { name: 'fresh', reach: 'ok', currentStep: 'one', steps: expect.objectContaining({ one: 'in-progress' }) },
      { name: 'down', reach: 'unreachable', currentStep: null, steps: { one: 'unreachable', two: 'unreachable', three: 'unreachable' } },
    ]);
    expect(rows(viaAnsible.stdout).map(verdict)).toEqual(expected);
    // Without a roster the hosts come from the results, in the order Ansible wrote them.
    const byName = (list: Row[]) => Object.fromEntries(list.map((r) => [r.name, verdict(r)]));
    expect(byName(rows(withoutRoster.stdout))).toEqual(byName(rows(live.stdout)));

    // The unreachable host carries Ansible's reason, as text.
    const downRow = rows(viaAnsible.stdout).find((r) => r.name === 'down')!;
    expect(downRow.reach.reason).toMatch(/Connection refused/);
    // Nothing a server printed reaches the report raw; the check that writes never ran.
    expect(viaAnsible.stdout).not.toContain('\u001b');
    expect(viaAnsible.stdout).not.toContain('\\u001b');
    for (const s of [ahead, early, fresh]) expect(existsSync(join(s.dir, 'home', 'written'))).toBe(false);
  }, 240_000);

  it('the script runs under dash and frames every check', async () => {
    const emitted = await cli(['check', '--emit-script', '--page', '1']);
    expect(emitted.code, emitted.stderr).toBe(0);
    const nonce = /^# kthw-tutor batch ([0-9a-f]{18}) page 1$/m.exec(emitted.stdout)![1]!;
    const file = join(home, 'page1.sh');
    writeFileSync(file, emitted.stdout);
    const r = await run('dash', [file], { PATH: process.env.PATH ?? '', HOME: join(ahead.dir, 'home') });
    expect(r.code).toBe(0);
    // Four read-only checks (the one that writes is left out), each begun and ended.
    expect(r.stdout.match(new RegExp(`^@@kthw:${nonce}:end:`, 'gm'))).toHaveLength(4);
    expect(r.stdout).toContain(`@@kthw:${nonce}:done:all`);
    expect(existsSync(join(ahead.dir, 'home', 'written'))).toBe(false);
  }, 60_000);

  it('results that are not Ansible JSON: the file named, what to do, exit 2, no stack', async () => {
    const plain = join(home, 'plain.txt');
    writeFileSync(plain, 'kim-minjun | CHANGED => {\n    "changed": true\n}\n');
    const r = await cli(['instructor', '--ansible-results', plain, '--export', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${plain}: `);
    expect(r.stderr).toContain('ANSIBLE_LOAD_CALLBACK_PLUGINS=1');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const missing = await cli(['instructor', '--ansible-results', join(home, 'nope.json'), '--export', 'json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json: cannot read the Ansible results (ENOENT)');
  }, 60_000);
});
