// Reading a kubeconfig the way client-go does for the fields the stand-ins need: the current
// context's server, CA and client certificate (embedded `-data` or file paths).
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

export interface ClientConfig {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  user: string;
}

export class KubeconfigError extends Error {}

type Named<T> = { name?: string } & Record<string, T | undefined>;

/** Pure: the text of a kubeconfig -> where and as whom to connect. `file` is for messages and relative paths. */
export function parseKubeconfig(text: string, file: string, read: (path: string) => Buffer = readFileSync): ClientConfig {
  let doc: Record<string, unknown>;
  try {
    doc = (parse(text) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new KubeconfigError(`error loading config file "${file}": ${(err as Error).message.split('\n')[0]}`);
  }
  const current = doc['current-context'];
  if (typeof current !== 'string' || current === '') {
    throw new KubeconfigError(`invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable`);
  }
  const pick = (list: unknown, name: string, what: string): Record<string, unknown> => {
    const found = (Array.isArray(list) ? (list as Named<unknown>[]) : []).find((e) => e?.name === name);
    const body = found?.[what];
    if (!body || typeof body !== 'object') throw new KubeconfigError(`invalid configuration: ${what} "${name}" not found in ${file}`);
    return body as Record<string, unknown>;
  };
  const context = pick(doc.contexts, current, 'context');
  const cluster = pick(doc.clusters, String(context.cluster ?? ''), 'cluster');
  const userName = String(context.user ?? '');
  const user = userName ? pick(doc.users, userName, 'user') : {};
  const base = dirname(file);
  const load = (dataKey: string, pathKey: string, from: Record<string, unknown>): Buffer | undefined => {
    const data = from[dataKey];
    if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
    const path = from[pathKey];
    if (typeof path === 'string' && path !== '') return read(isAbsolute(path) ? path : join(base, path));
    return undefined;
  };
  const server = cluster.server;
  if (typeof server !== 'string' || server === '') throw new KubeconfigError(`invalid configuration: no server found for cluster "${String(context.cluster)}"`);
  const config: ClientConfig = { server, user: userName };
  const ca = load('certificate-authority-data', 'certificate-authority', cluster);
  const cert = load('client-certificate-data', 'client-certificate', user);
  const key = load('client-key-data', 'client-key', user);
  if (ca) config.ca = ca;
  if (cert) config.cert = cert;
  if (key) config.key = key;
  return config;
}

export function loadKubeconfig(file: string): ClientConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`stat ${file}: ${errnoText(err)}`);
  }
  return parseKubeconfig(text, file);
}

/** Go's wording of common errno values, as the real components print them. */
export function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return (err as Error).message;
  }
}
