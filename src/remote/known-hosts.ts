// known_hosts, read and decided as OpenSSH 9.2 does (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT",
// hostfile.c hostkeys_foreach / check_hostkeys_by_key_or_type, sshkey.c sshkey_read,
// sshconnect.c check_host_key, sshconnect2.c order_hostkeyalgs). PURE: the fs side is
// known-hosts-file.ts.
//
// A line: [@marker] hosts keytype base64-key [comment]
//   hosts  = comma list of patterns (`*`, `?`, `!neg`), `[host]:port` for ports other than 22,
//            or one hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`;
//   marker = @revoked (never accept this key) or @cert-authority (a CA; kept, not used here).
// A line OpenSSH would skip (bad base64, a key blob that does not parse, a type name that does
// not match the blob) is reported as a problem and never trusted.
import { createHash, createHmac, createPublicKey, randomBytes } from 'node:crypto';
import { matchPatternList } from './host-pattern.js';

export type KnownHostNames =
  | { kind: 'hashed'; salt: Buffer; hash: Buffer }
  | { kind: 'patterns'; patterns: string[] };

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  names: KnownHostNames;
  /** The key's own type (`ssh-rsa` also for lines written as `rsa-sha2-512`). */
  keyType: string;
  /** The key blob in canonical form (what sshkey_equal compares). */
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

/** Type names sshkey_read accepts for plain keys, and the blob type each stands for. */
const LINE_KEY_TYPES: ReadonlyMap<string, string> = new Map([
  ['ssh-ed25519', 'ssh-ed25519'],
  ['ssh-rsa', 'ssh-rsa'],
  // Signature names of the RSA key type: sshkey_read maps them to KEY_RSA too.
  ['rsa-sha2-256', 'ssh-rsa'],
  ['rsa-sha2-512', 'ssh-rsa'],
  ['ssh-dss', 'ssh-dss'],
  ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256'],
  ['ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384'],
  ['ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp521'],
]);

export function parseKnownHosts(text: string, file: string): ParsedKnownHosts {
  const entries: KnownHostEntry[] = [];
  const problems: KnownHostsProblem[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const parsed = parseLine(raw);
    if (parsed === undefined) return;
    if (typeof parsed === 'string') return void problems.push({ file, line, reason: parsed });
    entries.push({ file, line, ...parsed });
  });
  return { entries, problems };
}

type LineResult = Omit<KnownHostEntry, 'file' | 'line'>;

/** One line as hostkeys_foreach + sshkey_read see it: undefined for blank/comment, else an entry or why not. */
function parseLine(raw: string): LineResult | string | undefined {
  let rest = raw.replace(/^[ \t]+/, '');
  if (rest === '' || rest.startsWith('#')) return undefined;
  const marker = readMarker(rest);
  if (marker === 'error') return `bad marker ${printableField(rest.split(/[ \t]/)[0]!)}`;
  rest = marker.rest;
  const hostField = firstField(rest);
  rest = rest.slice(hostField.length).replace(/^[ \t]+/, '');
  if (rest === '' || rest.startsWith('#')) return 'missing key type';
  const names = parseNames(hostField);
  if (!names) return 'bad hashed host name';
  const typeName = firstField(rest);
  if (typeName.length === rest.length) return 'missing key';
  const keyType = LINE_KEY_TYPES.get(typeName);
  if (!keyType) return `unsupported key type ${printableField(typeName)}`;
  rest = rest.slice(typeName.length).replace(/^[ \t]+/, '');
  if (rest === '') return 'missing key';
  const decoded = decodeBase64Strict(firstField(rest));
  if (!decoded) return 'key is not valid base64';
  const key = parseKeyBlob(decoded);
  if (!key) return 'key blob does not parse';
  if (key.keyType !== keyType) return `key does not decode as ${typeName}`;
  return { ...(marker.marker ? { marker: marker.marker } : {}), names, keyType, keyBlob: key.canonical };
}

const firstField = (s: string) => s.slice(0, s.search(/[ \t]|$/));
const printableField = (s: string) => s.replace(/[^\x21-\x7e]/g, '?').slice(0, 40);

