// Loads a lesson pack: course.yaml, then each page's steps.yaml (validated with the zod schemas)
// and its prose in every language (<lang>.md, see prose.ts), and cross-checks them against each
// other. Every problem is collected and reported at once as `file:line: what is wrong`, so an
// author fixes a pack in one pass instead of one error per run.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { visit } from 'yaml';
import type { z } from 'zod';
import type { CheckSpec } from '../checks/spec.js';
import { patternProblem } from '../checks/text-match.js';
import type { Lang } from '../i18n/types.js';
import { parseProse, type PageProse } from './prose.js';
import { hasPath, lineForPath, parseYamlSource, type YamlSource } from './positions.js';
import { Course, PageSteps, probeId, type Step } from './schema.js';

export interface LessonProblem {
  /** Path relative to the lesson pack's folder, e.g. "01-distribute/steps.yaml". */
  file: string;
  /** 1-based; 0 when the file itself is missing. */
  line: number;
  message: string;
}

export class LessonLoadError extends Error {
  constructor(
    readonly dir: string,
    readonly errors: LessonProblem[],
  ) {
    const list = errors.map((e) => `  ${formatProblem(e)}`).join('\n');
    super(`the lesson pack in ${dir} has ${errors.length} problem${errors.length === 1 ? '' : 's'}:\n${list}`);
    this.name = 'LessonLoadError';
  }
}

export function formatProblem(p: LessonProblem): string {
  return p.line > 0 ? `${p.file}:${p.line}: ${p.message}` : `${p.file}: ${p.message}`;
}

export interface LoadedPage {
  /** The `page` id of steps.yaml (the folder name without its NN- prefix). */
  id: string;
  /** Folder name, e.g. "01-distribute". */
  folder: string;
  /** Steps with every check id filled in (default `<kind>-<index+1>`). */
  steps: Step[];
  prose: Partial<Record<Lang, PageProse>>;
}

export interface LoadedCourse {
  id: string;
  dir: string;
  /** The languages that were loaded and cross-checked. */
  languages: Lang[];
  pages: LoadedPage[];
}

const COURSE_FILE = 'course.yaml';

/** `lessons/control-plane` of this package, found from this file under src/ (tsx) or dist/. */
export function defaultLessonsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'lessons', 'control-plane');
    if (existsSync(join(candidate, COURSE_FILE))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('could not find lessons/control-plane/course.yaml in the kthw-tutor package');
}

/**
 * Reads and checks a whole lesson pack. `langs` narrows the languages loaded (default: all that
 * course.yaml lists). Throws LessonLoadError listing every problem found.
 */
export function loadCourse(dir: string, langs?: readonly Lang[]): LoadedCourse {
  const problems: LessonProblem[] = [];
  const report = (file: string, line: number, message: string) => problems.push({ file, line, message });

  const courseSrc = readYaml(dir, COURSE_FILE, report);
  if (!courseSrc) throw new LessonLoadError(dir, problems);
  const course = validate(Course, courseSrc, COURSE_FILE, report);
  if (!course) throw new LessonLoadError(dir, problems);

  const languages = [...(langs ?? course.languages)];
  for (const lang of languages) {
    if (!course.languages.includes(lang)) {
      report(COURSE_FILE, lineForPath(courseSrc, ['languages']), `language "${lang}" was asked for, but the course lists only ${course.languages.join(', ')}`);
    }
  }

  const pages: LoadedPage[] = [];
  const stepHomes = new Map<string, string>(); // step id -> "file:line" where it is first defined
  course.pages.forEach((folder, pageIndex) => {
    const pageLine = lineForPath(courseSrc, ['pages', pageIndex]);
    if (course.pages.indexOf(folder) !== pageIndex) {
      report(COURSE_FILE, pageLine, `page ${folder} is listed twice`);
      return;
    }
    const stepsFile = `${folder}/steps.yaml`;
    if (!existsSync(join(dir, stepsFile))) {
      report(COURSE_FILE, pageLine, `page ${folder} has no ${stepsFile}`);
      return;
    }
    const src = readYaml(dir, stepsFile, report);
    const parsed = src ? validate(PageSteps, src, stepsFile, report) : undefined;
    const page: LoadedPage = { id: parsed?.page ?? folder, folder, steps: [], prose: {} };
    if (src && parsed) {
      page.steps = crossCheckSteps(parsed, folder, src, stepsFile, stepHomes, report);
      checkPatterns(src, stepsFile, report);
    }
    for (const lang of languages) {
      const proseFile = `${folder}/${lang}.md`;
      if (!existsSync(join(dir, proseFile))) {
        report(COURSE_FILE, pageLine, `page ${folder} has no ${lang}.md (the course is in ${course.languages.join(', ')})`);
        continue;
      }
      const { prose, errors } = parseProse(readFileSync(join(dir, proseFile), 'utf8'));
      for (const e of errors) report(proseFile, e.line, e.message);
      page.prose[lang] = prose;
      if (src && parsed) crossCheckProse(page.steps, prose, src, stepsFile, proseFile, lang, report);
    }
    crossCheckFrameCounts(page, report);
    pages.push(page);
  });

  if (problems.length > 0) throw new LessonLoadError(dir, problems);
  return { id: course.id, dir, languages, pages };
}

