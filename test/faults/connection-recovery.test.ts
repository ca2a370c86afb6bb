// Real connections cut under the app (issue 9, item 2). The sshd child serving the session is
// killed or frozen, the server is down at start, or its traffic is dropped in a network namespace
// this test makes. Each time the app says so in one line, keeps drawing and taking keys, gets the
// connection back by itself when the server returns, and offers to do again what was cut short;
// the progress file keeps everything on record. A declined host key or a wrong passphrase is
// asked again on the next c. And `q` during a run asks, then kills the remote command.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/loader.js';
import { ProgressStore } from '../../src/progress/store.js';
import { ConnectionPool } from '../../src/remote/pool.js';
import { SshServerLink } from '../../src/remote/server-link.js';
import type { TutorSession } from '../../src/tutor/session.js';
import { mountApp } from '../helpers/app.js';
import { writeLongStepCourse } from '../helpers/long-step-course.js';
import { logFault } from '../helpers/fault-log.js';
import { KEYS, type Rendered } from '../helpers/ink.js';
import { pids, ps, until } from '../helpers/processes.js';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

const run = promisify(execFile);
let sshd: Sshd;
let root: string;
const pools: ConnectionPool[] = [];
const mounted: Array<{ r: Rendered; session: TutorSession }> = [];
const markers: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  sshd = await startSshd({ encryptedKey: true });
  root = mkdtempSync(join(tmpdir(), 'kthw-recovery-'));
});
afterEach(async () => {
  for (const m of mounted.splice(0)) {
    m.r.unmount();
    await m.session.close();
  }
  // A remote command the test left behind (only when an assertion failed first): ours, by pid.
  for (const marker of markers.splice(0)) for (const pid of await pids(marker)) process.kill(pid, 'SIGKILL');
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const p of pools) await p.closeAll();
  await sshd?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The per-connection sshd: the ancestor of `pid` whose parent is the listening sshd. */
async function connectionSshd(server: Sshd, pid: number): Promise<number> {
  const listener = join(server.dir, 'sshd_config');
  for (let p = pid; p > 1; ) {
    const parent = Number(await ps(p, 'ppid'));
    if ((await ps(parent, 'args')).includes(listener)) return p;
    p = parent;
  }
  throw new Error(`no sshd connection process above pid ${pid}`);
}

interface MountOptions {
  server?: Sshd;
  /** ssh_config lines for the server's Host block. */
  extra?: string[];
  /** Leave the server's key out of known_hosts (the learner is asked). */
  untrusted?: boolean;
  identityFile?: string;
  /** Leave starting the session to the test. */
  noStart?: boolean;
}

/** A page whose first step passes and whose second runs `sleep <unique>` (the marker to find). */
async function mount(name: string, o: MountOptions = {}) {
  const server = o.server ?? sshd;
  const marker = `30.${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`;
  markers.push(`sleep ${marker}`);
  const courseDir = join(root, name, 'course');
  writeLongStepCourse(courseDir, { id: 'drop', marker });
  const course = loadCourse(courseDir);
  const pool = new ConnectionPool();
  pools.push(pool);
  const knownHostsFile = join(root, `${name}-known_hosts`);
  writeFileSync(knownHostsFile, o.untrusted ? '' : server.knownHostsLine + '\n');
  const target = await targetFor(server, {
    knownHostsFile,
    ...(o.extra ? { extra: o.extra } : {}),
    ...(o.identityFile ? { identityFile: o.identityFile } : {}),
  });
  const stateDir = join(root, name, 'state');
  const progress = new ProgressStore(stateDir, 'root@server');
  let exited = false;
  const { r, session } = mountApp(course, {
    lang: 'en',
    columns: 100,
    rows: 30,
    root,
    server: new SshServerLink(pool, target),
    progress,
    onExit: () => (exited = true),
  });
  mounted.push({ r, session });
  if (!o.noStart) {
    await session.start();
    expect(session.getState().connection.kind).toBe('connected');
  }
  return { r, session, progress, stateDir, marker: `sleep ${marker}`, exited: () => exited };
}

/** Runs the long step with consent; resolves with the pid of its remote `sleep`. */
async function startLongRun(r: Rendered, marker: string): Promise<number> {
  await r.type('r');
  await r.waitFor((s) => s.includes(marker));
  await r.type('y');
  const [sleeper] = await until(async () => {
    const found = await pids(marker);
    return found.length > 0 ? found : null;
  }, 'the remote sleep');
  return sleeper!;
}

/** What a drop mid-run must leave: one line said, no stack, a free step, the record intact. */
async function expectCutShort(r: Rendered, session: TutorSession, stateDir: string, timeoutMs = 10_000) {
  const screen = await r.waitFor((s) => s.includes('The connection was lost while step 2 ran'), timeoutMs);
  expect(screen).not.toMatch(/ConnectError|at .*\.ts:\d+/);
  expect(session.getState().facts.long?.busy).toBeNull();
  // Progress: what was on record is still there, the file reads back without a notice.
  const reread = new ProgressStore(stateDir, 'root@server');
  expect(reread.notice).toBeNull();
  expect(reread.passedSteps()).toContain('first');
  expect(reread.snapshot.steps.long).toBeDefined(); // the attempt was recorded before the run
}

/** Back by itself: the offer to run again is on screen, and c checks on the new connection. */
async function expectBack(r: Rendered, session: TutorSession, timeoutMs = 15_000): Promise<number> {
  const t0 = Date.now();
  await r.waitFor((s) => s.includes('again. Press r to run step 2 again'), timeoutMs);
  const back = Date.now() - t0;
  expect(session.getState().connection.kind).toBe('connected');
  await r.type('c');
  await until(() => session.getState().facts.long?.checks?.[0]?.status === 'fail', 'the check on the new connection');
  expect(unhandled).toEqual([]);
  return back;
}

describe('the connection drops during a step run', () => {
  it('killed sshd child: said in one line, progress intact, back by itself with an offer to run again', async () => {
    const { r, session, stateDir, marker } = await mount('kill');
    const sleeper = await startLongRun(r, marker);
    const t0 = Date.now();
    process.kill(await connectionSshd(sshd, sleeper), 'SIGKILL');
    await expectCutShort(r, session, stateDir);
    const told = Date.now() - t0;
    // Still alive and taking keys.
    await r.type('?');
    await r.waitFor((s) => s.includes('Press Esc or ? to close.'));
    await r.type(KEYS.escape);
    const back = await expectBack(r, session);
    logFault('sshd child killed during a run', told, `said in one line; back by itself ${back} ms later, r offered`);
  });

  it('frozen sshd child (SIGSTOP): the keepalive gives up, the app says so and reconnects', async () => {
    const { r, session, stateDir, marker } = await mount('stop', { extra: ['ServerAliveInterval 1'] });
    const sleeper = await startLongRun(r, marker);
    const child = await connectionSshd(sshd, sleeper);
    process.kill(child, 'SIGSTOP');
    const t0 = Date.now();
    try {
      // Three keepalives unanswered, a second apart.
      await expectCutShort(r, session, stateDir, 10_000);
      const told = Date.now() - t0;
      const back = await expectBack(r, session);
      logFault('sshd child frozen (SIGSTOP), ServerAliveInterval 1', told, `said in one line; back ${back} ms later`);
    } finally {
      process.kill(child, 'SIGCONT');
    }
  });
});

describe('a server that is not there', () => {
  it('down at start: explained, tried again in the background, and the app is back when sshd is', async () => {
    const own = await startSshd();
    try {
      await own.pause();
      const { r, session } = await mount('down', { server: own, noStart: true });
      session.fire(session.start());
      const screen = await r.waitFor((s) => s.includes('trying again in 1 s'));
      expect(screen).toContain('cannot reach');
      // Nothing claimed: the step is unavailable, not failed.
      expect(session.getState().facts.first?.checks?.[0]).toMatchObject({ status: 'error', error: 'offline' });
      const t0 = Date.now();
      await own.start();
      await r.waitFor((s) => s.includes(`Connected to root@${own.host}:${own.port} again.`), 20_000);
      logFault('server down at start', 0, `retried with backoff; back and re-checked ${Date.now() - t0} ms after sshd started`);
      // The page was checked again on the server that came back: the first step passes.
      expect(session.getState().facts.first?.checks?.[0]?.status).toBe('pass');
      expect(unhandled).toEqual([]);
    } finally {
      await own.stop();
    }
  });

  it('a declined host key is not tried again by itself; c asks again and connects', async () => {
    const { r, session } = await mount('declined', { untrusted: true, noStart: true });
    session.fire(session.start());
    await r.waitFor((s) => s.includes(sshd.hostKeyFingerprint));
    await r.type('n');
    await until(() => session.getState().connection.kind === 'failed', 'the failure');
    const failed = session.getState().connection;
    expect(failed.kind === 'failed' && failed.retryInSec).toBeFalsy(); // a person said no: no retries
    await r.type('c');
    await r.waitFor((s) => s.includes(sshd.hostKeyFingerprint));
    await r.type('y');
    await until(() => session.getState().facts.first?.checks?.[0]?.status === 'pass', 'the first step to pass');
    expect(session.getState().connection.kind).toBe('connected');
  });

  it('a wrong passphrase is asked again, saying the last one was wrong', async () => {
    const { r, session } = await mount('passphrase', { identityFile: sshd.encryptedKeyPath!, noStart: true });
    session.fire(session.start());
    await r.waitFor((s) => s.includes(`Passphrase for ${sshd.encryptedKeyPath}`));
    await r.type('not the passphrase');
    await r.type(KEYS.enter);
    await r.waitFor((s) => s.includes('That passphrase did not unlock the key. Try again.'));
    await r.type(sshd.passphrase);
    await r.type(KEYS.enter);
    await until(() => session.getState().connection.kind === 'connected', 'the connection');
    await until(() => session.getState().facts.first?.checks?.[0]?.status === 'pass', 'the first step to pass');
  });
});

describe('traffic dropped in a network namespace', () => {
  const ns = `kthwf${process.pid}`;
  const hostSide = '10.231.77.1';
  const nsSide = '10.231.77.2';
  const ip = (...args: string[]) => run('ip', args);

  it('the app notices, keeps trying while packets vanish, and is back once they flow', async () => {
    // A namespace of our own with one veth pair: nothing outside it is touched.
    await ip('netns', 'add', ns);
    let inner: Sshd | undefined;
    try {
      await ip('link', 'add', `${ns}h`, 'type', 'veth', 'peer', 'name', `${ns}n`);
      await ip('link', 'set', `${ns}n`, 'netns', ns);
      await ip('addr', 'add', `${hostSide}/30`, 'dev', `${ns}h`);
      await ip('link', 'set', `${ns}h`, 'up');
      await ip('-n', ns, 'addr', 'add', `${nsSide}/30`, 'dev', `${ns}n`);
      await ip('-n', ns, 'link', 'set', `${ns}n`, 'up');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      inner = await startSshd({ netns: { name: ns, address: nsSide } });
      const { r, session, stateDir, marker } = await mount('netns', {
        server: inner,
        extra: ['ServerAliveInterval 1', 'ConnectTimeout 2'],
      });
      await startLongRun(r, marker);
      // Every reply from the server to us now vanishes.
      await ip('-n', ns, 'route', 'add', 'blackhole', `${hostSide}/32`);
      const t0 = Date.now();
      await expectCutShort(r, session, stateDir, 15_000);
      const told = Date.now() - t0;
      await r.waitFor((s) => /connection to .* lost: .*trying again in \d+ s/.test(s), 10_000);
      await ip('-n', ns, 'route', 'del', 'blackhole', `${hostSide}/32`);
      const back = await expectBack(r, session, 30_000);
      logFault('traffic dropped in a netns (blackhole), ServerAliveInterval 1', told, `said in one line; back ${back} ms after traffic flowed`);
    } finally {
      await inner?.stop();
      await ip('netns', 'del', ns).catch(() => undefined); // takes the veth pair with it
      await ip('link', 'del', `${ns}h`).catch(() => undefined);
    }
  }, 90_000);
});

describe('q during a step run', () => {
  it('asks first, then kills the command on the server before the app exits', async () => {
    const { r, session, marker, exited } = await mount('quit');
    await startLongRun(r, marker);
    await r.type('q');
    await r.waitFor((s) => s.includes('Press q again to stop them on the server and quit'));
    expect(exited()).toBe(false);
    expect(await pids(marker)).not.toEqual([]);
    await r.type('q');
    await until(exited, 'the app to exit');
    expect(session.running).toBe(false);
    // The remote process group was killed, not left running behind the learner.
    expect(await pids(marker)).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});
