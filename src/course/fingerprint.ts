// Translation fingerprints: each step of a page's <lang>.md records which text of the other
// language it was last synced with, so changing one language of a step without the other is caught.
//
//   <!-- step: start -->
//   <!-- source: en 0123456789 -->       <- in ko.md: the fingerprint of en.md's "start" text
//   ## Start the control plane              the Korean was last synced with (en.md has
//   ...                                     <!-- source: ko ... --> the other way round)
//
// The text of a step is its step section (from `<!-- step: ID -->` to the next marker) plus every
// other marker section whose id starts with `ID.` (hints, diagnostics and any later kind such as
// `<!-- quiz: ID.q1 -->`), in file order. Any line `<!-- kind: id -->` outside fenced code blocks
// is a marker here, with the same fence rule as prose.ts, so new marker kinds are covered without
// changes. `npm run translations:stamp` writes the source lines; `translations:check` and
// test/unit/translation-fingerprints.test.ts compare them.
//
// Pure: text in, text and problems out.
import { createHash } from 'node:crypto';
import { COMMENT_LINE, FENCE, MARKER, nextFence, SOURCE_VALUE } from './markdown-lines.js';

/** The kind of the fingerprint lines themselves: never a section marker, never fingerprinted. */
export const SOURCE_KIND = 'source';
export const FINGERPRINT_LENGTH = 10;

export const STAMP_COMMAND = 'npm run translations:stamp';

const LANGUAGE_NAMES: Record<string, string> = { en: 'English', ko: 'Korean' };
const languageName = (lang: string) => LANGUAGE_NAMES[lang] ?? `"${lang}"`;

/** The `<!-- source: LANG HASH -->` line as the stamp writes it. */
export function sourceLine(lang: string, hash: string): string {
  return `<!-- ${SOURCE_KIND}: ${lang} ${hash} -->`;
}

interface ScannedMarker {
  /** 0-based line index. */
  index: number;
  kind: string;
  id: string;
  /** The part of the id before the first dot: the step the section belongs to. */
  step: string;
}

interface ScannedSource {
  index: number;
  /** Undefined when the line is not `source: LANG HASH`. */
  lang?: string;
  hash?: string;
  raw: string;
}

interface Scan {
  /** The text split on "\n"; a "\r" of CRLF stays at the end of its line. */
  lines: string[];
  markers: ScannedMarker[];
  sources: ScannedSource[];
}

function scan(text: string): Scan {
  const lines = text.split('\n');
  const markers: ScannedMarker[] = [];
  const sources: ScannedSource[] = [];
  let fence: string | null = null;
  lines.forEach((raw, index) => {
    if (FENCE.test(raw)) {
      fence = nextFence(raw, fence);
      return;
    }
    if (fence !== null) return;
    const comment = COMMENT_LINE.exec(raw);
    if (!comment) return;
    const inner = comment[1]!.trim();
    const m = MARKER.exec(inner);
    if (!m) return;
    const kind = m[1]!;
    const value = m[2]!.trim();
    if (kind === SOURCE_KIND) {
      const s = SOURCE_VALUE.exec(value);
      sources.push(s ? { index, lang: s[1]!, hash: s[2]!, raw: inner } : { index, raw: inner });
      return;
    }
    markers.push({ index, kind, id: value, step: value.split('.')[0]! });
  });
  return { lines, markers, sources };
}

interface StepGroup {
  /** The `<!-- step: ID -->` marker, if the file has one for this id. */
  stepMarker?: ScannedMarker;
  /** Line ranges [start, end) of the step section and of every `ID.*` section, in file order. */
  ranges: Array<[number, number]>;
  /** Line range of the step section alone. */
  stepRange?: [number, number];
}

function groups(s: Scan): Map<string, StepGroup> {
  const out = new Map<string, StepGroup>();
  s.markers.forEach((m, i) => {
    const end = i + 1 < s.markers.length ? s.markers[i + 1]!.index : s.lines.length;
    let g = out.get(m.step);
    if (!g) out.set(m.step, (g = { ranges: [] }));
    g.ranges.push([m.index, end]);
    if (m.kind === 'step' && !g.stepMarker) {
      g.stepMarker = m;
      g.stepRange = [m.index, end];
    }
  });
  return out;
}

