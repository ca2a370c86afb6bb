// Keeps the languages in step: every namespace file must have the same keys in ko and en, the
// same {{placeholders}} per key, and no empty or non-text values. Pure, so a test can feed it
// both the real locales/ and small in-memory dictionaries.
import type { Lang } from './types.js';

/** One parsed namespace file per language; `undefined` where that language has no such file. */
export type NamespaceFiles = Partial<Record<Lang, unknown>>;

/** `a.b.c` -> value, for every leaf of a nested dictionary. */
export function flattenKeys(dict: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) {
    out.set(prefix, dict);
    return out;
  }
  for (const [key, value] of Object.entries(dict)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [leaf, leafValue] of flattenKeys(value, path)) out.set(leaf, leafValue);
    } else {
      out.set(path, value);
    }
  }
  return out;
}

/** Names inside `{{name}}`, `{{ name }}`, `{{- name}}` and `{{name, format}}`. */
export function placeholdersOf(text: string): Set<string> {
  return new Set([...text.matchAll(/\{\{-?\s*([^\s},]+)\s*(?:,[^}]*)?\}\}/g)].map((m) => m[1]!));
}

const fileOf = (lang: Lang, ns: string) => `locales/${lang}/${ns}.json`;

/**
 * Every difference between the ko and en files of one namespace, as lines that name the file
 * and key to fix.
 */
export function parityProblems(ns: string, files: NamespaceFiles): string[] {
  const [a, b] = ['ko', 'en'] as const;
  if (files[a] === undefined || files[b] === undefined) {
    const [has, lacks] = files[a] === undefined ? [b, a] : [a, b];
    return files[has] === undefined ? [] : [`${fileOf(lacks, ns)} is missing (${fileOf(has, ns)} exists)`];
  }
  const flat = { [a]: flattenKeys(files[a]), [b]: flattenKeys(files[b]) } as Record<Lang, Map<string, unknown>>;
  const problems: string[] = [];
  for (const [here, there] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const [key, value] of flat[here]) {
      if (typeof value !== 'string') {
        problems.push(`${fileOf(here, ns)} key ${key || '(top level)'} is ${JSON.stringify(value)}, not a string`);
        continue;
      }
      if (value.trim() === '') problems.push(`${fileOf(here, ns)} key ${key} is empty`);
      const other = flat[there].get(key);
      if (other === undefined) {
        problems.push(`${fileOf(there, ns)} lacks key ${key} (present in ${fileOf(here, ns)})`);
        continue;
      }
      if (typeof other !== 'string') continue; // reported from the other side
      const theirs = placeholdersOf(other);
      for (const name of placeholdersOf(value)) {
        if (!theirs.has(name)) {
          problems.push(`${fileOf(there, ns)} key ${key} lacks {{${name}}} (used in ${fileOf(here, ns)})`);
        }
      }
    }
  }
  return problems;
}
