// The base Debian 12 rootfs, made once with debootstrap and kept in the cache folder, where later
// labs (and later CI runs on the same machine) find it. Built in a temp folder and renamed into
// place, so an interrupted build never leaves a half rootfs that looks finished.
import { existsSync, renameSync, rmSync } from 'node:fs';
import type { LabLayout } from './layout.js';
import { runStreaming } from './exec.js';

/** What the chapter's server has, plus etcd (chapter 7) and the tools the checks use. */
export const BASE_PACKAGES = [
  'systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'iproute2', 'curl', 'openssl', 'jq', 'procps',
  'ca-certificates', 'etcd-server',
] as const;

/**
 * A debootstrap run prints about this many progress lines (Retrieving/Validating/Extracting/
 * Unpacking/Configuring, one per package each; measured on bookworm with BASE_PACKAGES: 686).
 */
export const DEBOOTSTRAP_PROGRESS_LINES = 690;
const PROGRESS_LINE = /^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) (\S+)/;

export interface BuildProgress {
  fraction: number;
  label: string;
}

/** Pure: progress after one more line of debootstrap output (`seen` counts progress lines so far). */
export function debootstrapStep(seen: number, line: string): { seen: number; progress?: BuildProgress } {
  const m = PROGRESS_LINE.exec(line);
  if (!m) return { seen };
  const next = seen + 1;
  const label = `${m[1]!.toLowerCase()} ${m[2]!.replace(/\.\.\.$/, '')}`;
  return { seen: next, progress: { fraction: Math.min(0.99, next / DEBOOTSTRAP_PROGRESS_LINES), label } };
}

export function baseImageReady(layout: LabLayout): boolean {
  return existsSync(`${layout.baseRootfs}/etc/os-release`) && existsSync(`${layout.baseRootfs}/usr/bin/etcd`);
}

export async function buildBaseImage(
  layout: LabLayout,
  onProgress: (p: BuildProgress) => void,
  options: { mirror?: string } = {},
): Promise<void> {
  if (baseImageReady(layout)) return;
  const tmp = `${layout.baseRootfs}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  let seen = 0;
  await runStreaming(
    'debootstrap',
    ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, 'bookworm', tmp, ...(options.mirror ? [options.mirror] : [])],
    (line) => {
      const step = debootstrapStep(seen, line);
      seen = step.seen;
      if (step.progress) onProgress(step.progress);
    },
  );
  renameSync(tmp, layout.baseRootfs);
  onProgress({ fraction: 1, label: 'done' });
}
