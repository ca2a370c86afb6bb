// Quiz steps and stepped diagrams in a lesson pack: the markers, the schema and every
// cross-check the loader makes, each pointing at the file and line an author has to fix.
// Expected lines are found by searching the fixture text, so they follow any edit to it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LessonLoadError, loadCourse, type LessonProblem } from '../../src/course/loader.js';
import { parseProse } from '../../src/course/prose.js';
import { toPageViews } from '../../src/course/view.js';
import { DIAGRAM, writeQuizCourse } from '../helpers/quiz-course.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function pack(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kthw-quiz-'));
  dirs.push(dir);
  writeQuizCourse(dir);
  return dir;
}

/** Rewrites one file of the pack (relative path) and returns its new text. */
function edit(dir: string, file: string, change: (text: string) => string): string {
  const path = join(dir, file);
  const text = change(readFileSync(path, 'utf8'));
  writeFileSync(path, text);
  return text;
}

/** The 1-based line of the first line containing `needle` (the nth one with `nth`). */
function lineOf(text: string, needle: string, nth = 1): number {
  let seen = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.includes(needle) && ++seen === nth) return i + 1;
  }
  throw new Error(`"${needle}" not in the text`);
}

function problems(dir: string): LessonProblem[] {
  try {
    loadCourse(dir);
  } catch (err) {
    if (err instanceof LessonLoadError) return err.errors;
    throw err;
  }
  throw new Error('the pack loaded without problems');
}

const at = (ps: LessonProblem[]) => ps.map((p) => `${p.file}:${p.line}`);

describe('quiz and frame markers (parseProse)', () => {
  it('reads questions, options, explanations and frames with the line of each marker', () => {
    const text = [
      '# T', //                              1
      '<!-- step: s -->', //                 2
      '## S', //                             3
      '<!-- quiz: s.q1 -->', //              4
      'Which one?', //                       5
      '<!-- option: s.q1.a -->', //          6
      'A', //                                7
      '<!-- explain: s.q1.a -->', //         8
      'Because.', //                         9
      '<!-- frame: s.1 -->', //             10
      '```', //                             11
      '<!-- frame: s.2 -->', //             12  (inside a fence: not a marker)
      'a ──▶ b', //                         13
      '```', //                             14
      'Caption.', //                        15
    ].join('\n');
    const { prose, errors } = parseProse(text);
    expect(errors).toEqual([]);
    expect(prose.questions.get('s.q1')).toBe('Which one?');
    expect(prose.options.get('s.q1.a')).toBe('A');
    expect(prose.explains.get('s.q1.a')).toBe('Because.');
    expect(prose.frames.get('s.1')).toBe('```\n<!-- frame: s.2 -->\na ──▶ b\n```\nCaption.');
    expect([...prose.frames.keys()]).toEqual(['s.1']);
    expect(prose.lines.questions.get('s.q1')).toBe(4);
    expect(prose.lines.options.get('s.q1.a')).toBe(6);
    expect(prose.lines.explains.get('s.q1.a')).toBe(8);
    expect(prose.lines.frames.get('s.1')).toBe(10);
  });

  it('reports ids of the wrong shape, duplicates and empty texts by line', () => {
    const text = [
      '# T', //                        1
      '<!-- quiz: s -->', //           2  needs step.question
      'Q', //                          3
      '<!-- option: s.q1 -->', //      4  needs step.question.option
      'A', //                          5
      '<!-- frame: s.0 -->', //        6  frames count from 1
      'F', //                          7
      '<!-- frame: s.x -->', //        8
      'F', //                          9
      '<!-- explain: s.q1.a -->', //  10
      '', //                          11  no text
      '<!-- frame: s.1 -->', //       12
      'one', //                       13
      '<!-- frame: s.1 -->', //       14
      'two', //                       15
    ].join('\n');
    const { errors } = parseProse(text);
    expect(errors.map((e) => e.line)).toEqual([2, 4, 6, 8, 10, 14]);
    expect(errors[0]!.message).toMatch(/quiz marker needs "<step-id>\.<question-id>"/);
    expect(errors[1]!.message).toMatch(/option marker needs "<step-id>\.<question-id>\.<option-id>"/);
    expect(errors[2]!.message).toMatch(/frame marker needs "<step-id>\.<frame number from 1>"/);
    expect(errors[4]!.message).toBe('explain "s.q1.a" has no text');
    expect(errors[5]!.message).toBe('duplicate frame "s.1" (first at line 12)');
  });
});

