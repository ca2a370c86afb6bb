// The learner's OpenSSH client config (`~/.ssh/config`), parsed and resolved the way `ssh` does it,
// so `kthw-tutor` reaches `server` exactly as `ssh server` would. PURE: files come in through a
// ConfigSource (the fs one lives in ssh-config-fs.ts; tests pass an in-memory map).
//
// OpenSSH rules kept here (ssh_config(5), readconf.c):
// - keywords are case-insensitive; `Key value`, `Key=value`, `Key = value`; quotes and `#` comments;
// - for each keyword the FIRST value obtained wins (so specific Host blocks go first), except
//   IdentityFile, which accumulates;
// - a Host line applies if any pattern matches the name typed and no `!pattern` does;
// - Include may sit inside a Host block (conditional), relative paths are under ~/.ssh, globs sort;
// - values are validated even in blocks that do not apply (ssh refuses such a file too).
import { createHash } from 'node:crypto';
import { matchPatternList } from './host-pattern.js';

export interface ConfigSource {
  /** The file's text, or undefined when it does not exist. */
  read(path: string): string | undefined;
  /** Existing paths matching a glob (`*`, `?`, `[...]`), sorted as glob(3) sorts them. */
  glob(pattern: string): string[];
}

interface At {
  file: string;
  line: number;
}

export type Directive =
  | (At & { kind: 'host'; patterns: string[] })
  | (At & { kind: 'match'; criteria: string })
  | (At & { kind: 'include'; files: ParsedConfigFile[] })
  | (At & { kind: 'option'; keyword: string; args: string[] });

export interface ParsedConfigFile {
  path: string;
  directives: Directive[];
}

/** The user's file first, then the system one: earlier files win, as in ssh. */
export interface SshConfig {
  files: ParsedConfigFile[];
}

export type SshConfigErrorCode =
  | 'no-argument'
  | 'bad-quote'
  | 'bad-port'
  | 'bad-flag'
  | 'bad-choice'
  | 'bad-time'
  | 'bad-jump'
  | 'include-depth'
  | 'bad-token'
  | 'bad-env'
  | 'jump-depth';

/** A config problem that stops ssh too; names the file and line so the learner can fix it. */
export class SshConfigError extends Error {
  override readonly name = 'SshConfigError';
  constructor(
    readonly code: SshConfigErrorCode,
    readonly file: string,
    readonly line: number,
    /** The keyword and the offending value, for the translated message. */
    readonly keyword: string,
    readonly value: string,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}

export type ConfigWarningCode = 'match-unsupported' | 'option-unsupported';

/** Something in the config the tutor does not do; shown, never silently dropped. */
export interface ConfigWarning extends At {
  code: ConfigWarningCode;
  keyword: string;
}

// ---------------------------------------------------------------------------------------------
// Tokenizing and parsing

const MAX_INCLUDE_DEPTH = 16; // READCONF_MAX_DEPTH in OpenSSH

/** Splits arguments as OpenSSH's argv_split does: quotes, backslash escapes, `#` comments. */
export function splitArgs(text: string): string[] | 'unterminated-quote' {
  const args: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break; // a comment starts where a token would
    let arg = '';
    let quote = '';
    for (; i < text.length; i++) {
      const ch = text[i]!;
      const next = text[i + 1];
      if (ch === '\\') {
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) {
          arg += next;
          i++;
        } else {
          arg += ch;
        }
      } else if (quote === '' && (ch === ' ' || ch === '\t')) {
        break;
      } else if (quote === '' && (ch === '"' || ch === "'")) {
        quote = ch;
      } else if (quote !== '' && ch === quote) {
        quote = '';
      } else {
        arg += ch;
      }
    }
    if (quote !== '') return 'unterminated-quote';
    args.push(arg);
  }
  return args;
}

