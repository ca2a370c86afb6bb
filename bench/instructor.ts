// Instructor mode at class size: every student's server checked for the whole chapter at once
// (surveyClass: one pooled connection per student, ONE batch exec each), against a baseline of
// OpenSSH `ssh host 'one check'` per check, in the same run, against the same servers.
// Run: npm run bench:instructor            (100 students; about 4 minutes on 2 cores)
//      npm run bench:instructor -- --short (10 students over 3 stages, 1 run each: proves it works)
// Env: STUDENTS, STAGES, RUNS, BASELINE_STUDENTS, BASELINE_RUNS, MAX_HANDSHAKES, BASELINE_CONCURRENCY, BASE_MS,
//      DELAY_SCALE, KEEP=1 (keep the temp dir).
//
// How it is set up, and why:
// - Students: ssh2 `Server`s on 127.0.0.1 (distinct ports and ed25519 host keys, all in a
//   known_hosts checked strictly), all in ONE child process, so the tutor's CPU and memory are
//   its own. Each accepts the instructor's key and answers an exec at its student's stage.
// - Answers are real shell output: the first time a server sees a script (nonce taken out) at a
//   stage, /bin/sh runs it in that student's HOME (also its cwd) and the answer is recorded; later
//   runs get the recording (with their own nonce) after a per-command delay: BASE_MS per check
//   (the gather's few process starts on a real server) plus the sleeps in the script. Why not a
//   live shell every time: here a process start costs ~8 ms (measured: 200 x /bin/true = 1.7 s),
//   so the chapter's batch costs a live shell ~1.5 s of CPU per student, and 100 students' shells
//   would be ~150 s of CPU on the instructor's 2 cores: a measure of the simulation, not of the
//   tutor. The first (live, recording) runs are still measured and printed, labelled so.
// - The chapter: a generated pack shaped like lessons/control-plane (6 pages, 23 steps, the same
//   number of checks per page, 91 read-only + 1 not read-only, which is skipped). The real pack's
//   checks look at /etc, systemd and a cluster, the same for every student on this machine, so:
//   its 45 `file` checks are `file` checks on paths relative to HOME (stat, sha256sum, head run
//   for real), its service/port/command checks (34), http checks (5) and kube checks (7) are
//   read-only `command` checks that sleep 5, 10 and 50 ms (systemctl, curl, kubectl on a real
//   server), then read a file in HOME. The chapter's 4 journal probes are left out (their output
//   would be this machine's journal).
// - Stages: student i has passed the steps before its stage and half of the checks of the step at
//   it, from "not started" to "done". Every run checks every student's verdicts step by step.
// - Tutor side: a child process that only resolves the targets (through the real ssh_config
//   parser) and runs surveyClass with a fresh ConnectionPool with its defaults (10 handshakes in
//   flight, 10 channels per connection). Wall = from calling surveyClass to its last result,
//   connecting and closing included; peak RSS = that child's maxRSS (Node, tsx, modules included).
// - Baseline: `ssh -n -o BatchMode=yes ... host 'one check'` per check per student, where 'one
//   check' is the check compiled alone (compileBatch of one item), judged like the batch
//   (judgeBatchOutput) and compared with the expected verdicts. Same concurrency: the tutor has at
//   most 10 handshakes in flight (under sshd's MaxStartups 10); for the baseline every check is a
//   handshake, so 10 ssh processes at a time. 9,100 ssh processes do not fit a short run (each
//   costs ~90 ms of CPU here), so the baseline checks BASELINE_STUDENTS students spread over the
//   stages and is scaled linearly to the class (at a constant 10 in flight its rate does not
//   depend on the class size); the table says so. The ssh2 servers accept a connection far more
//   cheaply than sshd (no fork, no privsep, no login shell), which favours the baseline.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gitState } from './git-state.js';
import { promisify } from 'node:util';
import { compileBatch } from '../src/checks/compile.js';
import { judgeBatchOutput, runBatch } from '../src/checks/run.js';
import { loadCourse } from '../src/course/loader.js';
import { createTranslator } from '../src/i18n/index.js';
import { planSurvey, surveyClass, type SurveyStudent } from '../src/instructor/survey.js';
import { ConnectionPool, DEFAULT_MAX_HANDSHAKES } from '../src/remote/pool.js';
import { memoryConfigSource, parseSshConfig, resolveTarget } from '../src/remote/ssh-config.js';

