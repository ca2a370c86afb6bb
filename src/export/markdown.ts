// `kthw-tutor export`: the whole chapter as one Markdown document, for reading offline or
// printing. Pure (course + language + translate in, text out), so the CLI only decides where the
// text goes, and new prose kinds (quizzes, diagrams) can be added as one more section of a step.
//
// Layout, per page n and step m:
//   # n. Page title            intro
//   ## n.m Step title          where it runs, the commands (```sh), the explanation,
//   ### What the tutor checks  one line per check (src/checks/describe-spec.ts)
//   ### Hints                  numbered
//   ### If something goes wrong  each diagnostic, with its fix commands when it has one
import { describeCheckSpec } from '../checks/describe-spec.js';
import { FENCE, nextFence } from '../course/markdown-lines.js';
import type { LoadedCourse } from '../course/loader.js';
import type { Step } from '../course/schema.js';
import { toPageViews, type PageView, type StepView } from '../course/view.js';
import type { Lang, Translate } from '../i18n/types.js';
import { sanitizeTerminal } from '../text/sanitize.js';

export function renderChapterMarkdown(course: LoadedCourse, lang: Lang, t: Translate): string {
  // The views hold the prose in `lang` (and fail clearly if that language was not loaded);
  // the loaded steps add what the views leave out (cwd, the check specs).
  const views = toPageViews(course, lang);
  const blocks = views.flatMap((view, i) => renderPage(view, course.pages[i]!.steps, i + 1, t));
  // The document goes to a terminal as often as to a file (`--out -`): it passes the same
  // sanitizer as everything the app shows (newlines and tabs, so all Markdown, are kept).
  return sanitizeTerminal(`${blocks.filter((b) => b.trim() !== '').join('\n\n')}\n`);
}

function renderPage(view: PageView, steps: Step[], n: number, t: Translate): string[] {
  return [
    `# ${n}. ${oneLine(view.title)}`,
    // The page's `#` and the steps' `##` are ours: headings inside prose start at `###`.
    prose(view.intro, 3),
    ...view.steps.flatMap((step, m) => renderStep(step, steps[m]!, `${n}.${m + 1}`, t)),
  ];
}

function renderStep(view: StepView, step: Step, number: string, t: Translate): string[] {
  const where = t(`ui:where.${step.where}`);
  const out = [`## ${number} ${oneLine(view.title)}`, `*${t('ui:export.where', { where })}*`];

  if (view.quiz) {
    out.push(t('ui:export.quizIntro'));
  } else if (view.run.length > 0) {
    if (step.cwd) out.push(t('ui:export.cwd', { cwd: inlineCode(step.cwd) }));
    out.push(t('ui:export.commands'));
    out.push(fenced(view.run.join('\n'), 'sh'));
  } else {
    out.push(t('ui:export.noRun'));
  }
  out.push(prose(view.body, 3));

  // On paper a stepped diagram is simply all of its frames, in order.
  if (view.frames.length > 0) {
    out.push(`### ${t('ui:export.diagram')}`);
    view.frames.forEach((frame, k) => out.push(`**${t('ui:export.frame', { n: k + 1, total: view.frames.length })}**`, prose(frame, 4)));
  }

  if (view.quiz) {
    // Questions first, answers after them, so a printed page can be used as a quiz too.
    out.push(`### ${t('ui:export.questions')}`);
    out.push(
      view.quiz
        .map((q, k) => listItem(`${k + 1}.`, [prose(q.text, 4), ...q.options.map((o, j) => `${j + 1}) ${oneLine(o.text)}`)].join('\n\n')))
        .join('\n\n'),
    );
    out.push(`### ${t('ui:export.answers')}`);
    out.push(
      view.quiz
        .map((q, k) => {
          const right = q.options.findIndex((o) => o.id === q.answer);
          const lines = q.options
            .map((o, j) => (o.explain ? `- ${j + 1}) ${j === right ? '✓' : '✗'} ${oneLine(o.explain)}` : ''))
            .filter(Boolean);
          return listItem(`${k + 1}.`, [t('ui:export.answer', { n: right + 1 }), ...lines].join('\n'));
        })
        .join('\n\n'),
    );
  } else {
    out.push(`### ${t('ui:export.checks')}`);
    out.push(step.checks.map((c) => `- ${describeCheckSpec(c, step.where, t, inlineCode)}`).join('\n'));
  }

  if (view.hints.length > 0) {
    out.push(`### ${t('ui:export.hints')}`);
    out.push(view.hints.map((h, k) => listItem(`${k + 1}.`, prose(h, 4))).join('\n\n'));
  }

  if (step.diagnostics.length > 0) {
    out.push(`### ${t('ui:export.diagnostics')}`);
    const items = step.diagnostics.map((d) => {
      const parts = [prose(view.diagnostics[d.id] ?? '', 4)];
      const fix = view.fixes[d.id];
      // A fix runs where the step runs (the tutor asks for it on the same machine).
      if (fix && fix.length > 0) parts.push(t('ui:export.fix', { where }), fenced(fix.join('\n'), 'sh'));
      return listItem('-', parts.join('\n\n'));
    });
    out.push(items.join('\n\n'));
  }
  return out;
}

