// What a step that prints a lot costs the tutor: 100 MB of text and 100 MB of binary output from
// one command, through the tutor's SSH executor and the session's live-output path (bounded,
// sanitized tail, flushed at most every 50 ms), against plain `ssh` to the same local sshd in
// the same run. Each tutor run is its own process, so its peak RSS is its own.
// Run: npm run bench:output   (as root, with OpenSSH's sshd installed)
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { connectSsh } from '../src/remote/connect.js';
import { SshExecutor } from '../src/remote/ssh-executor.js';
import { OutputTail } from '../src/text/output-tail.js';
import { RUN_OUTPUT_CAP } from '../src/tutor/reducer.js';
import { startSshd, targetFor, type Sshd } from '../test/helpers/sshd.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const MB = 100;
const COMMANDS = {
  text: `head -c ${MB}000000 /dev/zero | tr '\\0' a`,
  binary: `head -c ${MB}000000 /dev/urandom`,
} as const;
type Case = keyof typeof COMMANDS;
/** The session keeps this much for the screen, and lets the executor keep as much per stream. */
const SCREEN_CAP = RUN_OUTPUT_CAP;
const KEEP_BYTES = RUN_OUTPUT_CAP;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const run = promisify(execFile);

interface Measured {
  ms: number;
  rssMB: number;
  /** RSS with the connection open, before the command. */
  startRssMB?: number;
}

/** Child mode: one command through the executor, reporting time, bytes seen and peak RSS. */
async function child(sshdInfo: Sshd, which: Case): Promise<void> {
  const target = await targetFor(sshdInfo);
  const connection = await connectSsh(target);
  const executor = SshExecutor.forConnection(connection);
  await executor.exec('true');
  let screen = '';
  let seen = 0;
  const tail = new OutputTail(SCREEN_CAP, (text) => {
    screen = (screen + text).slice(-SCREEN_CAP); // what the reducer does with it
  });
  const startRssMB = process.memoryUsage().rss / 2 ** 20;
  const t0 = performance.now();
  // The options the session passes (src/tutor/session.ts, run).
  const r = await executor.exec(COMMANDS[which], {
    maxOutputBytes: KEEP_BYTES,
    timeoutMs: 300_000,
    onStdoutBytes: (chunk) => {
      seen += chunk.length;
      tail.pushBytes(chunk, 'stdout');
    },
    onStderrBytes: (chunk) => tail.pushBytes(chunk, 'stderr'),
  });
  tail.end();
  const ms = performance.now() - t0;
  connection.close();
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  if (seen !== MB * 1_000_000) throw new Error(`saw ${seen} bytes, not ${MB} MB`);
  if (screen.length !== SCREEN_CAP) throw new Error(`the screen holds ${screen.length} characters`);
  const out: Measured = { ms, rssMB: process.resourceUsage().maxRSS / 1024, startRssMB };
  process.stdout.write(JSON.stringify(out) + '\n');
}

async function tutorRun(sshd: Sshd, which: Case): Promise<Measured> {
  const info = JSON.stringify({ dir: sshd.dir, port: sshd.port, clientKeyPath: sshd.clientKeyPath, knownHostsLine: sshd.knownHostsLine });
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--child', which], {
      env: { ...process.env, BENCH_SSHD: info },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Measured) : reject(new Error(`child exited ${code}`))));
  });
}

async function sshRun(sshd: Sshd, command: string): Promise<Measured> {
  const ssh = [
    'ssh', '-F', '/dev/null', '-i', sshd.clientKeyPath, '-p', String(sshd.port),
    '-o', `UserKnownHostsFile=${sshd.dir}/known_hosts`, '-o', 'GlobalKnownHostsFile=none', '-o', 'IdentityAgent=none',
    '-o', 'BatchMode=yes', 'root@127.0.0.1', command,
  ];
  // The output goes to /dev/null; /usr/bin/time's line (seconds, peak RSS in KB) comes last on stderr.
  const line = `/usr/bin/time -f '%e %M' ${ssh.map(shq).join(' ')} 2>&1 >/dev/null | tail -n 1`;
  const t0 = performance.now();
  const { stdout } = await run('/bin/sh', ['-c', line]);
  const ms = performance.now() - t0;
  const [, rssKB] = stdout.trim().split(/\s+/);
  return { ms, rssMB: Number(rssKB) / 1024 };
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function main(): Promise<void> {
  const sshd = await startSshd();
  try {
    await targetFor(sshd); // writes known_hosts for plain ssh too
    const rows: string[][] = [['case', 'path', 'median ms', 'runs (ms)', 'x ssh', 'peak RSS MB', 'RSS before MB']];
    const handshake = [] as number[];
    for (let i = 0; i < ROUNDS; i++) handshake.push((await sshRun(sshd, 'true')).ms);
    rows.push(['(handshake)', 'ssh true', median(handshake).toFixed(0), handshake.map((x) => x.toFixed(0)).join(' '), '', '', '']);
    for (const which of Object.keys(COMMANDS) as Case[]) {
      const ssh: Measured[] = [];
      const tutor: Measured[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        ssh.push(await sshRun(sshd, COMMANDS[which]));
        tutor.push(await tutorRun(sshd, which));
      }
      const sshMs = median(ssh.map((m) => m.ms));
      const tutorMs = median(tutor.map((m) => m.ms));
      rows.push([`${MB} MB ${which}`, 'plain ssh', sshMs.toFixed(0), ssh.map((m) => m.ms.toFixed(0)).join(' '), '1.00', Math.max(...ssh.map((m) => m.rssMB)).toFixed(0), '']);
      rows.push([
        `${MB} MB ${which}`,
        'tutor executor',
        tutorMs.toFixed(0),
        tutor.map((m) => m.ms.toFixed(0)).join(' '),
        (tutorMs / sshMs).toFixed(2),
        Math.max(...tutor.map((m) => m.rssMB)).toFixed(0),
        Math.max(...tutor.map((m) => m.startRssMB ?? 0)).toFixed(0),
      ]);
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
    console.log(`(${ROUNDS} runs each; plain ssh includes its own handshake, the tutor's connection is already open as in the app)`);
  } finally {
    await sshd.stop();
  }
}

if (process.argv[2] === '--child') {
  await child(JSON.parse(process.env.BENCH_SSHD!) as Sshd, process.argv[3] as Case);
} else {
  await main();
}