function rangeText(lines: string[], ranges: Array<[number, number]>): string {
  return ranges.map(([a, b]) => lines.slice(a, b).join('\n')).join('\n');
}

/**
 * Splits one language file into the exact text of each step: its step section plus every other
 * marker section whose id starts with `<step>.`, in file order, source lines included (the
 * fingerprint leaves them out). Only ids that have a `<!-- step: ID -->` marker are returned.
 */
export function stepSections(markdownText: string): Map<string, string> {
  const s = scan(markdownText);
  const out = new Map<string, string>();
  for (const [id, g] of groups(s)) if (g.stepMarker) out.set(id, rangeText(s.lines, g.ranges));
  return out;
}

/**
 * The first 10 hex digits of the sha256 of the text normalized: CRLF -> LF, trailing spaces and
 * tabs trimmed per line, runs of blank lines collapsed to one, leading and trailing blank lines
 * dropped, and `<!-- source: ... -->` lines (outside code fences) left out.
 */
export function fingerprint(text: string): string {
  const s = scan(text.replace(/\r\n?/g, '\n'));
  const skip = new Set(s.sources.map((x) => x.index));
  const kept: string[] = [];
  s.lines.forEach((line, i) => {
    if (skip.has(i)) return;
    const trimmed = line.replace(/[ \t]+$/, '');
    if (trimmed === '' && (kept.length === 0 || kept[kept.length - 1] === '')) return;
    kept.push(trimmed);
  });
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  return createHash('sha256').update(kept.join('\n'), 'utf8').digest('hex').slice(0, FINGERPRINT_LENGTH);
}

/** The fingerprint of every step of one language file. */
export function stepFingerprints(markdownText: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, text] of stepSections(markdownText)) out.set(id, fingerprint(text));
  return out;
}

export interface TranslationProblem {
  /** Page folder, e.g. "03-services". */
  page: string;
  /** Step id, or "" for a problem of the page as a whole. */
  step: string;
  /** The file that needs attention, e.g. "ko.md". */
  file: string;
  message: string;
}

/** One page: its folder name and the text of `<lang>.md` for each language of the course. */
export interface PageTexts {
  page: string;
  files: Record<string, string | undefined>;
}

/**
 * Compares the stored source lines of every step with the current text of the other languages.
 * Each problem names the page and step and says which language changed since the other was synced.
 */