/** Parses one config file (and, through `source`, the files it includes). */
export function parseSshConfig(
  text: string,
  path: string,
  options: { source: ConfigSource; includeBase: string; home: string; depth?: number },
): ParsedConfigFile {
  const depth = options.depth ?? 0;
  const directives: Directive[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const at = { file: path, line: index + 1 };
    const trimmed = lines[index]!.replace(/^[ \t\f]+/, '').replace(/[ \t\f\r]+$/, '');
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const keywordMatch = /^[^\s=]+/.exec(trimmed);
    if (!keywordMatch) continue;
    const written = keywordMatch[0];
    const keyword = written.toLowerCase();
    // One `=` may separate the keyword from its value, with optional spaces around it.
    const rest = trimmed.slice(keywordMatch[0].length).replace(/^[ \t]*=?[ \t]*/, '');
    const args = splitArgs(rest);
    if (args === 'unterminated-quote') {
      throw new SshConfigError('bad-quote', path, at.line, written, rest, `unterminated quote after ${written}`);
    }
    if (args.length === 0) {
      throw new SshConfigError('no-argument', path, at.line, written, '', `no argument after keyword "${written}"`);
    }
    switch (keyword) {
      case 'host':
        directives.push({ ...at, kind: 'host', patterns: args });
        break;
      case 'match':
        directives.push({ ...at, kind: 'match', criteria: args.join(' ') });
        break;
      case 'include': {
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
          throw new SshConfigError('include-depth', path, at.line, written, args.join(' '), 'Include nested too deeply (loop?)');
        }
        const files: ParsedConfigFile[] = [];
        for (const arg of args) {
          const pattern = includePath(arg, options.includeBase, options.home);
          for (const included of options.source.glob(pattern)) {
            const includedText = options.source.read(included);
            if (includedText === undefined) continue; // a vanished or unreadable match: ssh skips it too
            files.push(parseSshConfig(includedText, included, { ...options, depth: depth + 1 }));
          }
        }
        directives.push({ ...at, kind: 'include', files });
        break;
      }
      default:
        validateOption(keyword, written, args, at);
        directives.push({ ...at, kind: 'option', keyword, args });
    }
  }
  return { path, directives };
}

function includePath(arg: string, base: string, home: string): string {
  if (arg === '~' || arg.startsWith('~/')) return home + arg.slice(1);
  if (arg.startsWith('/')) return arg;
  return `${base.replace(/\/+$/, '')}/${arg}`;
}

const FLAG_VALUES: Record<string, boolean> = { yes: true, true: true, no: false, false: false };
const STRICT_VALUES: Record<string, StrictHostKeyChecking> = {
  yes: 'yes',
  true: 'yes',
  ask: 'ask',
  'accept-new': 'accept-new',
  no: 'no',
  false: 'no',
  off: 'no',
};

function validateOption(keyword: string, written: string, args: string[], at: At): void {
  const value = args[0]!;
  const fail = (code: SshConfigErrorCode, detail: string): never => {
    throw new SshConfigError(code, at.file, at.line, written, value, detail);
  };
  switch (keyword) {
    case 'port':
      if (parsePort(value) === undefined) fail('bad-port', `bad port "${value}" (1-65535)`);
      break;
    case 'identitiesonly':
    case 'hashknownhosts':
      if (!(value.toLowerCase() in FLAG_VALUES)) fail('bad-flag', `${written} must be yes or no, not "${value}"`);
      break;
    case 'stricthostkeychecking':
      if (!(value.toLowerCase() in STRICT_VALUES)) {
        fail('bad-choice', `StrictHostKeyChecking must be yes, ask, accept-new or no, not "${value}"`);
      }
      break;
    case 'connecttimeout':
    case 'serveraliveinterval':
      if (!(keyword === 'connecttimeout' && value === 'none') && parseTime(value) === undefined) {
        fail('bad-time', `${written} takes a time such as 10, 30s or 1m, not "${value}"`);
      }
      break;
    case 'proxyjump':
      if (value.toLowerCase() !== 'none' && parseJumpList(value) === undefined) {
        fail('bad-jump', `bad ProxyJump "${value}" (write [user@]host[:port], several separated by commas)`);
      }
      break;
  }
}

export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** OpenSSH convtime: `90`, `90s`, `1m30s`, `1h`; seconds. */
export function parseTime(text: string): number | undefined {
  // Each group ends in its unit letter, so the match is linear (no nested-quantifier blow-up).
  if (text === '' || !/^(\d+[smhdw])*\d*$/i.test(text)) return undefined;
  const unit: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const m of text.matchAll(/(\d+)([smhdw]?)/gi)) total += Number(m[1]) * unit[m[2]!.toLowerCase()]!;
  return total;
}

