// Bad local state (issue 9, item 5), through the real CLI against a real sshd: a partly bad
// progress file, one that cannot be read (a directory, or permission denied), a damaged one that
// cannot be moved aside, key files that cannot be used, and an unexpected failure. Each case
// asserts the message (file and what to do), the exit code, and that progress is intact.
// Tests run as root, which reads any file: permission cases run the CLI as `nobody` (setpriv).
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressFileName } from '../../src/progress/paths.js';
import { writeMiniCourse } from '../helpers/mini-course.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { startInTmux, type TmuxSession } from '../helpers/tmux.js';
import { logFault } from '../helpers/fault-log.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = pathToFileURL(createRequire(join(repo, 'package.json')).resolve('tsx')).href;
const NOBODY = 65534;
const NOGROUP = 65534;
const asRoot = process.getuid?.() === 0;

let sshd: Sshd;
let root: string;
let course: string;
let serverWork: string;
let target: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The CLI as a learner runs it, with its own state dir; `nobody` drops root first. */
function cli(args: string[], opts: { home: string; state: string; nobody?: boolean; nodeArgs?: string[] }): Promise<Run> {
  // ssh reads the passwd home, not $HOME: the config is named (as the learner may with --ssh-config).
  const config = args.includes('--ssh-config') ? [] : ['--ssh-config', join(opts.home, '.ssh', 'config')];
  const node = [...(opts.nodeArgs ?? []), '--import', tsx, join(repo, 'src', 'cli.tsx'), '--lessons', course, ...config, ...args];
  const [file, argv] = opts.nobody
    ? ['setpriv', ['--reuid', String(NOBODY), '--regid', String(NOGROUP), '--clear-groups', process.execPath, ...node]]
    : [process.execPath, node];
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      file,
      argv,
      { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: opts.home, XDG_STATE_HOME: opts.state, LANG: 'C.UTF-8' }, timeout: 40_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

/** A home with ~/.ssh/config for the test sshd; `owner` makes it another user's. */
function makeHome(name: string, options: { identityFile?: string; port?: number; owner?: number; connectTimeout?: number } = {}): string {
  const home = join(root, name);
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, '.ssh', 'known_hosts'), `${sshd.knownHostsLine}\n`);
  writeFileSync(
    join(home, '.ssh', 'config'),
    [
      'Host server',
      '  HostName 127.0.0.1',
      `  Port ${options.port ?? sshd.port}`,
      '  User root',
      `  IdentityFile ${options.identityFile ?? sshd.clientKeyPath}`,
      '  IdentitiesOnly yes',
      '  IdentityAgent none',
      `  UserKnownHostsFile ${join(home, '.ssh', 'known_hosts')}`,
      '  GlobalKnownHostsFile none',
      `  ConnectTimeout ${options.connectTimeout ?? 5}`,
      '',
    ].join('\n'),
  );
  if (options.owner !== undefined) {
    for (const p of [home, join(home, '.ssh'), join(home, '.ssh', 'config'), join(home, '.ssh', 'known_hosts')]) chownSync(p, options.owner, options.owner);
  }
  return home;
}