const run = promisify(execFile);
const SHORT = process.argv.includes('--short');
const num = (name: string, full: number, short: number) => Number(process.env[name] ?? (SHORT ? short : full));
const STUDENTS = num('STUDENTS', 100, 10);
const RUNS = num('RUNS', 3, 1);
const BASELINE_STUDENTS = Math.min(STUDENTS, num('BASELINE_STUDENTS', 5, 1));
/** Distinct stages the class is spread over (24 = not started, after each of the 23 steps...). */
const STAGES = num('STAGES', 24, 3);
const BASELINE_RUNS = num('BASELINE_RUNS', 3, 1);
/** The pool's cap on handshakes in flight (the product's default unless set, for experiments). */
const MAX_HANDSHAKES = num('MAX_HANDSHAKES', DEFAULT_MAX_HANDSHAKES, DEFAULT_MAX_HANDSHAKES);
const BASELINE_CONCURRENCY = num('BASELINE_CONCURRENCY', MAX_HANDSHAKES, MAX_HANDSHAKES);
const DELAY_SCALE = Number(process.env.DELAY_SCALE ?? 1);
/** What a real server spends per check besides the check's own sleep: the gather's few process starts. */
const BASE_MS = Number(process.env.BASE_MS ?? 2);
const TIMEOUT_MS = 60_000;
const TARGETS = { wallMs: 5_000, ratio: 10, rssMB: 250 };

/** Key of the count of checks in error in a verdict (step ids never start with `_`). */
const ERRORS = '_errors';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---------------------------------------------------------------------------------------------
// The chapter-shaped pack

/** Steps per page and checks per page, as in lessons/control-plane (92 checks, one not read-only). */
const PAGES = [
  { id: 'distribute', steps: 2, checks: 20 },
  { id: 'install', steps: 4, checks: 27 },
  { id: 'services', steps: 4, checks: 15 },
  { id: 'verify', steps: 5, checks: 16 },
  { id: 'webhook', steps: 3, checks: 4 },
  { id: 'rbac', steps: 5, checks: 10 },
];
/** The real pack's mix over its 91 read-only checks, in the order they are dealt out. */
const MIX: Array<{ kind: 'file' | 'systemctl' | 'curl' | 'kubectl'; n: number; sleepMs: number }> = [
  { kind: 'file', n: 45, sleepMs: 0 },
  { kind: 'systemctl', n: 34, sleepMs: 5 },
  { kind: 'curl', n: 5, sleepMs: 10 },
  { kind: 'kubectl', n: 7, sleepMs: 50 },
];

interface GenCheck {
  id: string;
  kind: (typeof MIX)[number]['kind'] | 'writes';
  /** Relative to HOME: what must be there for this check to pass. */
  file: string;
}
interface GenStep {
  id: string;
  checks: GenCheck[];
}

function chapterShape(): Array<{ id: string; steps: GenStep[] }> {
  const deck: GenCheck['kind'][] = [];
  // Interleave the kinds so every page gets some of each, like the real chapter's pages.
  const left = MIX.map((m) => m.n);
  while (left.some((n) => n > 0)) MIX.forEach((m, i) => left[i]! > 0 && (left[i]!--, deck.push(m.kind)));
  deck.splice(30, 0, 'writes'); // the one command the real pack does not mark read-only
  let k = 0;
  return PAGES.map((page, p) => {
    const steps: GenStep[] = [];
    for (let s = 0; s < page.steps; s++) {
      const count = Math.floor(page.checks / page.steps) + (s < page.checks % page.steps ? 1 : 0);
      const id = `p${p + 1}-s${s + 1}`;
      const checks: GenCheck[] = [];
      for (let c = 0; c < count; c++) {
        const kind = deck[k++]!;
        checks.push({ id: `c${c + 1}`, kind, file: kind === 'file' ? `etc/kubernetes/${id}-c${c + 1}.conf` : `state/${id}-c${c + 1}` });
      }
      steps.push({ id, checks });
    }
    return { id: page.id, steps };
  });
}

