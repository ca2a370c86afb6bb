// The real locales/ must stay in step between ko and en: same namespace files, same keys, same
// {{placeholders}}, no empty values. Reads whatever files exist, so new namespaces are covered.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createI18n, defaultLocalesDir } from '../../src/i18n/index.js';
import { flattenKeys, parityProblems, placeholdersOf, type NamespaceFiles } from '../../src/i18n/parity.js';
import { LANGS } from '../../src/i18n/types.js';

const localesDir = defaultLocalesDir();
const namespaceFiles = (lang: string) => readdirSync(join(localesDir, lang)).filter((f) => f.endsWith('.json'));
const namespaces = [...new Set(LANGS.flatMap(namespaceFiles))].map((f) => f.slice(0, -'.json'.length)).sort();

function readNamespace(ns: string): NamespaceFiles {
  const files: NamespaceFiles = {};
  for (const lang of LANGS) {
    if (namespaceFiles(lang).includes(`${ns}.json`)) {
      files[lang] = JSON.parse(readFileSync(join(localesDir, lang, `${ns}.json`), 'utf8'));
    }
  }
  return files;
}

describe('locales/ parity (real files)', () => {
  it('has at least the app namespace', () => {
    expect(namespaces).toContain('ui');
  });

  it('every namespace has the same keys, placeholders and no empty values in ko and en', () => {
    const problems = namespaces.flatMap((ns) => parityProblems(ns, readNamespace(ns)));
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('every namespace file loads into i18next and translates a key of it in both languages', () => {
    const i18n = createI18n('ko', { localesDir });
    for (const ns of namespaces) {
      const [firstKey] = flattenKeys(readNamespace(ns).en).keys();
      expect(i18n.exists(`${ns}:${firstKey}`, { lng: 'ko' }), `${ns}:${firstKey}`).toBe(true);
      expect(i18n.exists(`${ns}:${firstKey}`, { lng: 'en' }), `${ns}:${firstKey}`).toBe(true);
    }
  });
});

describe('parityProblems (in-memory dictionaries)', () => {
  it('names each missing key with the file that lacks it and the file that has it', () => {
    const problems = parityProblems('ui', {
      ko: { help: { title: '도움말', keys: '키' }, only: { ko: '한국어만' } },
      en: { help: { title: 'Help' }, extra: 'English only' },
    });
    expect(problems.sort()).toEqual(
      [
        'locales/en/ui.json lacks key help.keys (present in locales/ko/ui.json)',
        'locales/en/ui.json lacks key only.ko (present in locales/ko/ui.json)',
        'locales/ko/ui.json lacks key extra (present in locales/en/ui.json)',
      ].sort(),
    );
  });

  it('catches a placeholder used on one side only, in either direction', () => {
    const problems = parityProblems('checks', {
      ko: { passed: '{{n}}단계 통과', took: '{{ms}}ms' },
      en: { passed: 'Step {{count}} passed', took: '{{ ms }} ms ({{steps}} steps)' },
    });
    expect(problems.sort()).toEqual(
      [
        'locales/en/checks.json key passed lacks {{n}} (used in locales/ko/checks.json)',
        'locales/ko/checks.json key passed lacks {{count}} (used in locales/en/checks.json)',
        'locales/ko/checks.json key took lacks {{steps}} (used in locales/en/checks.json)',
      ].sort(),
    );
  });

  it('fails on empty strings and on values that are not text', () => {
    const problems = parityProblems('remote', {
      ko: { a: '', b: '  ', c: 3 },
      en: { a: 'A', b: 'B', c: 'C' },
    });
    expect(problems).toEqual([
      'locales/ko/remote.json key a is empty',
      'locales/ko/remote.json key b is empty',
      'locales/ko/remote.json key c is 3, not a string',
    ]);
  });

  it('reports a namespace file present in one language only', () => {
    expect(parityProblems('course', { ko: { a: '가' } })).toEqual([
      'locales/en/course.json is missing (locales/ko/course.json exists)',
    ]);
  });

  it('accepts identical structures with translated text', () => {
    expect(
      parityProblems('ui', { ko: { a: { b: '{{n}}단계' } }, en: { a: { b: 'step {{n}}' } } }),
    ).toEqual([]);
  });

  it('reads the placeholder forms i18next supports', () => {
    expect([...placeholdersOf('{{a}} {{ b }} {{- c}} {{d, number}} {x} {{e}}')].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
