// `--lab` with the lab down, and how the lab is offered: decided over a fake host, so no lab starts.
import { describe, expect, it } from 'vitest';
import { ensureLab, labOffer, labPlan, type LabHost } from '../../src/commands/lab-start.js';
import type { LabReporter } from '../../src/lab/lab.js';
import { labLayout } from '../../src/lab/layout.js';

const layout = labLayout({ KTHW_LAB_DIR: '/nonexistent/lab', KTHW_LAB_CACHE: '/nonexistent/cache' });
const host = (over: Partial<LabHost> = {}): LabHost => ({ platform: 'linux', uid: 0, running: () => undefined, ...over });

describe('labPlan', () => {
  it('uses a running lab whoever asks, and brings a stopped one up only as root on Linux', () => {
    expect(labPlan(layout, host({ running: () => 4242, uid: 1000 }))).toEqual({ kind: 'running' });
    expect(labPlan(layout, host())).toEqual({ kind: 'up' });
    expect(labPlan(layout, host({ uid: 1000 }))).toEqual({ kind: 'refuse', need: 'root' });
    expect(labPlan(layout, host({ uid: undefined }))).toEqual({ kind: 'refuse', need: 'root' });
    expect(labPlan(layout, host({ platform: 'darwin', uid: 0 }))).toEqual({ kind: 'refuse', need: 'linux' });
  });

  it('asks the host about this layout\'s pid file', () => {
    const asked: string[] = [];
    labPlan(layout, host({ running: (l) => (asked.push(l.pidFile), undefined) }));
    expect(asked).toEqual(['/nonexistent/lab/nspawn.pid']);
  });
});

describe('ensureLab', () => {
  const reporter: LabReporter = { phase: () => {}, progress: () => {} };
  it('calls lab up (with the reporter) only when the lab is down and may be started', async () => {
    const calls: unknown[] = [];
    const up = async (l: unknown, r: unknown) => void calls.push([l, r]);
    expect(await ensureLab(layout, reporter, host(), up)).toEqual({ kind: 'up' });
    expect(calls).toEqual([[layout, reporter]]);
    expect(await ensureLab(layout, reporter, host({ running: () => 7 }), up)).toEqual({ kind: 'running' });
    expect(await ensureLab(layout, reporter, host({ uid: 1000 }), up)).toEqual({ kind: 'refuse', need: 'root' });
    expect(calls).toHaveLength(1);
  });

  it('lets a failed start through to the caller', async () => {
    await expect(ensureLab(layout, reporter, host(), async () => Promise.reject(new Error('debootstrap failed')))).rejects.toThrow('debootstrap failed');
  });
});

describe('labOffer', () => {
  it('offers a key only in the app as root on Linux, the command otherwise, and nothing on the lab or off Linux', () => {
    expect(labOffer(host(), { onLab: false, interactive: true })).toBe('key');
    expect(labOffer(host(), { onLab: false, interactive: false })).toBe('command');
    expect(labOffer(host({ uid: 1000 }), { onLab: false, interactive: true })).toBe('command');
    expect(labOffer(host({ platform: 'darwin' }), { onLab: false, interactive: true })).toBeUndefined();
    expect(labOffer(host(), { onLab: true, interactive: true })).toBeUndefined();
  });
});