function checkYaml(c: GenCheck): string {
  const sleep = (ms: number) => (ms > 0 ? `sleep ${((ms * DELAY_SCALE) / 1000).toFixed(3)}; ` : '');
  switch (c.kind) {
    case 'file':
      return `{ id: ${c.id}, kind: file, path: '${c.file}', type: file, contains: 'kind: Config' }`;
    case 'writes':
      return `{ id: ${c.id}, kind: command, run: 'touch "$HOME/written"; echo ok', stdout: { equals: ok } }`;
    default: {
      const ms = MIX.find((m) => m.kind === c.kind)!.sleepMs;
      return `{ id: ${c.id}, kind: command, readOnly: true, run: '${sleep(ms)}cat "$HOME/${c.file}" 2>/dev/null', stdout: { equals: active } }`;
    }
  }
}

function writePack(dir: string, shape: ReturnType<typeof chapterShape>): void {
  const folders = shape.map((p, i) => `0${i + 1}-${p.id}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'course.yaml'), `id: bench-chapter\nlanguages: [ko, en]\npages:\n${folders.map((f) => `  - ${f}\n`).join('')}`);
  shape.forEach((page, i) => {
    const folder = join(dir, folders[i]!);
    mkdirSync(folder, { recursive: true });
    const steps = page.steps.map(
      (s) => `  - id: ${s.id}\n    where: server\n    checks:\n${s.checks.map((c) => `      - ${checkYaml(c)}\n`).join('')}    hints: [h]\n`,
    );
    writeFileSync(join(folder, 'steps.yaml'), `page: ${page.id}\nsteps:\n${steps.join('')}`);
    const md = (lang: string) => page.steps.map((s) => `<!-- step: ${s.id} -->\n## ${lang} ${s.id}\n\n.\n\n<!-- hint: ${s.id}.h -->\n.\n`).join('\n');
    writeFileSync(join(folder, 'ko.md'), `# ${page.id}\n\n${md('ko')}`);
    writeFileSync(join(folder, 'en.md'), `# ${page.id}\n\n${md('en')}`);
  });
}

/** Student i's HOME: steps before its stage done, half of the stage's step done. Returns passes expected per step. */
function writeHome(home: string, steps: GenStep[], stage: number): Record<string, number> {
  mkdirSync(join(home, 'etc/kubernetes'), { recursive: true });
  mkdirSync(join(home, 'state'), { recursive: true });
  const expected: Record<string, number> = {};
  steps.forEach((step, s) => {
    const readOnly = step.checks.filter((c) => c.kind !== 'writes');
    const done = s < stage ? readOnly.length : s === stage ? Math.floor(readOnly.length / 2) : 0;
    readOnly.slice(0, done).forEach((c) => writeFileSync(join(home, c.file), c.kind === 'file' ? 'apiVersion: v1\nkind: Config\n' : 'active\n'));
    expected[step.id] = done;
  });
  return expected;
}

// ---------------------------------------------------------------------------------------------
// Child: the students' servers

interface ServerInfo {
  port: number;
}
interface Answer {
  stdout: Buffer;
  stderr: Buffer;
  code: number | null;
  signal: string | null;
}
/** How the servers answered since the last `stats` request. */
interface ServerStats {
  /** CPU time (user + system) of the servers' process, its shells not included. */
  cpuMs: number;
  live: number;
  replayed: number;
  refused: number;
}

/** The batch's nonce (the script's `N=` line): the only part of a batch that differs per run. */
const NONCE = /^N=([0-9a-f]{8,})$/m;
const PLACEHOLDER = 'NONCE_PLACEHOLDER';

/** What running `text` costs a real server, besides its sleeps: BASE_MS per check, plus the sleeps. */
function delayOf(text: string): number {
  const checks = (text.match(/^_m (begin|probe) \d+$/gm) ?? []).length;
  const sleeps = [...text.matchAll(/\bsleep (\d+(?:\.\d+)?)/g)].reduce((sum, m) => sum + Number(m[1]) * 1000, 0);
  return checks * BASE_MS + sleeps;
}

