import { describe, expect, it } from 'vitest';
import { detectLang, langOfLocale, parseLang } from '../../src/i18n/detect.js';

describe('detectLang', () => {
  it.each<[Record<string, string>, 'ko' | 'en']>([
    // forms of a Korean locale
    [{ LANG: 'ko_KR.UTF-8' }, 'ko'],
    [{ LANG: 'ko' }, 'ko'],
    [{ LANG: 'ko-KR' }, 'ko'],
    [{ LANG: 'ko_KR.eucKR' }, 'ko'],
    // C, POSIX, empty, unknown -> English
    [{}, 'en'],
    [{ LANG: '' }, 'en'],
    [{ LANG: 'C' }, 'en'],
    [{ LANG: 'POSIX' }, 'en'],
    [{ LANG: 'C.UTF-8' }, 'en'],
    [{ LANG: 'en_US.UTF-8' }, 'en'],
    [{ LANG: 'fr_FR.UTF-8' }, 'en'],
    [{ LANG: 'kok_IN' }, 'en'], // Konkani: starts with "ko" but is not Korean
    // POSIX precedence: LC_ALL > LC_MESSAGES > LANG; an empty value counts as unset
    [{ LC_ALL: 'ko_KR.UTF-8', LANG: 'en_US.UTF-8' }, 'ko'],
    [{ LC_ALL: 'en_US.UTF-8', LC_MESSAGES: 'ko_KR.UTF-8', LANG: 'ko_KR.UTF-8' }, 'en'],
    [{ LC_MESSAGES: 'ko_KR.UTF-8', LANG: 'en_US.UTF-8' }, 'ko'],
    [{ LC_ALL: '', LC_MESSAGES: 'ko_KR.UTF-8' }, 'ko'],
    [{ LC_ALL: 'C', LANG: 'ko_KR.UTF-8' }, 'en'],
    // GNU LANGUAGE: searched in order when the locale is not C, first language we have wins
    [{ LANG: 'de_DE.UTF-8', LANGUAGE: 'fr:ko:en' }, 'ko'],
    [{ LANG: 'ko_KR.UTF-8', LANGUAGE: 'en_GB:ko' }, 'en'],
    [{ LANG: 'en_US.UTF-8', LANGUAGE: 'ko_KR' }, 'ko'],
    [{ LANG: 'ko_KR.UTF-8', LANGUAGE: '' }, 'ko'],
    // ... when none of it is ours, gettext leaves text untranslated: English
    [{ LANG: 'ko_KR.UTF-8', LANGUAGE: 'fr:de' }, 'en'],
    // ... and it is ignored entirely under the C locale
    [{ LANG: 'C', LANGUAGE: 'ko' }, 'en'],
    [{ LANGUAGE: 'ko' }, 'en'],
    [{ LC_ALL: 'POSIX', LANG: 'ko_KR.UTF-8', LANGUAGE: 'ko' }, 'en'],
  ])('%j -> %s', (env, lang) => {
    expect(detectLang(env)).toBe(lang);
  });

  it('reads the language part of a locale name', () => {
    expect(langOfLocale('KO_kr.utf8')).toBe('ko');
    expect(langOfLocale('en@quot')).toBe('en');
    expect(langOfLocale(undefined)).toBeUndefined();
  });
});

describe('parseLang', () => {
  it('accepts exactly ko and en', () => {
    expect(parseLang('ko')).toBe('ko');
    expect(parseLang('en')).toBe('en');
  });
  it.each(['kr', 'KO', 'ko_KR', '', 'english'])('rejects %j and says what to use', (text) => {
    expect(() => parseLang(text)).toThrow(`unknown language "${text}": use ko or en`);
  });
});