type Report = (file: string, line: number, message: string) => void;

/**
 * Every `matches:` expression (checks, diagnostics, journal and output matches) must compile
 * under RE2, the engine checks run on: said here with file:line, not as a crash at check time.
 */
function checkPatterns(src: YamlSource, file: string, report: Report): void {
  const walk = (node: unknown, path: PropertyKey[]): void => {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, [...path, i]));
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'matches' && typeof value === 'string') {
        const problem = patternProblem(value);
        if (problem) {
          report(file, lineForPath(src, [...path, key]), `matches: ${JSON.stringify(value)} is not a pattern the checks can use (RE2 syntax, no lookaround or backreferences): ${problem}`);
        }
      } else {
        walk(value, [...path, key]);
      }
    }
  };
  walk(src.doc.toJS(), []);
}

function readYaml(dir: string, file: string, report: Report): YamlSource | undefined {
  const path = join(dir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    report(file, 0, code === 'ENOENT' ? `not found: is ${dir} a lesson pack?` : `cannot be read (${code ?? String(err)})`);
    return undefined;
  }
  const src = parseYamlSource(text);
  if (src.doc.errors.length > 0) {
    for (const e of src.doc.errors) {
      report(file, src.lineCounter.linePos(e.pos[0]).line, `not valid YAML: ${e.message.split('\n')[0]}`);
    }
    return undefined;
  }
  // Converting can still fail (an alias to no anchor, aliases that expand into a huge document):
  // a problem of this file, at the alias that does not resolve or else the first one, not a crash.
  try {
    src.doc.toJS();
  } catch (err) {
    let line = 0;
    visit(src.doc, {
      Alias(_key, node) {
        const at = node.range ? src.lineCounter.linePos(node.range[0]).line : 1;
        if (line === 0) line = at;
        if (node.resolve(src.doc) !== undefined) return undefined;
        line = at;
        return visit.BREAK;
      },
    });
    line ||= 1;
    report(file, line, `not valid YAML: ${(err as Error).message}`);
    return undefined;
  }
  return src;
}

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : `${out ? '.' : ''}${String(seg)}`;
  return out || '(top level)';
}

