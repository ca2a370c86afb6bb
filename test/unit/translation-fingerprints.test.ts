// Translation fingerprints (src/course/fingerprint.ts): every step of every page records, in each
// language file, the fingerprint of the other language's text it was last synced with. Changing
// one language of a step without the other fails here, naming the page and the step.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkPage, fingerprint, sourceLine, stampPage, stepSections } from '../../src/course/fingerprint.js';
import { parseProse } from '../../src/course/prose.js';
import { checkCourse, courseDirs, DEFAULT_LESSONS_ROOT, readCourse } from '../../scripts/stamp-translations.js';

const LANGS = ['ko', 'en'] as const;

describe('translation fingerprints of the real lesson packs', () => {
  const dirs = courseDirs(DEFAULT_LESSONS_ROOT);

  it('finds the control-plane course and every page course.yaml lists', () => {
    const dir = join(DEFAULT_LESSONS_ROOT, 'control-plane');
    expect(dirs).toContain(dir);
    const listed = (parse(readFileSync(join(dir, 'course.yaml'), 'utf8')) as { pages: string[] }).pages;
    expect(readCourse(dir).pages.map((p) => p.page)).toEqual(listed);
    expect(listed.length).toBeGreaterThanOrEqual(3);
  });

  it('every step of every page has a source line in each language, matching the other language now', () => {
    for (const dir of dirs) {
      const problems = checkCourse(readCourse(dir)).map((p) => p.message);
      expect(problems, `${dir}:\n${problems.join('\n')}`).toEqual([]);
    }
  });

  it('splits each file into the same steps as steps.yaml, with every hint and diagnostic inside its step', () => {
    for (const dir of dirs) {
      const course = readCourse(dir);
      for (const page of course.pages) {
        const steps = (parse(readFileSync(join(dir, page.page, 'steps.yaml'), 'utf8')) as { steps: Array<{ id: string }> }).steps;
        for (const lang of course.languages) {
          const text = page.files[lang];
          if (text === undefined) continue; // reported as missing by the test above
          const sections = stepSections(text);
          expect([...sections.keys()], `${page.page}/${lang}.md`).toEqual(steps.map((s) => s.id));
          const { prose, errors } = parseProse(text);
          expect(errors, `${page.page}/${lang}.md`).toEqual([]);
          for (const [key, body] of [...prose.hints, ...prose.diagnostics]) {
            const step = key.split('.')[0]!;
            expect(sections.get(step), `${page.page}/${lang}.md ${key}`).toContain(`${key} -->`);
            expect(sections.get(step), `${page.page}/${lang}.md ${key}`).toContain(body);
          }
          for (const [id, s] of prose.steps) {
            expect(s.body, `${page.page}/${lang}.md ${id}: a source line leaked into the body`).not.toContain('<!-- source:');
          }
        }
      }
    }
  });
});

// A small page in both languages: two steps, hints, a diagnostic, and a fenced code block that
// holds lines looking like markers (they are text, not structure).
const EN = [
  '# Page',
  '',
  'Intro.',
  '',
  '<!-- step: copy -->',
  '## Copy the files',
  '',
  'Copy them.',
  '',
  '```html',
  '<!-- step: fake -->',
  '<!-- source: ko 0123456789 -->',
  'example',
  '```',
  '',
  '<!-- hint: copy.folder -->',
  'In the folder.',
  '',
  '<!-- step: start -->',
  '## Start it',
  '',
  'Start the services.',
  '',
  '<!-- hint: start.wait -->',
  'Wait a few seconds.',
  '',
  '<!-- diagnostic: start.etcd -->',
  'etcd is down.',
  '',
].join('\n');

const KO = [
  '# 페이지',
  '',
  '소개.',
  '',
  '<!-- step: copy -->',
  '## 파일 복사',
  '',
  '복사합니다.',
  '',
  '```html',
  '<!-- step: fake -->',
  '<!-- source: en 0123456789 -->',
  'example',
  '```',
  '',
  '<!-- hint: copy.folder -->',
  '폴더에서.',
  '',
  '<!-- step: start -->',
  '## 시작',
  '',
  '서비스를 시작합니다.',
  '',
  '<!-- hint: start.wait -->',
  '몇 초 기다리세요.',
  '',
  '<!-- diagnostic: start.etcd -->',
  'etcd가 멈췄습니다.',
  '',
].join('\n');

