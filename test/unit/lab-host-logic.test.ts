// The pure parts of the lab on the host side: debootstrap progress, the progress bar, the files
// that make `server` resolve for the tutor only, and the status text.
import { describe, expect, it } from 'vitest';
import { formatStatus, progressLine } from '../../src/commands/lab.js';
import { debootstrapStep, DEBOOTSTRAP_PROGRESS_LINES } from '../../src/lab/base-image.js';
import { labLayout } from '../../src/lab/layout.js';
import { labSshConfig, labWrappers, serverHosts } from '../../src/lab/prepare.js';

const layout = labLayout({ KTHW_LAB_DIR: '/s', KTHW_LAB_CACHE: '/c' });

describe('debootstrap progress', () => {
  it('counts only progress lines and labels them; never reports 100% before the end', () => {
    let seen = 0;
    const out = ['I: Retrieving InRelease ', 'I: Checking Release signature', 'I: Unpacking systemd...', 'W: whatever'].map((line) => {
      const step = debootstrapStep(seen, line);
      seen = step.seen;
      return step.progress;
    });
    expect(seen).toBe(2);
    expect(out[0]).toEqual({ fraction: 1 / DEBOOTSTRAP_PROGRESS_LINES, label: 'retrieving InRelease' });
    expect(out[1]).toBeUndefined();
    expect(out[2]!.label).toBe('unpacking systemd');
    expect(debootstrapStep(5000, 'I: Configuring x').progress!.fraction).toBe(0.99);
  });
});

describe('progress bar', () => {
  it('fits the width and shows percent and label', () => {
    const line = progressLine({ fraction: 0.45, label: 'unpacking systemd' }, 80);
    expect(line).toMatch(/^\[#+\.+\]  45% unpacking systemd$/);
    expect(line.length).toBeLessThanOrEqual(79);
    expect(progressLine({ fraction: 1, label: 'x'.repeat(200) }, 40).length).toBeLessThanOrEqual(39);
  });
});

describe('name resolution for the tutor only', () => {
  it('ssh_config maps both chapter names to the lab address with the lab key and strict host keys', () => {
    const cfg = labSshConfig(layout);
    expect(cfg).toContain('Host server server.kubernetes.local\n');
    expect(cfg).toContain('  HostName 10.77.0.10\n');
    expect(cfg).toContain('  UserKnownHostsFile /s/known_hosts\n');
    expect(cfg).toContain('  StrictHostKeyChecking yes\n');
  });
  it('the curl wrapper resolves server.kubernetes.local:6443 without touching /etc/hosts', () => {
    const w = labWrappers(layout);
    expect(w.curl).toContain('--resolve server.kubernetes.local:6443:10.77.0.10');
    expect(w.scp).toContain('-F /s/ssh_config');
  });
  it('the server\'s /etc/hosts names it like chapter 3 does', () => {
    const hosts = serverHosts('10.77.0.10');
    expect(hosts).toContain('# Kubernetes The Hard Way\n10.77.0.10 server.kubernetes.local server\n');
    // Chapter 3's `sed` on the 127.0.1.1 line: the name resolves to loopback first on the server.
    expect(hosts.indexOf('127.0.1.1\tserver.kubernetes.local server')).toBeLessThan(hosts.indexOf('10.77.0.10'));
  });
});

describe('lab status', () => {
  it('labels stand-ins loudly', () => {
    const text = formatStatus(
      { running: true, pid: 42, mounted: true, network: true, serverIp: '10.77.0.10', units: { etcd: 'active' }, jumpbox: '/s/jumpbox', sshConfig: '/s/ssh_config', info: { binaries: 'stand-in', preparedAt: 'x' } },
      layout,
    );
    expect(text).toContain('STAND-INS');
    expect(text).toContain('  etcd                     active\n');
  });
});
