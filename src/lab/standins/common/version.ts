// What the stand-ins claim to be. The `--version` text says "stand-in" so nobody mistakes the lab's
// binaries for Kubernetes; the checks only need the `Kubernetes v1.32` prefix.
export const GIT_VERSION = 'v1.32.3';
export const STANDIN_LABEL = 'kthw-tutor lab stand-in, not the real binary';

export function versionLine(): string {
  return `Kubernetes ${GIT_VERSION} (${STANDIN_LABEL})`;
}

/** The `/version` document of a v1.32.3 API server, with this machine's platform. */
export function versionInfo(arch: string = process.arch): Record<string, string> {
  const goArch = arch === 'x64' ? 'amd64' : arch;
  return {
    major: '1',
    minor: '32',
    gitVersion: GIT_VERSION,
    gitCommit: '32cc146f75aad04beaaa245a7157eb35063a9f99',
    gitTreeState: 'clean',
    buildDate: '2025-03-11T19:52:21Z',
    goVersion: 'go1.23.6',
    compiler: 'gc',
    platform: `linux/${goArch}`,
  };
}