/** check_markers(): one @marker, ended by the first space (else tab) on the line. */
function readMarker(line: string): { marker?: 'revoked' | 'cert-authority'; rest: string } | 'error' {
  let rest = line;
  let marker: 'revoked' | 'cert-authority' | undefined;
  while (rest.startsWith('@')) {
    if (marker) return 'error';
    let end = rest.indexOf(' ');
    if (end < 0) end = rest.indexOf('\t');
    if (end < 0 || end <= 1 || end >= 32) return 'error';
    const word = rest.slice(0, end);
    if (word === '@cert-authority') marker = 'cert-authority';
    else if (word === '@revoked') marker = 'revoked';
    else return 'error';
    rest = rest.slice(end).replace(/^[ \t]+/, '');
  }
  return marker ? { marker, rest } : { rest };
}

function parseNames(field: string): KnownHostNames | undefined {
  if (!field.startsWith('|')) return { kind: 'patterns', patterns: field.split(',') };
  // extract_salt(): "|1|" then the salt up to the next '|', which must decode to 20 bytes.
  if (!field.startsWith(HASH_MAGIC)) return undefined;
  const end = field.indexOf('|', HASH_MAGIC.length);
  if (end < 0) return undefined;
  const salt64 = field.slice(HASH_MAGIC.length, end);
  if (salt64.length === 0 || salt64.length > 1024) return undefined;
  const salt = decodeBase64Strict(salt64);
  if (!salt || salt.length !== 20) return undefined;
  // ssh re-encodes salt and HMAC and compares the whole field as a string: a field that is not
  // exactly that canonical text matches no name (kept as an entry that never matches).
  const hash = field.slice(end + 1);
  const canonical = `${HASH_MAGIC}${salt.toString('base64')}|`;
  const hashBytes = field.startsWith(canonical) ? decodeBase64Strict(hash) : undefined;
  if (!hashBytes || hashBytes.length !== 20 || hashBytes.toString('base64') !== hash) {
    return { kind: 'hashed', salt, hash: Buffer.alloc(0) };
  }
  return { kind: 'hashed', salt, hash: hashBytes };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const isSpace = (c: string) => c === ' ' || (c >= '\t' && c <= '\r');

/**
 * b64_pton() as OpenSSH uses it: whitespace is skipped, any other character outside the
 * alphabet fails, padding must be complete and final, leftover bits must be zero.
 */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const out: number[] = [];
  let state = 0;
  let i = 0;
  let ch = '';
  for (; i < text.length; i++) {
    ch = text[i]!;
    if (isSpace(ch)) continue;
    if (ch === '=') break;
    const v = B64.indexOf(ch);
    if (v < 0) return undefined;
    switch (state) {
      case 0:
        out.push(v << 2);
        break;
      case 1:
        out[out.length - 1]! |= v >> 4;
        out.push((v & 0x0f) << 4);
        break;
      case 2:
        out[out.length - 1]! |= v >> 2;
        out.push((v & 0x03) << 6);
        break;
      case 3:
        out[out.length - 1]! |= v;
        break;
    }
    state = (state + 1) % 4;
  }
  if (i < text.length) {
    // A pad character.
    if (state === 0 || state === 1) return undefined;
    i++;
    if (state === 2) {
      while (i < text.length && isSpace(text[i]!)) i++;
      if (text[i] !== '=') return undefined;
      i++;
    }
    for (; i < text.length; i++) if (!isSpace(text[i]!)) return undefined;
    // The partial byte started by the last character must carry no bits.
    if (out[out.length - 1] !== 0) return undefined;
    out.pop();
  } else if (state !== 0) {
    return undefined;
  }
  return Buffer.from(out);
}

