// The lab installs its own tools (issue 11 item 6): which packages for which missing tools, apt's
// progress lines, the apt-get argv and its failures (with a fake runner: apt-get never runs here),
// and the pure parts of fetching kubectl (URL, checksum file, progress).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabCommandError } from '../../src/lab/exec.js';
import { downloadProgress, kubectlArch, kubectlCacheFile, kubectlUrl, kubectlUrlBase, KUBECTL_URL_BASE_ENV, parseSha256 } from '../../src/lab/kubectl-fetch.js';
import {
  aptArgs,
  aptInstall,
  aptProgress,
  ensureHostTools,
  findOnPath,
  LAB_REQUIREMENTS,
  lastAptLine,
  missingRequirements,
  packagesFor,
  parseAptStatus,
  ToolError,
  type LineRunner,
  type Probe,
} from '../../src/lab/tools.js';

const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const HASH = 'a'.repeat(40) + 'B'.repeat(24);

/** A host with everything but `lacking` (tool names or the keyring path). */
function probeWithout(...lacking: string[]): Probe & { lacking: Set<string> } {
  const set = new Set(lacking);
  return { lacking: set, onPath: (tool) => !set.has(tool), fileExists: (file) => !set.has(file) };
}

describe('which packages for which missing tools', () => {
  it('names each package once, in the order the tools were needed', () => {
    const missing = missingRequirements(probeWithout('ssh', 'ssh-keygen', 'systemd-nspawn', 'debootstrap'), { image: true });
    expect(missing.map((r) => r.what)).toEqual(['debootstrap', 'systemd-nspawn', 'ssh-keygen', 'ssh']);
    expect(packagesFor(missing)).toEqual(['debootstrap', 'systemd-container', 'openssh-client']);
  });

  it('asks for debootstrap and the Debian keyring only while the base image is still to be built', () => {
    const probe = probeWithout('debootstrap', KEYRING, 'ip');
    expect(packagesFor(missingRequirements(probe, { image: true }))).toEqual(['debootstrap', 'debian-archive-keyring', 'iproute2']);
    expect(packagesFor(missingRequirements(probe, { image: false }))).toEqual(['iproute2']);
  });

  it('never lists kubectl as a Debian package (it is fetched from dl.k8s.io instead)', () => {
    expect(LAB_REQUIREMENTS.map((r) => r.what)).not.toContain('kubectl');
    expect(missingRequirements(probeWithout('kubectl'), { image: true })).toEqual([]);
  });
});

describe('findOnPath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kthw-path-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  mkdirSync(a);
  mkdirSync(b);
  writeFileSync(join(a, 'tool'), 'not executable');
  chmodSync(join(a, 'tool'), 0o644);
  writeFileSync(join(b, 'tool'), '#!/bin/sh\n');
  chmodSync(join(b, 'tool'), 0o755);
  mkdirSync(join(a, 'dirtool'));

  it('finds the first executable file, skipping non-executables, folders and empty entries', () => {
    expect(findOnPath('tool', `::${a}:${b}`)).toBe(join(b, 'tool'));
    expect(findOnPath('dirtool', `${a}:${b}`)).toBeUndefined();
    expect(findOnPath('tool', '')).toBeUndefined();
  });
});

describe('apt-get status lines and progress', () => {
  it('parses the three kinds, keeping colons inside the message', () => {
    expect(parseAptStatus('dlstatus:3:42.5:Retrieving file 3 of 7')).toEqual({ kind: 'dlstatus', item: '3', percent: 42.5, message: 'Retrieving file 3 of 7' });
    expect(parseAptStatus('pmstatus:debootstrap:60:Installing debootstrap (amd64): now')).toMatchObject({ item: 'debootstrap', message: 'Installing debootstrap (amd64): now' });
    expect(parseAptStatus('pmerror:/var/cache/apt/archives/x.deb:50:trying to overwrite')!.kind).toBe('pmerror');
    expect(parseAptStatus('Get:1 http://deb.debian.org/debian bookworm InRelease')).toBeUndefined();
    expect(parseAptStatus('E: Unable to locate package debootstrap')).toBeUndefined();
  });

  it('maps update to 0-20%, downloads to 20-50%, dpkg to 50-99%; 100% only when apt-get is done', () => {
    const at = (stage: 'update' | 'install', line: string) => aptProgress(stage, parseAptStatus(line)!)!.fraction;
    expect(at('update', 'dlstatus:1:50:Retrieving file 1 of 2')).toBeCloseTo(0.1);
    expect(at('install', 'dlstatus:1:0:Retrieving file 1 of 4')).toBeCloseTo(0.2);
    expect(at('install', 'dlstatus:4:100:Retrieving file 4 of 4')).toBeCloseTo(0.5);
    expect(at('install', 'pmstatus:iproute2:50:Unpacking iproute2')).toBeCloseTo(0.75);
    expect(at('install', 'pmstatus:iproute2:100:Installed iproute2')).toBe(0.99);
    expect(aptProgress('install', parseAptStatus('pmerror:x:10:oops')!)).toBeUndefined();
  });

  it('labels update progress as such and strips control sequences from apt messages', () => {
    expect(aptProgress('update', parseAptStatus('dlstatus:1:5:Retrieving file 1 of 2')!)!.label).toBe('apt-get update: Retrieving file 1 of 2');
    expect(aptProgress('install', parseAptStatus('pmstatus:x:5:Installing \x1b[31mx\x1b[0m\x07')!)!.label).toBe('Installing x');
  });

  it('shows the last E: line of a failure, else the last line, never a status line', () => {
    expect(lastAptLine(['Reading package lists...', 'E: Unable to locate package debootstrap', 'dlstatus:1:0:x', ''])).toBe('E: Unable to locate package debootstrap');
    expect(lastAptLine(['one', 'two \x1b]0;title\x07done'])).toBe('two done');
    expect(lastAptLine([])).toBe('no output');
  });
});