export function checkPage({ page, files }: PageTexts, languages: readonly string[]): TranslationProblem[] {
  const problems: TranslationProblem[] = [];
  const report = (step: string, file: string, message: string) =>
    problems.push({ page, step, file, message: `${page}${step ? `/${step}` : ''}: ${message}` });

  const scans = new Map<string, Scan>();
  const prints = new Map<string, Map<string, string>>();
  for (const lang of languages) {
    const text = files[lang];
    if (text === undefined) {
      report('', `${lang}.md`, `${lang}.md is missing`);
      continue;
    }
    const s = scan(text);
    scans.set(lang, s);
    const fp = new Map<string, string>();
    for (const [id, g] of groups(s)) if (g.stepMarker) fp.set(id, fingerprint(rangeText(s.lines, g.ranges)));
    prints.set(lang, fp);
  }

  for (const [lang, s] of scans) {
    const file = `${lang}.md`;
    const g = groups(s);
    const owned = new Set<number>();
    for (const [id, group] of g) {
      if (!group.stepMarker) {
        const m = s.markers.find((x) => x.step === id)!;
        report(id, file, `${file} line ${m.index + 1} has <!-- ${m.kind}: ${m.id} --> but no <!-- step: ${id} --> section to fingerprint it with`);
        continue;
      }
      const [a, b] = group.stepRange!;
      const mine = s.sources.filter((x) => x.index >= a && x.index < b);
      mine.forEach((x) => owned.add(x.index));
      for (const x of mine) {
        if (x.lang === undefined) {
          report(id, file, `${file} line ${x.index + 1}: "<!-- ${x.raw} -->" is not a source line: write ${sourceLine('LANG', 'HASH')} (HASH = ${FINGERPRINT_LENGTH} hex digits) or run ${STAMP_COMMAND}`);
        } else if (x.lang === lang || !languages.includes(x.lang)) {
          report(id, file, `${file} line ${x.index + 1}: a source line for "${x.lang}", which is not another language of the course (${languages.join(', ')})`);
        }
      }
      for (const other of languages) {
        if (other === lang || !scans.has(other)) continue;
        const now = prints.get(other)!.get(id);
        if (now === undefined) {
          report(id, `${other}.md`, `step ${id} has a section in ${file} but none in ${other}.md (add <!-- step: ${id} --> there)`);
          continue;
        }
        const stored = mine.filter((x) => x.lang === other);
        if (stored.length === 0) {
          report(id, file, `${file} has no ${sourceLine(other, '…')} line after <!-- step: ${id} -->: make sure the ${languageName(lang)} matches ${other}.md, then run ${STAMP_COMMAND}`);
          continue;
        }
        if (stored.length > 1) {
          report(id, file, `${file} has ${stored.length} source lines for ${other} in step ${id} (lines ${stored.map((x) => x.index + 1).join(', ')}): keep one, or run ${STAMP_COMMAND}`);
        }
        const hash = stored[0]!.hash!;
        if (hash !== now) {
          report(
            id,
            file,
            `the ${languageName(other)} text changed since ${file} was synced (stored ${other} ${hash}, now ${now}): update the ${languageName(lang)}, then run ${STAMP_COMMAND}`,
          );
        }
      }
    }
    for (const x of s.sources) {
      if (!owned.has(x.index)) {
        report('', file, `${file} line ${x.index + 1}: a source line outside a step section (it belongs right after a <!-- step: ID --> line)`);
      }
    }
  }
  return problems;
}

/**
 * Writes or updates the source lines of every step in every language file of a page, from the
 * current text of the other languages. Everything else stays byte-identical; stamping twice
 * changes nothing. A missing line goes right after the step marker (and any source lines there).
 */
export function stampPage(files: Record<string, string | undefined>, languages: readonly string[]): Record<string, string | undefined> {
  const prints = new Map<string, Map<string, string>>();
  for (const lang of languages) {
    const text = files[lang];
    if (text !== undefined) prints.set(lang, stepFingerprints(text));
  }
  const out: Record<string, string | undefined> = { ...files };
  for (const lang of languages) {
    const text = files[lang];
    if (text === undefined) continue;
    const s = scan(text);
    const replace = new Map<number, string>();
    const remove = new Set<number>();
    const insertAfter = new Map<number, string[]>();
    for (const [id, g] of groups(s)) {
      if (!g.stepMarker) continue;
      const [a, b] = g.stepRange!;
      const eol = s.lines[a]!.endsWith('\r') ? '\r' : '';
      const mine = s.sources.filter((x) => x.index >= a && x.index < b);
      // Where a new line goes: after the marker and the source lines that directly follow it.
      let anchor = a;
      while (mine.some((x) => x.index === anchor + 1)) anchor++;
      for (const other of languages) {
        if (other === lang) continue;
        const now = prints.get(other)?.get(id);
        if (now === undefined) continue;
        const wanted = sourceLine(other, now);
        const stored = mine.filter((x) => x.lang === other);
        if (stored.length === 0) {
          const list = insertAfter.get(anchor) ?? [];
          list.push(wanted + eol);
          insertAfter.set(anchor, list);
          continue;
        }
        const first = stored[0]!;
        const line = s.lines[first.index]!;
        if (first.hash !== now) replace.set(first.index, line.replace(/<!--.*-->/, wanted));
        stored.slice(1).forEach((x) => remove.add(x.index));
      }
    }
    if (replace.size === 0 && remove.size === 0 && insertAfter.size === 0) continue;
    const lines: string[] = [];
    s.lines.forEach((line, i) => {
      if (!remove.has(i)) lines.push(replace.get(i) ?? line);
      lines.push(...(insertAfter.get(i) ?? []));
    });
    out[lang] = lines.join('\n');
  }
  return out;
}
