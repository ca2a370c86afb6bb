// The lab end to end: `lab up` builds and boots the practice server, and the tutor's own engine
// (the same composition the app uses, with --lab) walks every step of the chapter: each step's
// checks fail before it, the step runs through the tutor's runner over SSH, its checks pass after.
// Then failures from the chapter's facts table are induced on the server and the tutor's
// diagnostics must name them. Finally `lab down` must leave the host as it found it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInTmux } from '../helpers/tmux.js';
import { createRuntime, createSession, openTarget, type Runtime } from '../../src/compose.js';
import { labDown, labReset, labSsh, labStatus, labUp } from '../../src/lab/lab.js';
import { runningPid } from '../../src/lab/machine.js';
import { labLayout } from '../../src/lab/layout.js';
import type { TutorSession } from '../../src/tutor/session.js';
import { stepStatus } from '../../src/tutor/state.js';
import { hostSnapshot, quietReporter, type HostSnapshot } from '../helpers/lab.js';
import { DIAGNOSTIC_CASES, INDUCED_ELSEWHERE } from './diagnostic-cases.js';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const layout = labLayout(process.env);
const timings: Record<string, number> = {};
let before: HostSnapshot;
let stateHome: string;
let runtime: Runtime;

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    timings[name] = Math.round(performance.now() - t);
  }
}

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = pathToFileURL(createRequire(join(repo, 'package.json')).resolve('tsx')).href;

interface InstructorRow {
  name: string;
  reach: { kind: string };
  currentStep: string | null;
  progress: { stepsPassed: number; stepsTotal: number };
  steps: Record<string, { status: string }>;
}

/** The lab server as an instructor sees it: `kthw-tutor instructor ROSTER --lab --export json`. */
function instructorRow(): Promise<InstructorRow> {
  const roster = join(stateHome, 'class.yaml');
  writeFileSync(roster, 'students:\n  - name: 랩 수강생\n    host: server\n');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', tsx, join(repo, 'src', 'cli.tsx'), 'instructor', roster, '--lab', '--export', 'json', '--lang', 'ko'],
      { env: { ...process.env, XDG_STATE_HOME: stateHome }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`instructor failed: ${stderr}`));
        resolve((JSON.parse(stdout) as { students: InstructorRow[] }).students[0]!);
      },
    );
  });
}

function newSession(): TutorSession {
  const opened = openTarget(runtime, undefined);
  return createSession(runtime, opened, 'en');
}

/** The page/step index of a step id. */
function where(session: TutorSession, stepId: string): [number, number] {
  const pages = session.coursePlan.pages;
  for (let p = 0; p < pages.length; p++) {
    const s = pages[p]!.steps.findIndex((x) => x.id === stepId);
    if (s !== -1) return [p, s];
  }
  throw new Error(`no step ${stepId}`);
}

function status(session: TutorSession, stepId: string) {
  const [p, s] = where(session, stepId);
  return stepStatus(session.coursePlan, session.getState(), p, s);
}

/** Whether any check of the step failed (regardless of gating: later steps are still locked). */
function checksFail(session: TutorSession, stepId: string): boolean {
  const checks = session.getState().facts[stepId]?.checks;
  return !!checks && checks.some((c) => c.status !== 'pass');
}

function failingChecks(session: TutorSession, stepId: string): string {
  const facts = session.getState().facts[stepId];
  return JSON.stringify(
    facts?.checks?.filter((c) => c.status !== 'pass').map((c) => ({ id: c.checkId, findings: c.findings.filter((f) => !f.ok), error: c.error })),
    null,
    1,
  );
}

beforeAll(async () => {
  // A lab left up by an earlier run is taken down first, so `before` is the host without a lab.
  if (runningPid(layout) !== undefined) await labDown(layout);
  before = hostSnapshot();
  await timed('lab up', () => labUp(layout, quietReporter()));
  await timed('lab up (again)', () => labUp(layout, quietReporter()));
  await timed('lab reset', () => labReset(layout, quietReporter()));
  stateHome = mkdtempSync(join(tmpdir(), 'kthw-lab-state-'));
  runtime = createRuntime({ env: { ...process.env, XDG_STATE_HOME: stateHome }, lab: true });
});