describe('a pack with a quiz and a stepped diagram', () => {
  it('loads, and its views carry the questions, options, explanations and frames in order', () => {
    const course = loadCourse(pack());
    const quizStep = course.pages[0]!.steps[1]!;
    expect(quizStep.checks).toEqual([]);
    expect(quizStep.quiz?.map((q) => [q.id, q.answer])).toEqual([
      ['q1', 'b'],
      ['q2', 'd'],
      ['q3', 'yes'],
    ]);
    for (const lang of ['en', 'ko'] as const) {
      const [view] = toPageViews(course, lang);
      const [flow, quiz] = view!.steps;
      expect(flow!.frames).toHaveLength(3);
      DIAGRAM[lang].box.forEach((l) => expect(flow!.frames[0]).toContain(l));
      expect(flow!.frames[1]).toContain(DIAGRAM[lang].wide);
      expect(flow!.frames[2]).toContain(DIAGRAM[lang].back);
      expect(flow!.quiz).toBeUndefined();
      expect(quiz!.frames).toEqual([]);
      expect(quiz!.quiz!.map((q) => q.options.map((o) => o.id))).toEqual([
        ['a', 'b', 'c'],
        ['a', 'b', 'c', 'd'],
        ['yes', 'no'],
      ]);
      // The answer's explanation is optional: q2's answer d and q3's answer yes have none.
      expect(quiz!.quiz![1]!.options[3]!.explain).toBeUndefined();
      expect(quiz!.quiz![2]!.options.map((o) => o.explain === undefined)).toEqual([true, false]);
    }
    const en = toPageViews(course, 'en')[0]!.steps[1]!.quiz!;
    expect(en[0]!.text).toBe('Who opens the connection to the kubelet for `kubectl logs`?');
    expect(en[0]!.options[0]).toEqual({
      id: 'a',
      text: 'kubectl itself',
      explain: 'kubectl only ever talks to the API server; it never reaches a kubelet directly.',
    });
  });
});

