// createI18n against a small locales folder written here, plus the real one for defaultLocalesDir.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createI18n, createTranslator, defaultLocalesDir, fixedTranslate, translateWith } from '../../src/i18n/index.js';

function writeLocales(files: Record<string, Record<string, unknown> | string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kthw-locales-'));
  for (const lang of ['ko', 'en']) mkdirSync(join(dir, lang));
  for (const [path, content] of Object.entries(files)) {
    writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const sample = () =>
  writeLocales({
    'ko/ui.json': { greet: '{{name}}님, 안녕하세요', html: '{{cmd}} 실행' },
    'en/ui.json': { greet: 'Hello, {{name}}', html: 'run {{cmd}}', onlyEn: 'English only' },
    'ko/extra.json': { word: '낱말' },
    'en/extra.json': { word: 'word' },
  });

describe('createI18n', () => {
  it('is ready as soon as it returns, in the language asked for, with every namespace file', () => {
    const i18n = createI18n('ko', { localesDir: sample() });
    expect(i18n.isInitialized).toBe(true);
    expect(i18n.language).toBe('ko');
    expect(i18n.t('ui:greet', { name: '민수' })).toBe('민수님, 안녕하세요');
    expect(i18n.t('extra:word')).toBe('낱말');
  });

  it('switches language live with changeLanguage', async () => {
    const i18n = createI18n('ko', { localesDir: sample() });
    const t = translateWith(i18n);
    expect(t('extra:word')).toBe('낱말');
    await i18n.changeLanguage('en');
    expect(t('extra:word')).toBe('word');
  });

  it('falls back to English for a key Korean lacks, and does not HTML-escape values', () => {
    const t = translateWith(createI18n('ko', { localesDir: sample() }));
    expect(t('ui:onlyEn')).toBe('English only');
    expect(t('ui:html', { cmd: 'a && b <c> "d"' })).toBe('a && b <c> "d" 실행');
  });

  it('returns a new instance each time: changing one leaves the other alone', async () => {
    const dir = sample();
    const a = createI18n('ko', { localesDir: dir });
    const b = createI18n('ko', { localesDir: dir });
    expect(a).not.toBe(b);
    await a.changeLanguage('en');
    expect(b.language).toBe('ko');
    expect(b.t('extra:word')).toBe('낱말');
  });

  it('fixedTranslate keeps its language whatever the instance does', async () => {
    const i18n = createI18n('en', { localesDir: sample() });
    const ko = fixedTranslate(i18n, 'ko');
    await i18n.changeLanguage('en');
    expect(ko('extra:word')).toBe('낱말');
  });

  it('names the file that is not valid JSON, or not an object of keys', () => {
    expect(() => createI18n('en', { localesDir: writeLocales({ 'ko/ui.json': '{ "a": ', 'en/ui.json': {} }) })).toThrow(
      /ko[/\\]ui\.json: not valid JSON/,
    );
    expect(() => createI18n('en', { localesDir: writeLocales({ 'ko/ui.json': '[1]', 'en/ui.json': {} }) })).toThrow(
      /ko[/\\]ui\.json: must hold one JSON object/,
    );
  });

  it('says which language folder is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kthw-locales-'));
    mkdirSync(join(dir, 'en'));
    expect(() => createI18n('en', { localesDir: dir })).toThrow(`${join(dir, 'ko')} is missing`);
  });

  it('createTranslator gives one bound function per language from the real locales', () => {
    const tr = createTranslator();
    expect(tr.forLang('ko')('ui:notice.passed', { n: 2 })).toContain('2단계');
    expect(tr.forLang('en')('ui:notice.passed', { n: 2 })).toContain('Step 2');
  });
});

describe('defaultLocalesDir', () => {
  it('finds the package locales/ from src/i18n (tsx, tests)', () => {
    const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    expect(defaultLocalesDir()).toBe(join(repoRoot, 'locales'));
  });

  it('finds it from dist/i18n/ of an installed copy, skipping a foreign package.json above', () => {
    const root = mkdtempSync(join(tmpdir(), 'kthw-install-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'some-app' }));
    mkdirSync(join(root, 'locales', 'en'), { recursive: true }); // the app's own, not ours
    const pkg = join(root, 'node_modules', 'kthw-tutor');
    mkdirSync(join(pkg, 'dist', 'i18n'), { recursive: true });
    mkdirSync(join(pkg, 'locales', 'en'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'kthw-tutor' }));
    expect(defaultLocalesDir(join(pkg, 'dist', 'i18n', 'index.js'))).toBe(join(pkg, 'locales'));
  });

  it('says so when there is no package root above', () => {
    const root = mkdtempSync(join(tmpdir(), 'kthw-nopkg-'));
    expect(() => defaultLocalesDir(join(root, 'dist', 'i18n', 'index.js'))).toThrow('could not find the kthw-tutor package root');
  });
});
