// Connection failures and config problems in the learner's language: why it happened and what
// to do. PURE: text comes from locales/<lang>/remote.json through the `t` passed in.
import stringWidth from 'string-width';
import type { Translate } from '../i18n/types.js';
import type { AuthAttempt, AuthSkip, ConnectError, ConnectFailure } from './connect-error.js';
import { knownHostsName } from './known-hosts.js';
import type { ConfigWarning, SshConfigError } from './ssh-config.js';

export interface Explanation {
  why: string;
  todo: string;
}

/**
 * How the practice lab is offered when no server answers: the `command` to start it, or the
 * `key` that starts it from the app (root on Linux). Absent: not offered (on the lab already).
 */
export type LabOffer = 'key' | 'command';

/** Failures that look like "there is no server (yet)", where the lab is worth a mention (not behind a jump host). */
const NO_SERVER: ReadonlySet<ConnectFailure['kind']> = new Set(['dns', 'refused', 'unreachable', 'timeout']);

/**
 * `alias` is the name the learner typed (`server`): it goes into the commands we suggest,
 * so they reach the same place (`ssh server`).
 */
export function explainConnectError(err: ConnectError | ConnectFailure, t: Translate, alias?: string, labOffer?: LabOffer): Explanation {
  const f = 'failure' in err ? err.failure : err;
  const base = { host: f.host, port: f.port, alias: alias ?? f.host };
  const explained = explainFailure(f, t, base);
  const todo = labOffer && !f.jump && NO_SERVER.has(f.kind) ? `${explained.todo} ${t(`remote:labOffer.${labOffer}`)}` : explained.todo;
  if (!f.jump) return { why: explained.why, todo };
  return { why: `${t('remote:error.viaJump', base)} ${explained.why}`, todo };
}

function explainFailure(f: ConnectFailure, t: Translate, base: { host: string; port: number; alias: string }): Explanation {
  const k = (key: string, params: Record<string, unknown> = {}) => t(`remote:error.${key}`, { ...base, ...params });
  switch (f.kind) {
    case 'dns':
      return { why: k('dns.why', { code: f.code }), todo: k('dns.todo') };
    case 'refused':
      return { why: k('refused.why'), todo: k('refused.todo') };
    case 'timeout': {
      const why = f.phase === 'connect' ? 'timeout.whyConnect' : 'timeout.whyHandshake';
      return { why: k(why, { seconds: f.afterSec }), todo: k('timeout.todo') };
    }
    case 'unreachable':
      return { why: k('unreachable.why', { code: f.code }), todo: k('unreachable.todo') };
    case 'auth':
      return explainAuth(f, t, k);
    case 'host-key-unknown': {
      const parts = [k('hostKeyUnknown.why', { keyType: f.keyType, fingerprint: f.fingerprint, file: f.knownHostsFile })];
      if (f.otherKeys.length > 0) {
        parts.push(k('hostKeyUnknown.others', { list: f.otherKeys.map((o) => `${o.keyType} ${o.fingerprint}`).join(', ') }));
      }
      const todo = f.strict ? k('hostKeyUnknown.todoStrict') : k('hostKeyUnknown.todo', { short: hostKeyFileName(f.keyType) });
      return { why: parts.join(' '), todo };
    }
    case 'host-key-changed':
      return {
        why: k('hostKeyChanged.why', {
          keyType: f.keyType,
          fingerprint: f.fingerprint,
          knownFingerprint: f.known.fingerprint,
          file: f.known.file,
          line: f.known.line,
        }),
        todo: k('hostKeyChanged.todo', {
          removeCommand: f.knownAs ? removeKeyCommand(f.knownAs, 22, f.known.file) : removeKeyCommand(f.host, f.port, f.known.file),
          short: hostKeyFileName(f.keyType),
        }),
      };
    case 'host-key-revoked':
      return {
        why: k('hostKeyRevoked.why', { keyType: f.keyType, fingerprint: f.fingerprint, file: f.known.file, line: f.known.line }),
        todo: k('hostKeyRevoked.todo'),
      };
    case 'passphrase':
      return { why: k('passphrase.why', { keyPath: f.keyPath }), todo: k('passphrase.todo', { keyPath: f.keyPath }) };
    case 'disconnected':
      return { why: k('disconnected.why', { message: f.message }), todo: k('disconnected.todo') };
    case 'other':
      return { why: k('other.why', { message: f.message }), todo: k('other.todo') };
  }
}

type AuthFailure = Extract<ConnectFailure, { kind: 'auth' }>;

/** Skips that may have kept the right key from being offered: the learner can fix them. */
const BLOCKING: ReadonlySet<AuthSkip['reason']> = new Set(['unreadable', 'encrypted-no-prompt', 'passphrase-declined']);

/**
 * "Did not accept any key" only when keys were offered and refused. A key that could not be
 * read, or whose passphrase was not given, is the headline when nothing was offered (then
 * ssh-copy-id is not the fix), and the first thing to do when other keys were refused.
 */