describe('steps.yaml: what a quiz step may hold', () => {
  it('refuses checks and a quiz together, at the quiz', () => {
    const d = pack();
    const yaml = edit(d, '01-learn/steps.yaml', (t) =>
      t.replace('  - id: webhook-quiz\n    where: jumpbox\n', '  - id: webhook-quiz\n    where: jumpbox\n    checks:\n      - kind: command\n        run: "true"\n'),
    );
    const ps = problems(d);
    expect(at(ps)).toEqual([`01-learn/steps.yaml:${lineOf(yaml, '{ id: q1,')}`]);
    expect(ps[0]!.message).toMatch(/a step has either checks or a quiz, not both/);
  });

  it('asks for checks or a quiz when a step has neither', () => {
    const d = pack();
    const yaml = edit(d, '01-learn/steps.yaml', (t) => t.replace(/    quiz:\n(      - .*\n)+/, ''));
    const ps = problems(d);
    expect(at(ps)).toEqual([`01-learn/steps.yaml:${lineOf(yaml, 'id: webhook-quiz')}`]);
    expect(ps[0]!.message).toMatch(/^missing key "checks" .*every step needs at least one check, or a quiz/);
  });

  it('refuses run, cwd, probes and diagnostics on a quiz step, each at its own line', () => {
    const d = pack();
    const yaml = edit(d, '01-learn/steps.yaml', (t) =>
      t.replace(
        '    hints: [think]\n',
        '    hints: [think]\n    run:\n      - echo hi\n    cwd: /tmp\n    probes:\n      - journal: etcd\n    diagnostics:\n      - id: never\n        when: { exit: 1 }\n',
      ),
    );
    const ps = problems(d);
    expect(at(ps).sort()).toEqual(
      ['echo hi', 'cwd: /tmp', 'journal: etcd', 'id: never'].map((n) => `01-learn/steps.yaml:${lineOf(yaml, n)}`).sort(),
    );
    for (const p of ps) expect(p.message).toMatch(/a quiz step has no (run|cwd|probes|diagnostics): nothing is run or checked/);
  });

  it('wants the answer among the options, lower-case ids, 2 to 9 options and unique ids', () => {
    const d = pack();
    const yaml = edit(d, '01-learn/steps.yaml', (t) =>
      t
        .replace('{ id: q1, options: [a, b, c], answer: b }', '{ id: q1, options: [a, b, c], answer: z }')
        .replace('{ id: q2, options: [a, b, c, d], answer: d }', '{ id: Q2, options: [a, b, c, d], answer: d }')
        .replace('{ id: q3, options: [yes, no], answer: "yes" }', '{ id: q3, options: [yes], answer: "yes" }'),
    );
    const ps = problems(d);
    expect(at(ps)).toEqual(['{ id: q1,', '{ id: Q2,', '{ id: q3,'].map((n) => `01-learn/steps.yaml:${lineOf(yaml, n)}`));
    expect(ps[0]!.message).toMatch(/the answer "z" is not one of the options \(a, b, c\)/);
    expect(ps[1]!.message).toMatch(/ids are lower-case/);
    expect(ps[2]!.message).toMatch(/at least two options/);

    const e = pack();
    const yaml2 = edit(e, '01-learn/steps.yaml', (t) =>
      t
        .replace('{ id: q2, options: [a, b, c, d], answer: d }', '{ id: q1, options: [a, b, c, d], answer: d }')
        .replace('{ id: q3, options: [yes, no], answer: "yes" }', '{ id: q3, options: [yes, no, yes], answer: "yes" }'),
    );
    const ps2 = problems(e).filter((p) => p.file.endsWith('steps.yaml') && /twice|duplicate/.test(p.message));
    expect(ps2).toEqual([
      { file: '01-learn/steps.yaml', line: lineOf(yaml2, '{ id: q1,', 2), message: 'duplicate question id "q1" in the quiz of step webhook-quiz' },
      { file: '01-learn/steps.yaml', line: lineOf(yaml2, '{ id: q3,'), message: 'option "yes" is listed twice in question q3 of step webhook-quiz' },
    ]);
  });

  it('allows at most nine options (the keys 1-9)', () => {
    const d = pack();
    const yaml = edit(d, '01-learn/steps.yaml', (t) =>
      t.replace('{ id: q2, options: [a, b, c, d], answer: d }', '{ id: q2, options: [a, b, c, d, e, f, g, h, i, j], answer: d }'),
    );
    const ps = problems(d);
    expect(ps).toEqual([
      { file: '01-learn/steps.yaml', line: lineOf(yaml, '{ id: q2,'), message: expect.stringMatching(/at most 9 options/) },
    ]);
  });
});

