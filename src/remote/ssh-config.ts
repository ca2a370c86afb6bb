// The learner's OpenSSH client config (`~/.ssh/config`), parsed and resolved the way `ssh` does it,
// so `kthw-tutor` reaches `server` exactly as `ssh server` would. PURE: files come in through a
// ConfigSource (the fs one lives in ssh-config-fs.ts; tests pass an in-memory map).
//
// OpenSSH rules kept here (ssh_config(5), readconf.c):
// - keywords are case-insensitive; `Key value`, `Key=value`, `Key = value`; quotes and `#` comments;
// - for each keyword the FIRST value obtained wins (so specific Host blocks go first), except
//   IdentityFile, which accumulates;
// - a Host line applies if any pattern matches the name AS TYPED (case-sensitive) and no `!pattern` does;
// - Include may sit inside a Host block (conditional), relative paths are under ~/.ssh, globs sort;
// - values are validated even in blocks that do not apply (ssh refuses such a file too), and a
//   keyword ssh does not know stops ssh, so it stops us;
// - ProxyCommand and ProxyJump take the raw rest of the line (no unquoting), not argv.
// This is the FALLBACK: when the ssh binary exists, ssh-g.ts asks `ssh -G` instead, and the
// differential test (test/integration/ssh-config-openssh.test.ts) keeps the two in agreement.
import net from 'node:net';
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
  /** `raw`: the rest of the line as written (ProxyCommand and ProxyJump use it, as ssh does). */
  | (At & { kind: 'option'; keyword: string; written: string; args: string[]; raw: string });

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
  | 'jump-depth'
  | 'bad-option'
  | 'extra-args'
  | 'unknown-user'
  /** `ssh -G` refused the config; `value` is its own message. */
  | 'ssh-refused';

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
    super(line > 0 ? `${file}:${line}: ${detail}` : `${file}: ${detail}`);
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
  options: {
    source: ConfigSource;
    includeBase: string;
    home: string;
    depth?: number;
    /** getservbyname for `Port ssh`; without it only numbers and `ssh` are ports. */
    servicePort?: (name: string) => number | undefined;
    /** IgnoreUnknown patterns seen so far (shared with included files). */
    ignoreUnknown?: string[];
  },
): ParsedConfigFile {
  const depth = options.depth ?? 0;
  const ignoreUnknown = options.ignoreUnknown ?? [];
  const childOptions = { ...options, ignoreUnknown };
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
    if (keyword === 'ignoreunknown' && ignoreUnknown.length === 0) ignoreUnknown.push(...args[0]!.split(','));
    if (!KNOWN_KEYWORDS.has(keyword)) {
      if (matchPatternList(keyword, ignoreUnknown, true) === 'match') continue;
      throw new SshConfigError('bad-option', path, at.line, written, '', `Bad configuration option: ${keyword}`);
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
            files.push(parseSshConfig(includedText, included, { ...childOptions, depth: depth + 1 }));
          }
        }
        directives.push({ ...at, kind: 'include', files });
        break;
      }
      default: {
        const name = keyword === 'identityfile2' ? 'identityfile' : keyword;
        validateOption(name, written, args, rest, at, options.servicePort);
        directives.push({ ...at, kind: 'option', keyword: name, written, args, raw: rest });
      }
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

/** Keywords that take exactly one value: ssh says "extra arguments at end of line" otherwise. */
const SINGLE_VALUE = new Set([
  'hostname', 'user', 'port', 'identityfile', 'identitiesonly', 'hashknownhosts', 'stricthostkeychecking',
  'connecttimeout', 'serveraliveinterval', 'hostkeyalias', 'identityagent',
]);

