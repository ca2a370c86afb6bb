// `kthw-tutor lab up | status | reset | down`: one practice server on this machine, built and
// booted as lab-recipe.md describes. Each operation is safe to repeat; `down` undoes `up` fully
// (process, mount, namespace, veth) and keeps the files so the next `up` is quick.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createI18n, fixedTranslate } from '../i18n/index.js';
import type { Translate } from '../i18n/types.js';
import { baseImageReady, buildBaseImage, type BuildProgress } from './base-image.js';
import { LabCommandError, run } from './exec.js';
import { ensureKubectl, kubectlUrlBase } from './kubectl-fetch.js';
import type { LabLayout } from './layout.js';
import { boot, halt, isMounted, mountRoot, netnsExists, networkDown, networkUp, runningPid, sleep, unmountRoot } from './machine.js';
import { jumpboxReady, prepareJumpbox, prepareLab, preparePki, type Binaries } from './prepare.js';
import { buildStandinExecutable, STANDIN_NAMES } from './standin-build.js';
import { GIT_VERSION } from './standins/common/version.js';
import { ensureHostTools, findOnPath, ToolError } from './tools.js';

export class LabError extends Error {}

export interface LabInfo {
  binaries: 'stand-in' | 'real';
  downloads?: string;
  /** The stand-in executable the jumpbox holds (its path names the hash of its code). */
  standin?: string;
  preparedAt: string;
}

export interface LabReporter {
  phase(text: string): void;
  progress(p: BuildProgress): void;
  /** Translates the phases that have a ui:lab.* text (installing tools); English without it. */
  t?: Translate;
}

export interface UpOptions {
  /** A learner's real `downloads/` folder (client/kubectl, controller/kube-*). */
  downloads?: string;
  /** RSA key size for the lab's certificates (upstream: 4096). */
  bits?: number;
}

/** What preflight found or fetched for the rest of `lab up`. */
export interface LabTools {
  /** kubectl on PATH, else the chapter's own one in the cache folder. */
  kubectl?: string;
}

let english: Translate | undefined;
function englishTranslate(): Translate {
  english ??= fixedTranslate(createI18n('en'), 'en');
  return english;
}

/**
 * Linux and root, then the host's tools: missing Debian packages are installed with apt-get, and
 * without a kubectl on PATH (`needs.kubectl`) the chapter's release is fetched into the cache.
 */
export async function preflight(layout: LabLayout, reporter: LabReporter, needs: { kubectl: boolean }): Promise<LabTools> {
  if (process.platform !== 'linux') throw new LabError('the lab needs Linux (it boots a Debian container with systemd-nspawn)');
  if (process.getuid?.() !== 0) {
    throw new LabError('the lab needs root: it creates a network namespace, mounts an overlay and boots a container. Run it with sudo.');
  }
  const t = reporter.t ?? englishTranslate();
  try {
    await ensureHostTools(
      { image: !baseImageReady(layout) },
      {
        onInstall: (packages) => reporter.phase(t('ui:lab.tools.installing', { packages: packages.join(' ') })),
        onUpdateFailed: (reason) => reporter.phase(t('ui:lab.tools.updateFailed', { reason })),
        onProgress: (p) => reporter.progress(p),
      },
    );
    if (!needs.kubectl) return {};
    const onPath = findOnPath('kubectl');
    if (onPath) return { kubectl: onPath };
    const kubectl = await ensureKubectl({
      cacheDir: layout.cacheDir,
      version: GIT_VERSION,
      base: kubectlUrlBase(process.env),
      onDownload: (url) => reporter.phase(t('ui:lab.tools.kubectl', { version: GIT_VERSION, host: new URL(url).host, dir: layout.cacheDir })),
      onProgress: (p) => reporter.progress(p),
    });
    return { kubectl };
  } catch (err) {
    if (err instanceof ToolError) throw new LabError(err.message);
    throw err;
  }
}

export function readInfo(layout: LabLayout): LabInfo | undefined {
  try {
    return JSON.parse(readFileSync(layout.infoFile, 'utf8')) as LabInfo;
  } catch {
    return undefined;
  }
}

