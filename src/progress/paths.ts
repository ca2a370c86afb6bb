// Where progress lives: one file per target server under the XDG state directory. All pure:
// the caller passes the environment and the home directory.
import { createHash } from 'node:crypto';
import { isAbsolute, join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/** The server whose progress a file records. */
export interface Target {
  user: string;
  host: string;
  port: number;
}

/**
 * `$XDG_STATE_HOME/kthw-tutor`, else `<home>/.local/state/kthw-tutor`. The XDG spec says a
 * relative XDG_STATE_HOME is invalid and must be ignored.
 */
export function stateDir(env: Env, home: string): string {
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'state');
  return join(base, 'kthw-tutor');
}

export function progressDir(state: string): string {
  return join(state, 'progress');
}

/** `user@host:port`, with an IPv6 host in brackets; host names compare without case, as in ssh. */
export function targetKeyOf(target: Target): string {
  const host = target.host.toLowerCase();
  return `${target.user}@${host.includes(':') ? `[${host}]` : host}:${target.port}`;
}

/** Reads `user@host[:port]` or `user@[v6]:port` (port 22 when left out); undefined if malformed. */
export function parseTargetKey(key: string): Target | undefined {
  const at = key.lastIndexOf('@');
  if (at <= 0) return undefined;
  const user = key.slice(0, at);
  const rest = key.slice(at + 1);
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest) ?? /^([^:[\]\s]+)(?::(\d+))?$/.exec(rest);
  if (!m || /\s/.test(user)) return undefined;
  const port = m[2] === undefined ? 22 : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { user, host: m[1]!.toLowerCase(), port };
}

/**
 * A readable, filename-safe name for a target key: a slug for people (`root@server_22`) plus a
 * short hash of the exact key, so two keys that slug alike (IPv6 with and without brackets,
 * `a:b` vs `a_b`) never share a file.
 */
export function progressFileName(targetKey: string): string {
  const slug = targetKey
    .replace(/[^A-Za-z0-9@._-]+/g, '_')
    .replace(/^[.-]+/, '_') // no hidden files, nothing that reads as an option
    .slice(0, 80);
  const hash = createHash('sha256').update(targetKey).digest('hex').slice(0, 8);
  return `${slug || '_'}-${hash}.json`;
}

/** `<state>/progress/<safe-name>.json` for one target. */
export function progressFilePath(state: string, target: Target): string {
  return join(progressDir(state), progressFileName(targetKeyOf(target)));
}