async function serversChild(): Promise<void> {
  const { Server, utils } = (await import('ssh2')).default;
  const cfg = JSON.parse(process.env.BENCH_SERVERS!) as { homes: string[]; stages: number[]; hostKeys: string[]; clientPub: string };
  const allowed = utils.parseKey(cfg.clientPub);
  if (allowed instanceof Error) throw allowed;
  const children = new Set<ChildProcess>();
  const stats: ServerStats = { cpuMs: 0, live: 0, replayed: 0, refused: 0 };
  let cpu0 = process.cpuUsage();
  // By stage, command and stdin (nonce taken out): the answer a real /bin/sh gave the first time.
  const recorded = new Map<string, Promise<Answer>>();

  const liveRun = (home: string, command: string, stdin: Buffer) =>
    new Promise<Answer>((resolve, reject) => {
      // As sshd does: the user's shell runs the command line, in the user's HOME.
      const sh = spawn('/bin/sh', ['-c', command], {
        cwd: home,
        env: { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin', USER: 'student', LOGNAME: 'student', SHELL: '/bin/sh' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      children.add(sh);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      sh.stdout.on('data', (c: Buffer) => out.push(c));
      sh.stderr.on('data', (c: Buffer) => err.push(c));
      sh.stdin.on('error', () => {});
      sh.stdin.end(stdin);
      sh.on('error', reject);
      sh.on('close', (code, signal) => {
        children.delete(sh);
        resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code, signal });
      });
    });

  const answer = async (i: number, command: string, stdin: Buffer): Promise<Answer | undefined> => {
    const input = stdin.toString('utf8');
    const nonce = NONCE.exec(input)?.[1] ?? NONCE.exec(command)?.[1];
    if (!nonce) return undefined; // only batches are answered (never the executor's kill: nothing to kill here)
    const key = [cfg.stages[i], command.replaceAll(nonce, PLACEHOLDER), input.replaceAll(nonce, PLACEHOLDER)].join('\0');
    let rec = recorded.get(key);
    if (rec) {
      stats.replayed++;
      await new Promise((r) => setTimeout(r, delayOf(command + '\n' + input)));
    } else {
      stats.live++;
      const run = liveRun(cfg.homes[i]!, command, stdin).then((a) => ({ ...a, stdout: Buffer.from(a.stdout.toString('utf8').replaceAll(nonce, PLACEHOLDER)) }));
      recorded.set(key, run);
      rec = run;
    }
    const a = await rec;
    return { ...a, stdout: Buffer.from(a.stdout.toString('utf8').replaceAll(PLACEHOLDER, nonce)) };
  };

  const infos = await Promise.all(
    cfg.homes.map(
      (_home, i) =>
        new Promise<ServerInfo>((resolve, reject) => {
          const server = new Server({ hostKeys: [readFileSync(cfg.hostKeys[i]!)] }, (client) => {
            client.on('error', () => {}); // a client that goes away is not the bench's failure
            client.on('authentication', (ctx) => {
              if (
                ctx.method === 'publickey' &&
                ctx.key.algo === allowed.type &&
                ctx.key.data.equals(allowed.getPublicSSH()) &&
                (!ctx.signature || allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true)
              ) {
                return ctx.accept();
              }
              ctx.reject(['publickey']);
            });
            client.on('ready', () => {
              client.on('session', (acceptSession) => {
                const session = acceptSession();
                session.on('pty', (_a, reject) => reject?.());
                session.on('env', (accept) => accept?.());
                session.on('exec', (accept, _reject, info) => {
                  const channel = accept();
                  channel.on('error', () => {});
                  const input: Buffer[] = [];
                  channel.on('data', (c: Buffer) => input.push(c));
                  // The whole script first (the client sends it at once, then EOF), then the answer.
                  channel.once('end', () => {
                    answer(i, info.command, Buffer.concat(input)).then(
                      (a) => {
                        if (!a) {
                          stats.refused++;
                          channel.stderr.write('bench server: only check batches are answered here\n');
                          channel.exit(127);
                          return channel.end();
                        }
                        channel.write(a.stdout);
                        channel.stderr.write(a.stderr);
                        if (a.signal) channel.exit(a.signal.replace(/^SIG/, ''), false, '');
                        else channel.exit(a.code ?? 0);
                        channel.end();
                      },
                      (err: Error) => {
                        channel.stderr.write(`bench server: ${err.message}\n`);
                        channel.exit(1);
                        channel.end();
                      },
                    );
                  });
                });
              });
            });
          });
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as { port: number }).port }));
        }),
    ),
  );
  process.stdout.write(JSON.stringify(infos) + '\n');
  // The parent asks for the stats (and resets them) with a line; closing our stdin ends us.
  const lines = createInterface({ input: process.stdin });
  lines.on('line', () => {
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(JSON.stringify({ ...stats, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
    Object.assign(stats, { live: 0, replayed: 0, refused: 0 });
    cpu0 = process.cpuUsage();
  });
  lines.on('close', () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(0);
  });
}

// ---------------------------------------------------------------------------------------------
// Child: the tutor side, alone in its process

interface TutorConfig {
  packDir: string;
  clientKey: string;
  knownHosts: string;
  ports: number[];
}
interface TutorResult {
  wallMs: number;
  /** The tutor's own CPU time (user + system) during the survey. */
  cpuMs: number;
  rssMB: number;
  heapUsedMB: number;
  /** step id -> passes, per student, in roster order ('unreachable: why' when not ok). */
  verdicts: Array<Record<string, number> | string>;
  checksPerStudent: number;
  skippedPerStudent: number;
  slowestStudentMs: number;
  handshakePeak: number;
}

function targetOf(i: number, port: number, cfg: TutorConfig) {
  const alias = `student-${i + 1}`;
  const text = [
    `Host ${alias}`,
    '  HostName 127.0.0.1',
    `  Port ${port}`,
    '  User student',
    `  IdentityFile ${cfg.clientKey}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${cfg.knownHosts}`,
    '  GlobalKnownHostsFile none',
    '  IdentityAgent none',
    '  StrictHostKeyChecking yes',
    '  ConnectTimeout 10',
  ].join('\n');
  const file = join(dirname(cfg.knownHosts), 'ssh_config');
  const parsed = parseSshConfig(text, file, { source: memoryConfigSource({}), includeBase: dirname(file), home: dirname(file) });
  return resolveTarget({ files: [parsed] }, alias, { home: dirname(file), localUser: 'root', uid: 0, localHostName: 'instructor', env: {} });
}

async function tutorChild(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_TUTOR!) as TutorConfig;
  const steps = loadCourse(cfg.packDir).pages.flatMap((p) => p.steps);
  const students: SurveyStudent[] = await Promise.all(cfg.ports.map(async (port, i) => ({ name: `student ${i + 1}`, target: await targetOf(i, port, cfg) })));
  const pool = new ConnectionPool({ maxHandshakes: MAX_HANDSHAKES });
  const t = createTranslator().forLang('en');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const surveys = await surveyClass(students, steps, { pool, runBatch, t, timeoutMs: TIMEOUT_MS }).finally(() => pool.closeAll());
  const wallMs = performance.now() - t0; // closing the connections included: a one-shot export waits for it too
  const handshakePeak = pool.handshakePeak;
  const cpu = process.cpuUsage(cpu0);
  const plan = planSurvey(steps);
  const out: TutorResult = {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssMB: process.resourceUsage().maxRSS / 1024,
    // After the survey, connections closed: what is left is the results and the modules.
    heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20,
    verdicts: surveys.map((s) =>
      s.reach.kind !== 'ok'
        ? `${s.reach.kind}: ${s.reach.reason}`
        : {
            ...Object.fromEntries(Object.entries(s.steps).map(([id, st]) => [id, st.checks.filter((c) => c.status === 'pass').length])),
            [ERRORS]: Object.values(s.steps).flatMap((st) => st.checks.filter((c) => c.status === 'error')).length,
          },
    ),
    checksPerStudent: plan.items.length,
    skippedPerStudent: [...plan.skipped.values()].flat().length,
    slowestStudentMs: Math.max(...surveys.map((s) => s.elapsedMs)),
    handshakePeak,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

function runTutor(cfg: TutorConfig): Promise<TutorResult & { processMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--tutor'], {
      env: { ...process.env, BENCH_TUTOR: JSON.stringify(cfg) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the tutor child exited with ${code}; its output:\n${out}`));
      resolve({ ...(JSON.parse(out.trim().split('\n').pop()!) as TutorResult), processMs: performance.now() - t0 });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Baseline: OpenSSH, one `ssh host 'one check'` per check

async function baseline(
  ports: number[],
  cfg: TutorConfig,
  items: ReturnType<typeof planSurvey>['items'],
): Promise<{ wallMs: number; sshRuns: number; verdicts: Array<Record<string, number>> }> {
  const jobs = ports.flatMap((port, s) => items.map((item, k) => ({ s, k, port, item })));
  const passes: Array<Record<string, number>> = ports.map(() => ({}));
  let next = 0;
  const worker = async () => {
    for (let j = next++; j < jobs.length; j = next++) {
      const { s, port, item } = jobs[j]!;
      const { script, nonce } = compileBatch([item]);
      const { stdout } = await run(
        'ssh',
        [
          '-F', '/dev/null', '-i', cfg.clientKey, '-p', String(port),
          '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${cfg.knownHosts}`, '-o', 'GlobalKnownHostsFile=none',
          '-o', 'IdentityAgent=none', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-n',
          'student@127.0.0.1', script, // the script sets LC_ALL=C itself
        ],
        { maxBuffer: 16 * 2 ** 20 },
      );
      const [check] = judgeBatchOutput([item], [], stdout, nonce).checks;
      passes[s]![item.stepId] = (passes[s]![item.stepId] ?? 0) + (check!.status === 'pass' ? 1 : 0);
      passes[s]![ERRORS] = (passes[s]![ERRORS] ?? 0) + (check!.status === 'error' ? 1 : 0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: BASELINE_CONCURRENCY }, worker));
  return { wallMs: performance.now() - t0, sshRuns: jobs.length, verdicts: passes };
}

