// `kthw-tutor export`: the real lesson pack rendered as one Markdown document in each language.
// Expected texts come from the loaded course and the real locales, never from a stored copy of the
// output, so a lesson edit does not break these tests but a renderer bug does.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCheckSpec } from '../../src/checks/describe-spec.js';
import type { CheckSpec } from '../../src/checks/spec.js';
import { defaultLessonsDir, loadCourse, type LoadedCourse } from '../../src/course/loader.js';
import { fenced, inlineCode, renderChapterMarkdown } from '../../src/export/markdown.js';
import { createTranslator } from '../../src/i18n/index.js';
import { LANGS, type Lang } from '../../src/i18n/types.js';

const course = loadCourse(defaultLessonsDir());
const translator = createTranslator();
const t = (lang: Lang) => translator.forLang(lang);
const rendered: Record<Lang, string> = { ko: renderChapterMarkdown(course, 'ko', t('ko')), en: renderChapterMarkdown(course, 'en', t('en')) };
const HANGUL = /[\uac00-\ud7a3]/;
/** i18next answers a missing key with the key itself ("spec.port.subject"); look outside code spans. */
const rawKey = (line: string) => /\b(spec|property|export|where)\.[a-z]/.test(line.replace(/`+[^`]*`+/g, ''));

interface Block {
  info: string;
  content: string;
  /** Line index of the opening fence. */
  line: number;
}

/**
 * Reads fenced code blocks as CommonMark does (a fence may be indented inside a list item; it
 * closes on the same character, at least as long, with nothing after it). Written here, apart
 * from the renderer, so the test does not trust the code it checks.
 */
function scanFences(md: string): { blocks: Block[]; unclosed: Block | null; outside: string[] } {
  const blocks: Block[] = [];
  const outside: string[] = [];
  let open: { indent: number; mark: string; block: Block; lines: string[] } | null = null;
  md.split('\n').forEach((line, i) => {
    const m = /^( *)(`{3,}|~{3,})(.*)$/.exec(line);
    if (open) {
      if (m && m[2]![0] === open.mark[0] && m[2]!.length >= open.mark.length && m[3]!.trim() === '') {
        open.block.content = open.lines.join('\n');
        blocks.push(open.block);
        open = null;
      } else {
        open.lines.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
      }
      return;
    }
    if (m && !(m[2]![0] === '`' && m[3]!.includes('`'))) {
      open = { indent: m[1]!.length, mark: m[2]!, block: { info: m[3]!.trim(), content: '', line: i }, lines: [] };
      return;
    }
    outside.push(line);
  });
  return { blocks, unclosed: open ? (open as { block: Block }).block : null, outside };
}

