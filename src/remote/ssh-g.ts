// Resolving a target with OpenSSH itself: `ssh -G` prints the options ssh would use for a
// destination (Match, Include, tokens and every keyword evaluated by OpenSSH), so the tutor
// goes where `ssh server` goes. The own parser (ssh-config.ts) is only the fallback for a
// machine without the ssh binary.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { sanitizeTerminal } from '../text/sanitize.js';
import {
  clientTokens,
  DEFAULT_CONNECT_TIMEOUT_SEC,
  DEFAULT_SERVER_ALIVE_SEC,
  expandIdentityFiles,
  MAX_JUMP_HOPS,
  parseConfigPort,
  SshConfigError,
  type ResolveContext,
  type ResolvedTarget,
  type StrictHostKeyChecking,
  type TargetSpec,
} from './ssh-config.js';

/** A target resolves once; ssh -G answers in milliseconds. */
const SSH_G_TIMEOUT_MS = 10_000;
const SSH_G_MAX_OUTPUT = 1024 * 1024;

/** The `ssh` on PATH (as a shell would find it), or undefined. */
export function findSsh(env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, 'ssh');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `ssh -G` output: keyword -> values in order (identityfile and a few others repeat). */
export function parseSshG(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(\S+) (.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const list = out.get(key) ?? [];
    list.push(m[2]!);
    out.set(key, list);
  }
  return out;
}

export interface SshGOptions {
  ssh: string;
  /** `-F file` (the tutor's --ssh-config); without it ssh reads ~/.ssh/config and /etc/ssh/ssh_config. */
  configFile?: string;
  env: NodeJS.ProcessEnv;
}

interface SshGQuery {
  host: string;
  user?: string;
  port?: number;
  jump?: string;
}

/** The argv ssh itself uses for a hop: `-G [-F file] [-l user] [-p port] [-J hops] -- host`. */
export function sshGArgs(spec: SshGQuery, o: Pick<SshGOptions, 'configFile'>): string[] {
  const args = ['-G'];
  if (o.configFile !== undefined) args.push('-F', o.configFile);
  if (spec.user !== undefined) args.push('-l', spec.user);
  if (spec.port !== undefined) args.push('-p', String(spec.port));
  if (spec.jump !== undefined) args.push('-J', spec.jump);
  // `--`: a host such as `-oProxyCommand=...` is a name, never an option.
  args.push('--', spec.host);
  return args;
}

/** Runs `ssh -G`; a config ssh refuses becomes an SshConfigError naming file:line. */
export function runSshG(spec: SshGQuery, o: SshGOptions): Map<string, string[]> {
  const args = sshGArgs(spec, o);
  try {
    const stdout = execFileSync(o.ssh, args, {
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: SSH_G_TIMEOUT_MS,
      maxBuffer: SSH_G_MAX_OUTPUT,
      encoding: 'utf8',
    });
    return parseSshG(stdout);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; status?: number | null; signal?: string | null };
    const file = o.configFile ?? '~/.ssh/config';
    const stderr = typeof e.stderr === 'string' ? e.stderr : '';
    throw sshGError(stderr, file, e.status == null ? (e.signal ?? e.code ?? 'failed') : `exit ${e.status}`);
  }
}

/**
 * ssh's own complaint as a config error. Its lines look like `FILE line N: msg`,
 * `FILE: line N: Bad configuration option: x` or (no line) `percent_expand: failed`.
 */
export function sshGError(stderr: string, defaultFile: string, how: string): SshConfigError {
  const lines = sanitizeTerminal(stderr.slice(0, 4000))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^Pseudo-terminal/.test(l) && !/terminating, \d+ bad configuration options/.test(l));
  for (const l of lines) {
    const m = /^(.+?):? line (\d+): (.*)$/.exec(l);
    if (m) return new SshConfigError('ssh-refused', m[1]!, Number(m[2]), 'ssh -G', m[3]!, m[3]!);
  }
  const message = lines.join('; ') || `ssh -G failed (${how})`;
  const terminating = /^(.+): terminating, \d+ bad configuration options/m.exec(stderr);
  return new SshConfigError('ssh-refused', terminating?.[1] ?? defaultFile, 0, 'ssh -G', message, message);
}

const STRICT: Record<string, StrictHostKeyChecking> = { true: 'yes', ask: 'ask', 'accept-new': 'accept-new', false: 'no' };

interface HopOptions {
  defaultUser?: string;
  jump?: string;
  hops?: number;
}

function query(spec: TargetSpec, options: HopOptions): SshGQuery {
  return {
    host: spec.host!,
    ...(spec.user !== undefined ? { user: spec.user } : {}),
    ...(spec.port !== undefined ? { port: spec.port } : {}),
    ...(options.jump !== undefined ? { jump: options.jump } : {}),
  };
}

/**
 * Resolves `spec` with ssh -G, then its ProxyJump hops the way ssh itself connects through them:
 * the last hop is `ssh [-l user] [-p port] [-J earlier,hops] [-F file] host`.
 */
export function resolveWithSshG(spec: TargetSpec, ctx: ResolveContext, o: SshGOptions, options: HopOptions = {}): ResolvedTarget {
  const { resolved, hop } = fromSshG(runSshG(query(spec, options), o), spec, ctx, o, options);
  if (hop) resolved.proxyJump = resolveWithSshG(hop.spec, ctx, o, hop.options);
  return resolved;
}

