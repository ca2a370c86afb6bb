// The tutor's verified upload (uploadFiles) against OpenSSH's `scp` of the same four files, to the
// same local test sshd (with the sftp subsystem), alternating runs so both see the same machine.
// Run: npm run bench:upload              (about 295 MB of files, 7 runs each + a tuning sweep)
//      npm run bench:upload -- --short   (3 MB of files, 2 runs each, 1 per sweep row: proves it works)
// Env: RUNS, SWEEP_RUNS, SCALE (file sizes x SCALE), KEEP=1 (keep the temp dir).
//
// How it is measured, and why:
// - Files: kube-apiserver 90 MB, kube-controller-manager 85 MB, kube-scheduler 65 MB, kubectl
//   55 MB (decimal MB) of random bytes (incompressible, like binaries after compression), in the
//   page cache (written just before), so the local disk is not measured.
// - Each run goes to a fresh remote directory; the previous run's copies are removed and `sync`
//   flushes their pages before the clock starts (untimed), so no run pays for another's writeback.
// - scp: OpenSSH's client (SFTP protocol, its default since 9.0), default cipher, one process
//   including its handshake. "scp + sha256sum": the same run, then `ssh host sha256sum FILES`
//   (what it takes to know the copies are right, which the tutor always does).
// - tutor: uploadFiles on a connection opened before the clock starts (the app keeps one per
//   server), sha256 on both sides and the atomic rename included; "send only" is the time until
//   the last byte was acknowledged (the server-side check of the last file follows it). The
//   connect row adds connectSsh + close to the clock, as scp pays its handshake.
// - Client CPU: this process for the tutor (process.cpuUsage), scp+ssh via /usr/bin/time when it
//   is there. Machine CPU: all CPUs' busy time from /proc/stat (server side and kernel included).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitState } from './git-state.js';
import { promisify } from 'node:util';
import { connectSsh, type SshConnection } from '../src/remote/connect.js';
import type { ResolvedTarget } from '../src/remote/ssh-config.js';
import { DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY, uploadFiles, type UploadOptions } from '../src/remote/upload.js';
import { startSshd, targetFor, type Sshd } from '../test/helpers/sshd.js';

const run = promisify(execFile);
const SHORT = process.argv.includes('--short');
const num = (name: string, full: number, short: number) => Number(process.env[name] ?? (SHORT ? short : full));
const RUNS = num('RUNS', 7, 2);
const SWEEP_RUNS = num('SWEEP_RUNS', 3, 1);
const SCALE = num('SCALE', 1, 0.01);
const FILES: Array<[string, number]> = [
  ['kube-apiserver', 90e6],
  ['kube-controller-manager', 85e6],
  ['kube-scheduler', 65e6],
  ['kubectl', 55e6],
];
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const HAVE_TIME = existsSync('/usr/bin/time');

interface Sample {
  ms: number;
  sendMs?: number;
  clientCpuS?: number;
  machineCpuS: number;
}

/** Busy CPU-seconds of the whole machine so far (all CPUs). */
function machineBusy(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + (f[4] ?? 0);
  return (f.reduce((a, b) => a + b, 0) - idle) / 100;
}

function scpArgs(sshd: Sshd): string[] {
  return [
    '-i', sshd.clientKeyPath,
    '-o', `UserKnownHostsFile=${join(sshd.dir, 'known_hosts')}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
  ];
}

/** Runs a command, returning wall ms and (with /usr/bin/time) its CPU seconds incl. children. */
function timed(cmd: string, args: string[]): Promise<{ ms: number; cpuS?: number }> {
  return new Promise((resolve, reject) => {
    const argv = HAVE_TIME ? ['/usr/bin/time', '-f', 'KTHW_CPU %U %S', cmd, ...args] : [cmd, ...args];
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${cmd} exited with ${code}: ${err.slice(-500)}`));
      const m = /KTHW_CPU ([\d.]+) ([\d.]+)/.exec(err);
      resolve(m ? { ms, cpuS: Number(m[1]) + Number(m[2]) } : { ms });
    });
  });
}