const progressDirOf = (state: string) => join(state, 'kthw-tutor', 'progress');
const progressFileOf = (state: string) => join(progressDirOf(state), progressFileName(target));
const at = '2026-02-01T10:00:00.000Z';
const record = (steps: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  JSON.stringify({ version: 1, target: { user: 'root', host: '127.0.0.1', port: sshd.port }, updatedAt: at, steps, ...over }, null, 2) + '\n';
const passed = { firstPassedAt: at, lastCheckedAt: at, attempts: 1, hintsUsed: 0 };

/** No line of a Node stack trace. */
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+[:(]\d+/m);

beforeAll(async () => {
  sshd = await startSshd({ encryptedKey: true });
  root = mkdtempSync(join(tmpdir(), 'kthw-localstate-'));
  chmodSync(root, 0o755); // `nobody` must reach the course and its home
  course = join(root, 'course');
  serverWork = join(root, 'server');
  writeMiniCourse(course, serverWork);
  // Every check of the mini course passes: the exit code then shows only what local state does.
  mkdirSync(join(serverWork, 'etc'), { recursive: true });
  writeFileSync(join(serverWork, 'etc', 'app.conf'), 'hello\n', { mode: 0o600 });
  target = `root@127.0.0.1:${sshd.port}`;
});
afterAll(async () => {
  await sshd?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a partly bad progress file', () => {
  it('check keeps the valid steps, says what was dropped (text and JSON), keeps the original aside; exit code from checks only', async () => {
    const home = makeHome('home-salvage');
    const state = join(root, 'state-salvage');
    mkdirSync(progressDirOf(state), { recursive: true, mode: 0o700 });
    const file = progressFileOf(state);
    const original = record({
      'make-dir': passed,
      'write-config': { ...passed, attempts: -3 },
      'read-back': 'passed yesterday',
      'retired-step': { ...passed, hintsUsed: 2 },
    });
    writeFileSync(file, original, { mode: 0o600 });

    const r = await cli(['check', '--json'], { home, state });
    logFault('progress file: one bad field, one bad step (check)', r.ms, `exit ${r.code}; valid steps kept, original aside, dropped parts listed`);
    expect(r.code, r.stderr).toBe(0); // every check passed; the damaged file does not change that
    noStack(r.stderr);
    const report = JSON.parse(r.stdout) as { ok: boolean; notices: Array<Record<string, unknown>> };
    expect(report.ok).toBe(true);
    expect(report.notices).toHaveLength(1);
    const notice = report.notices[0]!;
    expect(notice).toMatchObject({
      kind: 'salvaged',
      file,
      kept: ['make-dir', 'write-config', 'retired-step'],
      dropped: [
        { path: 'steps.write-config.attempts', step: 'write-config' },
        { path: 'steps.read-back', step: 'read-back' },
      ],
    });
    const movedTo = notice.movedTo as string;
    expect(movedTo).toMatch(/\.corrupt-.+\.json$/);
    expect(notice.text).toContain('steps.write-config.attempts');
    expect(notice.text).toContain('steps.read-back (the whole step)');
    expect(notice.text).toContain(movedTo);

    // Nothing lost: the original byte for byte, and the kept steps still passed on record.
    expect(readFileSync(movedTo, 'utf8')).toBe(original);
    const now = JSON.parse(readFileSync(file, 'utf8')) as { steps: Record<string, { firstPassedAt?: string; hintsUsed?: number }> };
    expect(now.steps['make-dir']?.firstPassedAt).toBe(at);
    expect(now.steps['write-config']?.firstPassedAt).toBe(at);
    expect(now.steps['retired-step']).toMatchObject({ firstPassedAt: at, hintsUsed: 2 });
    expect(now.steps['read-back']?.firstPassedAt).toBeDefined(); // passed again in this check

    // Said once: the next check finds a clean file and says nothing.
    const again = await cli(['check'], { home, state });
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('! ');
    expect(readdirSync(progressDirOf(state)).filter((f) => f.includes('.corrupt-'))).toHaveLength(1);
  });

  it('the text report says it in a line of its own, in Korean too', async () => {
    const home = makeHome('home-salvage-ko');
    const state = join(root, 'state-salvage-ko');
    mkdirSync(progressDirOf(state), { recursive: true, mode: 0o700 });
    writeFileSync(progressFileOf(state), record({ 'make-dir': passed, 'write-config': { ...passed, firstPassedAt: 'yesterday' } }));
    const r = await cli(['check', '--lang', 'ko'], { home, state });
    expect(r.code, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('! '));
    expect(line).toContain('steps.write-config.firstPassedAt');
    expect(line).toContain('.corrupt-');
    expect(line).toContain('보관했습니다');
  });

  it('a newer format version is moved aside whole and said (not salvaged)', async () => {
    const home = makeHome('home-newer');
    const state = join(root, 'state-newer');
    mkdirSync(progressDirOf(state), { recursive: true, mode: 0o700 });
    const original = record({ 'make-dir': passed }, { version: 2 });
    writeFileSync(progressFileOf(state), original);
    const r = await cli(['check', '--json'], { home, state });
    logFault('progress file: newer format version (check)', r.ms, `exit ${r.code}; moved aside whole, said`);
    expect(r.code, r.stderr).toBe(0);
    const notice = (JSON.parse(r.stdout) as { notices: Array<Record<string, string>> }).notices[0]!;
    expect(notice).toMatchObject({ kind: 'corrupt', file: progressFileOf(state), reason: expect.stringMatching(/version/) });
    expect(readFileSync(notice.movedTo!, 'utf8')).toBe(original);
  });
});

describe('a progress file that cannot be read', () => {
  it('a directory at its path: a report line naming it and what to do; nothing saved over it; exit from checks', async () => {
    const home = makeHome('home-eisdir');
    const state = join(root, 'state-eisdir');
    const file = progressFileOf(state);
    mkdirSync(file, { recursive: true });
    writeFileSync(join(file, 'something'), 'kept');
    const r = await cli(['check'], { home, state });
    logFault('progress file is a directory (check)', r.ms, `exit ${r.code}; report line names it, nothing saved`);
    expect(r.code, r.stderr).toBe(0);
    noStack(r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('! '));
    expect(lines).toEqual([`! Your progress file ${file} is a directory, not a file, so no progress was loaded. The tutor keeps working but saves nothing this time. Move it away (mv ${file} ${file}.old), then start the tutor again.`]);
    expect(r.stdout).toContain('3 passed');
    expect(statSync(file).isDirectory()).toBe(true);
    expect(readdirSync(file)).toEqual(['something']);
    expect(readdirSync(progressDirOf(state))).toEqual([progressFileName(target)]);

    const json = await cli(['check', '--json'], { home, state });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { notices: unknown[] }).notices).toEqual([
      { kind: 'unreadable', file, code: 'EISDIR', text: expect.stringContaining(`mv ${file} ${file}.old`) },
    ]);
  });

  it.skipIf(!asRoot)('permission denied (run as nobody): said with the file and what to do; the file is left exactly as it was', async () => {
    const home = makeHome('home-eacces', { owner: NOBODY });
    copyFileSync(sshd.clientKeyPath, join(home, '.ssh', 'id'));
    chownSync(join(home, '.ssh', 'id'), NOBODY, NOGROUP);
    chmodSync(join(home, '.ssh', 'id'), 0o600);
    writeFileSync(join(home, '.ssh', 'config'), readFileSync(join(home, '.ssh', 'config'), 'utf8').replace(sshd.clientKeyPath, join(home, '.ssh', 'id')));
    const state = join(home, 'state');
    const dir = progressDirOf(state);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const p of [state, join(state, 'kthw-tutor'), dir]) chownSync(p, NOBODY, NOGROUP);
    const file = progressFileOf(state);
    const original = record({ 'make-dir': passed });
    writeFileSync(file, original, { mode: 0o600 }); // root's own file in nobody's writable dir

    const r = await cli(['check', '--json'], { home, state, nobody: true });
    logFault('progress file unreadable, EACCES (check as nobody)', r.ms, `exit ${r.code}; report line names it, file untouched`);
    expect(r.code, r.stderr).toBe(0);
    noStack(r.stderr);
    const report = JSON.parse(r.stdout) as { ok: boolean; notices: Array<Record<string, string>> };
    expect(report.ok).toBe(true);
    expect(report.notices).toHaveLength(1); // one message, not a second "cannot save" one
    expect(report.notices[0]).toMatchObject({ kind: 'unreadable', file, code: 'EACCES' });
    expect(report.notices[0]!.text).toContain(`Your progress file ${file} cannot be read (permission denied)`);
    expect(report.notices[0]!.text).toContain(`chmod 600 ${file}`);
    // Steps passed in this check, but nothing replaced the file it could not read.
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(statSync(file).uid).toBe(0);
    expect(readdirSync(dir)).toEqual([progressFileName(target)]);
  });

  it.skipIf(!asRoot)('damaged and its directory not writable (run as nobody): said, the file left as it was, the valid steps still used', async () => {
    const home = makeHome('home-stuck', { owner: NOBODY });
    copyFileSync(sshd.clientKeyPath, join(home, '.ssh', 'id'));
    chownSync(join(home, '.ssh', 'id'), NOBODY, NOGROUP);
    writeFileSync(join(home, '.ssh', 'config'), readFileSync(join(home, '.ssh', 'config'), 'utf8').replace(sshd.clientKeyPath, join(home, '.ssh', 'id')));
    const state = join(home, 'state');
    const dir = progressDirOf(state);
    mkdirSync(dir, { recursive: true, mode: 0o755 }); // root's: nobody reads, cannot rename
    const file = progressFileOf(state);
    const original = record({ 'make-dir': passed, 'write-config': { ...passed, hintsUsed: -1 } });
    writeFileSync(file, original, { mode: 0o644 });

    const r = await cli(['check', '--json'], { home, state, nobody: true });
    logFault('progress file damaged, directory not writable (check as nobody)', r.ms, `exit ${r.code}; said, file untouched`);
    expect(r.code, r.stderr).toBe(0);
    noStack(r.stderr);
    const notices = (JSON.parse(r.stdout) as { notices: Array<Record<string, string>> }).notices;
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'unreadable', file, code: 'EACCES', damaged: 'steps.write-config.hintsUsed' });
    expect(notices[0]!.text).toContain(`Make ${dir} writable to you`);
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(readdirSync(dir)).toEqual([progressFileName(target)]);
  });
});