/** Reads SSH wire strings from a blob. */
class BlobReader {
  private offset = 0;
  constructor(private readonly blob: Buffer) {}
  string(): Buffer | undefined {
    if (this.offset + 4 > this.blob.length) return undefined;
    const len = this.blob.readUInt32BE(this.offset);
    if (this.offset + 4 + len > this.blob.length) return undefined;
    const value = this.blob.subarray(this.offset + 4, this.offset + 4 + len);
    this.offset += 4 + len;
    return value;
  }
  /** An mpint as sshbuf_get_bignum2: not negative; returned without leading zeros. */
  mpint(): Buffer | undefined {
    const raw = this.string();
    if (!raw) return undefined;
    if (raw.length > 0 && (raw[0]! & 0x80) !== 0) return undefined;
    let start = 0;
    while (start < raw.length && raw[start] === 0) start++;
    return raw.subarray(start);
  }
  done(): boolean {
    return this.offset === this.blob.length;
  }
}

const wireString = (b: Buffer | string) => {
  const data = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
};
const wireMpint = (magnitude: Buffer) =>
  wireString(magnitude.length > 0 && (magnitude[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude);

const CURVES: ReadonlyMap<string, { name: string; jwk: string; size: number }> = new Map([
  ['ecdsa-sha2-nistp256', { name: 'nistp256', jwk: 'P-256', size: 32 }],
  ['ecdsa-sha2-nistp384', { name: 'nistp384', jwk: 'P-384', size: 48 }],
  ['ecdsa-sha2-nistp521', { name: 'nistp521', jwk: 'P-521', size: 66 }],
]);

const bitLength = (magnitude: Buffer) =>
  magnitude.length === 0 ? 0 : (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0]!));

/**
 * sshkey_from_blob() for the plain key types: the whole blob must be one well-formed public
 * key (no trailing bytes, RSA 1024..16384 bits, an ECDSA point on the named curve).
 * Returns its type and canonical encoding, or undefined.
 */
