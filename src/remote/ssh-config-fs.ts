// The thin fs shell around ssh-config.ts: reads ~/.ssh/config and /etc/ssh/ssh_config (and their
// Includes) from disk, and builds the resolve context from this process. resolveUserTarget asks
// OpenSSH itself (`ssh -G`, ssh-g.ts) when the ssh binary is there; the parser is the fallback.
import { globSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_CAP, readCappedSync } from './read-capped.js';
import {
  DEFAULT_HOST,
  DEFAULT_USER,
  parseSshConfig,
  parseTargetSpec,
  resolveTarget,
  type ConfigSource,
  type ResolveContext,
  type ResolvedTarget,
  type SshConfig,
  type TargetSpec,
} from './ssh-config.js';
import { findSsh, resolveWithSshG } from './ssh-g.js';

export const nodeConfigSource: ConfigSource = {
  read(file) {
    try {
      return readCappedSync(file, CONFIG_CAP, 'read as an ssh config').toString('utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw err;
    }
  },
  glob(pattern) {
    return globSync(pattern).sort();
  },
};

/** /etc/passwd and /etc/services, read once: getpwnam and getservbyname for the parser. */
function table(file: string): string[][] {
  try {
    return readCappedSync(file, CONFIG_CAP, 'read')
      .toString('utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean)
      .map((l) => l.split(file.endsWith('passwd') ? ':' : /\s+/));
  } catch {
    return [];
  }
}
let passwd: string[][] | undefined;
let services: Map<string, number> | undefined;

export function passwdHome(user: string): string | undefined {
  passwd ??= table('/etc/passwd');
  return passwd.find((f) => f[0] === user)?.[5];
}

export function servicePort(name: string): number | undefined {
  if (!services) {
    services = new Map();
    for (const [svc, portProto, ...aliases] of table('/etc/services')) {
      const m = /^(\d+)\/tcp$/.exec(portProto ?? '');
      if (!m) continue;
      for (const n of [svc!, ...aliases]) if (!services.has(n)) services.set(n, Number(m[1]));
    }
  }
  return services.get(name);
}

/** Like ssh: the home directory from passwd, not $HOME. */
export function processResolveContext(env: NodeJS.ProcessEnv = process.env): ResolveContext {
  const info = os.userInfo();
  return {
    home: info.homedir,
    localUser: info.username,
    uid: info.uid,
    localHostName: os.hostname(),
    env,
    homeOf: passwdHome,
    servicePort,
  };
}

/** The user's config, then the system one (first value wins across both, as in ssh). */
export function loadSshConfig(
  ctx: ResolveContext,
  options: { userConfig?: string; systemConfig?: string | null; source?: ConfigSource } = {},
): SshConfig {
  const source = options.source ?? nodeConfigSource;
  const files = [];
  const ignoreUnknown: string[] = [];
  const common = { source, home: ctx.home, ignoreUnknown, ...(ctx.servicePort ? { servicePort: ctx.servicePort } : {}) };
  const userConfig = options.userConfig ?? path.join(ctx.home, '.ssh', 'config');
  const userText = source.read(userConfig);
  if (userText !== undefined) {
    files.push(parseSshConfig(userText, userConfig, { ...common, includeBase: path.join(ctx.home, '.ssh') }));
  }
  const systemConfig = options.systemConfig === undefined ? '/etc/ssh/ssh_config' : options.systemConfig;
  if (systemConfig !== null) {
    const systemText = source.read(systemConfig);
    if (systemText !== undefined) {
      files.push(parseSshConfig(systemText, systemConfig, { ...common, includeBase: '/etc/ssh' }));
    }
  }
  return { files };
}

/**
 * What the app calls: the learner's configs, resolved for `spec` (`--target`, or the default
 * `server`) by `ssh -G` when ssh is installed, else by the parser. Throws SshConfigError
 * (file:line) for a config ssh would refuse too.
 */
export function resolveUserTarget(
  spec: TargetSpec | string,
  env: NodeJS.ProcessEnv = process.env,
  configFile?: string,
  options: { ssh?: string | null } = {},
): ResolvedTarget {
  const ctx = processResolveContext(env);
  // Read (capped) first even when ssh will: a missing or endless file gets our clear message.
  if (configFile !== undefined && nodeConfigSource.read(configFile) === undefined) {
    throw new Error(`${configFile}: cannot read this ssh config${configFile.includes('kthw-tutor/lab') ? ' (is the lab up? run: kthw-tutor lab up)' : ''}`);
  }
  const ssh = options.ssh === undefined ? findSsh(env) : (options.ssh ?? undefined);
  if (ssh) {
    const wanted = typeof spec === 'string' ? parseTargetSpec(spec) : spec;
    if (!wanted) throw new Error(`"${String(spec)}" is not a target: write [user@]host[:port], e.g. root@server`);
    return resolveWithSshG(
      { ...wanted, host: wanted.host ?? DEFAULT_HOST },
      ctx,
      { ssh, env, ...(configFile !== undefined ? { configFile } : {}) },
      { defaultUser: DEFAULT_USER },
    );
  }
  // Like `ssh -F file`: that file alone, no system config.
  const config = configFile === undefined ? loadSshConfig(ctx) : loadSshConfig(ctx, { userConfig: configFile, systemConfig: null });
  return resolveTarget(config, spec, ctx);
}
