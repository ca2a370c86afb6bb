import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from '../../src/text/redact.js';

const KEY = 'aGVsbG8gd29ybGQgdGhpcyBpcyBhIHNlY3JldA==';

describe('redactSecrets', () => {
  it.each([
    ['encryption config secret', `            - name: key1\n              secret: ${KEY}\n`],
    ['kubeconfig client key', `    client-key-data: ${KEY}`],
    ['kubeconfig token', `    token: ${KEY}`],
    ['JSON token', `{"kind":"x","token":"${KEY}","n":1}`],
    ['flag', `kube-apiserver --token=${KEY} --v=2`],
    ['env assignment', `ENCRYPTION_KEY=x PASSWORD=${KEY}`],
    ['bearer header', `Authorization: Bearer ${KEY}`],
    ['quoted YAML', `secret: '${KEY}'`],
    ['YAML block', `secret: |\n  ${KEY}\n  ${KEY}\nnext: 1`],
    ['JWT', `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.${KEY.replace(/[=+/]/g, '')}`],
    ['PEM private key', `-----BEGIN RSA PRIVATE KEY-----\n${KEY}\n${KEY}\n-----END RSA PRIVATE KEY-----\n`],
    ['cut PEM private key', `-----BEGIN PRIVATE KEY-----\n${KEY}\n${KEY.slice(0, 10)}`],
  ])('hides %s', (_, text) => {
    const out = redactSecrets(text);
    expect(out).toContain(REDACTED);
    expect(out).not.toContain(KEY);
    expect(out).not.toContain(KEY.slice(0, 10));
  });

  it('keeps what is around the secret', () => {
    expect(redactSecrets(`  secret: ${KEY}\n  name: key1`)).toBe(`  secret: ${REDACTED}\n  name: key1`);
    expect(redactSecrets(`{"token": "${KEY}", "a": 1}`)).toBe(`{"token": "${REDACTED}", "a": 1}`);
    expect(redactSecrets(`--token=${KEY} --v=2`)).toBe(`--token=${REDACTED} --v=2`);
    expect(redactSecrets(`-----BEGIN EC PRIVATE KEY-----\n${KEY}\n-----END EC PRIVATE KEY-----\nafter`)).toBe(
      `-----BEGIN EC PRIVATE KEY-----\n${REDACTED}\n-----END EC PRIVATE KEY-----\nafter`,
    );
  });

  it.each([
    ['certificates', `-----BEGIN CERTIFICATE-----\n${KEY}\n-----END CERTIFICATE-----`],
    ['public cert data', `    client-certificate-data: ${KEY}\n    certificate-authority-data: ${KEY}`],
    ['key file paths', '--tls-private-key-file=/var/lib/kubernetes/kubernetes-key.pem --token-auth-file=/x'],
    ['secret-named fields that are not secrets', 'secretName: web-tls\nresources:\n  - secrets\nkind: Secret'],
    ['prose', 'the encryption key is stored in a Secret object'],
    ['auth schemes named in prose', 'Unauthorized: basic authentication and bearer tokens are off'],
  ])('leaves %s alone', (_, text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  // Secret values: long enough and from the base64/token alphabet, so the filler cannot hold them.
  const secret = fc.stringMatching(/^[A-Za-z0-9+/]{16,64}={0,2}$/).filter((s) => /[A-Z]/.test(s) && /[0-9]/.test(s));
  const filler = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnop qrstuvwxyz-_./,:#'.split('')), maxLength: 40 });
  const secretLine = fc.tuple(
    fc.constantFrom(
      (v: string) => `secret: ${v}`,
      (v: string) => `  - secret: "${v}"`,
      (v: string) => `client-key-data: ${v}`,
      (v: string) => `    token: ${v}`,
      (v: string) => `"access_token":"${v}"`,
      (v: string) => `--token=${v}`,
      (v: string) => `DB_PASSWORD='${v}'`,
      (v: string) => `Authorization: Bearer ${v}`,
      (v: string) => `authorization: basic ${v}`,
      (v: string) => `secret: |\n    ${v}\n    ${v}`,
      (v: string) => `-----BEGIN OPENSSH PRIVATE KEY-----\n${v}\n${v}\n-----END OPENSSH PRIVATE KEY-----`,
      (v: string) => `-----BEGIN PRIVATE KEY-----\n${v}`,
    ),
    secret,
  );

  it('no generated secret survives, wherever it sits among other lines', () => {
    fc.assert(
      fc.property(fc.array(filler, { maxLength: 4 }), secretLine, fc.array(filler, { maxLength: 4 }), (before, [line, v], after) => {
        const text = [...before, line(v), ...after].join('\n');
        expect(redactSecrets(text)).not.toContain(v);
      }),
      { numRuns: 10_000 },
    );
  });

  it('arbitrary text without secrets is unchanged', () => {
    const names = fc.constantFrom('name', 'kind', 'server', 'client-certificate-data', 'secretName', 'tls-private-key-file', 'resources', 'path', 'mode');
    const value = fc.string({ maxLength: 60 }).filter((s) => !/secret|token|passw|passphrase|key.?data|private.?key|api.?key|bearer|basic|eyJ/i.test(s));
    const line = fc.oneof(
      value,
      fc.tuple(fc.string({ unit: fc.constantFrom(' ', '-', ' '), maxLength: 4 }), names, fc.constantFrom(': ', '=', ':'), value).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        const text = lines.join('\n');
        expect(redactSecrets(text)).toBe(text);
      }),
      { numRuns: 10_000 },
    );
  });
});
