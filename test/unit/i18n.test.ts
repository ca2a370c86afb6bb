import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectLang, parseLang } from '../../src/i18n/detect.js';
import { createTranslator, defaultLocalesDir } from '../../src/i18n/index.js';

type Dict = { [k: string]: string | Dict };

function flatten(d: Dict, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(d)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (s: string) => new Set([...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]));

/** Every difference between two language files of one namespace, as readable lines. */
function parityProblems(ns: string, ko: Dict, en: Dict): string[] {
  const k = flatten(ko);
  const e = flatten(en);
  const problems: string[] = [];
  for (const key of k.keys()) if (!e.has(key)) problems.push(`locales/en/${ns}.json lacks key ${key} (present in locales/ko/${ns}.json)`);
  for (const key of e.keys()) if (!k.has(key)) problems.push(`locales/ko/${ns}.json lacks key ${key} (present in locales/en/${ns}.json)`);
  for (const [key, kv] of k) {
    const ev = e.get(key);
    if (ev === undefined) continue;
    if (!kv.trim() || !ev.trim()) problems.push(`${ns}:${key} is empty in ${!kv.trim() ? 'ko' : 'en'}`);
    const a = [...placeholders(kv)].sort().join(',');
    const b = [...placeholders(ev)].sort().join(',');
    if (a !== b) problems.push(`${ns}:${key} uses {{${a}}} in ko but {{${b}}} in en`);
  }
  return problems;
}

describe('locales', () => {
  const dir = defaultLocalesDir();
  const files = (lang: string) => readdirSync(join(dir, lang)).filter((f) => f.endsWith('.json')).sort();

  it('ko and en have the same namespace files', () => {
    expect(files('ko')).toEqual(files('en'));
    expect(files('en')).toContain('ui.json');
  });

  it('every namespace has the same keys and placeholders in both languages', () => {
    const problems = files('en').flatMap((f) =>
      parityProblems(
        f.replace(/\.json$/, ''),
        JSON.parse(readFileSync(join(dir, 'ko', f), 'utf8')),
        JSON.parse(readFileSync(join(dir, 'en', f), 'utf8')),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('the parity check catches a missing key, an empty value and a placeholder mismatch', () => {
    const problems = parityProblems(
      'ui',
      { a: { b: '{{n}}단계' }, c: '' },
      { a: { b: 'step {{count}}' }, d: 'x', c: 'y' },
    );
    expect(problems).toEqual([
      'locales/ko/ui.json lacks key d (present in locales/en/ui.json)',
      'ui:a.b uses {{n}} in ko but {{count}} in en',
      'ui:c is empty in ko',
    ]);
  });

  it('translates live in both languages from one translator', () => {
    const tr = createTranslator(dir);
    expect(tr.forLang('ko')('ui:notice.passed', { n: 2 })).toContain('2단계');
    expect(tr.forLang('en')('ui:notice.passed', { n: 2 })).toContain('Step 2');
  });
});

describe('detectLang', () => {
  it.each([
    [{ LANG: 'ko_KR.UTF-8' }, 'ko'],
    [{ LANG: 'en_US.UTF-8' }, 'en'],
    [{ LANG: 'C.UTF-8' }, 'en'],
    [{}, 'en'],
    [{ LANG: 'fr_FR.UTF-8' }, 'en'],
    [{ LC_ALL: 'ko_KR.UTF-8', LANG: 'en_US.UTF-8' }, 'ko'],
    [{ LC_MESSAGES: 'ko_KR', LANG: 'en_US.UTF-8' }, 'ko'],
    [{ LC_ALL: 'en_US.UTF-8', LC_MESSAGES: 'ko_KR' }, 'en'],
    [{ LANG: 'de_DE.UTF-8', LANGUAGE: 'fr:ko:en' }, 'ko'],
    [{ LANG: 'C', LANGUAGE: 'ko' }, 'en'],
  ])('%j -> %s', (env, lang) => {
    expect(detectLang(env)).toBe(lang);
  });
  it('parseLang names the accepted values', () => {
    expect(parseLang('ko')).toBe('ko');
    expect(() => parseLang('kr')).toThrow('use ko or en');
  });
});
