// Failure of any effect is a notice, never an exit: a fault is injected at every await of the
// session in turn (connect, trust, exec before and after it ran, save), and after each the app
// still draws and takes keys. Also: a second copy of a running step is refused, and `q` during a
// run asks first, then stops the run (its executor sees the abort) before the app exits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/loader.js';
import type { Lang } from '../../src/i18n/types.js';
import type { ExecOptions, ExecResult, Executor } from '../../src/remote/executor.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';
import { TutorSession, type ProgressSink, type ServerLink } from '../../src/tutor/session.js';
import { KEYS, type Rendered } from '../helpers/ink.js';
import { mountApp } from '../helpers/app.js';
import { writeMiniCourse } from '../helpers/mini-course.js';

const dirs: string[] = [];
const mounted: Rendered[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  for (const m of mounted.splice(0)) m.unmount();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Op = 'connect' | 'trust' | 'exec' | 'exec-end' | 'save';

/** Counts the session's awaits and fails the `failAt`-th one (1-based); Infinity: none. */
class Faults {
  seen: Op[] = [];
  constructor(private readonly failAt: number) {}
  point(op: Op): void {
    this.seen.push(op);
    if (this.seen.length === this.failAt) throw new Error(`injected fault #${this.failAt} (${op})`);
  }
}

function faultyServer(faults: Faults, exec: Executor = new LocalExecutor()): ServerLink {
  const executor: Executor = {
    label: 'root@local:22',
    async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
      faults.point('exec');
      const result = await exec.exec(command, options);
      faults.point('exec-end');
      return result;
    },
  };
  return {
    label: 'root@local:22',
    async connect(prompts) {
      faults.point('connect');
      const ok = await prompts.confirmHostKey({
        host: '127.0.0.1',
        port: 22,
        keyType: 'ssh-ed25519',
        fingerprint: 'SHA256:test',
      });
      if (ok) faults.point('trust'); // where the real link writes known_hosts
      return { ok: true };
    },
    executor: () => executor,
    close: async () => {},
  };
}

function faultyProgress(faults: Faults): ProgressSink {
  const save = () => faults.point('save');
  return { recordAttempt: save, recordHint: save, recordPass: save, recordQuizPass: save, forget: save };
}

function mount(lang: Lang, server: ServerLink, progress?: ProgressSink, onExit?: () => void) {
  const root = mkdtempSync(join(tmpdir(), 'kthw-faults-'));
  dirs.push(root);
  writeMiniCourse(join(root, 'course'), join(root, 'server'));
  const course = loadCourse(join(root, 'course'));
  const { r, session } = mountApp(course, {
    lang,
    columns: 100,
    rows: 40,
    root,
    server,
    ...(progress ? { progress } : {}),
    ...(onExit ? { onExit } : {}),
  });
  mounted.push(r);
  // Everything the learner was told, in order (a later notice may replace an earlier one on screen).
  const told: string[] = [];
  session.subscribe(() => {
    const s = session.getState();
    if (s.notice && told[told.length - 1] !== s.notice) told.push(s.notice);
    if (s.connection.kind === 'failed' && !told.includes(s.connection.why)) told.push(s.connection.why);
  });
  return { r, session, told };
}

async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Nothing in flight: no step busy, not connecting, no prompt waiting. */
function idle(session: TutorSession): boolean {
  const s = session.getState();
  return (
    s.connection.kind !== 'connecting' &&
    s.connection.kind !== 'idle' &&
    !session.pendingPrompt &&
    Object.values(s.facts).every((f) => !f.busy)
  );
}

/** Waits until nothing is in flight, trusting the host key whenever it is asked (c and r reconnect). */
async function settle(r: Rendered, session: TutorSession, what: string): Promise<void> {
  for (;;) {
    await until(() => idle(session) || session.pendingPrompt?.kind === 'host-key', what);
    if (!session.pendingPrompt) return;
    await r.type('y');
  }
}

/** Start (trusting the key), check, run the first step with consent, check again. */
async function script(r: Rendered, session: TutorSession): Promise<void> {
  session.fire(session.start());
  await settle(r, session, 'start');
  await r.type('c');
  await settle(r, session, 'check');
  await r.type('r');
  if (session.getState().overlay.kind === 'confirm-run') await r.type('y');
  await settle(r, session, 'run');
  await r.type('c');
  await settle(r, session, 'second check');
}

