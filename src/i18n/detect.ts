// Which language to start in, from the environment, as POSIX locale rules pick a message locale:
// LC_ALL, then LC_MESSAGES, then LANG; GNU's LANGUAGE list is honoured unless the locale is C.
import type { Lang } from './types.js';

function langOf(value: string | undefined): Lang | undefined {
  if (!value) return undefined;
  const code = value.toLowerCase().split(/[_.@-]/)[0];
  if (code === 'ko') return 'ko';
  if (code === 'en') return 'en';
  return undefined;
}

export function detectLang(env: Readonly<Record<string, string | undefined>>): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  const isC = locale === '' || locale === 'C' || locale === 'POSIX' || /^C\./.test(locale);
  if (!isC && env.LANGUAGE) {
    for (const item of env.LANGUAGE.split(':')) {
      const lang = langOf(item);
      if (lang) return lang;
    }
  }
  return langOf(locale) ?? 'en';
}

export function parseLang(text: string): Lang {
  if (text === 'ko' || text === 'en') return text;
  throw new Error(`unknown language "${text}": use ko or en`);
}
