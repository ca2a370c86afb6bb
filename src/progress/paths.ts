// Where progress lives: one file per target server under the XDG state directory.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export function stateDir(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(home, '.local', 'state');
  return join(base, 'kthw-tutor');
}

/**
 * A readable, filename-safe name for a target key (`user@host:port`); the hash keeps two keys
 * that slug alike (e.g. IPv6 brackets vs none) from sharing a file.
 */
export function progressFileName(targetKey: string): string {
  const slug = targetKey.replace(/[^A-Za-z0-9@._-]+/g, '_').slice(0, 80);
  const hash = createHash('sha256').update(targetKey).digest('hex').slice(0, 8);
  return `${slug}-${hash}.json`;
}
