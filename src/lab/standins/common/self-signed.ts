// A throwaway serving certificate, as the real controller-manager and scheduler make one in memory
// when no --tls-cert-file is given. Node cannot build X.509 itself, so openssl (on the server) does,
// into a private temp dir (under systemd, stdout is the journal's socket, not a file to open).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  cert: string;
  key: string;
}

export function selfSignedCert(commonName: string, openssl = 'openssl'): KeyPair {
  const dir = mkdtempSync(join(tmpdir(), 'kube-standin-cert-'));
  try {
    const result = spawnSync(
      openssl,
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '365',
        '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`openssl could not make a self-signed certificate: ${result.stderr || result.error?.message}`);
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
