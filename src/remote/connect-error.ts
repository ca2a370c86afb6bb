// Every way reaching the server can fail, as data: the UI and `check` explain it (explain.ts)
// in the learner's language and say what to do.

/** What was offered to the server during authentication, in order. */
export type AuthAttempt =
  | { method: 'agent'; socket: string; keys: number; error?: string }
  | { method: 'key'; path: string };

export type AuthSkipReason = 'missing' | 'unreadable' | 'unsupported' | 'encrypted-no-prompt' | 'passphrase-declined';

export interface AuthSkip {
  path: string;
  reason: AuthSkipReason;
  /** For `unreadable`: the system's error code (EACCES, EISDIR…) or the reason it was refused. */
  error?: string;
}

interface Where {
  host: string;
  port: number;
  /** True when this failure happened on a ProxyJump host, not on the target itself. */
  jump: boolean;
  /** HostKeyAlias: the name known_hosts lists this host's key under (port 22 form, as ssh). */
  knownAs?: string;
}

export interface KnownKey {
  keyType: string;
  fingerprint: string;
  file: string;
  line: number;
}

export type ConnectFailure =
  | (Where & { kind: 'dns'; code: string })
  | (Where & { kind: 'refused' })
  | (Where & { kind: 'timeout'; afterSec: number; phase: 'connect' | 'handshake' })
  | (Where & { kind: 'unreachable'; code: string })
  | (Where & { kind: 'auth'; user: string; tried: AuthAttempt[]; skipped: AuthSkip[]; serverMethods?: string[] })
  | (Where & {
      kind: 'host-key-unknown';
      keyType: string;
      fingerprint: string;
      /** The raw key, so trustHostKey() can record exactly what was shown. */
      keyBlob: Buffer;
      /** Where trustHostKey() will write (the first UserKnownHostsFile). */
      knownHostsFile: string;
      hashKnownHosts: boolean;
      /** StrictHostKeyChecking yes: the learner's config forbids trusting keys from here. */
      strict: boolean;
      /** Keys of other types already recorded for this host. */
      otherKeys: KnownKey[];
    })
  | (Where & { kind: 'host-key-changed'; keyType: string; fingerprint: string; known: KnownKey })
  | (Where & { kind: 'host-key-revoked'; keyType: string; fingerprint: string; known: KnownKey })
  | (Where & { kind: 'passphrase'; keyPath: string })
  | (Where & { kind: 'disconnected'; message: string })
  | (Where & { kind: 'other'; message: string });

export type ConnectErrorKind = ConnectFailure['kind'];

export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  constructor(readonly failure: ConnectFailure) {
    super(describe(failure));
  }
  get kind(): ConnectErrorKind {
    return this.failure.kind;
  }
}

export function isConnectError(err: unknown): err is ConnectError {
  return err instanceof ConnectError;
}

/** A plain English one-liner for logs; learners get explainConnectError() instead. */
function describe(f: ConnectFailure): string {
  const at = `${f.host}:${f.port}${f.jump ? ' (jump host)' : ''}`;
  switch (f.kind) {
    case 'dns':
      return `${at}: host name not found (${f.code})`;
    case 'refused':
      return `${at}: connection refused`;
    case 'timeout':
      return `${at}: no answer within ${f.afterSec} s (${f.phase})`;
    case 'unreachable':
      return `${at}: unreachable (${f.code})`;
    case 'auth':
      return `${at}: authentication failed for ${f.user}`;
    case 'host-key-unknown':
      return `${at}: unknown host key ${f.keyType} ${f.fingerprint}`;
    case 'host-key-changed':
      return `${at}: HOST KEY CHANGED: ${f.keyType} ${f.fingerprint}, known ${f.known.fingerprint} (${f.known.file}:${f.known.line})`;
    case 'host-key-revoked':
      return `${at}: host key ${f.fingerprint} is revoked (${f.known.file}:${f.known.line})`;
    case 'passphrase':
      return `wrong passphrase for ${f.keyPath}`;
    case 'disconnected':
      return `${at}: connection lost: ${f.message}`;
    case 'other':
      return `${at}: ${f.message}`;
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);

/** Maps a socket error (node's `code`) to a failure kind, or undefined if it is not one of ours. */
export function classifySocketError(err: NodeJS.ErrnoException, where: Where): ConnectFailure | undefined {
  const code = err.code ?? '';
  if (DNS_CODES.has(code)) return { ...where, kind: 'dns', code };
  if (code === 'ECONNREFUSED') return { ...where, kind: 'refused' };
  if (UNREACHABLE_CODES.has(code)) return { ...where, kind: 'unreachable', code };
  return undefined;
}

/** Server-supplied text (disconnect reasons) can carry terminal escapes: keep it printable. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, 300);
}