/** The document cut at its `## n.m` step headings (outside code), in order. */
function stepSections(md: string): string[] {
  const sections: string[] = [];
  let fence: string | null = null;
  let current: string[] | null = null;
  for (const line of md.split('\n')) {
    const f = /^ *(`{3,}|~{3,})/.exec(line);
    if (f) fence = fence === null ? f[1]! : f[1]![0] === fence[0] && f[1]!.length >= fence.length ? null : fence;
    if (fence === null && /^#{1,2} /.test(line)) {
      if (current) sections.push(current.join('\n'));
      current = /^## /.test(line) ? [line] : null;
      continue;
    }
    current?.push(line);
  }
  if (current) sections.push(current.join('\n'));
  return sections;
}

const steps = course.pages.flatMap((page, p) => page.steps.map((step, s) => ({ page, step, p, s })));

describe.each(LANGS)('the chapter exported in %s', (lang) => {
  const md = rendered[lang];
  const sections = stepSections(md);

  it('has every page title and every step title, numbered, in course order', () => {
    const headings = scanFences(md).outside.filter((l) => /^#{1,2} /.test(l));
    const expected = course.pages.flatMap((page, p) => [
      `# ${p + 1}. ${page.prose[lang]!.title}`,
      ...page.steps.map((step, s) => `## ${p + 1}.${s + 1} ${page.prose[lang]!.steps.get(step.id)!.title}`),
    ]);
    expect(headings).toEqual(expected);
    expect(sections).toHaveLength(steps.length);
  });

  it("puts each step's commands, all of them, in an sh block of that step", () => {
    steps.forEach(({ step }, i) => {
      const shBlocks = scanFences(sections[i]!).blocks.filter((b) => b.info === 'sh');
      if (step.quiz) {
        expect(sections[i]).toContain(t(lang)('ui:export.quizIntro'));
        return;
      }
      if (step.run.length === 0) {
        expect(sections[i]).toContain(t(lang)('ui:export.noRun'));
        return;
      }
      expect(shBlocks[0]?.content, `step ${step.id}`).toBe(step.run.join('\n'));
    });
  });

  it('is valid Markdown for printing: balanced fences, no HTML comments, one trailing newline', () => {
    const { blocks, unclosed } = scanFences(md);
    expect(unclosed).toBeNull();
    expect(blocks.filter((b) => b.info === 'sh').length).toBeGreaterThanOrEqual(steps.filter((s) => s.step.run.length > 0).length);
    expect(scanFences(md).outside.filter(rawKey)).toEqual([]);
    expect(md).not.toContain('<!--');
    expect(md).not.toContain('-->');
    expect(md.endsWith('\n')).toBe(true);
    expect(md.endsWith('\n\n')).toBe(false);
  });

  it('says where each step runs in this language, and not in the other', () => {
    const other: Lang = lang === 'ko' ? 'en' : 'ko';
    const label = (l: Lang, where: string) => t(l)('ui:export.where', { where: t(l)(`ui:where.${where}`) });
    steps.forEach(({ step }, i) => {
      expect(sections[i]).toContain(label(lang, step.where));
      expect(sections[i]).not.toContain(label(other, step.where));
    });
    // The Korean label is really Korean (a key missing in ko would fall back to English).
    expect(HANGUL.test(label(lang, 'server'))).toBe(lang === 'ko');
  });

  it("lists each check once under the step's checks heading, naming what it looks at", () => {
    const heading = `### ${t(lang)('ui:export.checks')}`;
    steps.forEach(({ step }, i) => {
      const after = sections[i]!.split(heading)[1];
      if (step.quiz) {
        // A quiz is not checked on a server: no checks heading, questions and answers instead.
        expect(after, `quiz step ${step.id} has a checks list`).toBeUndefined();
        return;
      }
      expect(after, `step ${step.id} has no checks list`).toBeDefined();
      const items = after!.trim().split('\n\n')[0]!.split('\n');
      expect(items).toHaveLength(step.checks.length);
      step.checks.forEach((c, k) => {
        expect(items[k]!.startsWith('- ')).toBe(true);
        const names = c.kind === 'file' ? [c.path] : c.kind === 'service' ? [c.name] : [];
        for (const name of names) expect(items[k]).toContain(name);
        // Never a raw i18n key: every kind's words exist in this language.
        expect(rawKey(items[k]!), items[k]).toBe(false);
      });
    });
  });

  it('prints each quiz question with its options, then the right answer and every explanation', () => {
    const quizzes = steps.filter(({ step }) => step.quiz);
    expect(quizzes.length).toBeGreaterThan(0);
    for (const { page, step } of quizzes) {
      const section = sections[steps.indexOf(quizzes.find((q) => q.step === step)!)]!;
      const prose = page.prose[lang]!;
      const [questions, answers] = section.split(`### ${t(lang)('ui:export.answers')}`);
      expect(answers, `${step.id}: no answers section`).toBeDefined();
      step.quiz!.forEach((q, k) => {
        expect(questions).toContain(prose.questions.get(`${step.id}.${q.id}`)!.split('\n')[0]!);
        q.options.forEach((o, j) => expect(questions).toContain(`${j + 1}) ${prose.options.get(`${step.id}.${q.id}.${o}`)!.trim()}`));
        // The answer line names the right option's number, in question order.
        const block = answers!.trim().split(/\n\n(?=\d+\. )/)[k]!;
        expect(block).toContain(t(lang)('ui:export.answer', { n: q.options.indexOf(q.answer) + 1 }));
        const wrong = q.options.find((o) => o !== q.answer)!;
        expect(block).toContain(prose.explains.get(`${step.id}.${q.id}.${wrong}`)!.split('\n')[0]!.slice(0, 40));
      });
    }
  });

  it('prints every frame of a stepped diagram, numbered, with the diagram intact', () => {
    const withFrames = steps.filter(({ page, step }) => [...page.prose[lang]!.frames.keys()].some((k) => k.startsWith(`${step.id}.`)));
    expect(withFrames.length).toBeGreaterThan(0);
    for (const { page, step } of withFrames) {
      const section = sections[steps.findIndex((s) => s.step === step)]!;
      const frames = [...page.prose[lang]!.frames.entries()].filter(([k]) => k.startsWith(`${step.id}.`));
      frames.forEach(([, text], k) => {
        expect(section).toContain(t(lang)('ui:export.frame', { n: k + 1, total: frames.length }));
        const diagramLine = text.split('\n').find((l) => l.includes('──'));
        if (diagramLine) expect(section).toContain(diagramLine);
      });
    }
  });

  it('has the hints in order and every diagnostic, with its fix commands in an sh block', () => {
    let fixes = 0;
    steps.forEach(({ page, step }, i) => {
      const prose = page.prose[lang]!;
      const section = sections[i]!;
      expect(section).toContain(`### ${t(lang)('ui:export.hints')}`);
      const firstLines = step.hints.map((h) => prose.hints.get(`${step.id}.${h}`)!.split('\n')[0]!);
      const positions = firstLines.map((l) => section.indexOf(l));
      expect(positions.every((p) => p >= 0), `hints of ${step.id}`).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      const shBlocks = scanFences(section).blocks.filter((b) => b.info === 'sh').map((b) => b.content);
      for (const d of step.diagnostics) {
        expect(section).toContain(prose.diagnostics.get(`${step.id}.${d.id}`)!.split('\n')[0]!);
        if (d.fix) {
          fixes++;
          expect(shBlocks, `fix of ${step.id}.${d.id}`).toContain(d.fix.join('\n'));
        }
      }
    });
    expect(fixes).toBeGreaterThan(0); // the real pack has fixes; this must keep testing one
  });
});