describe('quiz text in each language', () => {
  it('reports a question without text at the question in steps.yaml', () => {
    const d = pack();
    edit(d, '01-learn/en.md', (t) => t.replace('<!-- quiz: webhook-quiz.q2 -->\nWhich port does the kubelet serve its API on?\n', ''));
    const yaml = readFileSync(join(d, '01-learn/steps.yaml'), 'utf8');
    expect(problems(d)).toEqual([
      {
        file: '01-learn/steps.yaml',
        line: lineOf(yaml, '{ id: q2,'),
        message: 'question q2 of step webhook-quiz has no text in en.md (add <!-- quiz: webhook-quiz.q2 -->)',
      },
    ]);
  });

  it('reports an option without text in one language at the option in steps.yaml', () => {
    const d = pack();
    edit(d, '01-learn/ko.md', (t) => t.replace('<!-- option: webhook-quiz.q2.c -->\n10257\n', ''));
    const yaml = readFileSync(join(d, '01-learn/steps.yaml'), 'utf8');
    expect(problems(d)).toEqual([
      {
        file: '01-learn/steps.yaml',
        line: lineOf(yaml, '{ id: q2,'),
        message: 'option c of question q2 (step webhook-quiz) has no text in ko.md (add <!-- option: webhook-quiz.q2.c -->)',
      },
    ]);
  });

  it('reports a wrong option without an explanation at that option in the markdown', () => {
    const d = pack();
    const md = edit(d, '01-learn/en.md', (t) =>
      t.replace('<!-- explain: webhook-quiz.q1.c -->\nThe scheduler only picks nodes for Pods; it never carries logs.\n', ''),
    );
    expect(problems(d)).toEqual([
      {
        file: '01-learn/en.md',
        line: lineOf(md, '<!-- option: webhook-quiz.q1.c -->'),
        message: 'wrong option webhook-quiz.q1.c has no explanation: add <!-- explain: webhook-quiz.q1.c --> saying why it is wrong',
      },
    ]);
  });

  it('reports quiz text for options, questions and steps that steps.yaml does not have', () => {
    const d = pack();
    const extra = [
      '<!-- option: webhook-quiz.q1.z -->',
      'Z',
      '<!-- explain: webhook-quiz.q1.z -->',
      'Why Z.',
      '<!-- quiz: webhook-quiz.q9 -->',
      'A ninth question?',
      '<!-- option: webhook-quiz.q9.a -->',
      'A',
      '<!-- quiz: ghost.q1 -->',
      'Boo?',
      '<!-- quiz: logs-flow.q1 -->',
      'Not a quiz step.',
    ].join('\n');
    const md = edit(d, '01-learn/en.md', (t) => `${t}\n${extra}\n`);
    const ps = problems(d);
    const line = (n: string) => `01-learn/en.md:${lineOf(md, n)}`;
    expect(at(ps).sort()).toEqual(
      [
        '<!-- option: webhook-quiz.q1.z -->',
        '<!-- explain: webhook-quiz.q1.z -->',
        '<!-- quiz: webhook-quiz.q9 -->',
        '<!-- option: webhook-quiz.q9.a -->',
        '<!-- quiz: ghost.q1 -->',
        '<!-- quiz: logs-flow.q1 -->',
      ]
        .map(line)
        .sort(),
    );
    const byLine = new Map(ps.map((p) => [`${p.file}:${p.line}`, p.message]));
    expect(byLine.get(line('<!-- option: webhook-quiz.q1.z -->'))).toBe(
      'text for option "webhook-quiz.q1.z", but question webhook-quiz.q1 in 01-learn/steps.yaml has no such option',
    );
    expect(byLine.get(line('<!-- explain: webhook-quiz.q1.z -->'))).toMatch(/^explanation for option "webhook-quiz\.q1\.z"/);
    expect(byLine.get(line('<!-- option: webhook-quiz.q9.a -->'))).toMatch(/01-learn\/steps\.yaml has no question webhook-quiz\.q9$/);
    expect(byLine.get(line('<!-- quiz: ghost.q1 -->'))).toBe('text for quiz question "ghost.q1", which 01-learn/steps.yaml does not list');
  });
});

describe('frames of a stepped diagram', () => {
  it('reports a gap in the numbering once, at the frame after it', () => {
    const d = pack();
    const md = edit(d, '01-learn/en.md', (t) =>
      t.replace('<!-- frame: logs-flow.3 -->', '<!-- frame: logs-flow.4 -->').replace('<!-- frame: logs-flow.2 -->', '<!-- frame: logs-flow.3 -->'),
    );
    expect(problems(d)).toEqual([
      {
        file: '01-learn/en.md',
        line: lineOf(md, '<!-- frame: logs-flow.3 -->'),
        message: 'frame logs-flow.3 leaves a gap: frames are numbered 1, 2, 3, ... and logs-flow.2 is missing',
      },
    ]);
  });

  it('reports frames of a step that steps.yaml does not have', () => {
    const d = pack();
    const md = edit(d, '01-learn/ko.md', (t) => `${t}\n<!-- frame: ghost.1 -->\n\`\`\`\na ─▶ b\n\`\`\`\n`);
    expect(problems(d)).toEqual([
      { file: '01-learn/ko.md', line: lineOf(md, '<!-- frame: ghost.1 -->'), message: 'frame for step "ghost", which 01-learn/steps.yaml does not have' },
    ]);
  });

  it('wants the same number of frames in both languages', () => {
    const d = pack();
    edit(d, '01-learn/ko.md', (t) => t.replace(/<!-- frame: logs-flow\.3 -->[\s\S]*?(?=<!-- hint: logs-flow\.look -->)/, ''));
    const en = readFileSync(join(d, '01-learn/en.md'), 'utf8');
    expect(problems(d)).toEqual([
      {
        file: '01-learn/en.md',
        line: lineOf(en, '<!-- frame: logs-flow.3 -->'),
        message: 'step logs-flow has 3 frames here but 2 in ko.md: both languages need the same frames',
      },
    ]);
  });
});