/** Validates a YAML document, turning each zod issue into a positioned, readable problem. */
function validate<T extends z.ZodType>(schema: T, src: YamlSource, file: string, report: Report): z.output<T> | undefined {
  const result = schema.safeParse(src.doc.toJS());
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        report(file, lineForPath(src, path, key), `unknown key "${key}" in ${pathText(path)}`);
      }
      continue;
    }
    const line = lineForPath(src, path);
    const where = pathText(path);
    if (path.length > 0 && !hasPath(src, path)) {
      report(file, line, `missing key "${String(path[path.length - 1])}" (${where}: ${issue.message})`);
    } else if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator === 'kind') {
      const options = 'options' in issue && Array.isArray(issue.options) ? issue.options.join(', ') : '';
      const value = src.doc.getIn(path);
      report(file, line, `unknown check kind "${String(value)}" at ${where}: use one of ${options}`);
    } else if (issue.code === 'invalid_type' && issue.expected === 'string' && typeof src.doc.getIn(path) === 'number') {
      report(file, line, `${where}: ${issue.message} (quote it, e.g. "0755", so YAML keeps it as text)`);
    } else {
      report(file, line, `${where}: ${issue.message}`);
    }
  }
  return undefined;
}

/** Fills default check ids and checks ids and references across a page's steps. */
function crossCheckSteps(
  parsed: PageSteps,
  folder: string,
  src: YamlSource,
  file: string,
  stepHomes: Map<string, string>,
  report: Report,
): Step[] {
  const expectedPage = folder.replace(/^\d\d-/, '');
  if (parsed.page !== expectedPage) {
    report(file, lineForPath(src, ['page']), `page is "${parsed.page}", but the folder ${folder} says "${expectedPage}"`);
  }
  return parsed.steps.map((step, s) => {
    const at = (...path: PropertyKey[]) => lineForPath(src, ['steps', s, ...path]);
    const home = `${file}:${at('id')}`;
    const first = stepHomes.get(step.id);
    if (first) report(file, at('id'), `duplicate step id "${step.id}" (first defined at ${first}); step ids must be unique in the course`);
    else stepHomes.set(step.id, home);

    const checks: CheckSpec[] = step.checks.map((c, i) => ({ ...c, id: c.id ?? `${c.kind}-${i + 1}` }));
    const checkIds = new Set<string>();
    checks.forEach((c, i) => {
      if (checkIds.has(c.id!)) {
        report(file, at('checks', i), `duplicate check id "${c.id}" in step ${step.id} (unnamed checks are called <kind>-<position>)`);
      }
      checkIds.add(c.id!);
    });
    duplicates(step.hints).forEach((h) => report(file, at('hints', step.hints.lastIndexOf(h)), `duplicate hint id "${h}" in step ${step.id}`));
    duplicates(step.diagnostics.map((d) => d.id)).forEach((d) =>
      report(file, at('diagnostics', step.diagnostics.map((x) => x.id).lastIndexOf(d), 'id'), `duplicate diagnostic id "${d}" in step ${step.id}`),
    );
    const questions = step.quiz ?? [];
    duplicates(questions.map((q) => q.id)).forEach((q) =>
      report(file, at('quiz', questions.map((x) => x.id).lastIndexOf(q), 'id'), `duplicate question id "${q}" in the quiz of step ${step.id}`),
    );
    questions.forEach((q, i) =>
      duplicates(q.options).forEach((o) =>
        report(file, at('quiz', i, 'options', q.options.lastIndexOf(o)), `option "${o}" is listed twice in question ${q.id} of step ${step.id}`),
      ),
    );
    const probeIds = step.probes.map(probeId);
    duplicates(probeIds).forEach((j) => report(file, at('probes', probeIds.lastIndexOf(j)), `${j} is probed twice in step ${step.id}`));
    const journals = step.probes.flatMap((p) => ('journal' in p ? [p.journal] : []));
    const diagnosticIds = step.diagnostics.map((d) => d.id);

    step.diagnostics.forEach((d, k) => {
      const w = d.when;
      if (w.check !== undefined && !checkIds.has(w.check)) {
        report(file, at('diagnostics', k, 'when', 'check'), `diagnostic ${d.id} refers to check "${w.check}", but step ${step.id} has only ${[...checkIds].join(', ')}`);
      }
      if (w.journal !== undefined && !journals.includes(w.journal.unit)) {
        report(file, at('diagnostics', k, 'when', 'journal', 'unit'), `diagnostic ${d.id} reads the journal of ${w.journal.unit}, but step ${step.id} has no probe for it (add - journal: ${w.journal.unit} to probes)`);
      }
      if (w.port !== undefined && !probeIds.includes(`port:${w.port.port}`)) {
        report(file, at('diagnostics', k, 'when', 'port'), `diagnostic ${d.id} reads port ${w.port.port}, but step ${step.id} has no probe for it (add - port: ${w.port.port} to probes)`);
      }
      (d.supersedes ?? []).forEach((other, m) => {
        if (other === d.id || !diagnosticIds.includes(other)) {
          report(file, at('diagnostics', k, 'supersedes', m), `diagnostic ${d.id} supersedes "${other}", which is not another diagnostic of step ${step.id}`);
        }
      });
      if ((w.exit !== undefined || w.output !== undefined) && step.run.length === 0) {
        report(file, at('diagnostics', k, 'when'), `diagnostic ${d.id} looks at the run's exit or output, but step ${step.id} runs nothing, so it could never fire`);
      }
    });
    return { ...step, checks };
  });
}