describe('export of a lesson pack with tricky text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kthw-export-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pack = (): LoadedCourse => {
    writeFileSync(join(dir, 'course.yaml'), 'id: tricky\nlanguages: [en, ko]\npages: [01-one]\n');
    mkdirSync(join(dir, '01-one'), { recursive: true });
    writeFileSync(
      join(dir, '01-one', 'steps.yaml'),
      `page: one
steps:
  - id: write
    where: jumpbox
    cwd: /srv/work
    run:
      - "printf '%s\\\\n' '\`\`\`' > fence.md"
    checks:
      - { kind: port, port: 6443, process: kube-apiserver, where: server }
      - { kind: http, url: "https://127.0.0.1:6443/healthz", body: { equals: ok } }
      - { kind: kube, resource: service, name: kubernetes, field: { path: spec.clusterIP, equals: 10.32.0.1 } }
    hints: [one]
    diagnostics:
      - id: broken
        when: { exit: 1 }
        fix: ["echo '\`\`\`\`' >> fence.md"]
`,
    );
    for (const lang of ['en', 'ko']) {
      writeFileSync(
        join(dir, '01-one', `${lang}.md`),
        `# Page ${lang}

Intro <!-- an author's note --> goes on. Markers look like \`<!-- step: id -->\`.

<!--
a note over
several lines
-->
## A heading inside the intro

<!-- step: write -->
## Write ${lang}

Body.

\`\`\`html
<!-- kept: this is code -->
\`\`\`

<!-- hint: write.one -->
Hint text.

<!-- diagnostic: write.broken -->
It broke.
`,
      );
    }
    return loadCourse(dir);
  };
  const tricky = pack();
  const md = renderChapterMarkdown(tricky, 'en', t('en'));

  it('uses a longer fence around commands that contain ``` and keeps them intact', () => {
    const { blocks, unclosed } = scanFences(md);
    expect(unclosed).toBeNull();
    const sh = blocks.filter((b) => b.info === 'sh').map((b) => b.content);
    expect(sh).toEqual([tricky.pages[0]!.steps[0]!.run.join('\n'), "echo '````' >> fence.md"]);
    expect(md).toContain("\n````sh\nprintf '%s\\n' '```' > fence.md\n````\n");
  });

  it('notes the working directory when a step sets cwd', () => {
    expect(md).toContain(t('en')('ui:export.cwd', { cwd: '`/srv/work`' }));
  });

  it('removes authors’ HTML comments but keeps comment-like text in code', () => {
    const prose = scanFences(md).outside.join('\n');
    expect(prose).toMatch(/Intro +goes on\./);
    expect(prose).not.toContain('several lines');
    expect(prose).toContain('`<!-- step: id -->`');
    expect(scanFences(md).blocks.map((b) => b.content)).toContain('<!-- kept: this is code -->');
  });

  it('pushes headings of the prose below the page and step headings', () => {
    expect(md).toContain('\n### A heading inside the intro\n');
    expect(scanFences(md).outside.filter((l) => /^## /.test(l))).toEqual(['## 1.1 Write en']);
  });

  it('describes port, http and kube checks in both languages, saying when a check runs elsewhere', () => {
    const [port, http, kube] = tricky.pages[0]!.steps[0]!.checks as CheckSpec[];
    for (const lang of LANGS) {
      const lines = [port!, http!, kube!].map((c) => describeCheckSpec(c, 'jumpbox', t(lang), inlineCode));
      for (const line of lines) {
        expect(rawKey(line), line).toBe(false);
        expect(HANGUL.test(line)).toBe(lang === 'ko');
      }
      expect(lines[0]).toContain('6443');
      expect(lines[0]).toContain('`kube-apiserver`');
      expect(lines[0]).toContain(t(lang)('checks:spec.on', { where: t(lang)('ui:where.server') }));
      expect(lines[1]).toContain('`https://127.0.0.1:6443/healthz`');
      expect(lines[1]).not.toContain(t(lang)('checks:spec.on', { where: t(lang)('ui:where.server') }));
      expect(lines[2]).toContain('`service/kubernetes`');
      expect(lines[2]).toContain('`spec.clusterIP = 10.32.0.1`');
    }
  });
});

