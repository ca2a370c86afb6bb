// Translation fingerprints of the lesson packs (see src/course/fingerprint.ts).
//
//   npm run translations:stamp [-- PAGE...]   write/update <!-- source: LANG HASH --> in every
//                                             <lang>.md of every page (or only the PAGE folders)
//   npm run translations:check [-- PAGE...]   report steps whose other language changed since
//                                             they were synced; exit 1 if there are any
//
// Every course under lessons/ (a folder with a course.yaml) is covered; --lessons DIR points
// elsewhere. Stamp only after both languages of a step say the same thing: the stamp records
// "this Korean matches that English" (and the other way round).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { checkPage, stampPage, type PageTexts, type TranslationProblem } from '../src/course/fingerprint.js';

export const DEFAULT_LESSONS_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'lessons');

export interface CourseTexts {
  dir: string;
  languages: string[];
  /** Page folders in course.yaml order. */
  pages: PageTexts[];
}

/** Folders under `root` that hold a course.yaml. */
export function courseDirs(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'course.yaml')))
    .map((e) => join(root, e.name))
    .sort();
}

/** Reads course.yaml (languages, pages) and each page's `<lang>.md` (undefined when missing). */
export function readCourse(dir: string): CourseTexts {
  const course = parse(readFileSync(join(dir, 'course.yaml'), 'utf8')) as { languages?: unknown; pages?: unknown } | null;
  const strings = (v: unknown, key: string): string[] => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${join(dir, 'course.yaml')}: "${key}" must be a list of names`);
    return v as string[];
  };
  const languages = strings(course?.languages, 'languages');
  const pages = strings(course?.pages, 'pages').map((page) => {
    const files: Record<string, string | undefined> = {};
    for (const lang of languages) {
      const path = join(dir, page, `${lang}.md`);
      files[lang] = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    }
    return { page, files };
  });
  return { dir, languages, pages };
}

/** Every mismatch of one course, each message starting "<page>/<step>: ". */
export function checkCourse(course: CourseTexts, only?: readonly string[]): TranslationProblem[] {
  return course.pages.filter((p) => !only || only.includes(p.page)).flatMap((p) => checkPage(p, course.languages));
}

/** Stamps the pages of one course on disk; returns the files it rewrote (relative to the course). */
export function stampCourse(course: CourseTexts, only?: readonly string[]): string[] {
  const written: string[] = [];
  for (const p of course.pages) {
    if (only && !only.includes(p.page)) continue;
    const stamped = stampPage(p.files, course.languages);
    for (const lang of course.languages) {
      const text = stamped[lang];
      if (text === undefined || text === p.files[lang]) continue;
      writeFileSync(join(course.dir, p.page, `${lang}.md`), text);
      written.push(`${p.page}/${lang}.md`);
    }
  }
  return written;
}

function main(argv: string[]): number {
  let check = false;
  let root = DEFAULT_LESSONS_ROOT;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--check') check = true;
    else if (a === '--lessons') root = resolve(argv[++i] ?? '.');
    else if (a === '-h' || a === '--help') {
      console.log('usage: stamp-translations [--check] [--lessons DIR] [PAGE-FOLDER...]');
      return 0;
    } else if (a.startsWith('-')) {
      console.error(`unknown option ${a} (use --check, --lessons DIR, or page folders such as 03-services)`);
      return 2;
    } else only.push(a.replace(/\/+$/, ''));
  }
  const filter = only.length > 0 ? only : undefined;
  const courses = courseDirs(root).map(readCourse);
  if (filter) {
    const known = new Set(courses.flatMap((c) => c.pages.map((p) => p.page)));
    const unknown = filter.filter((p) => !known.has(p));
    if (unknown.length > 0) {
      console.error(`no such page in any course.yaml under ${root}: ${unknown.join(', ')}`);
      return 2;
    }
  }

  let failed = 0;
  for (const course of courses) {
    const name = relative(process.cwd(), course.dir) || '.';
    const before = checkCourse(course, filter);
    if (check) {
      for (const p of before) console.error(`${name}/${p.message}`);
      failed += before.length;
      continue;
    }
    for (const p of before) console.log(`marking as in sync: ${name}/${p.message}`);
    const written = stampCourse(course, filter);
    for (const f of written) console.log(`stamped ${name}/${f}`);
    const after = checkCourse(readCourse(course.dir), filter);
    for (const p of after) console.error(`${name}/${p.message}`);
    failed += after.length;
  }
  if (check) {
    console.log(failed === 0 ? 'translations: every step is in sync' : `translations: ${failed} problem${failed === 1 ? '' : 's'}`);
  } else if (failed > 0) {
    console.error(`translations: ${failed} problem${failed === 1 ? '' : 's'} the stamp cannot fix (see above)`);
  }
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
