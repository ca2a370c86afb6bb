// known_hosts, read and written as OpenSSH does (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT",
// hostfile.c). PURE: the fs side is known-hosts-file.ts.
//
// A line: [@marker] hosts keytype base64-key [comment]
//   hosts  = comma list of patterns (`*`, `?`, `!neg`), `[host]:port` for ports other than 22,
//            or one hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`;
//   marker = @revoked (never accept this key) or @cert-authority (a CA; kept, not used here).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { matchPatternList } from './host-pattern.js';

export type KnownHostNames =
  | { kind: 'hashed'; salt: Buffer; hash: Buffer }
  | { kind: 'patterns'; patterns: string[] };

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  names: KnownHostNames;
  keyType: string;
  keyBlob: Buffer;
}

export interface KnownHostsProblem {
  file: string;
  line: number;
  reason: string;
}

export interface ParsedKnownHosts {
  entries: KnownHostEntry[];
  /** Lines ssh would skip as malformed; reported so a broken file does not go unnoticed. */
  problems: KnownHostsProblem[];
}

const HASH_MAGIC = '|1|';

export function parseKnownHosts(text: string, file: string): ParsedKnownHosts {
  const entries: KnownHostEntry[] = [];
  const problems: KnownHostsProblem[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return void problems.push({ file, line, reason: `unknown marker ${m}` });
    }
    const [hostField, keyType, keyBase64] = fields;
    if (!hostField || !keyType || !keyBase64) return void problems.push({ file, line, reason: 'missing fields' });
    const names = parseNames(hostField);
    if (!names) return void problems.push({ file, line, reason: 'bad hashed host name' });
    const keyBlob = Buffer.from(keyBase64, 'base64');
    if (keyTypeOfBlob(keyBlob) !== keyType) {
      return void problems.push({ file, line, reason: `key does not decode as ${keyType}` });
    }
    entries.push({ file, line, ...(marker ? { marker } : {}), names, keyType, keyBlob });
  });
  return { entries, problems };
}

function parseNames(field: string): KnownHostNames | undefined {
  if (!field.startsWith(HASH_MAGIC)) return { kind: 'patterns', patterns: field.split(',') };
  const [salt64, hash64, extra] = field.slice(HASH_MAGIC.length).split('|');
  if (salt64 === undefined || hash64 === undefined || extra !== undefined) return undefined;
  const salt = Buffer.from(salt64, 'base64');
  const hash = Buffer.from(hash64, 'base64');
  // SHA-1 sized salt and digest, as ssh-keygen -H writes them.
  if (salt.length !== 20 || hash.length !== 20) return undefined;
  return { kind: 'hashed', salt, hash };
}

/** The name known_hosts stores: `host` on port 22, `[host]:port` otherwise (lowercased, as ssh does). */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

export function hashHostName(name: string, salt: Buffer): Buffer {
  return createHmac('sha1', salt).update(name).digest();
}

function namesMatch(names: KnownHostNames, name: string): boolean {
  if (names.kind === 'hashed') {
    return timingSafeEqual(hashHostName(name, names.salt), names.hash);
  }
  return matchPatternList(name, names.patterns) === 'match';
}

/** The key type written inside an SSH public key blob (its first string). */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:` + unpadded base64 of the blob's SHA-256: what `ssh -v` and `ssh-keygen -l` show. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Entries whose host field matches `name` (as from knownHostsName), any marker: `ssh-keygen -F`. */
export function entriesForName(entries: readonly KnownHostEntry[], name: string): KnownHostEntry[] {
  return entries.filter((e) => namesMatch(e.names, name));
}

export type HostKeyLookup =
  | { status: 'trusted'; entry: KnownHostEntry }
  /** The key is listed @revoked for this host: refuse it even if also listed as trusted. */
  | { status: 'revoked'; entry: KnownHostEntry }
  /** The host is known with another key of the same type: possible attack or a reinstalled server. */
  | { status: 'changed'; entry: KnownHostEntry }
  /** Not known for this key type; `otherKeys` are keys of other types already recorded for the host. */
  | { status: 'unknown'; otherKeys: KnownHostEntry[] };

/** Checks a server's host key against known_hosts entries (all files, in order). */
export function lookupHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
): HostKeyLookup {
  const forHost = entriesForName(entries, knownHostsName(host, port)).filter((e) => e.marker !== 'cert-authority');
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.keyBlob.equals(keyBlob));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.keyType === keyType && e.keyBlob.equals(keyBlob));
  if (same) return { status: 'trusted', entry: same };
  const changed = plain.find((e) => e.keyType === keyType);
  if (changed) return { status: 'changed', entry: changed };
  return { status: 'unknown', otherKeys: plain };
}

/**
 * A new known_hosts line for a key, hashed like `ssh-keygen -H` by default (Debian's ssh
 * defaults to HashKnownHosts yes). `salt` is for tests; normally fresh random bytes.
 */
export function knownHostsLine(
  host: string,
  port: number,
  keyBlob: Buffer,
  options: { hashed?: boolean; salt?: Buffer } = {},
): string {
  const keyType = keyTypeOfBlob(keyBlob);
  if (!keyType) throw new Error('not an SSH public key blob');
  const name = knownHostsName(host, port);
  let names = name;
  if (options.hashed ?? true) {
    const salt = options.salt ?? randomBytes(20);
    names = `${HASH_MAGIC}${salt.toString('base64')}|${hashHostName(name, salt).toString('base64')}`;
  }
  return `${names} ${keyType} ${keyBlob.toString('base64')}`;
}
