// A passing check on a real file that holds key material, run through the local executor, and
// its evidence saved the way the tutor saves a pass: neither the results nor the progress file
// may hold the secret.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/checks/run.js';
import { CheckSpec } from '../../src/checks/spec.js';
import { ProgressStore } from '../../src/progress/store.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';

const dir = mkdtempSync(join(tmpdir(), 'kthw-evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const item = (id: string, raw: Record<string, unknown>) => ({ id, spec: CheckSpec.parse(raw) });

const SECRET = 'c2VjcmV0LWVuY3J5cHRpb24ta2V5LWZvci10ZXN0czEyMzQ=';
const CONFIG = `kind: EncryptionConfiguration
apiVersion: apiserver.config.k8s.io/v1
resources:
  - resources:
      - secrets
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: ${SECRET}
      - identity: {}
`;
const KEY_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj';

describe('evidence of a passing check on a file with secrets', () => {
  it('keeps path, mode, owner, size and hash, never the contents, on screen or on disk', async () => {
    const file = join(dir, 'encryption-config.yaml');
    writeFileSync(file, CONFIG);
    chmodSync(file, 0o600);
    const key = join(dir, 'sa.key');
    writeFileSync(key, `-----BEGIN PRIVATE KEY-----\n${KEY_BODY}\n-----END PRIVATE KEY-----\n`);
    const checks = [
      item('config', { kind: 'file', path: file, type: 'file', mode: '0600', contains: 'kind: EncryptionConfiguration' }),
      item('config-cat', { kind: 'command', run: `cat ${file}`, exit: 0, stdout: { contains: 'aescbc' } }),
      item('key-cat', { kind: 'command', run: `cat ${key}`, exit: 0, stdout: { contains: 'PRIVATE KEY' } }),
    ];
    const r = await runBatch(new LocalExecutor(), checks);
    expect(r.checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass']);

    const fileEvidence = r.checks[0]!.evidence;
    expect(fileEvidence).toContain(`path: ${file}`);
    expect(fileEvidence).toContain('mode: 0600');
    expect(fileEvidence).toContain(`size: ${Buffer.byteLength(CONFIG)}`);
    expect(fileEvidence).toMatch(/sha256: [0-9a-f]{64}/);
    expect(fileEvidence).not.toContain('EncryptionConfiguration');

    // The command's output stays evidence, with the key material taken out.
    expect(r.checks[1]!.evidence).toContain('aescbc');
    for (const c of r.checks) {
      expect(c.evidence).not.toContain(SECRET.slice(0, 12));
      expect(c.evidence).not.toContain(KEY_BODY.slice(0, 12));
      expect(JSON.stringify(c.findings)).not.toContain(SECRET.slice(0, 12));
      expect(JSON.stringify(c.findings)).not.toContain(KEY_BODY.slice(0, 12));
    }

    // Saved as the session saves a pass (subject + evidence), here without its 200-character cut.
    const store = new ProgressStore(join(dir, 'progress'), 'root@server:22');
    store.recordPass('encryption', r.checks.map((c) => ({ checkId: c.checkId, summary: `${c.subject}: ${c.evidence}` })));
    const saved = readFileSync(store.file, 'utf8');
    expect(saved).toContain('"checkId": "config-cat"');
    expect(saved).not.toContain(SECRET.slice(0, 12));
    expect(saved).not.toContain(KEY_BODY.slice(0, 12));
  });

  it('the store redacts a secret even when the evidence handed to it still has one', () => {
    const store = new ProgressStore(join(dir, 'progress2'), 'root@server:22');
    store.recordPass('s', [{ checkId: 'c', summary: `/etc/x: secret: ${SECRET}` }]);
    expect(readFileSync(store.file, 'utf8')).not.toContain(SECRET.slice(0, 12));
  });
});
