// Where the lab keeps things on the host. Pure: built from the environment, so tests can point a
// lab at their own folders and network names.
import { join } from 'node:path';

export interface LabLayout {
  /** Survives `lab down` and later CI runs: the debootstrapped Debian and the built stand-ins. */
  cacheDir: string;
  /** This lab's own files: layers, keys, ssh_config, the jumpbox folder. */
  stateDir: string;
  /** The base rootfs (debootstrap output); read-only once built. */
  baseRootfs: string;
  /** The state before chapter 8 (certs, etcd unit, keys), an overlay layer over the base. */
  preparedLayer: string;
  /** What the learner changes; `lab reset` throws it away. */
  runUpper: string;
  runWork: string;
  /** Where base + prepared + run are mounted together and the container boots from. */
  root: string;
  jumpbox: string;
  /** ssh/scp/curl wrappers that point at the lab (put first on PATH for the tutor's local steps). */
  binDir: string;
  sshConfig: string;
  knownHosts: string;
  identity: string;
  /** Process id of systemd-nspawn, and what `lab up` built (binaries: stand-ins or real). */
  pidFile: string;
  infoFile: string;
  net: LabNet;
}

export interface LabNet {
  netns: string;
  hostIf: string;
  peerIf: string;
  hostIp: string;
  serverIp: string;
  prefix: number;
  machine: string;
}

/** Debian 12 as the chapter uses; bump the suffix when the package list changes. */
export const BASE_NAME = 'debian12-v1';

export const DEFAULT_NET: LabNet = {
  netns: 'kthwlab',
  hostIf: 'kthw0',
  peerIf: 'kthw0p',
  hostIp: '10.77.0.1',
  serverIp: '10.77.0.10',
  prefix: 24,
  machine: 'server',
};

export function labLayout(env: NodeJS.ProcessEnv = process.env, net: LabNet = DEFAULT_NET): LabLayout {
  const cacheDir = env.KTHW_LAB_CACHE || '/var/cache/kthw-tutor';
  const stateDir = env.KTHW_LAB_DIR || '/var/lib/kthw-tutor/lab';
  return {
    cacheDir,
    stateDir,
    baseRootfs: join(cacheDir, `rootfs-${BASE_NAME}-${process.arch}`),
    preparedLayer: join(stateDir, 'prepared'),
    runUpper: join(stateDir, 'run', 'upper'),
    runWork: join(stateDir, 'run', 'work'),
    root: join(stateDir, 'root'),
    jumpbox: join(stateDir, 'jumpbox'),
    binDir: join(stateDir, 'bin'),
    sshConfig: join(stateDir, 'ssh_config'),
    knownHosts: join(stateDir, 'known_hosts'),
    identity: join(stateDir, 'id_ed25519'),
    pidFile: join(stateDir, 'nspawn.pid'),
    infoFile: join(stateDir, 'lab.json'),
    net,
  };
}