afterAll(async () => {
  await runtime?.pool.closeAll();
  rmSync(stateHome, { recursive: true, force: true });
  process.stdout.write(`lab timings (ms): ${JSON.stringify(timings)}\n`);
});

describe('the lab server', () => {
  it('is up, labelled as running stand-ins, with etcd active and nothing of chapter 8 yet', async () => {
    const s = await labStatus(layout);
    expect(s.running).toBe(true);
    expect(s.info?.binaries).toBe('stand-in');
    expect(s.units).toMatchObject({ etcd: 'active', 'kube-apiserver': 'inactive' });
    const r = await labSsh(layout, 'hostname; getent hosts server.kubernetes.local; ls /root; /usr/bin/etcd --version | head -1');
    expect(r.stdout).toContain('server\n');
    expect(r.stdout).toContain(`${layout.net.serverIp}      server.kubernetes.local server`);
    expect(r.stdout).toContain('encryption-config.yaml');
    expect(r.stdout).not.toContain('kube-apiserver.service');
  });
});

describe('chapter 8 through the tutor', () => {
  it('every step: checks fail before, the step runs over SSH, checks pass after', async () => {
    // The instructor's view of the same server before the chapter: reachable, on page 1 or 2.
    const rowBefore = await timed('instructor before', instructorRow);
    expect(rowBefore.reach).toEqual({ kind: 'ok' });
    expect(rowBefore.name).toBe('랩 수강생');
    expect(rowBefore.currentStep).not.toBeNull();
    expect(rowBefore.progress.stepsPassed).toBeLessThan(rowBefore.progress.stepsTotal);

    const session = newSession();
    await session.start();
    expect(session.getState().connection.kind).toBe('connected');
    const steps = runtime.course.pages.flatMap((p) => p.steps);

    // The server as `lab up` left it, before chapter 8: every step with commands must find its
    // checks failing. For steps that only look (observes: true) this is their "before": later,
    // right before they run, earlier steps have already made them pass.
    await session.check(steps.map((s) => s.id));
    for (const step of steps) {
      if (step.quiz || !step.run || step.run.length === 0) continue;
      expect(checksFail(session, step.id), `${step.id} should fail on a server without chapter 8`).toBe(true);
    }

    const ran: string[] = [];
    for (const step of steps) {
      await timed(`step ${step.id}`, async () => {
        if (step.quiz) {
          // A wrong answer never passes; the right ones do, and open what follows.
          for (const q of step.quiz) {
            const wrong = q.options.find((o) => o !== q.answer)!;
            expect(session.answerQuiz(step.id, q.id, wrong)).toEqual({ correct: false, stepDone: false });
            expect(status(session, step.id)).not.toBe('passed');
          }
          for (const q of step.quiz) expect(session.answerQuiz(step.id, q.id, q.answer)?.correct).toBe(true);
          expect(status(session, step.id)).toBe('passed');
          ran.push(step.id);
          return;
        }
        await session.check([step.id]);
        if (!step.run || step.run.length === 0) {
          // A step without commands checks what earlier chapters left: it passes on the lab as built.
          expect(status(session, step.id), `${step.id}: ${failingChecks(session, step.id)}`).toBe('passed');
          return;
        }
        if (!step.observes) expect(status(session, step.id), `${step.id} should fail before it runs`).toBe('failed');
        else {
          // What it looks at may still be settling (a lease is taken a few seconds after start),
          // as for a learner who reads the explanation first: wait for it, then run the commands.
          for (let i = 0; i < 20 && status(session, step.id) !== 'passed'; i++) {
            await new Promise((r) => setTimeout(r, 1000));
            await session.check([step.id]);
          }
        }
        await session.run(step.id);
        const run = session.getState().facts[step.id]!.run!;
        expect(run.code, `${step.id} run output:\n${run.text}`).toBe(0);
        // Services need a moment to prove they stay up (the `stable` checks); re-check until then.
        for (let i = 0; i < 20 && status(session, step.id) !== 'passed'; i++) {
          await new Promise((r) => setTimeout(r, 1000));
          await session.check([step.id]);
        }
        expect(status(session, step.id), `${step.id}: ${failingChecks(session, step.id)}`).toBe('passed');
        ran.push(step.id);
      });
    }
    expect(ran.length).toBeGreaterThan(5);

    // Page 5 asked the kubelet's question before the RBAC, page 6 after it: the same request,
    // denied then allowed, kept on the server for the learner to compare.
    const sar = await onServer('cat /root/sar-before.json; echo ---; cat /root/sar-after.json');
    const [before, after] = sar.split('---\n').map((t) => JSON.parse(t) as { spec: unknown; status: { allowed: boolean; reason?: string } });
    expect(before!.spec).toEqual(after!.spec);
    // The question `kubectl logs` puts to the kubelet's webhook: nodes/proxy, not nodes/log.
    expect(before!.spec).toMatchObject({ user: 'kubernetes', resourceAttributes: { resource: 'nodes', subresource: 'proxy' } });
    expect(before!.status).toEqual({ allowed: false });
    expect(after!.status.allowed).toBe(true);
    expect(after!.status.reason).toContain('ClusterRoleBinding "system:kube-apiserver"');
    await session.close();

    // And after it: every step the instructor can judge read-only has passed; nothing is current.
    const rowAfter = await timed('instructor after', instructorRow);
    expect(rowAfter.reach).toEqual({ kind: 'ok' });
    expect(rowAfter.currentStep, JSON.stringify(rowAfter.steps[rowAfter.currentStep ?? ''])).toBeNull();
    expect(Object.values(rowAfter.steps).every((st) => st.status === 'passed' || st.status === 'skipped')).toBe(true);
    expect(rowAfter.progress.stepsPassed).toBe(rowAfter.progress.stepsTotal);
    expect(rowAfter.progress.stepsTotal).toBeGreaterThan(10);
  });
});