let fresh = 0;
/** Empties the previous run's directory, flushes, and hands out a new one (untimed). */
async function freshDir(sshd: Sshd): Promise<string> {
  const base = join(sshd.dir, 'runs');
  rmSync(base, { recursive: true, force: true });
  await run('sync');
  const dir = join(base, `r${++fresh}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function scpRun(sshd: Sshd, locals: string[]): Promise<{ scp: Sample; withSum: Sample }> {
  const dir = await freshDir(sshd);
  const b0 = machineBusy();
  const copy = await timed('scp', ['-q', '-P', String(sshd.port), ...scpArgs(sshd), ...locals, `root@${sshd.host}:${dir}/`]);
  const b1 = machineBusy();
  const remote = locals.map((l) => join(dir, l.split('/').pop()!)).join(' ');
  const sum = await timed('ssh', ['-p', String(sshd.port), ...scpArgs(sshd), `root@${sshd.host}`, `sha256sum ${remote} >/dev/null`]);
  const b2 = machineBusy();
  return {
    scp: { ms: copy.ms, ...(copy.cpuS !== undefined ? { clientCpuS: copy.cpuS } : {}), machineCpuS: b1 - b0 },
    withSum: { ms: copy.ms + sum.ms, ...(copy.cpuS !== undefined ? { clientCpuS: copy.cpuS + (sum.cpuS ?? 0) } : {}), machineCpuS: b2 - b0 },
  };
}

async function tutorRun(
  sshd: Sshd,
  locals: string[],
  connection: SshConnection | ResolvedTarget,
  options: UploadOptions,
): Promise<Sample> {
  const dir = await freshDir(sshd);
  const files = locals.map((l) => ({ local: l, remote: join(dir, l.split('/').pop()!) }));
  const b0 = machineBusy();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let sendDone: number | undefined;
  const conn = 'client' in connection ? connection : await connectSsh(connection);
  try {
    const r = await uploadFiles(conn, files, {
      ...options,
      onProgress: (p) => {
        if (p.phase === 'verifying' && p.index === files.length - 1) sendDone ??= performance.now();
      },
    });
    if (r.files.some((f) => f.outcome !== 'sent')) throw new Error('a file was skipped: the remote directory was not fresh');
  } finally {
    if (conn !== connection) conn.close();
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, ...(sendDone ? { sendMs: sendDone - t0 } : {}), clientCpuS: (c.user + c.system) / 1e6, machineCpuS: machineBusy() - b0 };
}

function summary(samples: Sample[], totalBytes: number) {
  const ms = samples.map((s) => s.ms);
  const med = median(ms);
  const sends = samples.flatMap((s) => (s.sendMs ? [s.sendMs] : []));
  const cpu = samples.flatMap((s) => (s.clientCpuS !== undefined ? [s.clientCpuS] : []));
  return {
    runs: samples.length,
    medianS: med / 1000,
    minS: Math.min(...ms) / 1000,
    maxS: Math.max(...ms) / 1000,
    mbPerS: totalBytes / 1e6 / (med / 1000),
    ...(sends.length ? { sendOnlyMedianS: median(sends) / 1000, sendOnlyMbPerS: totalBytes / 1e6 / (median(sends) / 1000) } : {}),
    ...(cpu.length ? { clientCpuMedianS: median(cpu) } : {}),
    machineCpuMedianS: median(samples.map((s) => s.machineCpuS)),
    samplesMs: ms.map((x) => Math.round(x)),
  };
}

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kthw-bench-upload-'));
const sshd = await startSshd({ extraConfig: ['Subsystem sftp /usr/lib/openssh/sftp-server'] });
let connection: SshConnection | undefined;
try {
  const locals = FILES.map(([name, size]) => {
    const p = join(work, name);
    writeFileSync(p, randomBytes(Math.round(size * SCALE)), { mode: 0o755 });
    return p;
  });
  const totalBytes = FILES.reduce((a, [, s]) => a + Math.round(s * SCALE), 0);
  const target = await targetFor(sshd);
  connection = await connectSsh(target);
  const open = connection;

  // Warm-up (JIT, page cache on the server side, sshd's first session): not counted.
  await tutorRun(sshd, locals, open, {});
  await scpRun(sshd, locals);

  // Tuning sweep: WRITE size x requests in flight, and the two other choices made in upload.ts.
  const sweep: Array<{ label: string; options: UploadOptions; fresh?: boolean }> = [
    { label: 'chunk 32 KiB x 64 (ssh2 fastPut default)', options: { chunkSize: 32 * 1024, concurrency: 64 } },
    { label: 'chunk 64 KiB x 32', options: { chunkSize: 64 * 1024, concurrency: 32 } },
    { label: 'chunk 128 KiB x 16', options: { chunkSize: 128 * 1024, concurrency: 16 } },
    { label: 'chunk 255 KiB x 2', options: { chunkSize: 255 * 1024, concurrency: 2 } },
    { label: 'chunk 255 KiB x 4', options: { chunkSize: 255 * 1024, concurrency: 4 } },
    { label: 'chunk 255 KiB x 8', options: { chunkSize: 255 * 1024, concurrency: 8 } },
    { label: 'chunk 255 KiB x 4 on a fresh connection (connect + close timed)', options: { chunkSize: 255 * 1024, concurrency: 4 }, fresh: true },
    { label: 'chunk 255 KiB x 8 on a fresh connection (connect + close timed)', options: { chunkSize: 255 * 1024, concurrency: 8 }, fresh: true },
    { label: 'chunk 255 KiB x 16', options: { chunkSize: 255 * 1024, concurrency: 16 } },
    { label: 'defaults, socket writes not batched', options: { batchWrites: false } },
    { label: 'defaults, check not overlapped with next send', options: { overlapVerify: false } },
    { label: 'exec fallback (cat > temp)', options: { preferExec: true } },
  ];
  const sweepSamples = new Map<string, Sample[]>(sweep.map((s) => [s.label, []]));
  for (let r = 0; r < SWEEP_RUNS; r++) {
    for (const s of sweep) sweepSamples.get(s.label)!.push(await tutorRun(sshd, locals, s.fresh ? target : open, s.options));
    process.stderr.write(`sweep round ${r + 1}/${SWEEP_RUNS} done\n`);
  }

  // Main comparison, alternating.
  const scp: Sample[] = [];
  const scpSum: Sample[] = [];
  const tutor: Sample[] = [];
  const tutorConnect: Sample[] = [];
  for (let r = 0; r < RUNS; r++) {
    const s = await scpRun(sshd, locals);
    scp.push(s.scp);
    scpSum.push(s.withSum);
    tutor.push(await tutorRun(sshd, locals, open, {}));
    tutorConnect.push(await tutorRun(sshd, locals, target, {}));
    process.stderr.write(`run ${r + 1}/${RUNS} done\n`);
  }

  const main = {
    scp: summary(scp, totalBytes),
    scpWithSha256sum: summary(scpSum, totalBytes),
    tutor: summary(tutor, totalBytes),
    tutorWithConnect: summary(tutorConnect, totalBytes),
  };
  const sweepOut = sweep.map((s) => ({ label: s.label, options: s.options, ...summary(sweepSamples.get(s.label)!, totalBytes) }));
  const ratio = (x: { mbPerS: number }) => x.mbPerS / main.scp.mbPerS;
  // Runs alternate, so run r of each saw the same machine: the median of per-run ratios is the
  // figure least moved by other load on the machine.
  const paired = (xs: Sample[], base: Sample[] = scp) => median(xs.map((x, r) => base[r]!.ms / x.ms));
  const pairedRatios = {
    tutorVerifiedVsScp: paired(tutor),
    tutorSendOnlyVsScp: median(tutor.map((x, r) => scp[r]!.ms / (x.sendMs ?? x.ms))),
    tutorWithConnectVsScp: paired(tutorConnect),
    tutorVerifiedVsScpWithSha256sum: paired(tutor, scpSum),
  };

  const { commit, dirty } = await gitState();
  const { stderr: sshVersion } = await run('ssh', ['-V']).catch(() => ({ stderr: 'unknown' }));

  const f2 = (x: number) => x.toFixed(2);
  const cpuCell = (x: { clientCpuMedianS?: number; machineCpuMedianS: number }) =>
    `${x.clientCpuMedianS !== undefined ? f2(x.clientCpuMedianS) : '-'} / ${f2(x.machineCpuMedianS)}`;
  const head = ['', 'runs', 'median s', 'min s', 'max s', 'MB/s', 'vs scp', 'send only s (MB/s)', 'CPU s client / machine'];
  const row = (label: string, x: ReturnType<typeof summary>) => [
    label,
    String(x.runs),
    f2(x.medianS),
    f2(x.minS),
    f2(x.maxS),
    x.mbPerS.toFixed(0),
    `${ratio(x).toFixed(2)}x`,
    x.sendOnlyMedianS !== undefined ? `${f2(x.sendOnlyMedianS)} (${x.sendOnlyMbPerS!.toFixed(0)})` : '',
    cpuCell(x),
  ];
  const rows = [
    head,
    row('scp (OpenSSH, SFTP protocol)', main.scp),
    row('scp + ssh sha256sum', main.scpWithSha256sum),
    row(`tutor uploadFiles, verified (defaults: ${DEFAULT_CHUNK_SIZE / 1024} KiB x ${DEFAULT_CONCURRENCY})`, main.tutor),
    row('  same + connect and close', main.tutorWithConnect),
    ['tuning sweep (tutor, verified)', '', '', '', '', '', '', '', ''],
    ...sweepOut.map((s) => row(`  ${s.label}`, s)),
  ];
  const widths = head.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  console.log(
    `upload bench: ${FILES.length} files, ${(totalBytes / 1e6).toFixed(1)} MB of random bytes, to a local sshd (127.0.0.1); ` +
      `${sshVersion.trim()}; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); node ${process.version}; ` +
      `commit ${commit.slice(0, 12)}${dirty ? ' + uncommitted changes' : ''}${SHORT ? '; SHORT mode' : ''}`,
  );
  for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  const x2 = (v: number) => `${v.toFixed(2)}x`;
  console.log(
    `tutor/scp throughput (ratio of medians; median of per-run ratios in brackets): ` +
      `${x2(ratio(main.tutor))} (${x2(pairedRatios.tutorVerifiedVsScp)}) verified, as the tutor always runs; ` +
      `${x2(main.tutor.sendOnlyMbPerS! / main.scp.mbPerS)} (${x2(pairedRatios.tutorSendOnlyVsScp)}) counting only the sending; ` +
      `${x2(ratio(main.tutorWithConnect))} (${x2(pairedRatios.tutorWithConnectVsScp)}) with connect and close; ` +
      `${x2(main.tutor.mbPerS / main.scpWithSha256sum.mbPerS)} (${x2(pairedRatios.tutorVerifiedVsScpWithSha256sum)}) against scp + sha256sum.`,
  );

  const resultsDir = join(here, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `upload-${SHORT ? 'short-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        bench: 'upload',
        date: new Date().toISOString(),
        commit,
        uncommittedChanges: dirty,
        short: SHORT,
        machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, openssh: sshVersion.trim() },
        setup: { files: FILES.map(([name, size]) => ({ name, bytes: Math.round(size * SCALE) })), totalBytes, runs: RUNS, sweepRuns: SWEEP_RUNS },
        defaults: { chunkSize: DEFAULT_CHUNK_SIZE, concurrency: DEFAULT_CONCURRENCY },
        main,
        ratios: {
          tutorVerifiedVsScp: ratio(main.tutor),
          tutorSendOnlyVsScp: main.tutor.sendOnlyMbPerS! / main.scp.mbPerS,
          tutorWithConnectVsScp: ratio(main.tutorWithConnect),
          tutorVerifiedVsScpWithSha256sum: main.tutor.mbPerS / main.scpWithSha256sum.mbPerS,
        },
        pairedRatios,
        sweep: sweepOut,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`written: ${file}`);
} finally {
  connection?.close();
  await sshd.stop();
  if (process.env.KEEP !== '1') rmSync(work, { recursive: true, force: true });
  else console.log(`kept: ${work}`);
}