const PAGE = '03-services';
type Files = Record<string, string | undefined>;
const stamp = (files: Files) => stampPage(files, LANGS);
const check = (files: Files) => checkPage({ page: PAGE, files }, LANGS);
const stamped = () => stamp({ ko: KO, en: EN });
const edit = (text: string | undefined, from: string, to: string): string => {
  expect(text).toContain(from);
  return text!.replace(from, to);
};

describe('stepSections', () => {
  it('gives each step its section plus every marker section whose id starts with "<step>."', () => {
    const s = stepSections(EN);
    expect([...s.keys()]).toEqual(['copy', 'start']);
    expect(s.get('copy')).toBe(EN.split('\n').slice(4, 18).join('\n'));
    expect(s.get('start')).toBe(EN.split('\n').slice(18).join('\n'));
    expect(s.get('start')).toContain('etcd is down.');
    expect(s.get('copy')).not.toContain('Wait a few seconds.');
  });

  it('treats markers inside fenced code blocks as text', () => {
    const s = stepSections(EN);
    expect(s.has('fake')).toBe(false);
    expect(s.get('copy')).toContain('<!-- step: fake -->');
  });

  it('groups any marker kind by the id before the first dot, wherever it stands', () => {
    const text = [
      '# T',
      '<!-- step: a -->',
      '## A',
      '<!-- step: b -->',
      '## B',
      '<!-- quiz: a.q1 -->',
      'Question?',
      '<!-- option: a.q1.x -->',
      'Option X',
      '<!-- explain: a.q1.x -->',
      'Because.',
      '<!-- frame: b.1 -->',
      'Frame one',
    ].join('\n');
    const s = stepSections(text);
    expect(s.get('a')).toBe(['<!-- step: a -->', '## A', '<!-- quiz: a.q1 -->', 'Question?', '<!-- option: a.q1.x -->', 'Option X', '<!-- explain: a.q1.x -->', 'Because.'].join('\n'));
    expect(s.get('b')).toBe(['<!-- step: b -->', '## B', '<!-- frame: b.1 -->', 'Frame one'].join('\n'));
  });
});

describe('fingerprint', () => {
  it('is the first 10 hex digits of sha256 of the normalized text', () => {
    expect(fingerprint('abc')).toBe('ba7816bf8f'); // sha256("abc") = ba7816bf8f01cfea...
    expect(fingerprint('abc')).toMatch(/^[0-9a-f]{10}$/);
  });

  it('ignores line endings, trailing spaces, blank-line runs, outer blank lines and source lines', () => {
    const base = fingerprint('## A\n\ntext\n\nmore');
    expect(fingerprint('\n\n## A  \r\n\r\n\r\n\ntext\t\n\nmore\n\n')).toBe(base);
    expect(fingerprint('## A\n<!-- source: ko 0123456789 -->\n\ntext\n\nmore')).toBe(base);
    expect(fingerprint('## A\n\ntext\nmore')).not.toBe(base);
    expect(fingerprint('## A\n\n text\n\nmore')).not.toBe(base);
  });

  it('counts a source-looking line inside a code fence as text', () => {
    const fenced = (inner: string[]) => ['## A', '```', ...inner, '```'].join('\n');
    expect(fingerprint(fenced(['<!-- source: en 0123456789 -->']))).not.toBe(fingerprint(fenced([])));
  });
});