/** Runs on the lab server and fails the test with its output when it does not exit 0. */
async function onServer(command: string): Promise<string> {
  const r = await labSsh(layout, command, 60_000);
  expect(r.code, `${command}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

/** The diagnostics the tutor shows for a step right now. */
function shown(session: TutorSession, stepId: string): string[] {
  return session.getState().facts[stepId]?.diagnostics ?? [];
}

/** Exactly these diagnostics (in any order): nothing missing, nothing extra. */
function showsExactly(session: TutorSession, stepId: string, expected: readonly string[]): boolean {
  const now = [...shown(session, stepId)].sort();
  return JSON.stringify(now) === JSON.stringify([...expected].sort());
}

/** A case: break, settle (up to 40 s a step), undo, and the chapter passes again (up to 60 s). */
const CASE_TIMEOUT_MS = 300_000;

/** Re-checks every step until the finished chapter passes again (after a case was undone). */
async function untilChapterPasses(seconds = 60): Promise<void> {
  const session = newSession();
  await session.start();
  const ids = runtime.course.pages.flatMap((p) => p.steps).map((s) => s.id);
  let failing: string[] = [];
  const by = Date.now() + seconds * 1000;
  while (Date.now() < by) {
    await session.check(ids);
    failing = ids.filter((id) => status(session, id) !== 'passed');
    if (failing.length === 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await session.close();
  expect(failing, 'the chapter should pass again once the case is undone').toEqual([]);
}

describe('every diagnostic of the chapter, caused on the lab and named by the tutor', () => {
  it('covers each diagnostic of every step with a case', () => {
    const covered = new Set<string>();
    for (const c of DIAGNOSTIC_CASES) for (const e of c.expect) for (const d of e.diagnostics) covered.add(`${e.step}/${d}`);
    for (const [step, ids] of Object.entries(INDUCED_ELSEWHERE)) for (const d of ids) covered.add(`${step}/${d}`);
    const all = runtime.course.pages.flatMap((p) => p.steps.flatMap((s) => s.diagnostics.map((d) => `${s.id}/${d.id}`)));
    expect(all.filter((d) => !covered.has(d))).toEqual([]);
    expect([...covered].filter((d) => !all.includes(d))).toEqual([]);
  });

  for (const c of DIAGNOSTIC_CASES) {
    const names = c.expect.flatMap((e) => (e.diagnostics.length > 0 ? e.diagnostics.map((d) => `${e.step}/${d}`) : [`${e.step}/(none)`])).join(', ');
    it(`${c.name} -> ${names}`, async () => {
      const session = newSession();
      await session.start();
      try {
        c.host?.(layout);
        if (c.server) await onServer(c.server);
        for (const e of c.expect) {
          if (e.by === 'run') await session.run(e.step);
          // Journal lines and restarts take a moment: re-check until the server settles on the
          // expected set. Precision as well as recall: the set must be exactly the expected one.
          // Bounded by wall time, not by rounds: on a loaded machine one check takes seconds.
          const settleBy = Date.now() + 40_000;
          for (let i = 0; Date.now() < settleBy; i++) {
            if (i > 0 || e.by === 'check') await session.check([e.step]);
            if (showsExactly(session, e.step, e.diagnostics)) break;
            await new Promise((r) => setTimeout(r, 1000));
          }
          expect([...shown(session, e.step)].sort(), `${e.step}: ${failingChecks(session, e.step)}\n${session.getState().facts[e.step]?.run?.text ?? ''}`).toEqual(
            [...e.diagnostics].sort(),
          );
          // What a re-check diagnoses is a failing step, never a passed one with a warning.
          if (e.by === 'check') expect(checksFail(session, e.step), `${e.step} should fail`).toBe(true);
        }
      } finally {
        await session.close();
        c.undoHost?.(layout);
        if (c.undoServer) await onServer(c.undoServer);
      }
      await untilChapterPasses();
    }, CASE_TIMEOUT_MS);
  }
});

/** Checks the `start` step until `until` holds (services settle over a few seconds). */
async function checkStartUntil(session: TutorSession, until: () => boolean, seconds = 25): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    await session.check(['start']);
    if (until()) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('failures from the chapter, induced on the lab, named by the tutor', () => {
  const diagnostics = (session: TutorSession) => session.getState().facts['start']?.diagnostics ?? [];

  it('A: without --service-cluster-ip-range the Service gets 10.0.0.1, and the offered fix repairs it', async () => {
    const session = newSession();
    await session.start();
    const kubectl = 'kubectl --kubeconfig /root/admin.kubeconfig';
    await onServer(
      `sed -i '/--service-cluster-ip-range=10.32.0.0\\/24/d' /etc/systemd/system/kube-apiserver.service && systemctl daemon-reload && ` +
        `${kubectl} delete service kubernetes && systemctl restart kube-apiserver`,
    );
    // Exactly these two: the controller-manager's refused lines from the restart blame nobody
    // once 6443 answers again.
    const expectedA = ['no-service-cidr', 'running-without-cidr'];
    await checkStartUntil(session, () => showsExactly(session, 'start', expectedA));
    expect(status(session, 'start')).toBe('failed');
    expect([...diagnostics(session)].sort()).toEqual([...expectedA].sort());
    // The stand-in behaves as the real one does: the default range's first address.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await onServer(`${kubectl} get service kubernetes -o jsonpath='{.spec.clusterIP}'`)).toBe('10.0.0.1');
    // Page 4 sees the same failure from the other side: the Service's address.
    await session.check(['kubernetes-service']);
    expect(session.getState().facts['kubernetes-service']?.diagnostics).toEqual(['default-range']);

    const fix = session.availableFix('start');
    expect(fix?.commands.join('\n')).toContain('--service-cluster-ip-range=10.32.0.0/24');
    await session.run('start', fix!.diagnostic);
    await onServer(`sleep 2; ${kubectl} delete service kubernetes && systemctl restart kube-apiserver`);
    await checkStartUntil(session, () => status(session, 'start') === 'passed');
    expect(status(session, 'start')).toBe('passed');
    await new Promise((r) => setTimeout(r, 2000));
    expect(await onServer(`${kubectl} get service kubernetes -o jsonpath='{.spec.clusterIP}'`)).toBe('10.32.0.1');
    await session.close();
  });
});

describe('lab reset and lab down', () => {
  it('reset brings back the state before chapter 8, in seconds', async () => {
    await timed('lab reset (after the chapter)', () => labReset(layout, quietReporter()));
    const s = await labStatus(layout);
    expect(s.units).toMatchObject({ etcd: 'active', 'kube-apiserver': 'inactive' });
    expect((await labSsh(layout, 'ls /usr/local/bin/kube-apiserver')).code).not.toBe(0);
  });

  it('down leaves no process, namespace, veth or mount behind', async () => {
    await runtime.pool.closeAll();
    // While up, the snapshot sees what a leaky `down` would leave: the comparison below can fail.
    const up = hostSnapshot();
    expect(up.mounts).toEqual(expect.arrayContaining([layout.root, `/run/netns/${layout.net.netns}`]));
    expect(up.netns).toContain(layout.net.netns);
    expect(up.links).toContain(layout.net.hostIf);
    expect(up.processes).toContain('systemd-nspawn');
    await timed('lab down', () => labDown(layout));
    // Init reaps nspawn's exit a moment later; give it that moment.
    let after = hostSnapshot();
    for (let i = 0; i < 20 && after.processes.length > before.processes.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = hostSnapshot();
    }
    expect(after).toEqual(before);
  });
});

describe('the lab started from the tutor itself', () => {
  /** The CLI as a learner runs it, with this suite's state folder. */
  function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', tsx, join(repo, 'src', 'cli.tsx'), ...args],
        { env: { ...process.env, XDG_STATE_HOME: stateHome }, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('--lab brings the lab up when it is down, then checks it', async () => {
    if (runningPid(layout) !== undefined) await labDown(layout); // down already after the tests above
    const r = await timed('--lab check (lab down)', () => cli(['--lab', 'check', '--json', '--page', '1', '--lang', 'en']));
    expect(r.stderr).toContain('starting it first');
    expect(r.stderr).toContain('The practice lab is running');
    // Page 1 on a freshly started lab: the prerequisites pass, the copy is not done yet.
    const report = JSON.parse(r.stdout) as { pages: Array<{ steps: Array<{ id: string; status: string }> }> };
    const steps = report.pages.flatMap((p) => p.steps);
    expect(steps.find((s) => s.id === 'prerequisites')?.status).toBe('passed');
    expect(steps.find((s) => s.id === 'copy-files')?.status).not.toBe('passed');
    expect(r.code).toBe(1);
    expect(runningPid(layout)).toBeDefined();
    await labDown(layout);
  }, 320_000);

  it('key L: with no server answering, the app starts the lab and opens the tutor on it', async () => {
    if (runningPid(layout) !== undefined) await labDown(layout);
    // A server that refuses at once (nothing listens on port 1 of loopback).
    const config = join(stateHome, 'nothing_config');
    writeFileSync(config, 'Host server\n  HostName 127.0.0.1\n  Port 1\n  User root\n');
    const tmux = startInTmux({
      command: [process.execPath, '--import', tsx, join(repo, 'src', 'cli.tsx'), '--lang', 'en', '--ssh-config', config, '--target', 'server'],
      env: { ...process.env, XDG_STATE_HOME: join(stateHome, 'tui'), TERM: 'xterm-256color', LANG: 'C.UTF-8', NO_COLOR: '1' },
      cwd: repo,
      columns: 100,
      rows: 40,
    });
    try {
      await tmux.waitFor((s) => s.includes('cannot reach') && s.includes('Press L'), 60_000);
      tmux.send('L');
      await tmux.waitFor((s) => s.includes('lab:') || s.includes('The practice lab'), 30_000);
      // Up, switched over, connected to the lab's server and checked there.
      const screen = await tmux.waitFor((s) => /connected to root@/.test(s) && !s.includes('127.0.0.1'), 240_000);
      expect(screen).not.toContain('cannot reach');
      expect(runningPid(layout)).toBeDefined();
      tmux.send('q');
    } finally {
      tmux.kill();
      await labDown(layout);
    }
  }, 320_000);
});