function explainAuth(f: AuthFailure, t: Translate, k: (key: string, params?: Record<string, unknown>) => string): Explanation {
  const blocked = f.skipped.find((s) => BLOCKING.has(s.reason));
  const offered = f.tried.some((a) => a.method === 'key' || a.keys > 0);
  const others = f.skipped.filter((s) => s !== blocked || offered);
  const parts: string[] = [];
  if (blocked && !offered) parts.push(blockedCause(blocked, t, k));
  else parts.push(k('auth.why', { user: f.user }));
  const tried = f.tried.map((a) => attemptText(a, t)).join(', ');
  parts.push(f.tried.length > 0 ? k('auth.tried', { list: tried }) : k('auth.nothingTried'));
  if (others.length > 0) parts.push(k('auth.skipped', { list: others.map((s) => skipText(s, t)).join(', ') }));
  if (f.serverMethods && !f.serverMethods.includes('publickey')) {
    parts.push(k('auth.serverMethods', { methods: f.serverMethods.join(', ') }));
  }
  if (!blocked) return { why: parts.join(' '), todo: k('auth.todo', { user: f.user }) };
  const fix = k(blocked.reason === 'unreadable' ? 'auth.fix.unreadable' : 'auth.fix.passphrase', { path: blocked.path });
  return { why: parts.join(' '), todo: offered ? `${fix} ${k('auth.todoOtherKeys', { user: f.user })}` : fix };
}

const READ_ERRORS = new Set(['EACCES', 'EPERM', 'EISDIR', 'too-big']);

function blockedCause(s: AuthSkip, t: Translate, k: (key: string, params?: Record<string, unknown>) => string): string {
  if (s.reason === 'encrypted-no-prompt') return k('auth.cause.encryptedNoPrompt', { path: s.path });
  if (s.reason === 'passphrase-declined') return k('auth.cause.passphraseDeclined', { path: s.path });
  const error = s.error ?? '';
  const reason = READ_ERRORS.has(error) ? t(`remote:auth.readError.${error === 'EPERM' ? 'EACCES' : error}`) : error || t('remote:auth.readError.other');
  return k('auth.cause.unreadable', { path: s.path, reason });
}

function attemptText(a: AuthAttempt, t: Translate): string {
  if (a.method === 'key') return t('remote:auth.key', { path: a.path });
  if (a.error) return t('remote:auth.agentUnusable', { socket: a.socket, error: a.error });
  return t('remote:auth.agent', { n: a.keys });
}

const SKIP_KEYS: Record<AuthSkip['reason'], string> = {
  missing: 'missing',
  unreadable: 'unreadable',
  unsupported: 'unsupported',
  'encrypted-no-prompt': 'encryptedNoPrompt',
  'passphrase-declined': 'passphraseDeclined',
};

function skipText(s: AuthSkip, t: Translate): string {
  return t(`remote:auth.skip.${SKIP_KEYS[s.reason]}`, { path: s.path });
}

/** `ed25519` for ssh-ed25519: the middle of /etc/ssh/ssh_host_<short>_key.pub. */
export function hostKeyFileName(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ed25519';
  if (keyType.startsWith('ecdsa-')) return 'ecdsa';
  if (keyType === 'ssh-rsa') return 'rsa';
  if (keyType === 'ssh-dss') return 'dsa';
  return keyType;
}

/** The exact `ssh-keygen -R` that removes the old entry (quoted: names like `[h]:2222` glob). */
export function removeKeyCommand(host: string, port: number, file: string): string {
  return `ssh-keygen -R ${shellQuote(knownHostsName(host, port))} -f ${shellQuote(file)}`;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const CONFIG_ERROR_KEYS: Record<SshConfigError['code'], string> = {
  'no-argument': 'noArgument',
  'bad-quote': 'badQuote',
  'bad-port': 'badPort',
  'bad-flag': 'badFlag',
  'bad-choice': 'badChoice',
  'bad-time': 'badTime',
  'bad-jump': 'badJump',
  'include-depth': 'includeDepth',
  'bad-token': 'badToken',
  'bad-env': 'badEnv',
  'jump-depth': 'jumpDepth',
  'bad-option': 'badOption',
  'extra-args': 'extraArgs',
  'unknown-user': 'unknownUser',
  'ssh-refused': 'sshRefused',
};

export function explainConfigError(err: SshConfigError, t: Translate, alias = 'server'): Explanation {
  const params = { file: err.file, line: err.line, keyword: err.keyword, value: err.value, alias };
  // ssh -G sometimes names no line (an unknown %-token in HostName): then the file alone.
  const key = err.code === 'ssh-refused' && err.line === 0 ? 'sshRefusedNoLine' : CONFIG_ERROR_KEYS[err.code];
  return { why: t(`remote:config.error.${key}`, params), todo: t('remote:config.errorTodo', params) };
}

export function describeConfigWarning(w: ConfigWarning, t: Translate): string {
  const key = w.code === 'match-unsupported' ? 'matchUnsupported' : 'optionUnsupported';
  return t(`remote:config.warning.${key}`, { file: w.file, line: w.line, keyword: w.keyword });
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Wraps an explanation to `columns` terminal columns (measured with string-width, so Hangul
 * counts two) instead of cutting it: fingerprints and the `ssh-keygen -R ...` command must
 * stay visible. A `quoted command` is kept on one line whenever it fits; only a token wider
 * than the whole line is split.
 */
export function wrapExplanation(text: string, columns: number): string[] {
  const width = Math.max(10, Math.floor(columns));
  const tokens = text.match(/(?:[^\s`]*`[^`]*`)+[^\s`]*|\S+/g) ?? [];
  const lines: string[] = [];
  let current = '';
  let currentWidth = 0;
  const flush = () => {
    if (current) lines.push(current);
    current = '';
    currentWidth = 0;
  };
  for (const token of tokens) {
    const w = stringWidth(token);
    if (current && currentWidth + 1 + w <= width) {
      current += ` ${token}`;
      currentWidth += 1 + w;
      continue;
    }
    flush();
    if (w <= width) {
      current = token;
      currentWidth = w;
      continue;
    }
    for (const { segment } of segmenter.segment(token)) {
      const sw = stringWidth(segment);
      if (currentWidth + sw > width) flush();
      current += segment;
      currentWidth += sw;
    }
  }
  flush();
  return lines;
}