function duplicates(ids: readonly string[]): string[] {
  return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
}

/** Every step, hint and diagnostic has text in this language, and no text is left over. */
function crossCheckProse(
  steps: Step[],
  prose: PageProse,
  src: YamlSource,
  stepsFile: string,
  proseFile: string,
  lang: Lang,
  report: Report,
): void {
  const knownHints = new Set<string>();
  const knownDiagnostics = new Set<string>();
  steps.forEach((step, s) => {
    const at = (...path: PropertyKey[]) => lineForPath(src, ['steps', s, ...path]);
    if (!prose.steps.has(step.id)) {
      report(stepsFile, at('id'), `step ${step.id} has no section in ${lang}.md (add <!-- step: ${step.id} --> and a "## " title)`);
    }
    step.hints.forEach((h, i) => {
      const key = `${step.id}.${h}`;
      knownHints.add(key);
      if (!prose.hints.has(key)) report(stepsFile, at('hints', i), `hint ${h} of step ${step.id} has no text in ${lang}.md (add <!-- hint: ${key} -->)`);
    });
    step.diagnostics.forEach((d, k) => {
      const key = `${step.id}.${d.id}`;
      knownDiagnostics.add(key);
      if (!prose.diagnostics.has(key)) {
        report(stepsFile, at('diagnostics', k, 'id'), `diagnostic ${d.id} of step ${step.id} has no text in ${lang}.md (add <!-- diagnostic: ${key} -->)`);
      }
    });
  });
  const stepIds = new Set(steps.map((s) => s.id));
  for (const [id, line] of prose.lines.steps) {
    if (!stepIds.has(id)) report(proseFile, line, `section for step "${id}", which ${stepsFile} does not have`);
  }
  for (const [key, line] of prose.lines.hints) {
    if (!knownHints.has(key)) report(proseFile, line, `text for hint "${key}", which ${stepsFile} does not list`);
  }
  for (const [key, line] of prose.lines.diagnostics) {
    if (!knownDiagnostics.has(key)) report(proseFile, line, `text for diagnostic "${key}", which ${stepsFile} does not list`);
  }
  crossCheckQuiz(steps, prose, src, stepsFile, proseFile, lang, report);
  crossCheckFrames(stepIds, prose, stepsFile, proseFile, report);
}

/**
 * Every question and option of a quiz has text in this language, every wrong option says why
 * it is wrong (the learner sees that text after choosing it), and no quiz text is left over.
 */