function validateOption(
  keyword: string,
  written: string,
  args: string[],
  raw: string,
  at: At,
  servicePort: ((name: string) => number | undefined) | undefined,
): void {
  const value = args[0]!;
  const fail = (code: SshConfigErrorCode, detail: string, shown = value): never => {
    throw new SshConfigError(code, at.file, at.line, written, shown, detail);
  };
  if (SINGLE_VALUE.has(keyword) && args.length > 1) fail('extra-args', `keyword ${keyword} extra arguments at end of line`, args.join(' '));
  switch (keyword) {
    case 'port':
      if (parseConfigPort(value, servicePort) === undefined) fail('bad-port', `Bad port '${value}'`);
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
    case 'proxyjump': {
      const text = proxyJumpText(raw);
      if (text.toLowerCase() !== 'none' && !text.split(',').every((hop) => parseJumpHop(hop, servicePort) !== undefined)) {
        fail('bad-jump', `Invalid ProxyJump "${raw}"`, raw);
      }
      break;
    }
  }
}

/**
 * The ProxyJump value as readconf.c's parse_jump sees it: the raw rest of the line, cut at `#`
 * and at the first blank (its rtrim() blanks EVERY space, not only trailing ones). Quotes stay.
 */
export function proxyJumpText(raw: string): string {
  return raw.split('#')[0]!.split(/[ \t\r\n\f\v]/)[0]!;
}

/** One ProxyJump hop as ssh parses it (parse_ssh_uri, else parse_user_host_port). */
export function parseJumpHop(
  text: string,
  servicePort?: (name: string) => number | undefined,
): { user?: string; host: string; port?: number } | undefined {
  let rest = text;
  if (rest.startsWith('ssh://')) {
    const uri = /^ssh:\/\/(?:([^@/]*)@)?(\[[^\]]*\]|[^:/]*)(?::(\d+))?\/?$/.exec(rest);
    if (!uri || uri[2] === '' || uri[1] === '') return undefined;
    const host = uri[2]!.replace(/^\[(.*)\]$/, '$1');
    const port = uri[3] === undefined ? undefined : parseConfigPort(uri[3], servicePort);
    if (uri[3] !== undefined && port === undefined) return undefined;
    return { ...(uri[1] !== undefined ? { user: uri[1] } : {}), host, ...(port !== undefined ? { port } : {}) };
  }
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    user = rest.slice(0, at);
    if (user === '') return undefined;
    rest = rest.slice(at + 1);
  }
  // hpdelim: `[...]` is one host; otherwise the host ends at the first `:` or `/`.
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) return undefined;
    const after = rest.slice(close + 1);
    if (after !== '' && after[0] !== ':' && after[0] !== '/') return undefined;
    host = rest.slice(1, close);
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const cut = rest.search(/[:/]/);
    host = cut === -1 ? rest : rest.slice(0, cut);
    portText = cut === -1 ? undefined : rest.slice(cut + 1);
  }
  if (host === '') return undefined;
  let port: number | undefined;
  if (portText !== undefined && portText !== '') {
    port = parseConfigPort(portText, servicePort);
    if (port === undefined) return undefined;
  }
  return { ...(user !== undefined ? { user } : {}), host, ...(port !== undefined ? { port } : {}) };
}

