// Property tests for known_hosts parsing (fast-check, 10,000 cases each). The oracles are
// independent of the parser: for base64, Node's decoder plus "re-encoding gives the same text"
// (b64_pton accepts exactly the canonical, padded encoding, whitespace aside); for lines, the
// generator knows what it built and what it broke. The same rules are checked against OpenSSH
// itself in test/integration/known-hosts-openssh.test.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HOST_KEY_ALGORITHMS,
  decodeBase64Strict,
  entriesForName,
  hashHostName,
  knownHostsName,
  lookupHostKey,
  orderHostKeyAlgorithms,
  parseKeyBlob,
  parseKnownHosts,
} from '../../src/remote/known-hosts.js';

const RUNS = 10_000;
const dir = path.join(import.meta.dirname, '..', 'fixtures', 'known-hosts');
const pub = (name: string) => readFileSync(path.join(dir, name), 'utf8').split(' ').slice(0, 2) as [string, string];
const KEYS = ['host_ed25519.pub', 'host_ecdsa.pub', 'host_rsa.pub', 'other_ed25519.pub'].map(pub);

const WHITESPACE = /[ \t\n\v\f\r]/g;
function oracleDecode(text: string): Buffer | undefined {
  const s = text.replace(WHITESPACE, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  return bytes.toString('base64') === s ? bytes : undefined;
}

const B64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Canonical base64 of random bytes, then zero or more small corruptions. */
const base64Text = fc
  .tuple(
    fc.uint8Array({ minLength: 0, maxLength: 40 }),
    fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('insert' as const), at: fc.nat(), ch: fc.constantFrom('=', '*', '-', '_', '.', '\r', '\v', 'A', 'Q', '/') }),
        fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
        fc.record({ op: fc.constant('replace' as const), at: fc.nat(), ch: fc.constantFrom(...B64_CHARS, '=', '!') }),
        fc.record({ op: fc.constant('pad' as const), n: fc.integer({ min: 1, max: 3 }) }),
        fc.record({ op: fc.constant('unpad' as const) }),
      ),
      { maxLength: 2 },
    ),
  )
  .map(([bytes, edits]) => {
    let s = Buffer.from(bytes).toString('base64');
    for (const e of edits) {
      const at = 'at' in e ? e.at % (s.length + 1) : 0;
      if (e.op === 'insert') s = s.slice(0, at) + e.ch + s.slice(at);
      else if (e.op === 'delete') s = s.slice(0, at) + s.slice(at + 1);
      else if (e.op === 'replace') s = s.slice(0, at) + e.ch + s.slice(at + 1);
      else if (e.op === 'pad') s += '='.repeat(e.n);
      else s = s.replace(/=+$/, '');
    }
    return s;
  });