export interface TargetSpec {
  user?: string;
  host?: string;
  port?: number;
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`; `[v6addr]:port` for IPv6. */
export function parseTargetSpec(text: string): TargetSpec | undefined {
  const body = text.startsWith('ssh://') ? text.slice('ssh://'.length).replace(/\/$/, '') : text;
  const at = body.lastIndexOf('@');
  const user = at === -1 ? undefined : body.slice(0, at);
  const hostPort = at === -1 ? body : body.slice(at + 1);
  if (user === '' || /\s/.test(body)) return undefined;
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(hostPort);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else {
    const colon = hostPort.indexOf(':');
    host = colon === -1 ? hostPort : hostPort.slice(0, colon);
    portText = colon === -1 ? undefined : hostPort.slice(colon + 1);
  }
  if (host === '' || /[/@[\]]/.test(host)) return undefined;
  const spec: TargetSpec = { host };
  if (user !== undefined) spec.user = user;
  if (portText !== undefined) {
    const port = parsePort(portText);
    if (port === undefined) return undefined;
    spec.port = port;
  }
  return spec;
}

function parseJumpList(text: string): TargetSpec[] | undefined {
  const hops = text.split(',').map((h) => parseTargetSpec(h));
  return hops.every((h): h is TargetSpec => h !== undefined) ? hops : undefined;
}

// ---------------------------------------------------------------------------------------------
// Resolving a target

export type StrictHostKeyChecking = 'yes' | 'ask' | 'accept-new' | 'no';

export interface ResolvedTarget {
  /** The name as the learner wrote it (what Host blocks match). */
  alias: string;
  hostName: string;
  port: number;
  user: string;
  /** Explicit IdentityFile paths in order, or OpenSSH's defaults when there are none. */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** The ssh-agent socket to ask, if any (IdentityAgent, else $SSH_AUTH_SOCK). */
  identityAgent?: string;
  proxyJump?: ResolvedTarget;
  /** UserKnownHostsFile: new keys are recorded in the first one. */
  knownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  hashKnownHosts: boolean;
  strictHostKeyChecking: StrictHostKeyChecking;
  connectTimeoutSec: number;
  /** SSH-level keepalive; 0 turns it off. */
  serverAliveIntervalSec: number;
  warnings: ConfigWarning[];
}

export interface ResolveContext {
  home: string;
  localUser: string;
  uid: number;
  /** Full local host name (%l); %L is its first label. */
  localHostName: string;
  env: Readonly<Record<string, string | undefined>>;
}

export const DEFAULT_HOST = 'server';
/** The chapter logs in to `server` as root, so that is the tutor's default user for the target. */
export const DEFAULT_USER = 'root';
export const DEFAULT_CONNECT_TIMEOUT_SEC = 15;
export const DEFAULT_SERVER_ALIVE_SEC = 15;
const MAX_JUMP_HOPS = 8;
const DEFAULT_IDENTITY_FILES = ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa'];
const DEFAULT_USER_KNOWN_HOSTS = ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
/** Options that change how ssh connects but that the tutor does not implement: said out loud. */
const UNSUPPORTED_OPTIONS = new Map([
  ['proxycommand', 'ProxyCommand'],
  ['hostkeyalias', 'HostKeyAlias'],
  ['certificatefile', 'CertificateFile'],
  ['pkcs11provider', 'PKCS11Provider'],
  ['securitykeyprovider', 'SecurityKeyProvider'],
  ['canonicalizehostname', 'CanonicalizeHostname'],
]);

/** `user@hostName:port`: the pool's key and the label in the status line. */
export function targetKey(target: Pick<ResolvedTarget, 'user' | 'hostName' | 'port'>): string {
  const host = target.hostName.includes(':') ? `[${target.hostName}]` : target.hostName;
  return `${target.user}@${host}:${target.port}`;
}

interface Obtained {
  args: string[];
  at: At;
}

/** Walks the config for one name, keeping the first value of each keyword (all IdentityFiles). */
function collectOptions(config: SshConfig, alias: string) {
  const first = new Map<string, Obtained>();
  const identityFiles: Obtained[] = [];
  const warnings: ConfigWarning[] = [];

  const walk = (file: ParsedConfigFile) => {
    let active = true; // lines before the first Host apply to every host
    for (const d of file.directives) {
      switch (d.kind) {
        case 'host':
          active = matchPatternList(alias, d.patterns) === 'match';
          break;
        case 'match':
          active = false;
          warnings.push({ file: d.file, line: d.line, code: 'match-unsupported', keyword: 'Match' });
          break;
        case 'include':
          // The included files start in the enclosing block's state; ssh restores it afterwards.
          if (active) for (const f of d.files) walk(f);
          break;
        case 'option':
          if (!active) break;
          if (d.keyword === 'identityfile') identityFiles.push({ args: d.args, at: d });
          else if (!first.has(d.keyword)) first.set(d.keyword, { args: d.args, at: d });
          break;
      }
    }
  };
  for (const file of config.files) walk(file);

  for (const [keyword, { at, args }] of first) {
    const name = UNSUPPORTED_OPTIONS.get(keyword);
    if (!name) continue;
    if (keyword === 'canonicalizehostname' && args[0]?.toLowerCase() === 'no') continue;
    warnings.push({ file: at.file, line: at.line, code: 'option-unsupported', keyword: name });
  }
  return { first, identityFiles, warnings };
}

/**
 * Resolves what the learner typed (`server`, `root@server:2222`) into how to connect, as
 * `ssh -G` would. Command-line user and port win over the config.
 */
export function resolveTarget(
  config: SshConfig,
  spec: TargetSpec | string,
  ctx: ResolveContext,
  options: { defaultUser?: string; jumpOverride?: TargetSpec[]; hops?: number } = {},
): ResolvedTarget {
  const wanted = typeof spec === 'string' ? parseTargetSpec(spec) : spec;
  if (!wanted) throw new Error(`"${String(spec)}" is not a target: write [user@]host[:port], e.g. root@server`);
  const alias = wanted.host ?? DEFAULT_HOST;
  const { first, identityFiles: identityLines, warnings } = collectOptions(config, alias);
  const value = (keyword: string) => first.get(keyword)?.args[0];

  const hostNameOpt = first.get('hostname');
  const hostName = hostNameOpt ? expandTokens(hostNameOpt.args[0]!, { h: alias }, hostNameOpt.at, 'HostName') : alias;
  const port = wanted.port ?? (value('port') !== undefined ? parsePort(value('port')!)! : 22);
  const user = wanted.user ?? value('user') ?? options.defaultUser ?? DEFAULT_USER;
  const proxyJumpText = value('proxyjump');

  const localShort = ctx.localHostName.split('.')[0] ?? ctx.localHostName;
  const tokens: Record<string, string> = {
    d: ctx.home,
    u: ctx.localUser,
    i: String(ctx.uid),
    l: ctx.localHostName,
    L: localShort,
    h: hostName,
    n: alias,
    k: alias,
    p: String(port),
    r: user,
    j: proxyJumpText && proxyJumpText.toLowerCase() !== 'none' ? proxyJumpText : '',
    C: createHash('sha1').update(`${ctx.localHostName}${hostName}${port}${user}`).digest('hex'),
  };
  const expandPath = (raw: string, at: At, keyword: string) =>
    expandEnv(expandTokens(expandTilde(raw, ctx.home), tokens, at, keyword), ctx.env, at, keyword);

  const identityFiles: string[] = [];
  for (const { args, at } of identityLines) {
    const path = expandPath(args[0]!, at, 'IdentityFile');
    if (!identityFiles.includes(path)) identityFiles.push(path);
  }
  if (identityFiles.length === 0) identityFiles.push(...DEFAULT_IDENTITY_FILES.map((p) => expandTilde(p, ctx.home)));

  const pathList = (keyword: string, name: string, defaults: string[]) => {
    const opt = first.get(keyword);
    if (!opt) return defaults.map((p) => expandTilde(p, ctx.home));
    if (opt.args[0]!.toLowerCase() === 'none') return [];
    return opt.args.map((a) => expandPath(a, opt.at, name));
  };

  let identityAgent: string | undefined = ctx.env.SSH_AUTH_SOCK || undefined;
  const agentOpt = first.get('identityagent');
  if (agentOpt) {
    const raw = agentOpt.args[0]!;
    if (raw.toLowerCase() === 'none') identityAgent = undefined;
    else if (raw !== 'SSH_AUTH_SOCK') identityAgent = expandPath(raw, agentOpt.at, 'IdentityAgent');
  }

  const connectTimeout = value('connecttimeout');
  const serverAlive = value('serveraliveinterval');
  const resolved: ResolvedTarget = {
    alias,
    hostName,
    port,
    user,
    identityFiles,
    identitiesOnly: FLAG_VALUES[value('identitiesonly')?.toLowerCase() ?? 'no'] ?? false,
    knownHostsFiles: pathList('userknownhostsfile', 'UserKnownHostsFile', DEFAULT_USER_KNOWN_HOSTS),
    globalKnownHostsFiles: pathList('globalknownhostsfile', 'GlobalKnownHostsFile', DEFAULT_GLOBAL_KNOWN_HOSTS),
    hashKnownHosts: FLAG_VALUES[value('hashknownhosts')?.toLowerCase() ?? 'yes'] ?? true,
    strictHostKeyChecking: STRICT_VALUES[value('stricthostkeychecking')?.toLowerCase() ?? 'ask'] ?? 'ask',
    connectTimeoutSec:
      connectTimeout === undefined || connectTimeout === 'none' ? DEFAULT_CONNECT_TIMEOUT_SEC : parseTime(connectTimeout)!,
    serverAliveIntervalSec: serverAlive === undefined ? DEFAULT_SERVER_ALIVE_SEC : parseTime(serverAlive)!,
    warnings,
  };
  if (identityAgent !== undefined) resolved.identityAgent = identityAgent;

  // ProxyJump a,b,c: reach c through b through a. The last hop is resolved with the earlier hops
  // as its own jump (like `ssh -J a,b -W target c`); a lone hop keeps its own config's ProxyJump.
  const configHops = proxyJumpText && proxyJumpText.toLowerCase() !== 'none' ? parseJumpList(proxyJumpText)! : [];
  const hops = options.jumpOverride ?? configHops;
  if (hops.length > 0) {
    const depth = (options.hops ?? 0) + 1;
    if (depth > MAX_JUMP_HOPS) {
      const at = first.get('proxyjump')?.at ?? { file: '(command line)', line: 0 };
      const detail = `more than ${MAX_JUMP_HOPS} ProxyJump hops (a loop?)`;
      throw new SshConfigError('jump-depth', at.file, at.line, 'ProxyJump', proxyJumpText ?? '', detail);
    }
    const last = hops[hops.length - 1]!;
    const earlier = hops.slice(0, -1);
    resolved.proxyJump = resolveTarget(config, last, ctx, {
      // A jump host is logged into as ssh would: the local user unless the config says otherwise.
      defaultUser: ctx.localUser,
      hops: depth,
      ...(earlier.length > 0 ? { jumpOverride: earlier } : {}),
    });
  }
  return resolved;
}

function expandTilde(path: string, home: string): string {
  if (path === '~' || path.startsWith('~/')) return home + path.slice(1);
  return path;
}

/** %-tokens (percent_expand); an unknown one is an error in ssh too. */
function expandTokens(text: string, tokens: Record<string, string>, at: At, keyword: string): string {
  return text.replace(/%(.?)/g, (whole, key: string) => {
    if (key === '%') return '%';
    const value = tokens[key];
    if (value === undefined) {
      throw new SshConfigError('bad-token', at.file, at.line, keyword, whole, `unknown token "${whole}" in ${keyword}`);
    }
    return value;
  });
}

function expandEnv(text: string, env: ResolveContext['env'], at: At, keyword: string): string {
  return text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    const value = env[name];
    if (value === undefined) {
      const detail = `environment variable ${name} in ${keyword} is not set`;
      throw new SshConfigError('bad-env', at.file, at.line, keyword, whole, detail);
    }
    return value;
  });
}

// ---------------------------------------------------------------------------------------------
// In-memory source, for tests and for callers that already hold the text

/** A ConfigSource over a `{ path: text }` map; globs match within one path segment as glob(3). */
export function memoryConfigSource(files: Readonly<Record<string, string>>): ConfigSource {
  return {
    read: (path) => files[path],
    glob: (pattern) => {
      if (!/[*?[]/.test(pattern)) return pattern in files ? [pattern] : [];
      const re = globToRegExp(pattern);
      return Object.keys(files)
        .filter((p) => re.test(p))
        .sort();
    },
  };
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
