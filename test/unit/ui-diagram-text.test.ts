// The text pieces behind stepped diagrams and quizzes: cutting preformatted lines by display
// width (Korean is two columns), splitting markdown at its fences, and the book (no terminal)
// rendering that shows every frame and every question.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterAll, describe, expect, it } from 'vitest';
import { renderPlainCourse } from '../../src/commands/plain.js';
import { loadCourse } from '../../src/course/loader.js';
import { toPageViews } from '../../src/course/view.js';
import { createTranslator } from '../../src/i18n/index.js';
import { createMarkdownRenderer, splitFences } from '../../src/ui/markdown.js';
import { cutToWidth } from '../../src/ui/wrap.js';
import { DIAGRAM, writeQuizCourse } from '../helpers/quiz-course.js';

describe('cutToWidth', () => {
  it('leaves a line that fits alone, and cuts a longer one to the width with an ellipsis', () => {
    expect(cutToWidth('a ──▶ b', 7)).toBe('a ──▶ b');
    expect(cutToWidth('abcdefgh', 5)).toBe('abcd…');
  });

  it('counts Korean as two columns and never splits or overshoots a wide character', () => {
    expect(cutToWidth('가나다라', 8)).toBe('가나다라');
    expect(cutToWidth('가나다라', 7)).toBe('가나다…'); // 6 + 1
    expect(cutToWidth('가나다라', 6)).toBe('가나…'); // 다 would need columns 5-6, leaving none for …
    expect(cutToWidth('ab가나', 4)).toBe('ab…');
    for (let w = 2; w < 12; w++) expect(stringWidth(cutToWidth(DIAGRAM.ko.wide, w))).toBeLessThanOrEqual(w);
  });
});

describe('splitFences', () => {
  it('keeps fenced lines verbatim (no fence lines), and the prose around them', () => {
    const md = ['Before.', '', '```text', '┌─┐  x', '│a│\ty', '└─┘', '```', '', 'After.'].join('\n');
    expect(splitFences(md)).toEqual([
      { kind: 'text', text: 'Before.\n' },
      { kind: 'code', lines: ['┌─┐  x', '│a│    y', '└─┘'] },
      { kind: 'text', text: '\nAfter.' },
    ]);
  });

  it('closes a fence only with the same character, at least as long', () => {
    const md = ['~~~~', '```', 'inside', '~~~', '~~~~'].join('\n');
    expect(splitFences(md)).toEqual([{ kind: 'code', lines: ['```', 'inside', '~~~'] }]);
  });
});

describe('the book (no terminal) rendering', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kthw-plain-quiz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeQuizCourse(dir);
  const course = loadCourse(dir);
  const translator = createTranslator();

  it.each(['en', 'ko'] as const)('%s: prints every frame and every question with its options, and no answers', (lang) => {
    const text = renderPlainCourse({
      pages: toPageViews(course, lang),
      t: translator.forLang(lang),
      width: 80,
      markdown: createMarkdownRenderer(false),
      describe: () => [],
    });
    const [frame, question] = lang === 'en' ? ['Frame', 'Question'] : ['그림', '문제'];
    for (let n = 1; n <= 3; n++) {
      expect(text).toContain(`${frame} ${n}/3`);
      expect(text).toContain(`${question} ${n}/3`);
    }
    for (const line of [...DIAGRAM[lang].box, DIAGRAM[lang].wide, DIAGRAM[lang].back]) expect(text).toContain(line);
    const quiz = toPageViews(course, lang)[0]!.steps[1]!.quiz!;
    for (const q of quiz) q.options.forEach((o, k) => expect(text).toContain(`${k + 1}. ${o.text}`));
    // A book gives nothing away and asks for no keys.
    expect(text).not.toContain(quiz[0]!.options[0]!.explain!);
    expect(text).not.toMatch(/✓|✗|\[,\]|1-3/);
  });
});