/**
 * A fenced code block whose fence is longer than any run of backticks inside, so a command
 * that itself contains ``` can never close the block early.
 */
export function fenced(content: string, info = ''): string {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${content.replace(/\n+$/, '')}\n${fence}`;
}

/** An inline code span for any text: one line, with a delimiter longer than its backtick runs. */
export function inlineCode(text: string): string {
  // A shell line continuation (`\` + newline) joins lines; other newlines become spaces.
  const flat = text.replace(/\\\n[ \t]*/g, '').replace(/[ \t]*\n[ \t]*/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  // CommonMark strips one space on each side, which lets a span start or end with a backtick.
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** A list item whose later lines are indented to the item's text, so code blocks stay inside it. */
function listItem(marker: string, text: string): string {
  const pad = ' '.repeat(marker.length + 1);
  return text
    .split('\n')
    .map((line, i) => (i === 0 ? `${marker} ${line}` : line === '' ? '' : pad + line))
    .join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const HEADING = /^( {0,3})(#{1,6})(?=\s|$)/;

/**
 * Lesson prose made fit to sit inside the document: HTML comments (authors' notes; the step
 * markers are already gone) are removed, and headings are pushed down so the shallowest one is
 * at `minLevel`. Fenced code is left exactly as written.
 */
export function prose(text: string, minLevel: number): string {
  const lines = stripComments(text.split('\n'));
  let fence: string | null = null;
  const headingAt = new Set<number>();
  lines.forEach((line, i) => {
    fence = nextFence(line, fence);
    if (fence === null && !FENCE.test(line) && HEADING.test(line)) headingAt.add(i);
  });
  const levels = [...headingAt].map((i) => HEADING.exec(lines[i]!)![2]!.length);
  const shift = levels.length > 0 ? Math.max(0, minLevel - Math.min(...levels)) : 0;
  const out = lines.map((line, i) =>
    headingAt.has(i) && shift > 0
      ? line.replace(HEADING, (_, sp: string, hashes: string) => sp + '#'.repeat(Math.min(6, hashes.length + shift)))
      : line,
  );
  return out.join('\n').trim();
}

/**
 * Drops `<!-- ... -->` (also across lines) outside fenced code and inline code spans. A line that
 * held nothing but a comment is dropped with it, and runs of blank lines left behind become one.
 */
function stripComments(lines: string[]): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  let inComment = false;
  for (const line of lines) {
    if (!inComment) {
      const before = fence;
      fence = nextFence(line, fence);
      if (before !== null || fence !== null) {
        out.push(line); // inside (or opening/closing) a fenced block: verbatim
        continue;
      }
    }
    let kept = '';
    let i = 0;
    while (i < line.length) {
      if (inComment) {
        const end = line.indexOf('-->', i);
        if (end === -1) {
          i = line.length;
          break;
        }
        inComment = false;
        i = end + 3;
        continue;
      }
      if (line[i] === '`') {
        // An inline code span is text, not markup: copy it whole (if it closes on this line).
        const ticks = /^`+/.exec(line.slice(i))![0];
        const close = findRun(line, ticks.length, i + ticks.length);
        const end = close === -1 ? i + ticks.length : close + ticks.length;
        kept += line.slice(i, end);
        i = end;
        continue;
      }
      if (line.startsWith('<!--', i)) {
        inComment = true;
        i += 4;
        continue;
      }
      kept += line[i];
      i++;
    }
    const hadText = line.trim() !== '';
    if (hadText && kept.trim() === '') continue; // the whole line was a comment
    if (kept.trim() === '' && out.length > 0 && out[out.length - 1]!.trim() === '') continue;
    out.push(kept.trim() === '' ? '' : kept.replace(/\s+$/, ''));
  }
  return out;
}

/** Index of the next run of exactly `n` backticks at or after `from`, or -1. */
function findRun(line: string, n: number, from: number): number {
  const re = /`+/g;
  re.lastIndex = from;
  for (let m = re.exec(line); m; m = re.exec(line)) if (m[0].length === n) return m.index;
  return -1;
}
