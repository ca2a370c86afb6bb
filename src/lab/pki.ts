// The certificates, kubeconfigs and encryption config of chapters 4–6, made the way the chapter
// makes them: openssl with upstream's ca.conf, and real kubectl for the kubeconfigs.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { labAsset } from './assets.js';

const run = promisify(execFile);

/** The certificates chapter 4 makes (ca.conf sections); node-0/1 and kube-proxy are for the workers. */
export const CERTS = [
  'admin',
  'node-0',
  'node-1',
  'kube-proxy',
  'kube-scheduler',
  'kube-controller-manager',
  'kube-api-server',
  'service-accounts',
] as const;

export interface PkiOptions {
  /** RSA key size; upstream uses 4096, tests may use less to save time. */
  bits?: number;
  kubectl?: string;
  openssl?: string;
}

/** ca.crt/key and every cert/key pair of CERTS in `dir`, signed by that CA. */
export async function makeCertificates(dir: string, options: PkiOptions = {}): Promise<void> {
  const openssl = options.openssl ?? 'openssl';
  const bits = String(options.bits ?? 4096);
  const conf = join(dir, 'ca.conf');
  copyFileSync(labAsset('upstream/ca.conf'), conf);
  const sh = (args: string[]) => run(openssl, args, { cwd: dir });
  await sh(['genrsa', '-out', 'ca.key', bits]);
  await sh(['req', '-x509', '-new', '-sha512', '-noenc', '-key', 'ca.key', '-days', '3653', '-config', 'ca.conf', '-out', 'ca.crt']);
  // Keys are independent, so make them in parallel; signing uses the CA serial file, so in order.
  await Promise.all(CERTS.map((name) => sh(['genrsa', '-out', `${name}.key`, bits])));
  for (const name of CERTS) {
    await sh(['req', '-new', '-key', `${name}.key`, '-sha256', '-config', 'ca.conf', '-section', name, '-out', `${name}.csr`]);
    await sh([
      'x509', '-req', '-days', '3653', '-in', `${name}.csr`, '-copy_extensions', 'copyall', '-sha256',
      '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`,
    ]);
  }
}

/** The kubeconfigs of chapter 5 the control plane needs, with embedded certs (needs the certs in `dir`). */
export async function makeKubeconfigs(dir: string, options: PkiOptions = {}): Promise<void> {
  const kubectl = options.kubectl ?? 'kubectl';
  const configs: { file: string; user: string; cert: string; server: string }[] = [
    { file: 'admin', user: 'admin', cert: 'admin', server: 'https://127.0.0.1:6443' },
    { file: 'kube-controller-manager', user: 'system:kube-controller-manager', cert: 'kube-controller-manager', server: 'https://server.kubernetes.local:6443' },
    { file: 'kube-scheduler', user: 'system:kube-scheduler', cert: 'kube-scheduler', server: 'https://server.kubernetes.local:6443' },
  ];
  for (const c of configs) {
    const kc = `--kubeconfig=${c.file}.kubeconfig`;
    const k = (args: string[]) => run(kubectl, [...args, kc], { cwd: dir, env: { ...process.env, KUBECONFIG: '' } });
    await k(['config', 'set-cluster', 'kubernetes-the-hard-way', '--certificate-authority=ca.crt', '--embed-certs=true', `--server=${c.server}`]);
    await k(['config', 'set-credentials', c.user, `--client-certificate=${c.cert}.crt`, `--client-key=${c.cert}.key`, '--embed-certs=true']);
    await k(['config', 'set-context', 'default', '--cluster=kubernetes-the-hard-way', `--user=${c.user}`]);
    await k(['config', 'use-context', 'default']);
  }
}

/** encryption-config.yaml from upstream's template with a fresh 32-byte key (chapter 6). */
export function makeEncryptionConfig(dir: string, key: Buffer = randomBytes(32)): void {
  const template = readFileSync(labAsset('upstream/encryption-config.yaml'), 'utf8');
  writeFileSync(join(dir, 'encryption-config.yaml'), template.replace('${ENCRYPTION_KEY}', key.toString('base64')));
}
