// Reading the kube-apiserver command line and the files it names, failing the way the real binary
// does (the same words reach the journal, where the tutor's diagnostics look for them). Pure except
// for the file reads, which are passed in.
import { parse } from 'yaml';
import { firstUnknown, parseFlags } from '../common/flags.js';
import { errnoText } from '../common/kubeconfig.js';

export class ConfigError extends Error {}

/** The flags of upstream's unit plus the ones learners add (failure A) or commonly try. */
export const KNOWN_FLAGS: ReadonlySet<string> = new Set([
  'allow-privileged', 'audit-log-maxage', 'audit-log-maxbackup', 'audit-log-maxsize', 'audit-log-path', 'authorization-mode',
  'bind-address', 'client-ca-file', 'enable-admission-plugins', 'etcd-servers', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile',
  'event-ttl', 'encryption-provider-config', 'kubelet-certificate-authority', 'kubelet-client-certificate', 'kubelet-client-key',
  'runtime-config', 'service-account-key-file', 'service-account-signing-key-file', 'service-account-issuer', 'service-node-port-range',
  'service-cluster-ip-range', 'tls-cert-file', 'tls-private-key-file', 'v', 'secure-port', 'advertise-address', 'apiserver-count',
  'kubelet-preferred-address-types', 'requestheader-client-ca-file', 'log-flush-frequency',
]);

/** Flags naming files the real binary opens at start, in the order it opens them. */
const FILE_FLAGS = [
  'client-ca-file', 'tls-cert-file', 'tls-private-key-file', 'service-account-key-file', 'service-account-signing-key-file',
  'kubelet-certificate-authority', 'kubelet-client-certificate', 'kubelet-client-key', 'encryption-provider-config',
] as const;

export interface ApiServerConfig {
  bindAddress: string;
  securePort: number;
  advertiseAddress?: string;
  etcdServers: string[];
  clientCa: Buffer;
  tlsCert: Buffer;
  tlsKey: Buffer;
  /** undefined: the flag is missing and the deprecated default 10.0.0.0/24 applies (failure A). */
  serviceCidr?: string;
  authorizationModes: string[];
}

export function readConfig(argv: readonly string[], read: (path: string) => Buffer): ApiServerConfig {
  const flags = parseFlags(argv, new Set(['allow-privileged']));
  const unknown = firstUnknown(flags, KNOWN_FLAGS);
  if (unknown !== undefined) throw new ConfigError(`unknown flag: --${unknown}`);
  const flag = (name: string) => flags.values.get(name);

  const files = new Map<string, Buffer>();
  for (const name of FILE_FLAGS) {
    const path = flag(name);
    if (path === undefined) continue;
    try {
      files.set(name, read(path));
    } catch (err) {
      throw new ConfigError(`open ${path}: ${errnoText(err)}`);
    }
  }
  for (const required of ['tls-cert-file', 'tls-private-key-file', 'client-ca-file']) {
    if (!files.has(required)) throw new ConfigError(`--${required} is required by the lab's stand-in (it serves no self-signed certificate)`);
  }
  if (!flag('etcd-servers')) throw new ConfigError('[--etcd-servers must be specified]');
  const encryption = flag('encryption-provider-config');
  if (encryption !== undefined) checkEncryptionConfig(files.get('encryption-provider-config')!.toString('utf8'));

  const cidr = flag('service-cluster-ip-range');
  if (cidr !== undefined) firstServiceIp(cidr); // validates
  const config: ApiServerConfig = {
    bindAddress: flag('bind-address') ?? '0.0.0.0',
    securePort: Number(flag('secure-port') ?? 6443),
    etcdServers: flag('etcd-servers')!.split(','),
    clientCa: files.get('client-ca-file')!,
    tlsCert: files.get('tls-cert-file')!,
    tlsKey: files.get('tls-private-key-file')!,
    authorizationModes: (flag('authorization-mode') ?? 'AlwaysAllow').split(','),
  };
  if (cidr !== undefined) config.serviceCidr = cidr;
  const advertise = flag('advertise-address');
  if (advertise !== undefined) config.advertiseAddress = advertise;
  return config;
}

/**
 * The checks the real EncryptionConfiguration loader makes that learners trip over: the file must
 * parse, and each aescbc/aesgcm/secretbox secret must be base64 of a 16/24/32-byte key. An empty
 * or unsubstituted `${ENCRYPTION_KEY}` fails here (failure F).
 */
export function checkEncryptionConfig(text: string): void {
  let doc: Record<string, unknown>;
  try {
    doc = (parse(text) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`error while parsing file: error decoding encryption provider configuration file: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc.kind !== 'EncryptionConfiguration') {
    throw new ConfigError(`error while parsing file: could not get encryption config: no kind "${String(doc.kind)}" is registered for version "${String(doc.apiVersion)}"`);
  }
  const resources = Array.isArray(doc.resources) ? (doc.resources as Record<string, unknown>[]) : [];
  if (resources.length === 0) throw new ConfigError('error while parsing file: resources: Required value: resources is a required field');
  resources.forEach((resource, r) => {
    const providers = Array.isArray(resource.providers) ? (resource.providers as Record<string, unknown>[]) : [];
    providers.forEach((provider, p) => {
      for (const type of ['aescbc', 'aesgcm', 'secretbox']) {
        const body = provider[type] as { keys?: { name?: string; secret?: unknown }[] } | undefined;
        if (!body) continue;
        (body.keys ?? []).forEach((key, k) => {
          const field = `resources[${r}].providers[${p}].${type}.keys[${k}].secret`;
          const secret = typeof key.secret === 'string' ? key.secret : '';
          if (secret === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(secret) || secret.length % 4 !== 0) {
            throw new ConfigError(`error while parsing file: ${field}: Invalid value: "REDACTED": secrets must be base64 encoded`);
          }
          const size = Buffer.from(secret, 'base64').length;
          const allowed = type === 'secretbox' ? [32] : [16, 24, 32];
          if (!allowed.includes(size)) {
            throw new ConfigError(`error while parsing file: ${field}: Invalid value: "REDACTED": secret is not of the expected length, got ${size}, expected one of ${JSON.stringify(allowed)}`);
          }
        });
      }
    });
  });
}

/** 10.32.0.0/24 -> 10.32.0.1 (the `kubernetes` Service's ClusterIP). */
export function firstServiceIp(cidr: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || bits < 8 || bits > 30) {
    throw new ConfigError(`invalid argument "${cidr}" for "--service-cluster-ip-range" flag: invalid CIDR address: ${cidr}`);
  }
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ipFromNumber(((base & mask) >>> 0) + 1);
}

/** Whether `ip` lies inside `cidr`. */
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ipToNumber(ip) & mask) >>> 0) === ((ipToNumber(net!) & mask) >>> 0);
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function ipFromNumber(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

export const DEFAULT_SERVICE_CIDR = '10.0.0.0/24';
