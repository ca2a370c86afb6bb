// A throwaway serving certificate, as the real controller-manager and scheduler make one in memory
// when no --tls-cert-file is given. Node cannot build X.509 itself, so openssl (on the server) does.
import { spawnSync } from 'node:child_process';

export interface KeyPair {
  cert: string;
  key: string;
}

export function selfSignedCert(commonName: string, openssl = 'openssl'): KeyPair {
  const result = spawnSync(
    openssl,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '365',
      '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', '/dev/stdout', '-out', '/dev/stdout'],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`openssl could not make a self-signed certificate: ${result.stderr || result.error?.message}`);
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(result.stdout)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(result.stdout)?.[0];
  if (!key || !cert) throw new Error('openssl printed no certificate');
  return { cert, key };
}