describe('code helpers', () => {
  it('fenced: the fence outgrows any backtick run inside', () => {
    expect(fenced('ls', 'sh')).toBe('```sh\nls\n```');
    expect(fenced('a ````` b', 'sh')).toBe('``````sh\na ````` b\n``````');
  });
  it('inlineCode: one line, a delimiter longer than the backticks inside', () => {
    expect(inlineCode('/root/ca.crt')).toBe('`/root/ca.crt`');
    expect(inlineCode('echo `date`')).toBe('`` echo `date` ``');
    expect(inlineCode('a \\\n    b\nc')).toBe('`a b c`');
  });
});

describe('export passes the same sanitizer as the screen', () => {
  // One pack written twice: plain, and with terminal sequences, bidi controls and zero-width
  // characters sprinkled through every kind of text. The exports must be identical.
  const write = (dir: string, dirty: (s: string) => string): LoadedCourse => {
    writeFileSync(join(dir, 'course.yaml'), 'id: hostile\nlanguages: [en, ko]\npages: [01-one]\n');
    mkdirSync(join(dir, '01-one'), { recursive: true });
    writeFileSync(
      join(dir, '01-one', 'steps.yaml'),
      `page: one\nsteps:\n  - id: s\n    where: server\n    run: ["${dirty('echo hi')}"]\n    checks:\n      - { kind: file, path: /etc/x }\n    hints: [one]\n`,
    );
    for (const lang of ['en', 'ko']) {
      writeFileSync(
        join(dir, '01-one', `${lang}.md`),
        `# ${dirty('Page')}\n\n${dirty('Intro text')}\n\n<!-- step: s -->\n## ${dirty('Step')}\n\n${dirty('Body with `code`')}\n\n\`\`\`sh\n${dirty('ls -l')}\n\`\`\`\n\n- ${dirty('item')}\n\n<!-- hint: s.one -->\n${dirty('Hint')}\n`,
      );
    }
    return loadCourse(dir);
  };
  const INSERTS = ['\u202e', '\u2066', '\u200b', '\ufeff', '\u2060', '\u200d', '\x1b]0;owned\x07', '\x1b[2J', '\x9b31m'];
  const sprinkle = (s: string) => [...s].map((c, i) => c + (INSERTS[i % INSERTS.length] ?? '')).join('');
  const base = mkdtempSync(join(tmpdir(), 'kthw-export-hostile-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  mkdirSync(join(base, 'clean'));
  mkdirSync(join(base, 'dirty'));
  const clean = write(join(base, 'clean'), (s) => s);
  const dirty = write(join(base, 'dirty'), sprinkle);

  it.each(LANGS)('in %s: no control, bidi or zero-width character is written, and the Markdown is unchanged', (lang) => {
    const out = renderChapterMarkdown(dirty, lang, t(lang));
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]/);
    expect(out).toBe(renderChapterMarkdown(clean, lang, t(lang)));
    expect(out).toContain('\n```sh\nls -l\n```\n');
  });
});