// ---------------------------------------------------------------------------------------------
// Main

async function keygen(file: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench', '-f', file]);
}

/** Passes per step as the stage says, and no check in error (the rest fail). */
function sameVerdicts(found: Record<string, number> | string, expected: Record<string, number>): boolean {
  return typeof found !== 'string' && !found[ERRORS] && Object.keys(expected).every((id) => (found[id] ?? 0) === expected[id]);
}

/** Lines from a child's stdout, one at a time. */
function lineReader(child: ChildProcess): () => Promise<string> {
  const queue: string[] = [];
  const waiting: Array<{ resolve: (l: string) => void; reject: (e: Error) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => (waiting.length ? waiting.shift()!.resolve(l) : queue.push(l)));
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`the servers' child exited with ${code}`));
  });
  return () =>
    queue.length
      ? Promise.resolve(queue.shift()!)
      : child.exitCode !== null
        ? Promise.reject(new Error(`the servers' child exited with ${child.exitCode}`))
        : new Promise((resolve, reject) => waiting.push({ resolve, reject }));
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'kthw-bench-instructor-'));
  let servers: ChildProcess | undefined;
  try {
    const shape = chapterShape();
    const packDir = join(root, 'pack');
    writePack(packDir, shape);
    const steps = shape.flatMap((p) => p.steps);
    const homes = Array.from({ length: STUDENTS }, (_, i) => join(root, 'homes', `s${i + 1}`));
    // Spread over STAGES stages from "not started" to "done", round robin over the class.
    const spread = Math.min(STAGES, steps.length + 1);
    const stages = homes.map((_, i) => Math.round(((i % spread) * steps.length) / Math.max(1, spread - 1)));
    const expected = homes.map((h, i) => writeHome(h, steps, stages[i]!));

    const clientKey = join(root, 'instructor_ed25519');
    await keygen(clientKey);
    const hostKeys = homes.map((_, i) => join(root, `host_${i + 1}`));
    for (let i = 0; i < hostKeys.length; i += 16) await Promise.all(hostKeys.slice(i, i + 16).map(keygen));

    servers = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--servers'], {
      env: { ...process.env, BENCH_SERVERS: JSON.stringify({ homes, stages, hostKeys, clientPub: readFileSync(`${clientKey}.pub`, 'utf8') }) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const nextLine = lineReader(servers);
    const ports = (JSON.parse(await nextLine()) as ServerInfo[]).map((s) => s.port);
    const serverStats = async (): Promise<ServerStats> => {
      servers!.stdin!.write('stats\n');
      return JSON.parse(await nextLine()) as ServerStats;
    };
    const knownHosts = join(root, 'known_hosts');
    writeFileSync(
      knownHosts,
      ports.map((port, i) => `[127.0.0.1]:${port} ${readFileSync(`${hostKeys[i]}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ')}\n`).join(''),
    );
    const cfg: TutorConfig = { packDir, clientKey, knownHosts, ports };

    // Tutor: a first run with live shells (records the answers), then RUNS timed runs, each in a
    // fresh process with a fresh pool, answered from the recordings with the per-command delay.
    const tutorRun = async (replay: boolean) => {
      const res = await runTutor(cfg);
      const bad = res.verdicts.map((v, i) => (sameVerdicts(v, expected[i]!) ? '' : `student ${i + 1}: ${JSON.stringify(v)}`)).filter(Boolean);
      if (bad.length) throw new Error(`the tutor's verdicts differ from the students' stages:\n${bad.slice(0, 5).join('\n')}`);
      const st = await serverStats();
      if (st.refused > 0 || (replay && st.live > 0)) throw new Error(`the servers answered unexpectedly: ${JSON.stringify(st)}`);
      return { ...res, liveShells: st.live, serversCpuMs: st.cpuMs };
    };
    const tutorLive = await tutorRun(false);
    const tutorRuns: Array<TutorResult & { processMs: number; liveShells: number; serversCpuMs: number }> = [];
    for (let r = 0; r < RUNS; r++) tutorRuns.push(await tutorRun(true));

    // Baseline: a sample of students spread over the stages (every k-th); live first, then timed.
    const plan = planSurvey(loadCourse(packDir).pages.flatMap((p) => p.steps));
    const stride = Math.max(1, Math.floor(STUDENTS / BASELINE_STUDENTS));
    const sample = Array.from({ length: BASELINE_STUDENTS }, (_, j) => j * stride + Math.floor(stride / 2));
    const baseRun = async (replay: boolean) => {
      const b = await baseline(sample.map((i) => ports[i]!), cfg, plan.items);
      b.verdicts.forEach((v, j) => {
        if (!sameVerdicts(v, expected[sample[j]!]!)) throw new Error(`the baseline's verdicts for student ${sample[j]! + 1} differ: ${JSON.stringify(v)}`);
      });
      const st = await serverStats();
      if (st.refused > 0 || (replay && st.live > 0)) throw new Error(`the servers answered unexpectedly: ${JSON.stringify(st)}`);
      return { ...b, liveShells: st.live };
    };
    const baseLive = await baseRun(false);
    const baseRuns: number[] = [];
    for (let r = 0; r < BASELINE_RUNS; r++) baseRuns.push((await baseRun(true)).wallMs);
    const sshRuns = baseLive.sshRuns;
    // The check that is not marked read-only was skipped for everyone, not run.
    const written = homes.filter((h) => existsSync(join(h, 'written')));
    if (written.length) throw new Error(`a check that writes ran on ${written.length} students' servers, e.g. ${written[0]}`);

    const scale = STUDENTS / BASELINE_STUDENTS;
    const tutorMs = median(tutorRuns.map((r) => r.wallMs));
    const tutorProcessMs = median(tutorRuns.map((r) => r.processMs));
    const rssMB = Math.max(...tutorRuns.map((r) => r.rssMB));
    const baseSampleMs = median(baseRuns);
    const baseScaledMs = baseSampleMs * scale;
    const ratio = baseScaledMs / tutorMs;
    const checks = tutorRuns[0]!.checksPerStudent;
    const here = dirname(fileURLToPath(import.meta.url));
    const { commit, dirty } = await gitState();

    const s = (ms: number) => (ms / 1000).toFixed(2);
    const x = (r: number) => `${r.toFixed(1)}x`;
    const rows: string[][] = [
      ['answers', 'path', 'students', 'runs', 'median wall (s)', 'runs (s)', 'baseline / tutor', 'peak RSS (MB)'],
      ['replayed + delay', 'tutor: surveyClass (1 connection, 1 batch exec per student)', String(STUDENTS), String(RUNS), s(tutorMs), tutorRuns.map((r) => s(r.wallMs)).join(' '), '', rssMB.toFixed(0)],
      ['replayed + delay', '  same, whole tutor process (Node start-up, loading the pack)', String(STUDENTS), String(RUNS), s(tutorProcessMs), tutorRuns.map((r) => s(r.processMs)).join(' '), '', ''],
      ['replayed + delay', `baseline: ssh host 'one check', ${BASELINE_CONCURRENCY} at a time`, String(BASELINE_STUDENTS), String(BASELINE_RUNS), s(baseSampleMs), baseRuns.map(s).join(' '), '', ''],
      ['replayed + delay', `  scaled x${scale.toFixed(1)} to the class (${sshRuns * scale} ssh runs)`, String(STUDENTS), '', s(baseScaledMs), '', x(ratio), ''],
      // Not comparable with each other: students at one stage share the tutor's live shell.
      ['live /bin/sh here', `tutor: first run, recording (${tutorLive.liveShells} live batches, 1 per stage)`, String(STUDENTS), '1', s(tutorLive.wallMs), '', '', tutorLive.rssMB.toFixed(0)],
      ['live /bin/sh here', `baseline: first run, recording (${baseLive.liveShells} live checks)`, String(BASELINE_STUDENTS), '1', s(baseLive.wallMs), '', '', ''],
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    console.log(
      `instructor survey: ${STUDENTS} simulated students (ssh2 servers), chapter-shaped pack: ${checks} read-only checks ` +
        `+ ${tutorRuns[0]!.skippedPerStudent} skipped per student; delay per check ${BASE_MS} ms + its sleep (x${DELAY_SCALE}); ` +
        `${cpus().length} CPUs; commit ${commit.slice(0, 12)}${dirty ? ' + uncommitted changes' : ''}${SHORT ? '; SHORT mode' : ''}`,
    );
    for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
    const met = { wall: tutorMs < TARGETS.wallMs, ratio: ratio >= TARGETS.ratio, rss: rssMB < TARGETS.rssMB };
    console.log(
      `targets (replayed rows): ${STUDENTS} students < ${TARGETS.wallMs / 1000} s: ${met.wall ? 'met' : 'NOT met'}; ` +
        `>= ${TARGETS.ratio}x baseline: ${met.ratio ? 'met' : 'NOT met'}; peak RSS < ${TARGETS.rssMB} MB: ${met.rss ? 'met' : 'NOT met'}. ` +
        `Slowest student ${s(median(tutorRuns.map((r) => r.slowestStudentMs)))} s; at most ${tutorRuns[0]!.handshakePeak} handshakes in flight; ` +
        `CPU during the survey: the tutor's median ${s(median(tutorRuns.map((r) => r.cpuMs)))} s, ` +
        `the simulated servers' ${s(median(tutorRuns.map((r) => r.serversCpuMs)))} s.`,
    );

    const resultsDir = join(here, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `instructor-${SHORT ? 'short-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const strip = ({ verdicts: _v, ...r }: TutorResult & { processMs: number; liveShells: number; serversCpuMs: number }) => r;
    writeFileSync(
      file,
      JSON.stringify(
        {
          bench: 'instructor',
          date: new Date().toISOString(),
          commit,
          uncommittedChanges: dirty,
          short: SHORT,
          machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
          setup: {
            students: STUDENTS,
            checksPerStudent: checks,
            skippedPerStudent: tutorRuns[0]!.skippedPerStudent,
            baseDelayMsPerCheck: BASE_MS,
            delayScale: DELAY_SCALE,
            mix: MIX,
            baselineStudents: BASELINE_STUDENTS,
            baselineConcurrency: BASELINE_CONCURRENCY,
            maxHandshakes: MAX_HANDSHAKES,
          },
          tutor: { runs: tutorRuns.map(strip), medianWallMs: tutorMs, medianProcessMs: tutorProcessMs, peakRssMB: rssMB, liveFirstRun: strip(tutorLive) },
          baseline: { runsMs: baseRuns, medianSampleMs: baseSampleMs, sshRunsPerRun: sshRuns, scaledToClassMs: baseScaledMs, liveFirstRunMs: baseLive.wallMs, liveFirstRunShells: baseLive.liveShells },
          ratio,
          targets: TARGETS,
          met,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`written: ${file}`);
  } finally {
    if (servers && servers.exitCode === null) {
      const gone = new Promise((r) => servers!.once('exit', r));
      servers.stdin!.end();
      await gone;
    }
    if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv.includes('--servers')) await serversChild();
else if (process.argv.includes('--tutor')) await tutorChild();
else await main();
