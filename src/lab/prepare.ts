// The state right before chapter 8, built for real: the prepared overlay layer (what chapters 2–7
// leave on the server) and the jumpbox folder (what they leave on the jumpbox), plus the keys,
// ssh_config and known_hosts through which the tutor reaches the lab's server.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAsset, projectPath } from './assets.js';
import { run } from './exec.js';
import type { LabLayout } from './layout.js';
import { makeCertificates, makeEncryptionConfig, makeKubeconfigs } from './pki.js';
import { STANDIN_NAMES } from './standin-build.js';

/** The files of chapters 4–6 that sit in the server's /root when chapter 8 begins. */
export const SERVER_ROOT_FILES = [
  'ca.crt', 'ca.key', 'kube-api-server.key', 'kube-api-server.crt', 'service-accounts.key', 'service-accounts.crt',
  'admin.kubeconfig', 'kube-controller-manager.kubeconfig', 'kube-scheduler.kubeconfig', 'encryption-config.yaml',
] as const;

const CHAPTER8_UPSTREAM = projectPath('lessons/control-plane/upstream');

export interface Binaries {
  kind: 'stand-in' | 'real';
  /** Folder with kube-apiserver, kube-controller-manager, kube-scheduler. */
  controller: Record<(typeof STANDIN_NAMES)[number], string>;
  kubectl: string;
}

/**
 * `/etc/hosts` of the server as chapter 3 leaves it: its host name step rewrites Debian's
 * 127.0.1.1 line to the server's own names, and the KTHW block is appended below. Checks that
 * look the server's address up on the server must cope with that loopback line coming first.
 */
export function serverHosts(serverIp: string): string {
  return [
    '127.0.0.1 localhost',
    '127.0.1.1\tserver.kubernetes.local server',
    '',
    '# The following lines are desirable for IPv6 capable hosts',
    '::1 localhost ip6-localhost ip6-loopback',
    '',
    '# Kubernetes The Hard Way',
    `${serverIp} server.kubernetes.local server`,
    '',
  ].join('\n');
}

/** The ssh_config the tutor (and the lab's ssh/scp wrappers) use; nothing else reads it. */
export function labSshConfig(layout: LabLayout): string {
  return [
    '# Written by `kthw-tutor lab up`: how to reach the lab server. Used only through kthw-tutor --lab',
    `# and the wrappers in ${layout.binDir}; your ~/.ssh/config is not touched.`,
    'Host server server.kubernetes.local',
    `  HostName ${layout.net.serverIp}`,
    '  User root',
    `  IdentityFile ${layout.identity}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${layout.knownHosts}`,
    '  StrictHostKeyChecking yes',
    '',
  ].join('\n');
}

/** ssh, scp and curl that reach the lab server by its chapter names, for the tutor's jumpbox steps. */
export function labWrappers(layout: LabLayout): Record<string, string> {
  const ip = layout.net.serverIp;
  return {
    ssh: `#!/bin/sh\n# kthw-tutor lab: ssh with the lab's config\nexec /usr/bin/ssh -F ${layout.sshConfig} "$@"\n`,
    scp: `#!/bin/sh\n# kthw-tutor lab: scp with the lab's config\nexec /usr/bin/scp -F ${layout.sshConfig} "$@"\n`,
    curl:
      `#!/bin/sh\n# kthw-tutor lab: curl that resolves the server's names to the lab (no /etc/hosts edit)\n` +
      `exec /usr/bin/curl --resolve server.kubernetes.local:6443:${ip} --resolve server:6443:${ip} "$@"\n`,
  };
}

async function sshKeygen(file: string, type: 'ed25519' | 'ecdsa' | 'rsa', comment: string): Promise<void> {
  rmSync(file, { force: true });
  rmSync(`${file}.pub`, { force: true });
  await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', comment, '-f', file]);
}

/** The chapter 4–6 files; `kubectl` makes the kubeconfigs (default: the one on PATH). */
export async function preparePki(dir: string, options: { bits?: number; kubectl?: string } = {}): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await makeCertificates(dir, options.bits === undefined ? {} : { bits: options.bits });
  await makeKubeconfigs(dir, options.kubectl === undefined ? {} : { kubectl: options.kubectl });
  makeEncryptionConfig(dir);
}

/**
 * Builds the prepared layer and the jumpbox from scratch (fresh CA, keys and host keys for every
 * lab). `pkiDir` holds the chapter 4–6 files made by preparePki.
 */
