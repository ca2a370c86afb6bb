// i18next set-up: one instance per app (no global), every locales/<lang>/<ns>.json loaded
// synchronously at start, so the first frame is already translated.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n, type Resource } from 'i18next';
import { LANGS, type Lang, type Translate } from './types.js';

/** `locales/` of this package, found from this file whether it runs from src/ or dist/. */
export function defaultLocalesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'locales');
    if (existsSync(join(candidate, 'en'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('could not find the locales/ folder next to the kthw-tutor package');
}

export function loadResources(localesDir: string): Resource {
  const resources: Resource = {};
  for (const lang of LANGS) {
    const dir = join(localesDir, lang);
    resources[lang] = {};
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const path = join(dir, file);
      try {
        resources[lang]![file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(path, 'utf8'));
      } catch (err) {
        throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
      }
    }
  }
  return resources;
}

export interface Translator {
  instance: i18n;
  /** A translate function bound to one language (the session switches between them live). */
  forLang(lang: Lang): Translate;
}

export function createTranslator(localesDir: string = defaultLocalesDir()): Translator {
  const resources = loadResources(localesDir);
  const instance = i18next.createInstance();
  void instance.init({
    resources,
    lng: 'en',
    fallbackLng: 'en',
    ns: Object.keys(resources.en ?? {}),
    defaultNS: 'ui',
    interpolation: { escapeValue: false }, // a terminal, not HTML
    returnNull: false,
    initAsync: false,
  });
  const bound = new Map<Lang, Translate>();
  for (const lang of LANGS) {
    const fixed = instance.getFixedT(lang);
    bound.set(lang, (key, params) => String(fixed(key, params as never)));
  }
  return { instance, forLang: (lang) => bound.get(lang)! };
}
