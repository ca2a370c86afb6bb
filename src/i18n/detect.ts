// Which language to start in, read from the environment the way GNU gettext picks a message
// catalog (the caller lets an explicit --lang win before asking this):
//   1. the message locale is the first non-empty of LC_ALL, LC_MESSAGES, LANG (POSIX order);
//   2. if that locale is C/POSIX (or unset, which means C), nothing is translated: English;
//   3. otherwise a non-empty LANGUAGE list is searched in order for a language we have, and
//      when none matches gettext leaves messages untranslated: English;
//   4. without LANGUAGE, the locale's own language counts.
import { LANGS, type Lang } from './types.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** `ko`, `ko_KR`, `ko-KR`, `ko_KR.UTF-8@var` -> 'ko'; anything else we do not ship -> undefined. */
export function langOfLocale(value: string | undefined): Lang | undefined {
  if (!value) return undefined;
  const code = value.trim().toLowerCase().split(/[_.@-]/)[0];
  return LANGS.find((lang) => lang === code);
}

function isCLocale(locale: string): boolean {
  return locale === '' || locale === 'C' || locale === 'POSIX' || /^C\./.test(locale);
}

export function detectLang(env: Env): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  if (isCLocale(locale)) return 'en';
  if (env.LANGUAGE) {
    for (const item of env.LANGUAGE.split(':')) {
      const lang = langOfLocale(item);
      if (lang) return lang;
    }
    return 'en';
  }
  return langOfLocale(locale) ?? 'en';
}

/** The value of `--lang` (or a saved setting): exactly one of the languages we ship. */
export function parseLang(text: string): Lang {
  const lang = LANGS.find((l) => l === text);
  if (lang) return lang;
  throw new Error(`unknown language "${text}": use ko or en (ko = 한국어, en = English)`);
}