function resolveBinaries(downloads: string): Binaries {
  const controller = Object.fromEntries(STANDIN_NAMES.map((n) => [n, join(downloads, 'controller', n)])) as Binaries['controller'];
  const kubectl = join(downloads, 'client', 'kubectl');
  for (const file of [...Object.values(controller), kubectl]) {
    if (!existsSync(file)) throw new LabError(`--downloads ${downloads}: ${file} is missing (expected the chapter's downloads/ layout: client/kubectl, controller/kube-*)`);
  }
  return { kind: 'real', controller, kubectl };
}

async function standinBinaries(layout: LabLayout, kubectl: string): Promise<Binaries> {
  const exe = await buildStandinExecutable(layout.cacheDir);
  const controller = Object.fromEntries(STANDIN_NAMES.map((n) => [n, exe])) as Binaries['controller'];
  return { kind: 'stand-in', controller, kubectl };
}

async function withLock<T>(layout: LabLayout, fn: () => Promise<T>): Promise<T> {
  mkdirSync(layout.stateDir, { recursive: true, mode: 0o700 });
  const lock = join(layout.stateDir, 'lock');
  try {
    mkdirSync(lock);
  } catch {
    const holder = Number(readFileSafe(join(lock, 'pid')));
    if (holder && existsSync(`/proc/${holder}`)) throw new LabError(`another lab command is running (pid ${holder}); wait for it to finish`);
    rmSync(lock, { recursive: true, force: true });
    mkdirSync(lock);
  }
  writeFileSync(join(lock, 'pid'), String(process.pid));
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export async function labUp(layout: LabLayout, reporter: LabReporter, options: UpOptions = {}): Promise<LabInfo> {
  const tools = await preflight(layout, reporter, { kubectl: options.downloads === undefined });
  // With --downloads the learner's own kubectl makes the kubeconfigs, as in the chapter.
  const kubectl = tools.kubectl ?? resolveBinaries(options.downloads!).kubectl;
  return withLock(layout, async () => {
    if (!baseImageReady(layout)) {
      reporter.phase(`building the Debian 12 image (once; cached in ${layout.cacheDir})`);
      mkdirSync(layout.cacheDir, { recursive: true });
      await buildBaseImage(layout, (p) => reporter.progress(p));
    }
    let info = readInfo(layout);
    const wantReal = options.downloads !== undefined;
    const prepared = info !== undefined && existsSync(join(layout.preparedLayer, 'etc/hosts')) && jumpboxReady(layout);
    if (!prepared) {
      reporter.phase('making certificates, kubeconfigs and the encryption config (chapters 4–6)');
      const pki = join(layout.stateDir, 'pki');
      rmSync(pki, { recursive: true, force: true });
      await preparePki(pki, { kubectl, ...(options.bits === undefined ? {} : { bits: options.bits }) });
      reporter.phase(wantReal ? 'checking the binaries in --downloads' : 'building the stand-in binaries');
      const binaries = wantReal ? resolveBinaries(options.downloads!) : await standinBinaries(layout, kubectl);
      reporter.phase('preparing the server (state right before chapter 8) and the jumpbox folder');
      // A new CA means the old run layer's files no longer match: start the server fresh.
      await stopServer(layout);
      rmSync(join(layout.stateDir, 'run'), { recursive: true, force: true });
      await prepareLab(layout, pki, binaries);
      info = {
        binaries: binaries.kind,
        ...(wantReal ? { downloads: options.downloads! } : { standin: binaries.controller['kube-apiserver'] }),
        preparedAt: new Date().toISOString(),
      };
      writeFileSync(layout.infoFile, JSON.stringify(info, null, 2) + '\n');
    } else if (!wantReal && info!.binaries === 'stand-in') {
      // The stand-ins changed since the jumpbox was laid out (a tutor update): give it the new ones.
      const binaries = await standinBinaries(layout, kubectl);
      if (binaries.controller['kube-apiserver'] !== info!.standin) {
        reporter.phase('updating the stand-in binaries in the jumpbox');
        prepareJumpbox(layout, join(layout.stateDir, 'pki'), binaries);
        info = { ...info!, standin: binaries.controller['kube-apiserver'] };
        writeFileSync(layout.infoFile, JSON.stringify(info, null, 2) + '\n');
      }
    } else if (wantReal && info!.downloads !== options.downloads) {
      reporter.phase('switching the jumpbox to the binaries in --downloads');
      prepareJumpbox(layout, join(layout.stateDir, 'pki'), resolveBinaries(options.downloads!));
      info = { ...info!, binaries: 'real', downloads: options.downloads! };
      writeFileSync(layout.infoFile, JSON.stringify(info, null, 2) + '\n');
    }
    await startServer(layout, reporter);
    return info!;
  });
}

async function startServer(layout: LabLayout, reporter: LabReporter): Promise<void> {
  if (runningPid(layout) !== undefined) {
    reporter.phase('the server is already running');
    return;
  }
  reporter.phase(`booting the server (${layout.net.serverIp}, network namespace ${layout.net.netns})`);
  await networkUp(layout.net);
  await mountRoot(layout);
  boot(layout);
  await waitForServer(layout);
}

async function stopServer(layout: LabLayout): Promise<void> {
  await halt(layout);
  await unmountRoot(layout);
}

/** Boot is done when systemd says so over SSH; etcd must be up (the chapter assumes it). */
export async function waitForServer(layout: LabLayout, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (runningPid(layout) === undefined) {
      throw new LabError(`the server stopped while booting; see ${join(layout.stateDir, 'console.log')}`);
    }
    const r = await labSsh(layout, 'systemctl is-system-running --wait; systemctl is-active etcd', 30_000);
    last = (r.stdout + r.stderr).trim();
    if (r.code !== 255 && /\bactive$/.test(last)) return;
    if (r.code !== 255 && /failed$/.test(last)) {
      const failed = await labSsh(layout, 'systemctl --failed --no-legend --plain; journalctl -u etcd -n 5 --no-pager', 10_000);
      throw new LabError(`the server booted but etcd is not running:\n${failed.stdout.trim()}`);
    }
    await sleep(500);
  }
  throw new LabError(`the server did not finish booting in ${timeoutMs / 1000} s (last answer: ${last || 'none'}); see ${join(layout.stateDir, 'console.log')}`);
}

