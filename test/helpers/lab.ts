// Lab suite helpers: what the host looks like (to prove `lab down` leaves nothing), and a quiet
// reporter for lab operations.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { LabReporter } from '../../src/lab/lab.js';

export interface HostSnapshot {
  netns: string[];
  links: string[];
  mounts: string[];
  processes: string[];
}

/** Network namespaces, link names, mount points and live process command names (not pids). */
export function hostSnapshot(): HostSnapshot {
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean).sort();
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0] ?? '')
    .filter(Boolean)
    .sort();
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter(Boolean);
  return { netns, links, mounts: comparableMounts(mounts), processes: labProcesses() };
}

/**
 * `ip` bind-mounts /run/netns itself the first time any namespace is added and leaves it there for
 * good: that is `ip`'s bookkeeping (a fresh machine has it after its first `lab up`), not a leak.
 * The mounts a lab can leak still count: the namespace files in it (/run/netns/NAME), the overlay.
 */
const IP_NETNS_DIR = '/run/netns';

function comparableMounts(mountPoints: string[]): string[] {
  return mountPoints.filter((m) => m !== IP_NETNS_DIR).sort();
}

/** Processes that belong to a lab: systemd-nspawn and anything inside the container. */
export function labProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(stat)) continue; // a zombie waits for init to reap it; it holds nothing
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const cgroup = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
      const netns = readlinkSafe(`/proc/${pid}/ns/net`);
      if (comm === 'systemd-nspawn' || cgroup.includes('machine') || netns !== hostNetns()) found.push(comm);
    } catch {
      // the process exited while we looked
    }
  }
  return found.sort();
}

let ownNetns: string | undefined;
function hostNetns(): string {
  ownNetns ??= readlinkSafe('/proc/self/ns/net');
  return ownNetns;
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

export function quietReporter(log: string[] = []): LabReporter {
  return { phase: (t) => log.push(t), progress: () => {} };
}