/** The same with an async runner (the differential test runs many ssh -G at once). */
export async function resolveWithSshGAsync(
  spec: TargetSpec,
  ctx: ResolveContext,
  o: SshGOptions,
  run: (args: string[]) => Promise<{ status: number | null; stdout: string; stderr: string }>,
  options: HopOptions = {},
): Promise<ResolvedTarget> {
  const r = await run(sshGArgs(query(spec, options), o));
  if (r.status !== 0) throw sshGError(r.stderr, o.configFile ?? '~/.ssh/config', `exit ${r.status}`);
  const { resolved, hop } = fromSshG(parseSshG(r.stdout), spec, ctx, o, options);
  if (hop) resolved.proxyJump = await resolveWithSshGAsync(hop.spec, ctx, o, run, hop.options);
  return resolved;
}

/** ssh -G's answer as a ResolvedTarget, and the next hop to ask about (if any). */
function fromSshG(
  g: Map<string, string[]>,
  spec: TargetSpec,
  ctx: ResolveContext,
  o: SshGOptions,
  options: HopOptions,
): { resolved: ResolvedTarget; hop?: { spec: TargetSpec; options: HopOptions } } {
  const alias = spec.host!;
  const one = (key: string) => g.get(key)?.[0];
  const list = (key: string) => (one(key) === undefined || one(key) === 'none' ? [] : one(key)!.split(' '));

  const hostName = one('hostname') ?? alias.toLowerCase();
  const port = Number(one('port') ?? 22);
  // ssh's default user is the local one; the chapter's (and the tutor's) default is root. ssh -G
  // cannot tell "User <local name>" from no User line, so a local-name answer means "not set".
  let user = one('user') ?? ctx.localUser;
  if (spec.user === undefined && user === ctx.localUser && options.defaultUser !== undefined) user = options.defaultUser;
  const hostKeyAlias = one('hostkeyalias');
  const jumpText = one('proxyjump');
  const proxyCommand = one('proxycommand');

  const tokens = clientTokens(ctx, { hostName, alias, port, user, hostKeyAlias, jump: jumpText ?? '' });
  // 9.2 prints IdentityFile as written: ssh expands it when it loads the keys, so do we.
  const at = { file: o.configFile ?? '~/.ssh/config', line: 0 };
  const identityFiles = expandIdentityFiles((g.get('identityfile') ?? []).map((p) => ({ path: p, at })), ctx, tokens);

  const agent = one('identityagent');
  const identityAgent = agent === undefined || agent === 'SSH_AUTH_SOCK' ? ctx.env.SSH_AUTH_SOCK || undefined : agent === 'none' ? undefined : agent;
  const timeout = one('connecttimeout');
  const alive = Number(one('serveraliveinterval') ?? 0);

  const resolved: ResolvedTarget = {
    alias,
    hostName,
    port,
    user,
    identityFiles,
    identitiesOnly: one('identitiesonly') === 'yes',
    knownHostsFiles: list('userknownhostsfile'),
    globalKnownHostsFiles: list('globalknownhostsfile'),
    hashKnownHosts: one('hashknownhosts') === 'yes',
    strictHostKeyChecking: STRICT[one('stricthostkeychecking') ?? 'ask'] ?? 'ask',
    connectTimeoutSec: timeout === undefined || timeout === 'none' ? DEFAULT_CONNECT_TIMEOUT_SEC : Number(timeout),
    // ssh -G prints 0 both for "off" and "unset"; the tutor needs a keepalive to notice a dead link.
    serverAliveIntervalSec: alive > 0 ? alive : DEFAULT_SERVER_ALIVE_SEC,
    warnings: [],
    resolvedBy: 'ssh -G',
  };
  if (identityAgent !== undefined) resolved.identityAgent = identityAgent;
  if (hostKeyAlias !== undefined) resolved.hostKeyAlias = hostKeyAlias;

  if (jumpText !== undefined) {
    const depth = (options.hops ?? 0) + 1;
    if (depth > MAX_JUMP_HOPS) {
      throw new SshConfigError('jump-depth', at.file, 0, 'ProxyJump', jumpText, `more than ${MAX_JUMP_HOPS} ProxyJump hops (a loop?)`);
    }
    const comma = jumpText.lastIndexOf(',');
    const earlier = comma === -1 ? undefined : jumpText.slice(0, comma);
    const last = parseLastHop(jumpText.slice(comma + 1));
    if (!last) throw new SshConfigError('bad-jump', at.file, 0, 'ProxyJump', jumpText, `Invalid ProxyJump "${jumpText}"`);
    return { resolved, hop: { spec: last, options: { hops: depth, ...(earlier !== undefined ? { jump: earlier } : {}) } } };
  }
  if (proxyCommand !== undefined) resolved.proxyCommand = proxyCommand;
  return { resolved };
}

/** The last hop as ssh -G prints it: `[user@]host[:port]`, numeric hosts in brackets. */
function parseLastHop(text: string): TargetSpec | undefined {
  const at = text.lastIndexOf('@');
  const user = at === -1 ? undefined : text.slice(0, at);
  const rest = at === -1 ? text : text.slice(at + 1);
  const m = /^(?:\[([^\]]*)\]|([^:]*))(?::(\d+))?$/.exec(rest);
  if (!m) return undefined;
  const host = m[1] ?? m[2]!;
  const port = m[3] === undefined ? undefined : parseConfigPort(m[3]);
  if (host === '' || (m[3] !== undefined && port === undefined)) return undefined;
  return { host, ...(user !== undefined ? { user } : {}), ...(port !== undefined ? { port } : {}) };
}