/** Runs a command on the lab server as root with the lab's key and known_hosts. */
export function labSsh(layout: LabLayout, command: string, timeoutMs = 15_000) {
  return run(
    'ssh',
    ['-F', layout.sshConfig, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', 'server', command],
    { allowFailure: true, timeoutMs },
  ).catch((err: unknown) => {
    if (err instanceof LabCommandError) return { code: 255, stdout: '', stderr: err.message };
    throw err;
  });
}

export async function labDown(layout: LabLayout, options: { purge?: boolean } = {}): Promise<void> {
  if (process.getuid?.() !== 0) throw new LabError('the lab needs root to stop (it unmounts and removes a network namespace). Run it with sudo.');
  await withLock(layout, async () => {
    await stopServer(layout);
    await networkDown(layout.net);
  });
  if (options.purge) rmSync(layout.stateDir, { recursive: true, force: true });
}

/** Back to the state right before chapter 8: throw away the run layer and boot again. */
export async function labReset(layout: LabLayout, reporter: LabReporter): Promise<void> {
  await preflight(layout, reporter, { kubectl: false });
  if (readInfo(layout) === undefined) throw new LabError('there is no lab yet: run `kthw-tutor lab up` first');
  await withLock(layout, async () => {
    reporter.phase('stopping the server');
    await stopServer(layout);
    rmSync(join(layout.stateDir, 'run'), { recursive: true, force: true });
    await startServer(layout, reporter);
  });
}

export interface LabStatus {
  running: boolean;
  pid?: number;
  mounted: boolean;
  network: boolean;
  info?: LabInfo;
  serverIp: string;
  sshConfig: string;
  jumpbox: string;
  /** `systemctl is-active` of etcd and the three control-plane units, when running. */
  units: Record<string, string>;
}

export async function labStatus(layout: LabLayout): Promise<LabStatus> {
  const pid = runningPid(layout);
  const status: LabStatus = {
    running: pid !== undefined,
    mounted: isMounted(layout.root),
    network: process.getuid?.() === 0 ? await netnsExists(layout.net) : false,
    serverIp: layout.net.serverIp,
    sshConfig: layout.sshConfig,
    jumpbox: layout.jumpbox,
    units: {},
  };
  if (pid !== undefined) status.pid = pid;
  const info = readInfo(layout);
  if (info) status.info = info;
  if (pid !== undefined) {
    const names = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
    const r = await labSsh(layout, `systemctl is-active ${names.join(' ')}`);
    const states = r.stdout.trim().split('\n');
    names.forEach((n, i) => (status.units[n] = r.code === 255 ? 'unreachable' : (states[i] ?? 'unknown')));
  }
  return status;
}