describe('the app with a progress file it cannot read', () => {
  let tmux: TmuxSession | undefined;
  afterAll(() => tmux?.kill());

  it('starts and keeps working (no exit at start), and says it again when the learner quits', async () => {
    const home = makeHome('home-app-eisdir');
    const state = join(home, 'state');
    const file = progressFileOf(state);
    mkdirSync(file, { recursive: true });
    const started = Date.now();
    tmux = startInTmux({
      command: [process.execPath, '--import', tsx, join(repo, 'src', 'cli.tsx'), '--lessons', course, '--lang', 'en', '--ssh-config', join(home, '.ssh', 'config')],
      env: { HOME: home, XDG_STATE_HOME: state, TERM: 'xterm-256color', LANG: 'C.UTF-8', NO_COLOR: '1', PATH: process.env.PATH ?? '' },
      cwd: repo, // tsx finds the JSX settings in the repo's tsconfig
      columns: 100,
      rows: 40,
    });
    // Checked on the server: the app is up and working despite the file.
    const squeeze = (text: string) => text.replace(/\s+/g, '');
    const said = squeeze('is a directory, not a file, so no progress was loaded');
    // Up, checked on the server, and the message still on screen after the checks' own notices.
    await tmux.waitFor((screen) => /Checked \d+ steps in/.test(screen) && squeeze(screen).includes(said), 50_000);
    logFault('progress file is a directory (app start)', Date.now() - started, 'app up and checking, message stays; said again on quit');
    tmux.send('q');
    const after = await tmux.waitFor((screen) => screen.includes('Pane is dead') || screen.includes('kthw-tutor:'), 20_000);
    // The pane shows no scrollback: its first row may have scrolled off when tmux said the pane died.
    const flat = after.replace(/\n/g, '');
    expect(flat).toContain(`${progressFileName(target)} is a directory, not a file`);
    expect(flat).toContain(`mv ${file} ${file}.old`);
    noStack(after);
    expect(statSync(file).isDirectory()).toBe(true);
  });
});

