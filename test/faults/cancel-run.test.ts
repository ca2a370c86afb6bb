// Cancelling a step's run without leaving the tutor (issue 11, item 1). A step prints a line and
// then sleeps on a real sshd (or in the jumpbox's shell); Esc or Ctrl-C must kill that process
// group (asserted with pgrep), keep the output so far on screen, leave the step not passed, and
// leave the app taking keys. Ctrl-C with nothing running, or twice within a second, quits.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/loader.js';
import { ConnectionPool } from '../../src/remote/pool.js';
import { SshServerLink } from '../../src/remote/server-link.js';
import { stepDone } from '../../src/tutor/state.js';
import type { TutorSession } from '../../src/tutor/session.js';
import { mountApp } from '../helpers/app.js';
import { writeLongStepCourse } from '../helpers/long-step-course.js';
import { KEYS, type Rendered } from '../helpers/ink.js';
import { pids, until } from '../helpers/processes.js';
import { startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

const CTRL_C = '\x03';
let sshd: Sshd;
let root: string;
const pools: ConnectionPool[] = [];
const mounted: Array<{ r: Rendered; session: TutorSession }> = [];
const markers: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  sshd = await startSshd();
  root = mkdtempSync(join(tmpdir(), 'kthw-cancel-'));
});
afterEach(async () => {
  for (const m of mounted.splice(0)) {
    m.r.unmount();
    await m.session.close();
  }
  // A command left behind (only when an assertion failed first): ours, by its unique marker.
  for (const marker of markers.splice(0)) for (const pid of await pids(marker)) process.kill(pid, 'SIGKILL');
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const p of pools) await p.closeAll();
  await sshd?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A page whose first step passes and whose second prints a line, then runs `sleep <unique>`. */
async function mount(name: string, where: 'server' | 'jumpbox' = 'server') {
  const marker = `40.${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`;
  markers.push(`sleep ${marker}`);
  const courseDir = join(root, name, 'course');
  writeLongStepCourse(courseDir, { id: 'cancel', marker, where, started: `started-${name}` });
  const pool = new ConnectionPool();
  pools.push(pool);
  const knownHostsFile = join(root, `${name}-known_hosts`);
  writeFileSync(knownHostsFile, sshd.knownHostsLine + '\n');
  const target = await targetFor(sshd, { knownHostsFile });
  let exited = false;
  const { r, session } = mountApp(loadCourse(courseDir), {
    lang: 'en',
    columns: 100,
    rows: 40,
    root,
    server: new SshServerLink(pool, target),
    onExit: () => (exited = true),
  });
  mounted.push({ r, session });
  await session.start();
  expect(session.getState().connection.kind).toBe('connected');
  return { r, session, marker: `sleep ${marker}`, started: `started-${name}`, exited: () => exited };
}

/** Runs the long step with consent; resolves once its output is on screen and its `sleep` runs. */
async function startLongRun(r: Rendered, marker: string, started: string): Promise<void> {
  await r.type('r');
  await r.waitFor((s) => s.includes(marker) && s.includes('y / Enter: run it'));
  await r.type('y');
  await until(async () => (await pids(marker)).length > 0, 'the sleep to start');
  // The output so far (the echo and the first command's line), with the elapsed time.
  await r.waitFor((s) => s.includes(started) && /Output \(running for \d+ s; Esc or Ctrl-C cancels it\)/.test(s));
  expect(r.screen()).toContain('Esc/Ctrl-C cancel run');
}

/** What a cancel must leave: the process gone, the output kept, the step not passed, keys working. */
async function expectCancelled(m: Awaited<ReturnType<typeof mount>>, where: 'server' | 'jumpbox') {
  const { r, session, marker, started, exited } = m;
  await until(async () => (await pids(marker)).length === 0, `the ${where}'s sleep to be killed`);
  const screen = await r.waitFor((s) => s.includes(`Run cancelled: the command was stopped on the ${where}; its output so far is kept.`));
  expect(screen).toContain(started);
  expect(screen).toContain(`$ ${marker}`);
  expect(screen).toMatch(/Output \(cancelled after \d+ s; the command was stopped\)/);
  // Nothing runs any more: the footer says Ctrl-C quits again.
  expect(screen).toContain('q/Ctrl-C quit');
  expect(screen).not.toContain('Esc/Ctrl-C cancel run');
  const state = session.getState();
  expect(state.facts.long?.busy).toBeNull();
  expect(state.facts.long?.run).toMatchObject({ done: true, cancelled: true });
  expect(state.facts.long?.run?.text).toContain(started);
  expect(stepDone(state, 'long')).toBe(false);
  expect(session.running).toBe(false);
  expect(exited()).toBe(false);
  // Still taking keys: help opens and closes, and the step can be run again.
  await r.type('?');
  await r.waitFor((s) => s.includes('Press Esc or ? to close.'));
  await r.type(KEYS.escape);
  await r.waitFor((s) => !s.includes('Press Esc or ? to close.'));
  await r.type('r');
  await r.waitFor((s) => s.includes('y / Enter: run it'));
  await r.type('n');
  expect(exited()).toBe(false);
  expect(unhandled).toEqual([]);
}

describe('cancelling a run on the server', () => {
  it('Esc kills the remote process group, keeps the output and the app', async () => {
    const m = await mount('esc');
    await startLongRun(m.r, m.marker, m.started);
    await m.r.type(KEYS.escape);
    await expectCancelled(m, 'server');
  });

  it('Ctrl-C cancels the run instead of quitting', async () => {
    const m = await mount('ctrlc');
    await startLongRun(m.r, m.marker, m.started);
    await m.r.type(CTRL_C);
    await expectCancelled(m, 'server');
  });

  it('Ctrl-C twice within a second quits, and the remote command is killed first', async () => {
    const m = await mount('twice');
    await startLongRun(m.r, m.marker, m.started);
    await m.r.type(CTRL_C);
    await m.r.type(CTRL_C);
    await until(m.exited, 'the app to exit');
    expect(m.session.running).toBe(false);
    expect(await pids(m.marker)).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});

describe('Ctrl-C with nothing running', () => {
  it('quits, and the footer said so', async () => {
    const m = await mount('idle');
    expect(m.r.screen()).toContain('q/Ctrl-C quit');
    expect(m.exited()).toBe(false);
    await m.r.type(CTRL_C);
    await until(m.exited, 'the app to exit');
  });

  it('Esc with nothing running does not quit', async () => {
    const m = await mount('idle-esc');
    await m.r.type(KEYS.escape);
    await new Promise((r) => setTimeout(r, 200));
    expect(m.exited()).toBe(false);
  });
});

describe('cancelling a run on the jumpbox', () => {
  it('Esc kills the local child and its group, keeps the output and the app', async () => {
    const m = await mount('local', 'jumpbox');
    await startLongRun(m.r, m.marker, m.started);
    await m.r.type(KEYS.escape);
    await expectCancelled(m, 'jumpbox');
  });
});
