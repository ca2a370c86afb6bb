// i18next set-up: every call builds its own instance (no global), with every
// locales/<lang>/<ns>.json loaded synchronously, so the first frame is already translated and
// `changeLanguage` switches live without any loading step.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n, type Resource, type ResourceLanguage } from 'i18next';
import { LANGS, type Lang, type Translate } from './types.js';

export type { Lang, Translate } from './types.js';

const PACKAGE_NAME = 'kthw-tutor';

/**
 * `locales/` at the package root, found by walking up from this file to our package.json:
 * the same answer from src/i18n/ (tsx, tests) and dist/i18n/ (installed build).
 */
export function defaultLocalesDir(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) {
      const locales = join(dir, 'locales');
      if (!existsSync(locales)) throw new Error(`${locales} is missing: the ${PACKAGE_NAME} package is incomplete, reinstall it`);
      return locales;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`could not find the ${PACKAGE_NAME} package root (with locales/) above ${from}`);
    dir = parent;
  }
}

function readPackageName(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined; // some other, broken package.json on the way up: keep looking
  }
}

/** Every `<localesDir>/<lang>/<ns>.json` of our languages; the namespace is the file name. */
export function loadResources(localesDir: string): Resource {
  const resources: Resource = {};
  for (const lang of LANGS) {
    const dir = join(localesDir, lang);
    if (!existsSync(dir)) throw new Error(`${dir} is missing: every language needs a folder of namespace files`);
    const namespaces: ResourceLanguage = {};
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const path = join(dir, file);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(path, 'utf8'));
      } catch (err) {
        throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error(`${path}: must hold one JSON object of keys`);
      }
      namespaces[file.slice(0, -'.json'.length)] = parsed as ResourceLanguage[string];
    }
    resources[lang] = namespaces;
  }
  return resources;
}

export interface CreateI18nOptions {
  /** Defaults to the package's own locales/. Tests may point at a fixture folder. */
  localesDir?: string;
}

/** A fresh i18next instance in `lang`, with English as the fallback for any missing key. */
export function createI18n(lang: Lang, options: CreateI18nOptions = {}): i18n {
  const resources = loadResources(options.localesDir ?? defaultLocalesDir());
  const namespaces = [...new Set(LANGS.flatMap((l) => Object.keys(resources[l] ?? {})))].sort();
  const instance = i18next.createInstance();
  // With resources given and initAsync off, init completes before it returns.
  void instance.init({
    resources,
    lng: lang,
    fallbackLng: 'en',
    supportedLngs: [...LANGS],
    ns: namespaces,
    defaultNS: namespaces.includes('ui') ? 'ui' : namespaces[0],
    interpolation: { escapeValue: false }, // a terminal, not HTML
    returnNull: false,
    returnEmptyString: false, // an empty string falls back to English instead of showing nothing
    initAsync: false,
  });
  return instance;
}

/** Translates in whatever language the instance is in now (follows `changeLanguage`). */
export function translateWith(instance: i18n): Translate {
  return (key, params) => String(instance.t(key, params as never));
}

/** Translates in one language regardless of the instance's current language. */
export function fixedTranslate(instance: i18n, lang: Lang): Translate {
  const fixed = instance.getFixedT(lang);
  return (key, params) => String(fixed(key, params as never));
}

export interface Translator {
  instance: i18n;
  /** A translate function bound to one language (the session switches between them live). */
  forLang(lang: Lang): Translate;
}

/** One instance with a bound translate function per language, for callers that hold both. */
export function createTranslator(localesDir?: string): Translator {
  const instance = createI18n('en', localesDir === undefined ? {} : { localesDir });
  const bound = new Map<Lang, Translate>(LANGS.map((lang) => [lang, fixedTranslate(instance, lang)]));
  return { instance, forLang: (lang) => bound.get(lang)! };
}