describe('a fault at any await of the session', () => {
  it('becomes a notice, and the app keeps drawing and taking keys', async () => {
    // A clean pass counts the awaits the script goes through.
    const clean = new Faults(Infinity);
    {
      const { r, session } = mount('en', faultyServer(clean), faultyProgress(clean));
      await script(r, session);
      expect(session.getState().facts['make-dir']?.checks?.every((c) => c.status === 'pass')).toBe(true);
    }
    const ops = [...clean.seen];
    // Every kind of await is on the path, or the test proves less than it claims.
    for (const op of ['connect', 'trust', 'exec', 'exec-end', 'save'] as const) expect(ops).toContain(op);

    for (let n = 1; n <= ops.length; n++) {
      const faults = new Faults(n);
      const { r, session, told } = mount(n % 2 ? 'en' : 'ko', faultyServer(faults), faultyProgress(faults));
      await script(r, session);
      expect(told.some((line) => line.includes(`injected fault #${n}`)), `fault #${n} (${ops[n - 1]}) said: ${told.join(' | ')}`).toBe(true);
      // Still drawing and taking keys: help opens and closes.
      await r.type('?');
      await r.waitFor((s) => s.includes(n % 2 ? 'Press Esc or ? to close.' : 'Esc'));
      await r.type(KEYS.escape);
      await until(() => session.getState().overlay.kind === 'none', 'help closed');
      r.unmount();
    }
    expect(unhandled).toEqual([]);
  }, 60_000);
});

/** An executor whose command hangs until aborted (as a long remote command does). */
function hangingExecutor(aborted: string[]): Executor {
  const local = new LocalExecutor();
  return {
    label: 'root@local:22',
    exec(command, options) {
      if (!options?.stdin?.includes('mkdir')) return local.exec(command, options);
      return new Promise<ExecResult>((_, reject) => {
        options.signal?.addEventListener('abort', () => {
          aborted.push(command);
          reject(options.signal!.reason);
        });
      });
    },
  };
}

describe('a step that is running', () => {
  it('is not started a second time, by r or by confirming again', async () => {
    const aborted: string[] = [];
    const { r, session } = mount('en', { ...faultyServer(new Faults(Infinity), hangingExecutor(aborted)), connect: async () => ({ ok: true }) });
    await session.start();
    await r.type('r');
    await r.type('y');
    await until(() => session.getState().facts['make-dir']?.busy === 'running', 'run started');
    await r.type('r');
    await r.waitFor((s) => s.includes("This step's commands are still running."));
    expect(session.getState().overlay.kind).toBe('none');
    // A confirmation left open from before the run started: y is refused too.
    session.dispatch({ type: 'overlay', overlay: { kind: 'confirm-run', stepId: 'make-dir' } });
    session.dispatch({ type: 'notice', text: null });
    await r.waitFor((s) => s.includes('Run this on the server'));
    await r.type('y');
    await r.waitFor((s) => s.includes("This step's commands are still running."));
    expect(session.running).toBe(true);
    await session.stopRuns();
    expect(aborted).toHaveLength(1);
  });

  it('asks before quitting, then stops the run before the app exits', async () => {
    const aborted: string[] = [];
    let exited = false;
    const { r, session } = mount(
      'ko',
      { ...faultyServer(new Faults(Infinity), hangingExecutor(aborted)), connect: async () => ({ ok: true }) },
      undefined,
      () => (exited = true),
    );
    await session.start();
    await r.type('r');
    await r.type('y');
    await until(() => session.running, 'run started');
    await r.type('q');
    await r.waitFor((s) => s.includes('q를 한 번 더 누르면'));
    expect(exited).toBe(false);
    // Any other key takes the question back.
    await r.type('j');
    await r.type('q');
    expect(exited).toBe(false);
    await r.type('q');
    await until(() => exited, 'exit');
    expect(aborted).toHaveLength(1);
    expect(session.running).toBe(false);
    expect(unhandled).toEqual([]);
  });
});
