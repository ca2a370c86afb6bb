// The thin fs shell around ssh-config.ts: reads ~/.ssh/config and /etc/ssh/ssh_config (and their
// Includes) from disk, and builds the resolve context from this process.
import { globSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_CAP, readCappedSync } from './read-capped.js';
import {
  parseSshConfig,
  resolveTarget,
  type ConfigSource,
  type ResolveContext,
  type ResolvedTarget,
  type SshConfig,
  type TargetSpec,
} from './ssh-config.js';

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

export function processResolveContext(env: NodeJS.ProcessEnv = process.env): ResolveContext {
  const info = os.userInfo();
  return {
    home: env.HOME || info.homedir,
    localUser: info.username,
    uid: info.uid,
    localHostName: os.hostname(),
    env,
  };
}

/** The user's config, then the system one (first value wins across both, as in ssh). */
export function loadSshConfig(
  ctx: ResolveContext,
  options: { userConfig?: string; systemConfig?: string | null; source?: ConfigSource } = {},
): SshConfig {
  const source = options.source ?? nodeConfigSource;
  const files = [];
  const userConfig = options.userConfig ?? path.join(ctx.home, '.ssh', 'config');
  const userText = source.read(userConfig);
  if (userText !== undefined) {
    files.push(parseSshConfig(userText, userConfig, { source, includeBase: path.join(ctx.home, '.ssh'), home: ctx.home }));
  }
  const systemConfig = options.systemConfig === undefined ? '/etc/ssh/ssh_config' : options.systemConfig;
  if (systemConfig !== null) {
    const systemText = source.read(systemConfig);
    if (systemText !== undefined) {
      files.push(parseSshConfig(systemText, systemConfig, { source, includeBase: '/etc/ssh', home: ctx.home }));
    }
  }
  return { files };
}

/**
 * What the app calls: the learner's configs from disk, resolved for `spec` (`--target`, or the
 * default `server`). Throws SshConfigError (file:line) for a config ssh would refuse too.
 */
export function resolveUserTarget(
  spec: TargetSpec | string,
  env: NodeJS.ProcessEnv = process.env,
  configFile?: string,
): ResolvedTarget {
  const ctx = processResolveContext(env);
  // Like `ssh -F file`: that file alone, no system config.
  const config = configFile === undefined ? loadSshConfig(ctx) : loadSshConfig(ctx, { userConfig: configFile, systemConfig: null });
  if (configFile !== undefined && !nodeConfigSource.read(configFile)) {
    throw new Error(`${configFile}: cannot read this ssh config${configFile.includes('kthw-tutor/lab') ? ' (is the lab up? run: kthw-tutor lab up)' : ''}`);
  }
  return resolveTarget(config, spec, ctx);
}