function crossCheckQuiz(
  steps: Step[],
  prose: PageProse,
  src: YamlSource,
  stepsFile: string,
  proseFile: string,
  lang: Lang,
  report: Report,
): void {
  const knownQuestions = new Set<string>();
  const knownOptions = new Set<string>();
  steps.forEach((step, s) => {
    step.quiz?.forEach((q, i) => {
      const at = (...path: PropertyKey[]) => lineForPath(src, ['steps', s, 'quiz', i, ...path]);
      const key = `${step.id}.${q.id}`;
      knownQuestions.add(key);
      if (!prose.questions.has(key)) report(stepsFile, at('id'), `question ${q.id} of step ${step.id} has no text in ${lang}.md (add <!-- quiz: ${key} -->)`);
      q.options.forEach((o, k) => {
        const optionKey = `${key}.${o}`;
        knownOptions.add(optionKey);
        const optionLine = prose.lines.options.get(optionKey);
        if (optionLine === undefined) {
          report(stepsFile, at('options', k), `option ${o} of question ${q.id} (step ${step.id}) has no text in ${lang}.md (add <!-- option: ${optionKey} -->)`);
        } else if (o !== q.answer && !prose.explains.has(optionKey)) {
          report(proseFile, optionLine, `wrong option ${optionKey} has no explanation: add <!-- explain: ${optionKey} --> saying why it is wrong`);
        }
      });
    });
  });
  for (const [key, line] of prose.lines.questions) {
    if (!knownQuestions.has(key)) report(proseFile, line, `text for quiz question "${key}", which ${stepsFile} does not list`);
  }
  for (const kind of ['options', 'explains'] as const) {
    for (const [key, line] of prose.lines[kind]) {
      if (knownOptions.has(key)) continue;
      const question = key.slice(0, key.lastIndexOf('.'));
      const why = knownQuestions.has(question) ? `question ${question} in ${stepsFile} has no such option` : `${stepsFile} has no question ${question}`;
      report(proseFile, line, `${kind === 'options' ? 'text' : 'explanation'} for option "${key}", but ${why}`);
    }
  }
}

/** Frames belong to a step of the page and are numbered 1, 2, 3, ... without gaps. */
function crossCheckFrames(stepIds: Set<string>, prose: PageProse, stepsFile: string, proseFile: string, report: Report): void {
  for (const [stepId, frames] of framesByStep(prose)) {
    if (!stepIds.has(stepId)) {
      for (const [, line] of frames) report(proseFile, line, `frame for step "${stepId}", which ${stepsFile} does not have`);
      continue;
    }
    // One report per gap, at the frame right after it.
    frames.forEach(([n, line], i) => {
      const before = i === 0 ? 0 : frames[i - 1]![0];
      if (n > before + 1) {
        const missing = before + 1 === n - 1 ? `${stepId}.${before + 1} is` : `${stepId}.${before + 1} to ${stepId}.${n - 1} are`;
        report(proseFile, line, `frame ${stepId}.${n} leaves a gap: frames are numbered 1, 2, 3, ... and ${missing} missing`);
      }
    });
  }
}

/** Each step's frames as [number, line], in number order. */
export function framesByStep(prose: PageProse): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  for (const [key, line] of prose.lines.frames) {
    const dot = key.lastIndexOf('.');
    const list = out.get(key.slice(0, dot)) ?? [];
    list.push([Number(key.slice(dot + 1)), line]);
    out.set(key.slice(0, dot), list);
  }
  for (const list of out.values()) list.sort((a, b) => a[0] - b[0]);
  return out;
}

/** A stepped diagram tells the same story in every language: the same number of frames. */
function crossCheckFrameCounts(page: LoadedPage, report: Report): void {
  const langs = Object.keys(page.prose) as Lang[];
  const [first, ...rest] = langs;
  if (!first) return;
  const counts = (lang: Lang) => framesByStep(page.prose[lang]!);
  const base = counts(first);
  for (const lang of rest) {
    const here = counts(lang);
    for (const step of page.steps) {
      const a = base.get(step.id) ?? [];
      const b = here.get(step.id) ?? [];
      if (a.length === b.length) continue;
      const line = b.at(-1)?.[1] ?? page.prose[lang]!.lines.steps.get(step.id) ?? 0;
      report(`${page.folder}/${lang}.md`, line, `step ${step.id} has ${b.length} frame${b.length === 1 ? '' : 's'} here but ${a.length} in ${first}.md: both languages need the same frames`);
    }
  }
}