describe('checkPage and stampPage (in-memory pages)', () => {
  it('reports every step without source lines, in both files, and the stamp writes them after the step markers', () => {
    const problems = check({ ko: KO, en: EN });
    expect(problems.map((p) => `${p.file} ${p.step}`).sort()).toEqual(['en.md copy', 'en.md start', 'ko.md copy', 'ko.md start']);
    expect(problems[0]!.message).toMatch(/^03-services\/copy: ko\.md has no <!-- source: en … --> line/);

    const out = stamped();
    const enStart = fingerprint(stepSections(EN).get('start')!);
    const koLines = out.ko!.split('\n');
    expect(koLines[koLines.indexOf('<!-- step: start -->') + 1]).toBe(sourceLine('en', enStart));
    expect(out.en).toContain(`<!-- step: copy -->\n${sourceLine('ko', fingerprint(stepSections(KO).get('copy')!))}\n## Copy the files`);
    expect(check(out)).toEqual([]);
    // Everything but the added lines is byte-identical (the fake source line in the fence stays).
    for (const [lang, original, other] of [['ko', KO, EN], ['en', EN, KO]] as const) {
      const added = ['copy', 'start'].map((id) => sourceLine(lang === 'ko' ? 'en' : 'ko', fingerprint(stepSections(other).get(id)!)));
      const lines = out[lang]!.split('\n');
      expect(lines.filter((l) => added.includes(l))).toEqual(added);
      expect(lines.filter((l) => !added.includes(l)).join('\n')).toBe(original);
    }
    expect(parseProse(out.ko!).errors).toEqual([]);
    expect(parseProse(out.en!).prose.steps.get('start')).toEqual(parseProse(EN).prose.steps.get('start'));
  });

  it('is idempotent: stamping a stamped page changes nothing', () => {
    const once = stamped();
    const twice = stamp(once);
    expect(twice.ko).toBe(once.ko);
    expect(twice.en).toBe(once.en);
  });

  it('editing only the English body of one step fails exactly that step, saying the English changed', () => {
    const files = stamped();
    const en = edit(files.en, 'Start the services.', 'Start all three services.');
    const problems = check({ ko: files.ko, en });
    expect(problems).toHaveLength(1);
    const stored = fingerprint(stepSections(EN).get('start')!);
    const now = fingerprint(stepSections(en).get('start')!);
    expect(stored).not.toBe(now);
    expect(problems[0]).toEqual({
      page: PAGE,
      step: 'start',
      file: 'ko.md',
      message: `03-services/start: the English text changed since ko.md was synced (stored en ${stored}, now ${now}): update the Korean, then run npm run translations:stamp`,
    });
    // After the Korean is updated and the page stamped, it passes again.
    const ko = edit(files.ko, '서비스를 시작합니다.', '세 서비스를 모두 시작합니다.');
    expect(check(stamp({ ko, en }))).toEqual([]);
  });

  it('editing a hint of a step fails that step', () => {
    const files = stamped();
    const en = edit(files.en, 'Wait a few seconds.', 'Wait ten seconds.');
    expect(check({ ko: files.ko, en }).map((p) => p.message)).toEqual([expect.stringMatching(/^03-services\/start: the English text changed since ko\.md was synced/)]);
  });

  it('editing only the Korean fails that step the other way round', () => {
    const files = stamped();
    const ko = edit(files.ko, '폴더에서.', '작업 폴더에서.');
    expect(check({ ko, en: files.en }).map((p) => p.message)).toEqual([
      expect.stringMatching(/^03-services\/copy: the Korean text changed since en\.md was synced \(stored ko [0-9a-f]{10}, now [0-9a-f]{10}\): update the English, then run npm run translations:stamp$/),
    ]);
  });

  it('editing both languages of a step without stamping fails it in both files', () => {
    const files = stamped();
    const en = edit(files.en, 'etcd is down.', 'etcd is not running.');
    const ko = edit(files.ko, 'etcd가 멈췄습니다.', 'etcd가 실행 중이 아닙니다.');
    expect(check({ ko, en }).map((p) => `${p.file} ${p.step}`).sort()).toEqual(['en.md start', 'ko.md start']);
    expect(check(stamp({ ko, en }))).toEqual([]);
  });

  it('handles a fenced code block holding a fake marker: the edit counts for the step around it', () => {
    const files = stamped();
    const en = edit(files.en, '<!-- step: fake -->\n<!-- source: ko 0123456789 -->', '<!-- step: fake -->\n<!-- source: ko 9876543210 -->');
    const problems = check({ ko: files.ko, en });
    expect(problems.map((p) => p.step)).toEqual(['copy']);
    expect(problems[0]!.message).toMatch(/^03-services\/copy: the English text changed since ko\.md was synced/);
    const again = stamp({ ko: files.ko, en });
    expect(check(again)).toEqual([]);
    expect(again.en).toBe(en); // en.md's own source lines did not need to change
    expect(again.ko).toContain('<!-- step: fake -->\n<!-- source: en 0123456789 -->'); // the fenced one is untouched
  });

  it('counts quiz-like markers (<!-- option: step.q1.a -->) toward their step', () => {
    const addQuiz = (text: string, q: string, a: string) =>
      text.replace('<!-- diagnostic: start.etcd -->', `<!-- quiz: start.q1 -->\n${q}\n\n<!-- option: start.q1.a -->\n${a}\n\n<!-- diagnostic: start.etcd -->`);
    const files = stamp({ ko: addQuiz(KO, '무엇이 먼저?', 'etcd'), en: addQuiz(EN, 'What comes first?', 'etcd') });
    expect(check(files)).toEqual([]);
    const en = edit(files.en, '<!-- option: start.q1.a -->\netcd', '<!-- option: start.q1.a -->\netcd, then the API server');
    expect(check({ ko: files.ko, en }).map((p) => `${p.file} ${p.step}`)).toEqual(['ko.md start']);
  });

  it('updates an outdated source line in place, drops a duplicate, and keeps CRLF line endings', () => {
    const files = stamped();
    const line = files.ko!.split('\n').find((l) => l.startsWith('<!-- source: en'))!;
    const ko = files.ko!.replace(line, `${line}\n${sourceLine('en', 'aaaaaaaaaa')}`).replace(line, sourceLine('en', 'bbbbbbbbbb'));
    expect(check({ ko, en: files.en }).map((p) => p.message)).toEqual([
      expect.stringMatching(/^03-services\/copy: ko\.md has 2 source lines for en/),
      expect.stringMatching(/^03-services\/copy: the English text changed since ko\.md was synced \(stored en bbbbbbbbbb/),
    ]);
    expect(stamp({ ko, en: files.en }).ko).toBe(files.ko);

    const crlf = stamp({ ko: KO.replace(/\n/g, '\r\n'), en: EN.replace(/\n/g, '\r\n') });
    expect(crlf.ko).toBe(files.ko!.replace(/\n/g, '\r\n'));
    expect(check(crlf)).toEqual([]);
  });

  it('reports a step present in one language only, a malformed source line, and a misplaced one', () => {
    const files = stamped();
    const en = files.en!.slice(0, files.en!.indexOf('<!-- step: start -->'));
    expect(check({ ko: files.ko, en }).map((p) => p.message)).toEqual([
      '03-services/start: step start has a section in ko.md but none in en.md (add <!-- step: start --> there)',
    ]);
    const bad = edit(files.ko, '## 시작', '## 시작\n<!-- source: en xyz -->');
    expect(check({ ko: bad, en: files.en }).map((p) => p.message)).toEqual([expect.stringMatching(/^03-services\/start: ko\.md line \d+: "<!-- source: en xyz -->" is not a source line/)]);
    const misplaced = edit(files.ko, '몇 초 기다리세요.', `몇 초 기다리세요.\n${sourceLine('en', 'cccccccccc')}`);
    expect(check({ ko: misplaced, en: files.en }).map((p) => p.message)).toEqual([expect.stringMatching(/^03-services: ko\.md line \d+: a source line outside a step section/)]);
  });
});

describe('parseProse and source lines', () => {
  it('accepts a source line in a step section and keeps it out of the title and body', () => {
    const text = '# T\n\n<!-- step: a -->\n<!-- source: en 0123456789 -->\n## A\n\nBody.\n<!-- source: ko 0123456789 -->\n';
    const { prose, errors } = parseProse(text);
    expect(errors).toEqual([]);
    expect(prose.steps.get('a')).toEqual({ title: 'A', body: 'Body.' });
  });

  it('does not require source lines (pages being written have none yet)', () => {
    expect(parseProse('# T\n<!-- step: a -->\n## A\nBody.\n').errors).toEqual([]);
  });

  it('rejects a malformed source line and one outside a step section', () => {
    expect(parseProse('# T\n<!-- step: a -->\n<!-- source: en 12 -->\n## A\n').errors).toEqual([{ line: 3, message: expect.stringMatching(/bad source line/) }]);
    expect(parseProse('# T\n<!-- source: en 0123456789 -->\n<!-- step: a -->\n## A\n<!-- hint: a.h -->\n<!-- source: en 0123456789 -->\nH\n').errors).toEqual([
      { line: 2, message: expect.stringMatching(/belongs in a step section/) },
      { line: 6, message: expect.stringMatching(/belongs in a step section/) },
    ]);
  });
});