describe('a key that cannot be used is named as the cause', () => {
  const progressUntouched = async (name: string, identityFile: string, opts: { nobody?: boolean } = {}) => {
    const home = makeHome(name, { identityFile, ...(opts.nobody ? { owner: NOBODY } : {}) });
    const state = join(home, 'state');
    mkdirSync(progressDirOf(state), { recursive: true, mode: 0o700 });
    if (opts.nobody) for (const p of [state, join(state, 'kthw-tutor'), progressDirOf(state)]) chownSync(p, NOBODY, NOGROUP);
    const original = record({ 'make-dir': passed });
    writeFileSync(progressFileOf(state), original, { mode: 0o600 });
    if (opts.nobody) chownSync(progressFileOf(state), NOBODY, NOGROUP);
    const r = await cli(['check'], { home, state, ...opts });
    logFault(`identity file: ${name.replace('home-', '')} (check)`, r.ms, `exit ${r.code}; real cause named`);
    expect(readFileSync(progressFileOf(state), 'utf8')).toBe(original);
    noStack(r.stderr);
    return r;
  };

  it('an encrypted key and no one to type its passphrase: names the key and ssh-add, exit 3', async () => {
    const key = sshd.encryptedKeyPath!;
    const r = await progressUntouched('home-enc', key);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`The key ${key} needs its passphrase and none was given, so no key was offered to 127.0.0.1.`);
    expect(r.stderr).toContain(`ssh-add ${key}`);
    expect(r.stderr).not.toContain('did not accept');
    expect(r.stderr).not.toContain('ssh-copy-id');
  });

  it('the key path is a directory: says so, exit 3', async () => {
    const key = join(root, 'key-is-dir');
    mkdirSync(key, { recursive: true });
    const r = await progressUntouched('home-keydir', key);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`The key file ${key} could not be read (it is a directory, not a file)`);
    expect(r.stderr).not.toContain('ssh-copy-id');
  });

  it.skipIf(!asRoot)('a key only root may read (run as nobody): permission denied named, with chmod, exit 3', async () => {
    const key = join(root, 'root-only-key');
    copyFileSync(sshd.clientKeyPath, key);
    chmodSync(key, 0o600);
    const r = await progressUntouched('home-keyperm', key, { nobody: true });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`The key file ${key} could not be read (permission denied), so no key was offered to 127.0.0.1.`);
    expect(r.stderr).toContain(`chmod 600 ${key}`);
    expect(r.stderr).not.toContain('ssh-copy-id');
  });
});