export async function prepareLab(layout: LabLayout, pkiDir: string, binaries: Binaries): Promise<void> {
  const layer = layout.preparedLayer;
  rmSync(layer, { recursive: true, force: true });
  const dirs = ['etc/ssh', 'etc/systemd/system/multi-user.target.wants', 'root/.ssh', 'usr/local/bin'];
  for (const d of dirs) mkdirSync(join(layer, d), { recursive: true });
  chmodSync(join(layer, 'root'), 0o700);
  chmodSync(join(layer, 'root/.ssh'), 0o700);

  writeFileSync(join(layer, 'etc/hostname'), `${layout.net.machine}\n`);
  writeFileSync(join(layer, 'etc/hosts'), serverHosts(layout.net.serverIp));
  // No DNS in the lab: every name it needs is in /etc/hosts, and nothing may leave the namespace.
  writeFileSync(join(layer, 'etc/resolv.conf'), '# kthw-tutor lab: no DNS server; names are in /etc/hosts\n');

  // Fresh host keys (the base image's are shared by every lab built from the cache).
  for (const type of ['ed25519', 'ecdsa', 'rsa'] as const) {
    await sshKeygen(join(layer, `etc/ssh/ssh_host_${type}_key`), type, 'root@server');
  }
  mkdirSync(layout.stateDir, { recursive: true, mode: 0o700 });
  await sshKeygen(layout.identity, 'ed25519', 'kthw-tutor-lab');
  writeFileSync(join(layer, 'root/.ssh/authorized_keys'), readFileSync(`${layout.identity}.pub`), { mode: 0o600 });
  const hostKeys = ['ed25519', 'ecdsa', 'rsa']
    .map((t) => readFileSync(join(layer, `etc/ssh/ssh_host_${t}_key.pub`), 'utf8').trim().split(' ').slice(0, 2).join(' '))
    .map((key) => `${layout.net.serverIp},server,server.kubernetes.local ${key}`);
  writeFileSync(layout.knownHosts, hostKeys.join('\n') + '\n', { mode: 0o600 });
  writeFileSync(layout.sshConfig, labSshConfig(layout), { mode: 0o600 });
  mkdirSync(layout.binDir, { recursive: true });
  for (const [name, text] of Object.entries(labWrappers(layout))) writeFileSync(join(layout.binDir, name), text, { mode: 0o755 });

  // etcd (chapter 7): upstream's unit byte for byte; its /usr/local/bin/etcd is Debian's etcd.
  copyFileSync(labAsset('upstream/etcd.service'), join(layer, 'etc/systemd/system/etcd.service'));
  symlinkSync('/usr/bin/etcd', join(layer, 'usr/local/bin/etcd'));
  symlinkSync('/etc/systemd/system/etcd.service', join(layer, 'etc/systemd/system/multi-user.target.wants/etcd.service'));

  for (const file of SERVER_ROOT_FILES) {
    copyFileSync(join(pkiDir, file), join(layer, 'root', file));
    chmodSync(join(layer, 'root', file), file.endsWith('.key') ? 0o600 : 0o644);
  }

  prepareJumpbox(layout, pkiDir, binaries);
}

/** The jumpbox's ~/kubernetes-the-hard-way as upstream lays it out (downloads/, units/, configs/). */
export function prepareJumpbox(layout: LabLayout, pkiDir: string, binaries: Binaries): void {
  const j = layout.jumpbox;
  rmSync(j, { recursive: true, force: true });
  for (const d of ['downloads/client', 'downloads/controller', 'downloads/worker', 'units', 'configs']) mkdirSync(join(j, d), { recursive: true });
  copyFileSync(binaries.kubectl, join(j, 'downloads/client/kubectl'));
  chmodSync(join(j, 'downloads/client/kubectl'), 0o755);
  for (const name of STANDIN_NAMES) {
    copyFileSync(binaries.controller[name], join(j, 'downloads/controller', name));
    chmodSync(join(j, 'downloads/controller', name), 0o755);
  }
  for (const sub of ['units', 'configs']) {
    for (const file of readdirSync(join(CHAPTER8_UPSTREAM, sub))) copyFileSync(join(CHAPTER8_UPSTREAM, sub, file), join(j, sub, file));
  }
  copyFileSync(labAsset('upstream/etcd.service'), join(j, 'units/etcd.service'));
  for (const file of readdirSync(pkiDir)) {
    if (/\.(crt|key|kubeconfig|csr|conf|yaml)$/.test(file)) copyFileSync(join(pkiDir, file), join(j, file));
  }
}

export function jumpboxReady(layout: LabLayout): boolean {
  return existsSync(join(layout.jumpbox, 'downloads/controller/kube-apiserver')) && existsSync(layout.sshConfig);
}
