// A changed or revoked host key at 80 columns, in Korean and English: the explanation is wrapped,
// not cut, so both fingerprints, the known_hosts file:line and the exact `ssh-keygen -R` command
// stay on screen (each whole on one line, so it can be read and copied).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/loader.js';
import { createTranslator } from '../../src/i18n/index.js';
import type { Lang } from '../../src/i18n/types.js';
import type { ConnectFailure } from '../../src/remote/connect-error.js';
import { explainConnectError, removeKeyCommand, wrapExplanation } from '../../src/remote/explain.js';
import { localServer, mountApp } from '../helpers/app.js';
import type { Rendered } from '../helpers/ink.js';
import { writeMiniCourse } from '../helpers/mini-course.js';

const translator = createTranslator();
const dirs: string[] = [];
const mounted: Rendered[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) m.unmount();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// Real-length values: a SHA256 fingerprint is 50 characters, the file path a learner's.
const where = { host: '10.240.0.10', port: 2222, jump: false };
const known = {
  keyType: 'ecdsa-sha2-nistp256',
  fingerprint: 'SHA256:o8HM0ozgYjBC2AAlOKa3nnMRg3yjubyqHodqVMIWcDc',
  file: '/home/learner/.ssh/known_hosts',
  line: 12,
};
const newFingerprint = 'SHA256:CCMr44a3nY/isBJYnBHW4nFECDeJRF0fCPAD64ZXdhc';
const changed: ConnectFailure = { ...where, kind: 'host-key-changed', keyType: 'ssh-ed25519', fingerprint: newFingerprint, known };
const revoked: ConnectFailure = { ...where, kind: 'host-key-revoked', keyType: 'ssh-ed25519', fingerprint: newFingerprint, known };
const removal = removeKeyCommand(where.host, where.port, known.file);

describe.each(['en', 'ko'] as const)('wrapExplanation in %s', (lang: Lang) => {
  const t = translator.forLang(lang);
  it.each([
    ['changed', changed],
    ['revoked', revoked],
  ] as const)('%s key: every line fits 80 columns and keeps every value whole', (_name, failure) => {
    const { why, todo } = explainConnectError(failure, t, 'server');
    for (const text of [why, todo]) {
      const lines = wrapExplanation(text, 80);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(80);
      // Nothing lost: the lines are the text, re-spaced.
      expect(lines.join(' ')).toBe(text.replace(/\s+/g, ' ').trim());
    }
    const whyLines = wrapExplanation(why, 80);
    expect(whyLines.some((l) => l.includes(newFingerprint))).toBe(true);
    expect(whyLines.some((l) => l.includes(`${known.file}:${known.line}`))).toBe(true);
    if (failure.kind === 'host-key-changed') {
      expect(whyLines.some((l) => l.includes(known.fingerprint))).toBe(true);
      expect(wrapExplanation(todo, 80).some((l) => l.includes(removal))).toBe(true);
    }
  });
});

it('splits only a token wider than the line, by grapheme and display width', () => {
  expect(wrapExplanation(`a ${'가'.repeat(12)} b`, 10)).toEqual(['a', '가'.repeat(5), '가'.repeat(5), '가가 b']);
  expect(wrapExplanation('run `ssh-keygen -R x -f y` now', 24)).toEqual(['run', '`ssh-keygen -R x -f y`', 'now']);
});

describe.each(['en', 'ko'] as const)('the app at 80 columns in %s', (lang: Lang) => {
  it.each([
    ['changed', changed],
    ['revoked', revoked],
  ] as const)('shows the whole %s-key explanation', async (_name, failure) => {
    const root = mkdtempSync(join(tmpdir(), 'kthw-ui-wrap-'));
    dirs.push(root);
    writeMiniCourse(join(root, 'course'), join(root, 'server'));
    const { why, todo } = explainConnectError(failure, translator.forLang(lang), 'server');
    const server = localServer(async () => ({ ok: false, why, todo, retry: false }));
    const { r, session } = mountApp(loadCourse(join(root, 'course')), { lang, columns: 80, rows: 40, root, server });
    mounted.push(r);
    await session.start();
    const screen = await r.waitFor((s) => s.includes(newFingerprint));
    const lines = screen.split('\n');
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(80);
    expect(lines.some((l) => l.includes(`${known.file}:${known.line}`))).toBe(true);
    if (failure.kind === 'host-key-changed') {
      expect(lines.some((l) => l.includes(known.fingerprint))).toBe(true);
      expect(lines.some((l) => l.includes(removal))).toBe(true);
    }
    // The last words of both texts are on screen: nothing was cut at the right edge.
    for (const text of [why, todo]) expect(screen.replace(/\s+/g, '')).toContain(text.replace(/\s+/g, '').slice(-30));
  });
});