/** A fake apt-get: records every call, plays `script[stage]` lines, fails with `fail[stage]`. */
function fakeApt(script: Partial<Record<'update' | 'install', string[]>>, fail: Partial<Record<'update' | 'install', number>> = {}) {
  const calls: { cmd: string; args: readonly string[]; frontend: string | undefined }[] = [];
  const run: LineRunner = async (cmd, args, onLine, options) => {
    calls.push({ cmd, args, frontend: options.env?.DEBIAN_FRONTEND });
    const stage = args.includes('update') ? 'update' : 'install';
    for (const line of script[stage] ?? []) onLine(line);
    const code = fail[stage];
    if (code !== undefined) throw new LabCommandError(['apt-get', ...args].join(' '), code, (script[stage] ?? []).join('\n'));
  };
  return { calls, run };
}

describe('aptInstall (fake runner)', () => {
  it('runs update, then install -y --no-install-recommends, noninteractive, with progress to 100%', async () => {
    const apt = fakeApt({ update: ['dlstatus:1:100:Retrieving file 1 of 1'], install: ['pmstatus:debootstrap:50:Unpacking debootstrap'] });
    const seen: number[] = [];
    await aptInstall(['debootstrap', 'systemd-container'], { run: apt.run, env: {}, onProgress: (p) => seen.push(p.fraction) });
    expect(apt.calls).toEqual([
      { cmd: 'apt-get', args: ['-o', 'APT::Status-Fd=1', '-o', 'DPkg::Lock::Timeout=120', 'update'], frontend: 'noninteractive' },
      {
        cmd: 'apt-get',
        args: ['-o', 'APT::Status-Fd=1', '-o', 'DPkg::Lock::Timeout=120', 'install', '-y', '--no-install-recommends', 'debootstrap', 'systemd-container'],
        frontend: 'noninteractive',
      },
    ]);
    expect(aptArgs('install', ['x']).slice(-4)).toEqual(['install', '-y', '--no-install-recommends', 'x']);
    expect(seen).toEqual([0.2, 0.75, 1]);
  });

  it('a failed install is one line naming the packages, the exit code and apt’s last error', async () => {
    const apt = fakeApt({ install: ['Reading package lists...', 'E: Unable to locate package systemd-container', 'E: \x1b[1mbroken\x1b[0m'] }, { install: 100 });
    const err = await aptInstall(['systemd-container'], { run: apt.run }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toBe('apt-get could not install systemd-container (exit 100): E: broken');
    expect((err as Error).message).not.toContain('\n');
  });

  it('a failed update does not stop the install; if both fail, the error says so', async () => {
    const updateFails: string[] = [];
    const ok = fakeApt({ update: ['W: GPG error: https://ppa.example bookworm InRelease', 'E: The repository is not signed.'] }, { update: 100 });
    await aptInstall(['openssl'], { run: ok.run, onUpdateFailed: (l) => updateFails.push(l) });
    expect(ok.calls.map((c) => c.args.at(-1))).toEqual(['update', 'openssl']);
    expect(updateFails).toEqual(['E: The repository is not signed.']);

    const both = fakeApt({ update: ['E: lists broken'], install: ['E: Unable to locate package openssl'] }, { update: 100, install: 100 });
    await expect(aptInstall(['openssl'], { run: both.run })).rejects.toThrow(
      'apt-get could not install openssl (exit 100): E: Unable to locate package openssl (apt-get update had failed too: E: lists broken)',
    );
  });

  it('an error that is not a failed command (a bug) is not disguised as an apt failure', async () => {
    const run: LineRunner = async () => {
      throw new TypeError('boom');
    };
    await expect(aptInstall(['openssl'], { run })).rejects.toThrow(TypeError);
  });
});

describe('ensureHostTools', () => {
  it('does nothing when nothing is missing', async () => {
    const apt = fakeApt({});
    await ensureHostTools({ image: true }, { probe: probeWithout(), hasApt: true, run: apt.run });
    expect(apt.calls).toEqual([]);
  });

  it('without apt-get, names what is missing and its package, and runs nothing', async () => {
    const apt = fakeApt({});
    await expect(ensureHostTools({ image: true }, { probe: probeWithout('ip', 'systemd-nspawn'), hasApt: false, run: apt.run })).rejects.toThrow(
      'missing tools: systemd-nspawn (package systemd-container), ip (package iproute2); this system has no apt-get, so install them with its package manager first',
    );
    expect(apt.calls).toEqual([]);
  });

  it('installs the missing packages, says which first, and checks again afterwards', async () => {
    const probe = probeWithout('openssl', 'ssh');
    const apt = fakeApt({});
    const run: LineRunner = async (cmd, args, onLine, options) => {
      await apt.run(cmd, args, onLine, options);
      if (args.includes('install')) probe.lacking.clear();
    };
    const announced: string[][] = [];
    await ensureHostTools({ image: false }, { probe, hasApt: true, run, onInstall: (p) => announced.push(p) });
    expect(announced).toEqual([['openssh-client', 'openssl']]);
    expect(apt.calls.at(-1)!.args.slice(-2)).toEqual(['openssh-client', 'openssl']);
  });

  it('a tool still missing after a successful install is reported, not ignored', async () => {
    const apt = fakeApt({});
    await expect(ensureHostTools({ image: true }, { probe: probeWithout('debootstrap'), hasApt: true, run: apt.run })).rejects.toThrow(
      /apt-get installed debootstrap but debootstrap still cannot be found .*sudo/,
    );
  });
});

describe('kubectl download: URL, checksum file, progress', () => {
  it('builds the dl.k8s.io URL for each architecture the lab runs on', () => {
    expect(kubectlUrl('v1.32.3', kubectlArch('x64'))).toBe('https://dl.k8s.io/release/v1.32.3/bin/linux/amd64/kubectl');
    expect(kubectlUrl('v1.32.3', kubectlArch('arm64'), 'http://127.0.0.1:9/rel/')).toBe('http://127.0.0.1:9/rel/v1.32.3/bin/linux/arm64/kubectl');
    expect(() => kubectlArch('ia32')).toThrow(/ia32.*PATH/);
    expect(kubectlCacheFile('/c', 'v1.32.3', 'arm64')).toBe('/c/kubectl/v1.32.3-linux-arm64/kubectl');
  });

  it('takes the base from the environment: https anywhere, plain http only to loopback', () => {
    expect(kubectlUrlBase({})).toBe('https://dl.k8s.io/release');
    expect(kubectlUrlBase({ [KUBECTL_URL_BASE_ENV]: 'http://127.0.0.1:8080/r' })).toBe('http://127.0.0.1:8080/r');
    expect(kubectlUrlBase({ [KUBECTL_URL_BASE_ENV]: 'https://mirror.example/k8s' })).toBe('https://mirror.example/k8s');
    expect(() => kubectlUrlBase({ [KUBECTL_URL_BASE_ENV]: 'http://mirror.example/k8s' })).toThrow(/https/);
    expect(() => kubectlUrlBase({ [KUBECTL_URL_BASE_ENV]: 'not a url' })).toThrow(/not a URL/);
  });

  it('reads a bare hash and the sha256sum forms, and refuses anything else', () => {
    expect(parseSha256(`${HASH}`)).toBe(HASH.toLowerCase());
    expect(parseSha256(`${HASH}\n`)).toBe(HASH.toLowerCase());
    expect(parseSha256(`${HASH}  kubectl\n`)).toBe(HASH.toLowerCase());
    expect(parseSha256(`${HASH} *kubectl`)).toBe(HASH.toLowerCase());
    expect(parseSha256(`${HASH}  bin/linux/amd64/kubectl`)).toBe(HASH.toLowerCase());
    expect(() => parseSha256(`${HASH}  kubelet`)).toThrow(/for kubelet, not kubectl/);
    expect(() => parseSha256(HASH.slice(1))).toThrow(/not a sha256/);
    expect(() => parseSha256('<html>Not Found</html>')).toThrow(/not a sha256/);
    expect(() => parseSha256('')).toThrow(/not a sha256/);
  });

  it('progress: bytes against the length, never past 100%; without a length only the bytes', () => {
    expect(downloadProgress('kubectl', 0, 57_000_000)).toEqual({ fraction: 0, label: 'kubectl 0.0 / 57.0 MB' });
    expect(downloadProgress('kubectl', 28_500_000, 57_000_000)).toEqual({ fraction: 0.5, label: 'kubectl 28.5 / 57.0 MB' });
    expect(downloadProgress('kubectl', 60_000_000, 57_000_000).fraction).toBe(1);
    expect(downloadProgress('kubectl', 12_345_678, undefined)).toEqual({ fraction: 0, label: 'kubectl 12.3 MB' });
  });
});
