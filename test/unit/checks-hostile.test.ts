// Hostile values in every free-text field that reaches the script: the compiled batch runs in
// a real /bin/sh, and nothing of the value is ever executed; it comes back byte for byte.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compileBatch } from '../../src/checks/compile.js';
import { runBatch } from '../../src/checks/run.js';
import { CheckSpec } from '../../src/checks/spec.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';

const dir = mkdtempSync(join(tmpdir(), 'kthw-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const canary = join(dir, 'CANARY');
const executor = new LocalExecutor({ cwd: dir });

const pieces = [
  `'`, `"`, '`touch ' + canary + '`', `$(touch ${canary})`, `; touch ${canary}`, `&& touch ${canary}`,
  `| touch ${canary}`, '\n', `\ntouch ${canary}\n`, '*', '-rf', '--', ' ', '$HOME', '${IFS}', '\\', '한국어', '%s', '!',
];
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...pieces), fc.string({ minLength: 1, maxLength: 4 })), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''))
  .filter((s) => !s.includes('\0') && s.trim() !== '');

describe('hostile values', () => {
  it('never run, and come back byte for byte as the subject', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (a, b) => {
        const items = [
          { id: 'f', spec: CheckSpec.parse({ kind: 'file', path: `${dir}/none-${a}`, or: [`${dir}/none-${b}`], sha256: '0'.repeat(64), contains: b }) },
          { id: 'k', spec: CheckSpec.parse({ kind: 'kube', resource: 'pods', name: a, namespace: b, kubeconfig: `${dir}/${b}` }) },
          { id: 'h', spec: CheckSpec.parse({ kind: 'http', url: `http://127.0.0.1:1/${a}`, cacert: b, timeoutSeconds: 1 }) },
        ];
        const r = await runBatch(executor, items, [], { timeoutMs: 20_000 });
        expect(existsSync(canary)).toBe(false);
        expect(readdirSync(dir)).toEqual([]);
        expect(r.checks[0]!.subject).toBe(`${dir}/none-${a} | ${dir}/none-${b}`);
        expect(r.checks.every((c) => c.status !== 'error' || c.error?.startsWith('missing:'))).toBe(true);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('a NUL byte is refused when the batch is compiled', () => {
    const spec = CheckSpec.parse({ kind: 'file', path: '/tmp/a\0b' });
    expect(() => compileBatch([{ id: 'x', spec }])).toThrow('cannot pass a NUL byte');
  });
});
