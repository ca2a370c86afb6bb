// `--lab` when the lab is not running, and the lab offered to a learner whose server cannot be
// reached. The decisions are pure over a `LabHost` (tests pass a fake); only `ensureLab` acts.
import { labUp, type LabReporter } from '../lab/lab.js';
import type { LabLayout } from '../lab/layout.js';
import { runningPid } from '../lab/machine.js';
import type { LabOffer } from '../remote/explain.js';

/** What this machine and this process are, as far as starting the lab goes. */
export interface LabHost {
  platform: NodeJS.Platform;
  /** Effective user id; undefined where there is none (Windows). */
  uid: number | undefined;
  /** The pid of the lab's systemd-nspawn, when it runs. */
  running(layout: LabLayout): number | undefined;
}

export const realLabHost: LabHost = {
  platform: process.platform,
  uid: process.getuid?.(),
  running: runningPid,
};

/** Starting the lab needs Linux (systemd-nspawn) and root (netns, overlay mount): which is missing. */
export type LabNeed = 'linux' | 'root';

export type LabPlan = { kind: 'running' } | { kind: 'up' } | { kind: 'refuse'; need: LabNeed };

/** `--lab`: use the running lab, bring it up first, or say what starting it needs. */
export function labPlan(layout: LabLayout, host: LabHost): LabPlan {
  if (host.running(layout) !== undefined) return { kind: 'running' };
  const need = labNeed(host);
  return need ? { kind: 'refuse', need } : { kind: 'up' };
}

function labNeed(host: LabHost): LabNeed | undefined {
  if (host.platform !== 'linux') return 'linux';
  if (host.uid !== 0) return 'root';
  return undefined;
}

/**
 * How the lab is offered when the learner's server cannot be reached: `key` where this process
 * may start it itself (root on Linux, in the app), else the `command` to run; none on the lab
 * or where no lab can run.
 */
export function labOffer(host: LabHost, options: { onLab: boolean; interactive: boolean }): LabOffer | undefined {
  if (options.onLab || host.platform !== 'linux') return undefined;
  return options.interactive && labNeed(host) === undefined ? 'key' : 'command';
}

/** Brings the lab up unless it runs; `up` is labUp (tests pass a fake that records the call). */
export async function ensureLab(
  layout: LabLayout,
  reporter: LabReporter,
  host: LabHost = realLabHost,
  up: (layout: LabLayout, reporter: LabReporter) => Promise<unknown> = labUp,
): Promise<LabPlan> {
  const plan = labPlan(layout, host);
  if (plan.kind === 'up') await up(layout, reporter);
  return plan;
}