describe('decodeBase64Strict (b64_pton)', () => {
  it('accepts exactly the canonical encodings and decodes them like Node', () => {
    fc.assert(
      fc.property(base64Text, (text) => {
        const got = decodeBase64Strict(text);
        const want = oracleDecode(text);
        expect(got?.toString('hex')).toBe(want?.toString('hex'));
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['AAAA', true],
    ['AAAA=', false], // a pad after a full quantum
    ['AAA=', true],
    ['AAA==', false], // extra padding
    ['AA==', true],
    ['AA=', false], // incomplete padding
    ['AA', false], // unpadded remainder
    ['AB==', false], // leftover bits set
    ['AA*A', false], // invalid character (Node skips it)
    ['AA\rAA', true], // whitespace is skipped
  ])('%j valid: %s', (text, valid) => {
    expect(decodeBase64Strict(text) !== undefined).toBe(valid);
  });
});

// One known_hosts line, with what the generator meant by it.
interface Built {
  line: string;
  /** ssh reads the line as an entry. */
  valid: boolean;
  /** The names it was written for (when valid and not negated). */
  names: string[];
  marker?: 'revoked' | 'cert-authority';
  key: [string, string];
}

const hostName = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}(\.[a-z0-9]{1,5}){0,2}$/);
const port = fc.oneof(fc.constant(22), fc.integer({ min: 1, max: 65535 }));
const built: fc.Arbitrary<Built> = fc
  .record({
    lead: fc.constantFrom('', ' ', '\t', '  \t'),
    marker: fc.constantFrom(undefined, 'revoked', 'cert-authority', 'bogus'),
    hosts: fc.array(fc.tuple(hostName, port), { minLength: 1, maxLength: 3 }),
    hashed: fc.boolean(),
    salt: fc.uint8Array({ minLength: 20, maxLength: 20 }),
    key: fc.constantFrom(...KEYS),
    // rsa-sha2-* names for RSA keys; a wrong type name for any key.
    typeName: fc.constantFrom('own', 'rsa-sha2-512', 'rsa-sha2-256', 'wrong', 'ssh-ED25519'),
    base64: fc.constantFrom('ok', 'extra-pad', 'bad-char', 'truncated', 'trailing', 'unpadded'),
    sep: fc.constantFrom(' ', '\t', ' \t '),
    comment: fc.constantFrom('', ' comment', '\tuser@host', ' # note'),
    crlf: fc.boolean(),
  })
  .map((r): Built => {
    const names = r.hosts.map(([h, p]) => knownHostsName(h, p));
    const [keyType, b64] = r.key;
    const isRsa = keyType === 'ssh-rsa';
    let typeName = keyType;
    let typeOk = true;
    if (r.typeName === 'rsa-sha2-512' || r.typeName === 'rsa-sha2-256') {
      typeName = r.typeName;
      typeOk = isRsa;
    } else if (r.typeName === 'wrong') {
      typeName = keyType === 'ssh-ed25519' ? 'ecdsa-sha2-nistp256' : 'ssh-ed25519';
      typeOk = false;
    } else if (r.typeName === 'ssh-ED25519') {
      typeName = 'ssh-ED25519';
      typeOk = false;
    }
    let key = b64;
    let keyOk = true;
    const padded = b64.endsWith('=');
    if (r.base64 === 'extra-pad') [key, keyOk] = [`${b64}=`, false];
    else if (r.base64 === 'bad-char') [key, keyOk] = [`${b64.slice(0, 10)}*${b64.slice(10)}`, false];
    else if (r.base64 === 'truncated') [key, keyOk] = [b64.slice(0, -8), false];
    else if (r.base64 === 'trailing') [key, keyOk] = [Buffer.concat([Buffer.from(b64, 'base64'), Buffer.alloc(3)]).toString('base64'), false];
    else if (r.base64 === 'unpadded') [key, keyOk] = [b64.replace(/=+$/, ''), !padded];
    const salt = Buffer.from(r.salt);
    const hostField = r.hashed
      ? `|1|${salt.toString('base64')}|${hashHostName(names[0]!, salt).toString('base64')}`
      : names.join(',');
    const marker = r.marker === undefined ? '' : `@${r.marker} `;
    const line = `${r.lead}${marker}${hostField}${r.sep}${typeName}${r.sep}${key}${r.comment}${r.crlf ? '\r' : ''}`;
    return {
      line,
      valid: r.marker !== 'bogus' && typeOk && keyOk,
      names: r.hashed ? [names[0]!] : names,
      ...(r.marker === 'revoked' || r.marker === 'cert-authority' ? { marker: r.marker } : {}),
      key: r.key,
    };
  });

describe('parseKnownHosts', () => {
  it('keeps exactly the lines ssh reads, with their marker, key and names', () => {
    fc.assert(
      fc.property(fc.array(built, { minLength: 1, maxLength: 4 }), fc.boolean(), (lines, comments) => {
        const text = lines.flatMap((b) => (comments ? ['# c', b.line] : [b.line])).join('\n');
        const parsed = parseKnownHosts(text, 'kh');
        const lineNo = (i: number) => (comments ? 2 * i + 2 : i + 1);
        const wanted = lines.flatMap((b, i) => (b.valid ? [lineNo(i)] : []));
        expect(parsed.entries.map((e) => e.line)).toEqual(wanted);
        expect(parsed.problems.map((p) => p.line)).toEqual(lines.flatMap((b, i) => (b.valid ? [] : [lineNo(i)])));
        for (const [i, b] of lines.entries()) {
          if (!b.valid) continue;
          const entry = parsed.entries.find((e) => e.line === lineNo(i))!;
          expect(entry.marker).toBe(b.marker);
          expect(entry.keyBlob.toString('base64')).toBe(b.key[1]);
          for (const name of b.names) expect(entriesForName([entry], name)).toHaveLength(1);
          expect(entriesForName([entry], 'not-a-listed-host.invalid')).toHaveLength(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const parsed = parseKnownHosts(text, 'kh');
        expect(parsed.entries.length + parsed.problems.length).toBeLessThanOrEqual(text.split('\n').length);
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects key blobs OpenSSH would not parse (truncated, trailing bytes, curve mismatch)', () => {
    for (const [, b64] of KEYS) {
      const blob = Buffer.from(b64, 'base64');
      expect(parseKeyBlob(blob)?.canonical.equals(blob)).toBe(true);
      expect(parseKeyBlob(blob.subarray(0, blob.length - 1))).toBeUndefined();
      expect(parseKeyBlob(Buffer.concat([blob, Buffer.from([0])]))).toBeUndefined();
    }
    const ecdsa = KEYS[1]![1];
    expect(parseKnownHosts(`h ecdsa-sha2-nistp384 ${ecdsa}`, 'f').problems).toHaveLength(1);
  });
});

describe('host key decisions', () => {
  it('a key is trusted iff recorded for the name, revoked wins, any other recorded key means changed', () => {
    const keyArb = fc.constantFrom(...KEYS);
    const entryArb = fc.record({ key: keyArb, marker: fc.constantFrom('', '@revoked ', '@cert-authority '), forHost: fc.boolean() });
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 5 }), keyArb, (lines, [type, b64]) => {
        const text = lines.map((l) => `${l.marker}${l.forHost ? 'target' : 'elsewhere'} ${l.key.join(' ')}`).join('\n');
        const result = lookupHostKey(parseKnownHosts(text, 'f').entries, 'target', 22, type, Buffer.from(b64, 'base64'));
        const mine = lines.filter((l) => l.forHost);
        const want = mine.some((l) => l.marker === '@revoked ' && l.key[1] === b64)
          ? 'revoked'
          : mine.some((l) => l.marker === '' && l.key[1] === b64)
            ? 'trusted'
            : mine.some((l) => l.marker === '')
              ? 'changed'
              : 'unknown';
        expect(result.status).toBe(want);
      }),
      { numRuns: RUNS },
    );
  });

  it('does not count a type whose first plain line holds a @revoked key (as lookup_key_in_hostkeys_by_type)', () => {
    const [ed, ec] = [KEYS.find((k) => k[0] === 'ssh-ed25519')!, KEYS.find((k) => k[0] === 'ecdsa-sha2-nistp256')!];
    const name = knownHostsName('srv', 2222);
    const order = (lines: string[]) => orderHostKeyAlgorithms(parseKnownHosts(lines.join('\n'), 'f').entries, 'srv', 2222);
    const revokedEd = `@revoked ${name} ${ed.join(' ')}`;
    expect(order([revokedEd, `${name} ${ec.join(' ')}`, `${name} ${ed.join(' ')}`])[0]).toBe('ecdsa-sha2-nistp256');
    expect(order([`${name} ${ec.join(' ')}`, `${name} ${ed.join(' ')}`])[0]).toBe('ssh-ed25519');
  });

  it('asks for recorded key types first, keeping the default order otherwise', () => {
    fc.assert(
      fc.property(fc.subarray(KEYS), port, (known, p) => {
        const text = known.map((k) => `${knownHostsName('srv', p)} ${k.join(' ')}`).join('\n');
        const order = orderHostKeyAlgorithms(parseKnownHosts(text, 'f').entries, 'srv', p);
        expect([...order].sort()).toEqual([...HOST_KEY_ALGORITHMS].sort());
        const types = new Set(known.map((k) => k[0]));
        const isKnown = (a: string) => types.has(a.startsWith('rsa-sha2-') ? 'ssh-rsa' : a);
        const firstUnknown = order.findIndex((a) => !isKnown(a));
        if (firstUnknown >= 0) expect(order.slice(firstUnknown).some(isKnown)).toBe(false);
        expect(order.filter(isKnown)).toEqual(HOST_KEY_ALGORITHMS.filter(isKnown));
        expect(order.filter((a) => !isKnown(a))).toEqual(HOST_KEY_ALGORITHMS.filter((a) => !isKnown(a)));
      }),
      { numRuns: RUNS },
    );
  });
});
