// The lab's server: a network namespace with a veth pair, an overlay root (base + prepared + run
// layers), and systemd-nspawn booting it. Every step checks first, so running it twice is harmless,
// and `stop` undoes exactly what `start` did.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import type { LabLayout, LabNet } from './layout.js';
import { run } from './exec.js';

export async function netnsExists(net: LabNet): Promise<boolean> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout.split('\n').some((line) => line.split(' ')[0] === net.netns);
}

export async function linkExists(name: string): Promise<boolean> {
  const { code } = await run('ip', ['link', 'show', 'dev', name], { allowFailure: true });
  return code === 0;
}

/** The namespace and veth pair of the recipe; only the lab's own addresses live here. */
export async function networkUp(net: LabNet): Promise<void> {
  if (!(await netnsExists(net))) await run('ip', ['netns', 'add', net.netns]);
  if (!(await linkExists(net.hostIf))) {
    await run('ip', ['link', 'add', net.hostIf, 'type', 'veth', 'peer', 'name', net.peerIf]);
    await run('ip', ['link', 'set', net.peerIf, 'netns', net.netns]);
    await run('ip', ['addr', 'add', `${net.hostIp}/${net.prefix}`, 'dev', net.hostIf]);
    await run('ip', ['-n', net.netns, 'addr', 'add', `${net.serverIp}/${net.prefix}`, 'dev', net.peerIf]);
  }
  await run('ip', ['link', 'set', net.hostIf, 'up']);
  await run('ip', ['-n', net.netns, 'link', 'set', net.peerIf, 'up']);
  await run('ip', ['-n', net.netns, 'link', 'set', 'lo', 'up']);
}

export async function networkDown(net: LabNet): Promise<void> {
  // Deleting the namespace destroys the peer end, and with it the pair; the explicit delete covers
  // a pair whose peer never reached the namespace.
  if (await netnsExists(net)) await run('ip', ['netns', 'del', net.netns]);
  if (await linkExists(net.hostIf)) await run('ip', ['link', 'del', net.hostIf]);
}

export function isMounted(path: string): boolean {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  return mounts.split('\n').some((line) => line.split(' ')[4] === path);
}

export async function mountRoot(layout: LabLayout): Promise<void> {
  if (isMounted(layout.root)) return;
  for (const dir of [layout.runUpper, layout.runWork, layout.root]) mkdirSync(dir, { recursive: true });
  const options = `lowerdir=${layout.preparedLayer}:${layout.baseRootfs},upperdir=${layout.runUpper},workdir=${layout.runWork}`;
  await run('mount', ['-t', 'overlay', 'kthw-lab', '-o', options, layout.root]);
}

export async function unmountRoot(layout: LabLayout): Promise<void> {
  if (isMounted(layout.root)) await run('umount', [layout.root]);
}

/** The pid of our systemd-nspawn if it is still that process (pids get reused). */
export function runningPid(layout: LabLayout): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(layout.pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return comm === 'systemd-nspawn' ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Boots the container in the background; its console goes to console.log in the lab folder. */
export function boot(layout: LabLayout): number {
  const existing = runningPid(layout);
  if (existing !== undefined) return existing;
  const log = openSync(`${layout.stateDir}/console.log`, 'w');
  const child = spawn(
    'systemd-nspawn',
    [
      '-q',
      '-D', layout.root,
      '-b',
      // No system bus on the host: do not register with machined or create a scope unit.
      '--register=no',
      '--keep-unit',
      `--network-namespace-path=/run/netns/${layout.net.netns}`,
      '-M', layout.net.machine,
      // The lab writes its own /etc/hosts and resolv.conf; keep nspawn from copying the host's.
      '--resolv-conf=off',
      '--timezone=off',
      '--console=passive',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error('systemd-nspawn did not start (is systemd-container installed?)');
  writeFileSync(layout.pidFile, `${child.pid}\n`);
  return child.pid;
}

/** SIGTERM makes nspawn shut the container down cleanly; SIGKILL after `graceMs`. */
export async function halt(layout: LabLayout, graceMs = 20_000): Promise<void> {
  const pid = runningPid(layout);
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (alive(pid) && Date.now() < deadline) await sleep(100);
    if (alive(pid)) {
      process.kill(pid, 'SIGKILL');
      while (alive(pid)) await sleep(50);
    }
  }
  rmSync(layout.pidFile, { force: true });
}

function alive(pid: number): boolean {
  try {
    // A zombie still answers kill(0); its state letter in /proc says it is gone.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function exists(path: string): boolean {
  return existsSync(path);
}