describe('an unexpected failure', () => {
  let silent: Server;
  let silentPort: number;
  beforeAll(async () => {
    // Accepts and never speaks: `check` is still connecting when the fault is injected.
    silent = createServer(() => {});
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    silentPort = (silent.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((done) => silent.close(() => done())));

  // Injected into the real CLI once it is running (its handlers are installed), not a mock.
  const inject = (event: string, fault: string) =>
    `data:text/javascript,const t=setInterval(()=>{if(process.listenerCount(${JSON.stringify(event)})>0){clearInterval(t);${fault}}},5)`;

  it.each([
    ['an uncaught exception', inject('uncaughtException', 'throw new TypeError("injected fault")'), /^kthw-tutor: internal error: injected fault \(a bug in kthw-tutor: .*KTHW_DEBUG=1.*\)\n$/],
    ['an unhandled rejection', inject('unhandledRejection', 'Promise.reject(new Error("injected fault\\nsecond line"))'), /^kthw-tutor: injected fault\n$/],
  ])('%s: one line on stderr, no stack, exit 1; progress untouched', async (_, fault, message) => {
    const home = makeHome(`home-fault-${_.split(' ')[1]}`, { port: silentPort, connectTimeout: 30 });
    const state = join(home, 'state');
    mkdirSync(progressDirOf(state), { recursive: true, mode: 0o700 });
    const file = join(progressDirOf(state), progressFileName(`root@127.0.0.1:${silentPort}`));
    const original = record({ 'make-dir': passed }, { target: { user: 'root', host: '127.0.0.1', port: silentPort } });
    writeFileSync(file, original);
    const r = await cli(['check'], { home, state, nodeArgs: ['--import', fault] });
    logFault(`${_} in the CLI (check)`, r.ms, `exit ${r.code}; one line`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.ms).toBeLessThan(25_000); // the failure ended it, not the 30 s connect timeout
    expect(readFileSync(file, 'utf8')).toBe(original);
  });

  it('an error from main (an ssh config that is a directory): the same one line, exit 1', async () => {
    const home = makeHome('home-cfgdir');
    const state = join(home, 'state');
    const r = await cli(['check', '--ssh-config', join(root, 'course')], { home, state });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kthw-tutor: ${join(root, 'course')}: cannot read this ssh config\n`);
  });
});