export function parseKeyBlob(blob: Buffer): { keyType: string; canonical: Buffer } | undefined {
  const r = new BlobReader(blob);
  const keyType = r.string()?.toString('latin1');
  if (keyType === undefined) return undefined;
  if (keyType === 'ssh-ed25519') {
    const pk = r.string();
    if (!pk || pk.length !== 32 || !r.done()) return undefined;
    return { keyType, canonical: Buffer.concat([wireString(keyType), wireString(pk)]) };
  }
  if (keyType === 'ssh-rsa') {
    const e = r.mpint();
    const n = r.mpint();
    if (!e || !n || !r.done()) return undefined;
    const bits = bitLength(n);
    if (bits < 1024 || bits > 16384) return undefined;
    return { keyType, canonical: Buffer.concat([wireString(keyType), wireMpint(e), wireMpint(n)]) };
  }
  if (keyType === 'ssh-dss') {
    const parts = [r.mpint(), r.mpint(), r.mpint(), r.mpint()];
    if (parts.some((p) => !p) || !r.done()) return undefined;
    return { keyType, canonical: Buffer.concat([wireString(keyType), ...parts.map((p) => wireMpint(p!))]) };
  }
  const curve = CURVES.get(keyType);
  if (curve) {
    const name = r.string()?.toString('latin1');
    const point = r.string();
    if (name !== curve.name || !point || !r.done()) return undefined;
    if (point.length !== 1 + 2 * curve.size || point[0] !== 4) return undefined;
    const coord = (from: number) => point.subarray(from, from + curve.size).toString('base64url');
    try {
      // Importing validates that the point lies on the curve.
      createPublicKey({ key: { kty: 'EC', crv: curve.jwk, x: coord(1), y: coord(1 + curve.size) }, format: 'jwk' });
    } catch {
      return undefined;
    }
    return { keyType, canonical: Buffer.from(blob) };
  }
  return undefined;
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
    return names.hash.length === 20 && hashHostName(name, names.salt).equals(names.hash);
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

/** The server's key in the form known_hosts entries are compared in (undefined: not a key ssh accepts). */
function canonicalKey(keyBlob: Buffer): Buffer | undefined {
  return parseKeyBlob(keyBlob)?.canonical;
}

export type HostKeyLookup =
  | { status: 'trusted'; entry: KnownHostEntry }
  /** The key is listed @revoked for this host: refuse it even if also listed as trusted. */
  | { status: 'revoked'; entry: KnownHostEntry }
  /**
   * The host is known with other keys and this one is not among them, whatever their type:
   * OpenSSH calls that changed. `entry` is the one ssh names ("Offending key"): the last seen.
   */
  | { status: 'changed'; entry: KnownHostEntry }
  /**
   * No key at all is recorded for `[host]:port`; `otherKeys` are keys of other types recorded
   * for the bare host name (port 22), shown to the learner as context.
   */
  | {
      status: 'unknown';
      otherKeys: KnownHostEntry[];
      /**
       * The key is @revoked for the bare host name. ssh's port-less retry then warns and, only
       * with StrictHostKeyChecking no, goes on with it; in the other modes it stays unknown.
       */
      revokedWithoutPort?: KnownHostEntry;
    };

type NameStatus =
  | { status: 'ok'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'new' };

/** check_hostkeys_by_key_or_type() for one name. */
function checkName(entries: readonly KnownHostEntry[], name: string, key: Buffer | undefined): NameStatus {
  const forName = entriesForName(entries, name);
  let result: NameStatus = { status: 'new' };
  for (const e of forName) {
    if (e.marker !== undefined) continue;
    if (key && e.keyBlob.equals(key)) {
      result = { status: 'ok', entry: e };
      break;
    }
    result = { status: 'changed', entry: e };
  }
  const revoked = key && forName.find((e) => e.marker === 'revoked' && e.keyBlob.equals(key));
  return revoked ? { status: 'revoked', entry: revoked } : result;
}

/**
 * Checks a server's host key against known_hosts entries (all files, in order) as ssh's
 * check_host_key does: under `[host]:port` (or `host` on 22); a key new there is still trusted
 * if recorded under the plain host name.
 */
export function lookupHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  _keyType: string,
  keyBlob: Buffer,
): HostKeyLookup {
  const key = canonicalKey(keyBlob);
  const found = checkName(entries, knownHostsName(host, port), key);
  switch (found.status) {
    case 'ok':
      return { status: 'trusted', entry: found.entry };
    case 'revoked':
    case 'changed':
      return found;
    case 'new':
      break;
  }
  if (port === 22) return { status: 'unknown', otherKeys: [] };
  const withoutPort = checkName(entries, knownHostsName(host, 22), key);
  if (withoutPort.status === 'ok') return { status: 'trusted', entry: withoutPort.entry };
  const offeredType = key ? keyTypeOfBlob(key) : undefined;
  const others = entriesForName(entries, knownHostsName(host, 22)).filter(
    (e) => e.marker === undefined && e.keyType !== offeredType,
  );
  return {
    status: 'unknown',
    otherKeys: others,
    ...(withoutPort.status === 'revoked' ? { revokedWithoutPort: withoutPort.entry } : {}),
  };
}

/** The host key algorithms ssh2 can verify, in OpenSSH 9.2's default order (ssh-rsa last, as ssh2 keeps it). */
export const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;

const keyTypeOfAlgorithm = (alg: string) => (alg.startsWith('rsa-sha2-') ? 'ssh-rsa' : alg);

/**
 * order_hostkeyalgs(): algorithms whose key type is already recorded for `[host]:port` come
 * first, so the server is asked for the key we can check instead of its own favourite.
 * A type counts only when the first plain line of that type holds a key that is not also
 * @revoked for the name (lookup_key_in_hostkeys_by_type stops at that first line).
 */
export function orderHostKeyAlgorithms(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const forName = entriesForName(entries, knownHostsName(host, port));
  const revoked = forName.filter((e) => e.marker === 'revoked');
  const firstOfType = new Map<string, KnownHostEntry>();
  for (const e of forName) if (e.marker === undefined && !firstOfType.has(e.keyType)) firstOfType.set(e.keyType, e);
  const known = new Set(
    [...firstOfType.values()]
      .filter((e) => !revoked.some((r) => r.keyBlob.equals(e.keyBlob)))
      .map((e) => e.keyType),
  );
  const first = HOST_KEY_ALGORITHMS.filter((a) => known.has(keyTypeOfAlgorithm(a)));
  const last = HOST_KEY_ALGORITHMS.filter((a) => !known.has(keyTypeOfAlgorithm(a)));
  return [...first, ...last];
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
