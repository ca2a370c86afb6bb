// What the lab needs on the host and, on Debian/Ubuntu, getting it with apt-get: the learner asked
// for the lab, so the tutor installs its tools itself instead of stopping with a list. The choices
// (which packages, apt's progress lines) are pure; the command runner is injectable for tests.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildProgress } from './base-image.js';
import { LabCommandError, runStreaming } from './exec.js';
import { sanitizeTerminal } from '../text/sanitize.js';

/** A problem the learner can act on; lab.ts turns it into a LabError. */
export class ToolError extends Error {}

export interface Requirement {
  kind: 'tool' | 'file';
  /** A command looked up on PATH, or an absolute file. */
  what: string;
  /** The Debian/Ubuntu package that provides it. */
  pkg: string;
  /** Needed only to build the base image (debootstrap), not once it is cached. */
  imageOnly?: boolean;
}

export const LAB_REQUIREMENTS: readonly Requirement[] = [
  { kind: 'tool', what: 'debootstrap', pkg: 'debootstrap', imageOnly: true },
  // debootstrap checks bookworm's Release signature with this keyring; Ubuntu hosts lack it.
  { kind: 'file', what: '/usr/share/keyrings/debian-archive-keyring.gpg', pkg: 'debian-archive-keyring', imageOnly: true },
  { kind: 'tool', what: 'systemd-nspawn', pkg: 'systemd-container' },
  { kind: 'tool', what: 'ip', pkg: 'iproute2' },
  { kind: 'tool', what: 'ssh-keygen', pkg: 'openssh-client' },
  { kind: 'tool', what: 'ssh', pkg: 'openssh-client' },
  { kind: 'tool', what: 'openssl', pkg: 'openssl' },
];

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Where `tool` is on `pathVar`, as `command -v` finds it (empty entries, meaning ".", are skipped). */
export function findOnPath(tool: string, pathVar: string = process.env.PATH ?? '', isExecutable: (file: string) => boolean = isExecutableFile): string | undefined {
  for (const dir of pathVar.split(':')) {
    if (dir === '') continue;
    const file = join(dir, tool);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

export interface Probe {
  onPath(tool: string): boolean;
  fileExists(file: string): boolean;
}

export function hostProbe(pathVar: string = process.env.PATH ?? ''): Probe {
  return { onPath: (tool) => findOnPath(tool, pathVar) !== undefined, fileExists: existsSync };
}

/** Pure over `probe`: the requirements this host lacks (`image`: the base image still has to be built). */
export function missingRequirements(probe: Probe, needs: { image: boolean }, all: readonly Requirement[] = LAB_REQUIREMENTS): Requirement[] {
  return all.filter((r) => (needs.image || !r.imageOnly) && !(r.kind === 'tool' ? probe.onPath(r.what) : probe.fileExists(r.what)));
}

/** Pure: the packages that provide `missing`, each once, in the order they were needed. */
export function packagesFor(missing: readonly Requirement[]): string[] {
  return [...new Set(missing.map((r) => r.pkg))];
}

/** Pure: "debootstrap (package debootstrap), ssh (package openssh-client)". */
export function describeMissing(missing: readonly Requirement[]): string {
  return missing.map((r) => `${r.what} (package ${r.pkg})`).join(', ');
}

export type AptStage = 'update' | 'install';

export interface AptStatus {
  kind: 'dlstatus' | 'pmstatus' | 'pmerror';
  /** The package (pmstatus/pmerror) or the item number (dlstatus). */
  item: string;
  percent: number;
  message: string;
}

/** Pure: one line apt writes to APT::Status-Fd ("pmstatus:debootstrap:40:Installing debootstrap"). */
export function parseAptStatus(line: string): AptStatus | undefined {
  const m = /^(dlstatus|pmstatus|pmerror):([^:]*):([0-9.]+):(.*)$/.exec(line.trim());
  if (!m) return undefined;
  const percent = Number(m[3]);
  if (!Number.isFinite(percent)) return undefined;
  return { kind: m[1] as AptStatus['kind'], item: m[2]!, percent: Math.max(0, Math.min(100, percent)), message: m[4]!.trim() };
}

/**
 * Pure: one bar over the whole job. `update` fills the first 20%, the downloads of `install` the
 * next 30%, dpkg the rest; 100% is said only when apt-get has finished.
 */
export function aptProgress(stage: AptStage, status: AptStatus): BuildProgress | undefined {
  if (status.kind === 'pmerror') return undefined;
  const [from, to] = stage === 'update' ? [0, 0.2] : status.kind === 'dlstatus' ? [0.2, 0.5] : [0.5, 1];
  const fraction = Math.min(0.99, from + ((to - from) * status.percent) / 100);
  const label = sanitizeTerminal(status.message).replace(/\s+/g, ' ');
  return { fraction, label: stage === 'update' ? `apt-get update: ${label}` : label };
}

/** Runs a command and hands over each output line (runStreaming's shape); rejects on failure. */
export type LineRunner = (cmd: string, args: readonly string[], onLine: (line: string) => void, options: { env?: NodeJS.ProcessEnv }) => Promise<void>;

const APT_OPTIONS = [
  '-o', 'APT::Status-Fd=1',
  // A fresh cloud machine often runs unattended-upgrades at first boot: wait for its lock.
  '-o', 'DPkg::Lock::Timeout=120',
];

/** Pure: the argv (after `apt-get`) of each stage. */
export function aptArgs(stage: AptStage, packages: readonly string[]): string[] {
  return stage === 'update' ? [...APT_OPTIONS, 'update'] : [...APT_OPTIONS, 'install', '-y', '--no-install-recommends', ...packages];
}

/** Pure: the line of apt's output worth showing: its last error ("E: ..."), else its last line. */
export function lastAptLine(lines: readonly string[]): string {
  const text = lines.map((l) => sanitizeTerminal(l).replace(/\s+/g, ' ').trim()).filter((l) => l !== '' && !parseAptStatus(l));
  const line = [...text].reverse().find((l) => /^E: /.test(l)) ?? text.at(-1) ?? 'no output';
  return line.length > 240 ? `${line.slice(0, 239)}…` : line;
}

export interface AptOptions {
  run?: LineRunner;
  env?: NodeJS.ProcessEnv;
  onProgress?: (p: BuildProgress) => void;
  /** `apt-get update` failed; the install is tried with the lists there are. */
  onUpdateFailed?: (lastLine: string) => void;
}

async function runApt(stage: AptStage, packages: readonly string[], options: AptOptions): Promise<{ ok: true } | { ok: false; code: number | null; last: string }> {
  const run = options.run ?? runStreaming;
  const lines: string[] = [];
  try {
    await run(
      'apt-get',
      aptArgs(stage, packages),
      (line) => {
        lines.push(line);
        if (lines.length > 200) lines.shift();
        const status = parseAptStatus(line);
        const progress = status && aptProgress(stage, status);
        if (progress) options.onProgress?.(progress);
      },
      // noninteractive: no debconf question can wait for an answer nobody sees (stdin is closed).
      { env: { ...(options.env ?? process.env), DEBIAN_FRONTEND: 'noninteractive' } },
    );
    return { ok: true };
  } catch (err) {
    if (!(err instanceof LabCommandError)) throw err;
    if (lines.length === 0) lines.push(...err.output.split('\n'));
    return { ok: false, code: err.code, last: lastAptLine(lines) };
  }
}

/**
 * `apt-get update`, then `apt-get install`. Update runs every time: this happens once per machine,
 * and a fresh image's lists are missing or stale (install then fails on 404s), which costs more
 * than the few seconds an update takes. A failed update (one broken third-party source) does not
 * stop the install; if the install fails too, the error says both.
 */
export async function aptInstall(packages: readonly string[], options: AptOptions = {}): Promise<void> {
  const update = await runApt('update', packages, options);
  if (!update.ok) options.onUpdateFailed?.(update.last);
  const install = await runApt('install', packages, options);
  if (!install.ok) {
    const also = update.ok ? '' : ` (apt-get update had failed too: ${update.last})`;
    throw new ToolError(`apt-get could not install ${packages.join(' ')} (exit ${install.code ?? 'signal'}): ${install.last}${also}`);
  }
  options.onProgress?.({ fraction: 1, label: 'done' });
}

export interface HostToolsOptions extends AptOptions {
  probe?: Probe;
  /** Whether apt-get is there; defaults to a PATH lookup. */
  hasApt?: boolean;
  /** Called once before apt-get runs, with the packages it will install. */
  onInstall?: (packages: string[]) => void;
}

/** Makes sure the host has every requirement, installing the missing ones with apt-get. */
export async function ensureHostTools(needs: { image: boolean }, options: HostToolsOptions = {}): Promise<void> {
  const probe = options.probe ?? hostProbe();
  const missing = missingRequirements(probe, needs);
  if (missing.length === 0) return;
  const packages = packagesFor(missing);
  if (!(options.hasApt ?? findOnPath('apt-get') !== undefined)) {
    throw new ToolError(`missing tools: ${describeMissing(missing)}; this system has no apt-get, so install them with its package manager first`);
  }
  options.onInstall?.(packages);
  await aptInstall(packages, options);
  const still = missingRequirements(probe, needs);
  if (still.length > 0) {
    throw new ToolError(
      `apt-get installed ${packages.join(' ')} but ${still.map((r) => r.what).join(', ')} still cannot be found (PATH=${process.env.PATH ?? ''}); ` +
        'run the lab with sudo, whose PATH includes /usr/sbin',
    );
  }
}