/** a2port: a number 1-65535 (strtonum: optional sign) or a tcp service name from /etc/services. */
export function parseConfigPort(text: string, servicePort?: (name: string) => number | undefined): number | undefined {
  if (/^[ \t]*[+-]?\d+$/.test(text)) {
    const n = Number(text.trim());
    return n >= 1 && n <= 65535 ? n : undefined;
  }
  const port = servicePort ? servicePort(text) : text === 'ssh' ? 22 : undefined;
  return port !== undefined && port >= 1 && port <= 65535 ? port : undefined;
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

function parseJumpList(text: string, servicePort?: (name: string) => number | undefined): TargetSpec[] | undefined {
  const hops = text.split(',').map((h) => parseJumpHop(h, servicePort));
  return hops.every((h): h is NonNullable<typeof h> => h !== undefined) ? hops : undefined;
}

// ---------------------------------------------------------------------------------------------
// Resolving a target

export type StrictHostKeyChecking = 'yes' | 'ask' | 'accept-new' | 'no';

export interface ResolvedTarget {
  /** The name as the learner wrote it (what Host blocks match). */
  alias: string;
  /** Lowercased, as ssh connects to it (IP addresses keep their case). */
  hostName: string;
  port: number;
  user: string;
  /** IdentityFile paths in order (expanded), or OpenSSH's defaults when there are none. */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** The ssh-agent socket to ask, if any (IdentityAgent, else $SSH_AUTH_SOCK). */
  identityAgent?: string;
  proxyJump?: ResolvedTarget;
  /** ProxyCommand as written (tokens expanded at connect time, as ssh does). */
  proxyCommand?: string;
  /** HostKeyAlias (lowercased): the name known_hosts is searched and written under. */
  hostKeyAlias?: string;
  /** UserKnownHostsFile: new keys are recorded in the first one. */
  knownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  hashKnownHosts: boolean;
  strictHostKeyChecking: StrictHostKeyChecking;
  connectTimeoutSec: number;
  /** SSH-level keepalive; 0 turns it off. */
  serverAliveIntervalSec: number;
  warnings: ConfigWarning[];
  /** Who resolved it: OpenSSH itself, or this parser (no ssh binary). */
  resolvedBy?: 'ssh -G' | 'parser';
}

export interface ResolveContext {
  /** The passwd home (ssh ignores $HOME). */
  home: string;
  localUser: string;
  uid: number;
  /** Full local host name (%l); %L is its first label. */
  localHostName: string;
  env: Readonly<Record<string, string | undefined>>;
  /** getpwnam(name)->pw_dir, for `~name/` (undefined: no such user). */
  homeOf?: (user: string) => string | undefined;
  servicePort?: (name: string) => number | undefined;
}

export const DEFAULT_HOST = 'server';
/** The chapter logs in to `server` as root, so that is the tutor's default user for the target. */
export const DEFAULT_USER = 'root';
export const DEFAULT_CONNECT_TIMEOUT_SEC = 15;
export const DEFAULT_SERVER_ALIVE_SEC = 15;
export const MAX_JUMP_HOPS = 8;
/** ssh.c fill_default_options' list, in its order (each only tried if it exists). */
export const DEFAULT_IDENTITY_FILES = [
  '~/.ssh/id_rsa',
  '~/.ssh/id_ecdsa',
  '~/.ssh/id_ecdsa_sk',
  '~/.ssh/id_ed25519',
  '~/.ssh/id_ed25519_sk',
  '~/.ssh/id_xmss',
  '~/.ssh/id_dsa',
];
const DEFAULT_USER_KNOWN_HOSTS = ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

/** Every keyword OpenSSH 9.2 (Debian, with its GSSAPI patch) knows; any other stops ssh. */
const KNOWN_KEYWORDS = new Set(
  (
    'protocol cipher fallbacktorsh globalknownhostsfile2 rhostsauthentication userknownhostsfile2 useroaming usersh ' +
    'useprivilegedport afstokenpassing kerberosauthentication kerberostgtpassing rsaauthentication ' +
    'rhostsrsaauthentication compressionlevel gssapiauthentication gssapidelegatecredentials gssapikeyexchange ' +
    'gssapiclientidentity gssapiserveridentity gssapirenewalforcesrekey gssapitrustdns gssapikexalgorithms ' +
    'smartcarddevice pkcs11provider forwardagent exitonforwardfailure xauthlocation gatewayports ' +
    'passwordauthentication kbdinteractiveauthentication kbdinteractivedevices challengeresponseauthentication ' +
    'skeyauthentication tisauthentication pubkeyauthentication dsaauthentication hostbasedauthentication ' +
    'identityfile identityfile2 identitiesonly certificatefile addkeystoagent identityagent hostname hostkeyalias ' +
    'proxycommand port ciphers macs remoteforward localforward permitremoteopen user host match escapechar ' +
    'globalknownhostsfile userknownhostsfile connectionattempts batchmode checkhostip stricthostkeychecking ' +
    'compression tcpkeepalive keepalive numberofpasswordprompts syslogfacility loglevel logverbose dynamicforward ' +
    'preferredauthentications hostkeyalgorithms casignaturealgorithms bindaddress bindinterface clearallforwardings ' +
    'enablesshkeysign verifyhostkeydns nohostauthenticationforlocalhost rekeylimit connecttimeout addressfamily ' +
    'serveraliveinterval serveralivecountmax sendenv setenv controlpath controlmaster controlpersist hashknownhosts ' +
    'include tunnel tunneldevice localcommand permitlocalcommand remotecommand visualhostkey kexalgorithms ipqos ' +
    'requesttty sessiontype stdinnull forkafterauthentication proxyusefdpass canonicaldomains ' +
    'canonicalizefallbacklocal canonicalizehostname canonicalizemaxdots canonicalizepermittedcnames ' +
    'streamlocalbindmask streamlocalbindunlink revokedhostkeys fingerprinthash updatehostkeys ' +
    'hostbasedacceptedalgorithms hostbasedkeytypes pubkeyacceptedalgorithms pubkeyacceptedkeytypes ignoreunknown ' +
    'proxyjump securitykeyprovider knownhostscommand requiredrsasize enableescapecommandline'
  ).split(' '),
);
/** What the tutor does itself (directly or by the chapter's needs). */
const IMPLEMENTED = new Set([
  'hostname', 'port', 'user', 'identityfile', 'identitiesonly', 'identityagent', 'proxyjump', 'proxycommand',
  'hostkeyalias', 'userknownhostsfile', 'globalknownhostsfile', 'hashknownhosts', 'stricthostkeychecking',
  'connecttimeout', 'serveraliveinterval', 'ignoreunknown',
]);
/** Known to ssh, not done by the tutor, and harmless to where, as whom and how it connects: not said. */
const HARMLESS = new Set(
  (
    'sendenv setenv forwardagent forwardx11 forwardx11trusted forwardx11timeout xauthlocation compression ' +
    'compressionlevel loglevel logverbose syslogfacility serveralivecountmax tcpkeepalive keepalive requesttty ' +
    'visualhostkey escapechar controlmaster controlpath controlpersist addkeystoagent updatehostkeys ' +
    'gssapiauthentication gssapidelegatecredentials gssapikeyexchange gssapiclientidentity gssapiserveridentity ' +
    'gssapirenewalforcesrekey gssapitrustdns gssapikexalgorithms passwordauthentication ' +
    'kbdinteractiveauthentication kbdinteractivedevices challengeresponseauthentication batchmode ' +
    'numberofpasswordprompts connectionattempts localforward remoteforward dynamicforward clearallforwardings ' +
    'exitonforwardfailure gatewayports permitremoteopen streamlocalbindmask streamlocalbindunlink ' +
    'permitlocalcommand localcommand fingerprinthash hashknownhosts ipqos protocol cipher fallbacktorsh ' +
    'rhostsauthentication useroaming usersh useprivilegedport afstokenpassing kerberosauthentication ' +
    'kerberostgtpassing rsaauthentication rhostsrsaauthentication dsaauthentication skeyauthentication ' +
    'tisauthentication enableescapecommandline forkafterauthentication stdinnull sessiontype tunnel tunneldevice ' +
    'nohostauthenticationforlocalhost verifyhostkeydns checkhostip enablesshkeysign hostbasedauthentication ' +
    'smartcarddevice globalknownhostsfile2 userknownhostsfile2 requiredrsasize rekeylimit'
  ).split(' '),
);

/** `user@hostName:port`: the pool's key and the label in the status line. */
export function targetKey(target: Pick<ResolvedTarget, 'user' | 'hostName' | 'port'>): string {
  const host = target.hostName.includes(':') ? `[${target.hostName}]` : target.hostName;
  return `${target.user}@${host}:${target.port}`;
}

interface Obtained {
  args: string[];
  raw: string;
  at: At;
  written?: string;
}

/** Walks the config for one name, keeping the first value of each keyword (all IdentityFiles). */
function collectOptions(config: SshConfig, typedHost: string) {
  const first = new Map<string, Obtained>();
  const identityFiles: Obtained[] = [];
  const warnings: ConfigWarning[] = [];

  const walk = (file: ParsedConfigFile) => {
    let active = true; // lines before the first Host apply to every host
    for (const d of file.directives) {
      switch (d.kind) {
        case 'host':
          active = matchPatternList(typedHost, d.patterns, true) === 'match';
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
          if (d.keyword === 'identityfile') identityFiles.push({ args: d.args, raw: d.raw, at: d });
          else if (d.keyword === 'proxyjump' || d.keyword === 'proxycommand') takeProxy(first, d);
          else if (!first.has(d.keyword)) first.set(d.keyword, { args: d.args, raw: d.raw, at: d, written: d.written });
          break;
      }
    }
  };
  for (const file of config.files) walk(file);

  for (const [keyword, { at, written }] of first) {
    if (IMPLEMENTED.has(keyword) || HARMLESS.has(keyword)) continue;
    if (keyword.startsWith('canonicalize') && first.get('canonicalizehostname')?.args[0]?.toLowerCase() !== 'yes' &&
      first.get('canonicalizehostname')?.args[0]?.toLowerCase() !== 'always') continue;
    if (keyword === 'canonicaldomains' && !first.has('canonicalizehostname')) continue;
    warnings.push({ file: at.file, line: at.line, code: 'option-unsupported', keyword: written ?? keyword });
  }
  return { first, identityFiles, warnings };
}

/**
 * ProxyJump and ProxyCommand share one slot, first come first served, as ssh 9.2 shows them:
 * a real ProxyJump blocks a later ProxyCommand; any ProxyCommand (even `none`) blocks a later
 * ProxyJump; `ProxyJump none` blocks later ProxyJumps but not a ProxyCommand.
 */
function takeProxy(first: Map<string, Obtained>, d: Extract<Directive, { kind: 'option' }>): void {
  const jump = first.get('proxyjump');
  const command = first.get('proxycommand');
  const value = { args: d.args, raw: d.raw, at: d };
  if (d.keyword === 'proxyjump') {
    if (!jump && !command) first.set('proxyjump', value);
  } else if (!command && (!jump || proxyJumpText(jump.raw).toLowerCase() === 'none')) {
    first.set('proxycommand', value);
  }
}

/**
 * Resolves what the learner typed (`server`, `root@server:2222`) into how to connect, as
 * `ssh -G` would. Command-line user and port win over the config.
 */
export function resolveTarget(
  config: SshConfig,
  spec: TargetSpec | string,
  ctx: ResolveContext,
  options: { defaultUser?: string; jumpOverride?: TargetSpec[]; hops?: number; jumpAt?: At; jumpText?: string } = {},
): ResolvedTarget {
  const wanted = typeof spec === 'string' ? parseTargetSpec(spec) : spec;
  if (!wanted) throw new Error(`"${String(spec)}" is not a target: write [user@]host[:port], e.g. root@server`);
  const alias = wanted.host ?? DEFAULT_HOST;
  // ssh (Debian 9.2 with the 10.3 backport) refuses shell metacharacters in a host or user given
  // on its command line, which is how each ProxyJump hop reaches it.
  if (!validHostname(alias) || (wanted.user !== undefined && !validRemoteUser(wanted.user))) {
    const at = options.jumpAt ?? { file: '(command line)', line: 0 };
    const detail = `"${alias}" contains characters ssh refuses in a host or user name`;
    throw new SshConfigError('bad-jump', at.file, at.line, 'ProxyJump', options.jumpText ?? alias, detail);
  }
  const { first, identityFiles: identityLines, warnings } = collectOptions(config, alias);
  const value = (keyword: string) => first.get(keyword)?.args[0];

  const hostNameOpt = first.get('hostname');
  const expanded = hostNameOpt ? expandTokens(hostNameOpt.args[0]!, { h: alias }, hostNameOpt.at, 'HostName') : alias;
  // ssh lowercases the host it connects to, unless it is an address.
  const hostName = net.isIP(expanded) ? expanded : expanded.toLowerCase();
  const port = wanted.port ?? (value('port') !== undefined ? parseConfigPort(value('port')!, ctx.servicePort)! : 22);
  const user = wanted.user ?? value('user') ?? options.defaultUser ?? DEFAULT_USER;

  const jumpOpt = first.get('proxyjump');
  const jumpText = jumpOpt ? proxyJumpText(jumpOpt.raw) : undefined;
  const commandOpt = first.get('proxycommand');
  const proxyCommand = commandOpt && commandOpt.raw.toLowerCase() !== 'none' ? commandOpt.raw : undefined;
  const aliasOpt = value('hostkeyalias');
  const hostKeyAlias = aliasOpt === undefined ? undefined : aliasOpt.toLowerCase();

  const tokens = clientTokens(ctx, { hostName, alias, port, user, hostKeyAlias, jump: jumpText && jumpText.toLowerCase() !== 'none' ? jumpText : '' });
  const expandPath = (raw: string, at: At, keyword: string) => expandClientPath(raw, ctx, tokens, at, keyword);

  const identityFiles = expandIdentityFiles(
    identityLines.map(({ args, at }) => ({ path: args[0]!, at })),
    ctx,
    tokens,
  );

  const pathList = (keyword: string, name: string, defaults: string[]) => {
    const opt = first.get(keyword);
    if (!opt) return defaults.map((p) => expandTilde(p, ctx));
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
    // ssh's own default is no; Debian's /etc/ssh/ssh_config says yes, and the tutor keeps that.
    hashKnownHosts: FLAG_VALUES[value('hashknownhosts')?.toLowerCase() ?? 'yes'] ?? true,
    strictHostKeyChecking: STRICT_VALUES[value('stricthostkeychecking')?.toLowerCase() ?? 'ask'] ?? 'ask',
    connectTimeoutSec:
      connectTimeout === undefined || connectTimeout === 'none' ? DEFAULT_CONNECT_TIMEOUT_SEC : parseTime(connectTimeout)!,
    serverAliveIntervalSec: serverAlive === undefined ? DEFAULT_SERVER_ALIVE_SEC : parseTime(serverAlive)!,
    warnings,
    resolvedBy: 'parser',
  };
  if (identityAgent !== undefined) resolved.identityAgent = identityAgent;
  if (hostKeyAlias !== undefined) resolved.hostKeyAlias = hostKeyAlias;

  // ProxyJump a,b,c: reach c through b through a. The last hop is resolved with the earlier hops
  // as its own jump (like `ssh -J a,b -W target c`); a lone hop keeps its own config's ProxyJump.
  const configHops = jumpText && jumpText.toLowerCase() !== 'none' ? parseJumpList(jumpText, ctx.servicePort)! : [];
  const hops = options.jumpOverride ?? configHops;
  if (hops.length > 0) {
    const depth = (options.hops ?? 0) + 1;
    if (depth > MAX_JUMP_HOPS) {
      const at = jumpOpt?.at ?? { file: '(command line)', line: 0 };
      const detail = `more than ${MAX_JUMP_HOPS} ProxyJump hops (a loop?)`;
      throw new SshConfigError('jump-depth', at.file, at.line, 'ProxyJump', jumpText ?? '', detail);
    }
    const last = hops[hops.length - 1]!;
    const earlier = hops.slice(0, -1);
    // ssh.c: "jumphost loop" when the next hop is this very host, port and user.
    if (last.host === hostName && (last.port ?? 22) === port && (last.user ?? user) === user) {
      const at = jumpOpt?.at ?? { file: '(command line)', line: 0 };
      throw new SshConfigError('jump-depth', at.file, at.line, 'ProxyJump', jumpText ?? '', `jumphost loop via ${last.host}`);
    }
    resolved.proxyJump = resolveTarget(config, last, ctx, {
      // A jump host is logged into as ssh would: the local user unless the config says otherwise.
      defaultUser: ctx.localUser,
      hops: depth,
      jumpAt: jumpOpt?.at ?? options.jumpAt ?? { file: '(command line)', line: 0 },
      jumpText: jumpText ?? options.jumpText ?? '',
      ...(earlier.length > 0 ? { jumpOverride: earlier } : {}),
    });
  } else if (proxyCommand !== undefined) {
    resolved.proxyCommand = proxyCommand;
  }
  return resolved;
}

/** readconf.c ssh_valid_hostname. */
function validHostname(s: string): boolean {
  return !s.startsWith('-') && !/['`"$\\;&<>|(){},\s\x00-\x1f\x7f]/.test(s);
}

/** readconf.c ssh_valid_ruser. */
function validRemoteUser(s: string): boolean {
  return !s.startsWith('-') && !/['`";&<>|(){}\x00-\x1f\x7f]|\s-|\\$/.test(s);
}

/** ssh's DEFAULT_CLIENT_PERCENT_EXPAND_ARGS for one connection. */
export function clientTokens(
  ctx: ResolveContext,
  t: { hostName: string; alias: string; port: number; user: string; hostKeyAlias?: string | undefined; jump: string },
): Record<string, string> {
  const localShort = ctx.localHostName.split('.')[0] ?? ctx.localHostName;
  return {
    d: ctx.home,
    u: ctx.localUser,
    i: String(ctx.uid),
    l: ctx.localHostName,
    L: localShort,
    h: t.hostName,
    n: t.alias,
    k: t.hostKeyAlias ?? t.alias,
    p: String(t.port),
    r: t.user,
    j: t.jump,
    C: createHash('sha1').update(`${ctx.localHostName}${t.hostName}${t.port}${t.user}${t.jump}`).digest('hex'),
  };
}

/**
 * IdentityFile lines as ssh loads them: duplicates (as written) dropped, OpenSSH's default list
 * when there are none, `none` entries skipped, then `~`, %-tokens and ${VAR} expanded.
 */
export function expandIdentityFiles(
  lines: Array<{ path: string; at: At }>,
  ctx: ResolveContext,
  tokens: Record<string, string>,
): string[] {
  const written: Array<{ path: string; at: At }> = [];
  for (const l of lines) if (!written.some((w) => w.path === l.path)) written.push(l);
  const list = written.length > 0 ? written : DEFAULT_IDENTITY_FILES.map((path) => ({ path, at: { file: '(default)', line: 0 } }));
  const out: string[] = [];
  for (const { path, at } of list) {
    if (path.toLowerCase() === 'none') continue;
    const expanded = expandClientPath(path, ctx, tokens, at, 'IdentityFile');
    if (!out.includes(expanded)) out.push(expanded);
  }
  return out;
}

/** tilde_expand_filename + percent_dollar_expand, as ssh applies them to file options. */
export function expandClientPath(raw: string, ctx: ResolveContext, tokens: Record<string, string>, at: At, keyword: string): string {
  return expandEnv(expandTokens(expandTilde(raw, ctx, at, keyword), tokens, at, keyword), ctx.env, at, keyword);
}

function expandTilde(path: string, ctx: ResolveContext, at?: At, keyword = ''): string {
  const m = /^~([^/]*)(\/.*)?$/.exec(path);
  if (!m) return path;
  const name = m[1]!;
  const home = name === '' ? ctx.home : ctx.homeOf?.(name);
  if (home === undefined) {
    const where = at ?? { file: '(default)', line: 0 };
    throw new SshConfigError('unknown-user', where.file, where.line, keyword, name, `no such user "${name}" for ~${name} in ${keyword}`);
  }
  return (home === '/' ? '' : home) + (m[2] ?? '');
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
