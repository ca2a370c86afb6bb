// When the session tries the server again by itself: only after failures that may pass (server
// down, network), with the backoff RECONNECT_BACKOFF_SEC says, never with a prompt over the page,
// and never after the learner declined something or the session was closed.
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Step } from '../../src/course/schema.js';
import { createTranslator } from '../../src/i18n/index.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';
import { RECONNECT_BACKOFF_SEC, TutorSession, type ConnectOutcome, type Prompts, type ServerLink } from '../../src/tutor/session.js';

const translator = createTranslator();
const step = Step.parse({ id: 'one', where: 'server', hints: ['h'], checks: [{ kind: 'command', run: 'true' }] });

/** A server whose answers come from `outcomes` in turn; records when it was asked and with what. */
function scriptedServer(outcomes: ConnectOutcome[]) {
  const calls: Array<{ at: number; prompts: Prompts }> = [];
  let drop: ((why: string) => void) | undefined;
  const executor = new LocalExecutor();
  const server: ServerLink = {
    label: 'root@server:22',
    connect: async (prompts) => {
      calls.push({ at: Date.now(), prompts });
      return outcomes.shift() ?? { ok: true };
    },
    executor: () => executor,
    close: async () => {},
    onDrop: (listener) => {
      drop = listener;
      return () => (drop = undefined);
    },
  };
  return { server, calls, drop: (why: string) => drop?.(why) };
}

function session(server: ServerLink) {
  return new TutorSession({
    pages: [{ id: 'p', steps: [step] }],
    lang: 'en',
    translate: (l) => translator.forLang(l),
    server,
    jumpbox: new LocalExecutor(),
    // Answers at once (no child process), so fake timers alone decide when things happen.
    runBatch: async (_e, items) => ({
      checks: items.map((it) => ({ checkId: it.id, kind: it.spec.kind, subject: it.id, status: 'pass' as const, findings: [], evidence: '' })),
      probes: [],
    }),
    jumpboxDir: tmpdir(),
    serverDir: tmpdir(),
  });
}

const down: ConnectOutcome = { ok: false, why: 'refused', todo: 'start sshd', retry: true };
const declined: ConnectOutcome = { ok: false, why: 'host key declined', todo: 'press c', retry: false };

beforeEach(() => vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
afterEach(() => vi.useRealTimers());

/** Lets every timer due within `ms` fire, and the promises they start settle. */
async function advance(ms: number) {
  await vi.advanceTimersByTimeAsync(ms);
}

describe('trying again in the background', () => {
  it('follows the backoff, says when the next try is, and stops once connected', async () => {
    const failures = RECONNECT_BACKOFF_SEC.length + 1;
    const { server, calls } = scriptedServer(Array.from({ length: failures }, () => down));
    const s = session(server);
    expect(await s.connect()).toBe(false);
    expect(s.getState().connection).toMatchObject({ kind: 'failed', retryInSec: RECONNECT_BACKOFF_SEC[0] });
    await advance(120_000);
    // One interactive try, then one per backoff step, the last step repeating, then success.
    const gaps = calls.slice(1).map((c, i) => (c.at - calls[i]!.at) / 1000);
    expect(gaps).toEqual([...RECONNECT_BACKOFF_SEC, RECONNECT_BACKOFF_SEC.at(-1)]);
    expect(s.getState().connection.kind).toBe('connected');
    expect(s.getState().notice).toBe('Connected to root@server:22 again.');
    const tries = calls.length;
    await advance(120_000);
    expect(calls.length).toBe(tries);
  });

  it('asks nothing when it tries by itself', async () => {
    const { server, calls } = scriptedServer([down]);
    const s = session(server);
    await s.connect();
    await advance(1_000);
    expect(calls).toHaveLength(2);
    expect(await calls[1]!.prompts.confirmHostKey({ host: 'h', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:x' })).toBe(false);
    expect(await calls[1]!.prompts.askPassphrase('/k')).toBeUndefined();
    expect(s.pendingPrompt).toBeNull();
  });

  it('does not try again after a failure that needs the learner', async () => {
    const { server, calls } = scriptedServer([declined]);
    const s = session(server);
    await s.connect();
    await advance(60_000);
    expect(calls).toHaveLength(1);
    expect(s.getState().connection).toMatchObject({ kind: 'failed', why: 'host key declined' });
    expect(s.getState().connection).not.toHaveProperty('retryInSec');
  });

  it('c tries at once, and the backoff goes on from where it was', async () => {
    const { server, calls } = scriptedServer([down, down, down]);
    const s = session(server);
    await s.connect();
    await s.checkSelected(); // before the 1 s timer: an attempt now
    expect(calls).toHaveLength(2);
    expect(s.getState().connection).toMatchObject({ kind: 'failed', retryInSec: RECONNECT_BACKOFF_SEC[1] });
    await advance(RECONNECT_BACKOFF_SEC[1] * 1000);
    expect(calls).toHaveLength(3);
  });

  it('a drop is said as lost, tried again, and ends when the session is closed', async () => {
    const { server, calls, drop } = scriptedServer([{ ok: true }, down, down]);
    const s = session(server);
    await s.connect();
    drop('the server closed the connection');
    expect(s.getState().connection).toMatchObject({
      kind: 'lost',
      why: 'the server closed the connection',
      retryInSec: RECONNECT_BACKOFF_SEC[0],
    });
    await advance(RECONNECT_BACKOFF_SEC[0] * 1000);
    expect(calls).toHaveLength(2);
    expect(s.getState().connection).toMatchObject({ kind: 'lost', retryInSec: RECONNECT_BACKOFF_SEC[1] });
    await s.close();
    await advance(60_000);
    expect(calls).toHaveLength(2);
  });
});
