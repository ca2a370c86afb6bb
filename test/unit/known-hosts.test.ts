import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  entriesForName,
  fingerprintSha256,
  hashHostName,
  keyTypeOfBlob,
  knownHostsLine,
  knownHostsName,
  lookupHostKey,
  parseKnownHosts,
} from '../../src/remote/known-hosts.js';

// Fixtures made with real ssh-keygen: see test/fixtures/known-hosts/README.md.
const dir = path.join(import.meta.dirname, '..', 'fixtures', 'known-hosts');
const fixture = (name: string) => readFileSync(path.join(dir, name), 'utf8');
const blobOf = (pubFile: string) => Buffer.from(fixture(pubFile).split(' ')[1]!, 'base64');

const host = blobOf('host_ed25519.pub');
const hostEcdsa = blobOf('host_ecdsa.pub');
const hostRsa = blobOf('host_rsa.pub');
const other = blobOf('other_ed25519.pub');
const node = blobOf('node_ed25519.pub');
const revoked = blobOf('revoked_ed25519.pub');

const hashed = parseKnownHosts(fixture('known_hosts.hashed'), 'known_hosts');
const plain = parseKnownHosts(fixture('known_hosts.plain'), 'known_hosts');

describe('fingerprintSha256', () => {
  it('prints exactly what ssh-keygen -lf printed for each real key', () => {
    const lines = fixture('fingerprints.txt').trim().split('\n');
    expect(lines).toHaveLength(7);
    for (const line of lines) {
      const [, fingerprint, comment] = line.split(' ');
      expect(fingerprintSha256(blobOf(`${comment}.pub`)), comment).toBe(fingerprint);
    }
  });

  it('has no base64 padding', () => {
    expect(fingerprintSha256(host)).not.toContain('=');
    expect(fingerprintSha256(host)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('parseKnownHosts', () => {
  it('reads every key line of both files and skips comments and blank lines', () => {
    expect(plain.problems).toEqual([]);
    expect(hashed.problems).toEqual([]);
    expect(plain.entries.map((e) => e.line)).toEqual([2, 3, 4, 6, 7, 8]);
    // ssh-keygen -H split "a,b,c" into three hashed lines; wildcard lines stay plain.
    expect(hashed.entries.filter((e) => e.names.kind === 'hashed')).toHaveLength(5);
    expect(hashed.entries.find((e) => e.line === 9)?.marker).toBe('revoked');
    expect(hashed.entries.find((e) => e.line === 10)?.marker).toBe('cert-authority');
  });

  it('reads the key type from the blob', () => {
    expect(keyTypeOfBlob(host)).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(hostEcdsa)).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOfBlob(hostRsa)).toBe('ssh-rsa');
    expect(keyTypeOfBlob(Buffer.from('nonsense'))).toBeUndefined();
  });

  it('reports malformed lines with file and line instead of dropping them unnoticed', () => {
    const text = [
      'good ssh-ed25519 ' + host.toString('base64'),
      'only-a-host',
      '@weird host ssh-ed25519 ' + host.toString('base64'),
      '|1|c2FsdA==|aGFzaA== ssh-ed25519 ' + host.toString('base64'),
      'mismatch ssh-rsa ' + host.toString('base64'),
    ].join('\n');
    const parsed = parseKnownHosts(text, '/home/u/.ssh/known_hosts');
    expect(parsed.entries.map((e) => e.line)).toEqual([1]);
    expect(parsed.problems.map((p) => `${p.file}:${p.line}`)).toEqual([
      '/home/u/.ssh/known_hosts:2',
      '/home/u/.ssh/known_hosts:3',
      '/home/u/.ssh/known_hosts:4',
      '/home/u/.ssh/known_hosts:5',
    ]);
  });
});

describe('matching host names like OpenSSH', () => {
  // ssh-keygen -F NAME -f known_hosts.hashed, recorded in the fixture: OpenSSH's own answer.
  const expected = new Map<string, number[]>();
  let current = '';
  for (const line of fixture('ssh-keygen-F.txt').split('\n')) {
    const head = /^== (.*)$/.exec(line);
    if (head) expected.set((current = head[1]!), []);
    const found = /found: line (\d+)/.exec(line);
    if (found) expected.get(current)!.push(Number(found[1]));
  }

  it.each([...expected.entries()])('%s matches the same lines as ssh-keygen -F', (name, lines) => {
    expect(lines.length).toBeGreaterThan(0);
    expect(entriesForName(hashed.entries, name).map((e) => e.line)).toEqual(lines);
  });

  it('uses [host]:port for ports other than 22 and lowercases', () => {
    expect(knownHostsName('Server', 22)).toBe('server');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('hashes names as HMAC-SHA1 keyed with the salt, as ssh-keygen -H did', () => {
    const first = hashed.entries.find((e) => e.line === 3)!;
    if (first.names.kind !== 'hashed') throw new Error('line 3 should be hashed');
    expect(hashHostName('server', first.names.salt).equals(first.names.hash)).toBe(true);
    expect(hashHostName('server2', first.names.salt).equals(first.names.hash)).toBe(false);
  });
});

describe('lookupHostKey', () => {
  it.each([
    ['hashed', hashed],
    ['plain', plain],
  ])('trusts recorded keys (%s file)', (_kind, file) => {
    expect(lookupHostKey(file.entries, 'server', 22, 'ssh-ed25519', host).status).toBe('trusted');
    expect(lookupHostKey(file.entries, 'server', 22, 'ecdsa-sha2-nistp256', hostEcdsa).status).toBe('trusted');
    expect(lookupHostKey(file.entries, '10.240.0.10', 22, 'ssh-ed25519', host).status).toBe('trusted');
    expect(lookupHostKey(file.entries, '127.0.0.1', 2222, 'ssh-ed25519', host).status).toBe('trusted');
    expect(lookupHostKey(file.entries, 'node-1.kubernetes.local', 22, 'ssh-ed25519', node).status).toBe('trusted');
  });

  it('says changed when the host has another key, naming the last one as ssh\'s "Offending key"', () => {
    // OpenSSH walks every entry for the host; each non-matching key makes it "changed", the last
    // one is reported (seen with real ssh: two wrong keys -> "Offending RSA key in kh:2").
    const result = lookupHostKey(hashed.entries, 'server', 22, 'ssh-ed25519', other);
    expect(result.status).toBe('changed');
    if (result.status !== 'changed') return;
    expect([result.entry.line, result.entry.keyType]).toEqual([5, 'ecdsa-sha2-nistp256']);
  });

  it('says changed (not unknown) for a key of a type the host was never known with', () => {
    // ssh 9.2, known_hosts with only an ECDSA key, server offering only ed25519:
    // "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!" for yes, ask and accept-new alike.
    const result = lookupHostKey(hashed.entries, 'server', 22, 'ssh-rsa', hostRsa);
    expect(result.status).toBe('changed');
    const onlyEcdsa = parseKnownHosts(`server ${fixture('host_ecdsa.pub').split(' ').slice(0, 2).join(' ')}`, 'f');
    const ed = lookupHostKey(onlyEcdsa.entries, 'server', 22, 'ssh-ed25519', host);
    expect(ed.status).toBe('changed');
    if (ed.status === 'changed') expect(ed.entry.keyType).toBe('ecdsa-sha2-nistp256');
  });

  it('is unknown only when no plain key at all is recorded for the host', () => {
    expect(lookupHostKey(hashed.entries, 'server9', 22, 'ssh-ed25519', host)).toEqual({ status: 'unknown', otherKeys: [] });
  });

  it('falls back to the name without the port, as ssh does for a key new under [host]:port', () => {
    // ssh: "checking without port identifier" -> "found matching key w/out port".
    const entries = parseKnownHosts(`10.0.0.5 ssh-ed25519 ${host.toString('base64')}`, 'f').entries;
    expect(lookupHostKey(entries, '10.0.0.5', 2222, 'ssh-ed25519', host).status).toBe('trusted');
    // A different key there does not make [host]:port changed: still unknown; keys of other
    // types recorded there are listed for the learner.
    const result = lookupHostKey(entries, '10.0.0.5', 2222, 'ssh-ed25519', other);
    expect(result).toEqual({ status: 'unknown', otherKeys: [] });
    const rsaResult = lookupHostKey(entries, '10.0.0.5', 2222, 'ssh-rsa', hostRsa);
    expect(rsaResult.status).toBe('unknown');
    if (rsaResult.status === 'unknown') expect(rsaResult.otherKeys.map((e) => e.line)).toEqual([1]);
    // Revoked under the bare name: still unknown for [host]:port, but flagged (ssh warns, and
    // with StrictHostKeyChecking no would go on; connect refuses it then).
    const revokedBare = parseKnownHosts(`@revoked 10.0.0.5 ssh-ed25519 ${host.toString('base64')}`, 'f').entries;
    const flagged = lookupHostKey(revokedBare, '10.0.0.5', 2222, 'ssh-ed25519', host);
    expect(flagged.status).toBe('unknown');
    if (flagged.status === 'unknown') expect(flagged.revokedWithoutPort?.line).toBe(1);
    // Entries under [host]:port decide alone: a changed key there is not rescued by the plain name.
    const both = parseKnownHosts(
      `10.0.0.5 ssh-ed25519 ${host.toString('base64')}\n[10.0.0.5]:2222 ssh-ed25519 ${other.toString('base64')}`,
      'f',
    ).entries;
    expect(lookupHostKey(both, '10.0.0.5', 2222, 'ssh-ed25519', host).status).toBe('changed');
  });

  it('keeps the port apart: a key known for :2222 is unknown on :2223 and on 22', () => {
    expect(lookupHostKey(hashed.entries, '127.0.0.1', 2223, 'ssh-ed25519', host)).toEqual({ status: 'unknown', otherKeys: [] });
    expect(lookupHostKey(hashed.entries, '127.0.0.1', 22, 'ssh-ed25519', host).status).toBe('unknown');
  });

  it('reads rsa-sha2-512 and rsa-sha2-256 lines as the RSA key they carry, as sshkey_read does', () => {
    const b64 = hostRsa.toString('base64');
    for (const name of ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']) {
      const parsed = parseKnownHosts(`rsahost ${name} ${b64}`, 'f');
      expect(parsed.problems, name).toEqual([]);
      expect(lookupHostKey(parsed.entries, 'rsahost', 22, 'ssh-rsa', hostRsa).status, name).toBe('trusted');
    }
  });

  it('honours a negated pattern: node-9 is excluded from the wildcard line', () => {
    expect(lookupHostKey(hashed.entries, 'node-9.kubernetes.local', 22, 'ssh-ed25519', node).status).toBe('unknown');
  });

  it('refuses a @revoked key for any host, even one that also lists it as trusted', () => {
    const entries = [
      ...hashed.entries,
      ...parseKnownHosts(`server ssh-ed25519 ${revoked.toString('base64')}`, 'extra').entries,
    ];
    const result = lookupHostKey(entries, 'server', 22, 'ssh-ed25519', revoked);
    expect(result.status).toBe('revoked');
    if (result.status === 'revoked') expect([result.entry.file, result.entry.line]).toEqual(['known_hosts', 9]);
  });

  it('never matches by a @cert-authority line', () => {
    const ca = blobOf('ca_ed25519.pub');
    expect(lookupHostKey(hashed.entries, 'x.kubernetes.local', 22, 'ssh-ed25519', ca).status).toBe('unknown');
  });
});

describe('knownHostsLine', () => {
  it('writes a hashed line by default that the parser and matcher read back', () => {
    const line = knownHostsLine('127.0.0.1', 40022, host);
    expect(line).toMatch(/^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}= ssh-ed25519 AAAA/);
    expect(line).not.toContain('127.0.0.1');
    const parsed = parseKnownHosts(line, 'f');
    expect(lookupHostKey(parsed.entries, '127.0.0.1', 40022, 'ssh-ed25519', host).status).toBe('trusted');
    expect(lookupHostKey(parsed.entries, '127.0.0.1', 40023, 'ssh-ed25519', host).status).toBe('unknown');
  });

  it('reproduces ssh-keygen -H output for the same salt', () => {
    const recorded = fixture('known_hosts.hashed').split('\n')[5]!; // [127.0.0.1]:2222
    const salt = Buffer.from(recorded.split('|')[2]!, 'base64');
    expect(knownHostsLine('127.0.0.1', 2222, host, { salt })).toBe(recorded);
  });

  it('writes a plain line when hashing is off', () => {
    expect(knownHostsLine('server', 22, host, { hashed: false })).toBe(`server ssh-ed25519 ${host.toString('base64')}`);
  });
});
