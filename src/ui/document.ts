// A page laid out as terminal lines for a given width: intro, then each step with its state,
// commands, check results, diagnostics, hints and run output. Pure, so the Ink view only shows a
// window of these lines, and tests can check wrapping (Korean is two columns per character).
import chalkBase, { Chalk, type ChalkInstance } from 'chalk';
import stringWidth from 'string-width';
import type { CheckResult } from '../checks/result.js';
import type { Translate } from '../i18n/types.js';
import type { StepFacts, StepStatus } from '../tutor/state.js';
import { splitFences, type MarkdownRenderer } from './markdown.js';
import { cutToWidth, wrapLines } from './wrap.js';

// The page in the learner's language comes from the course layer; the view only lays it out.
export type { PageView, StepView } from '../course/view.js';
import type { PageView, StepView } from '../course/view.js';

export interface DocumentInput {
  page: PageView;
  pageNumber: number;
  pageCount: number;
  statuses: StepStatus[];
  facts: Record<string, StepFacts>;
  selected: number;
  width: number;
  color: boolean;
  t: Translate;
  markdown: MarkdownRenderer;
  describe: (result: CheckResult, t: Translate) => string[];
  /** Printed as a book (no terminal): no selection marker, no "press r" status lines. */
  plain?: boolean;
  /** The frame shown of each step's diagram (0-based; absent = the first). */
  frames?: Readonly<Record<string, number>>;
  /** The step whose diagram is playing. */
  playing?: string | null;
  /** The time now (epoch ms), for a running command's elapsed time and spinner. */
  now?: number;
}

export interface PageDocument {
  lines: string[];
  /** First line of each step, for scrolling the selected step into view. */
  anchors: number[];
  /**
   * Lines [start, end) of the parts a learner works with by key, by "quiz:<step-id>" and
   * "frames:<step-id>", so the view can keep them in sight after an answer or a frame change.
   */
  blocks: Record<string, { start: number; end: number }>;
}

// Symbols of neutral East Asian width only: terminals set to draw "ambiguous" characters two
// columns wide (common with Korean fonts) would otherwise misalign every line.
export const STATUS_ICON: Record<StepStatus, string> = {
  locked: '✕',
  ready: '❍',
  running: '➤',
  checking: '⟳',
  passed: '✔',
  failed: '✘',
  unavailable: '⚠',
};

/** Last lines of run output kept on the page; the rest is still in the step's facts. */
const RUN_TAIL_LINES = 12;

export function buildPageDocument(input: DocumentInput): PageDocument {
  const { page, t, width } = input;
  const c: ChalkInstance = input.color ? chalkBase : new Chalk({ level: 0 });
  const lines: string[] = [];
  const anchors: number[] = [];
  const blocks: PageDocument['blocks'] = {};
  const push = (text: string, indent = 0) => {
    const pad = ' '.repeat(indent);
    for (const l of wrapLines(text, Math.max(10, width - indent))) {
      lines.push(pad + l);
    }
  };
  const blank = () => {
    if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
  };
  /** Records the lines `draw` adds as a block (blank lines around it excluded). */
  const block = (key: string, draw: () => void) => {
    blank();
    const start = lines.length;
    draw();
    let end = lines.length;
    while (end > start && lines[end - 1] === '') end--;
    blocks[key] = { start, end };
  };

  /** A frame: its fenced diagram lines exactly as written (cut, never wrapped), its caption rendered. */
  function pushFrame(markdown: string, indent: number) {
    const pad = ' '.repeat(indent);
    splitFences(markdown).forEach((part, i) => {
      if (i > 0) lines.push('');
      if (part.kind === 'code') for (const l of part.lines) lines.push(pad + cutToWidth(l, width - indent));
      else for (const l of input.markdown.render(part.text, width - indent)) lines.push(pad + l);
    });
  }

  /** Markdown at an indent; `lead` replaces the first line's indent (e.g. an option's "2. "). */
  function pushMarkdown(text: string, indent: number, lead = '') {
    const rendered = input.markdown.render(text, width - indent - lead.length);
    rendered.forEach((l, k) => lines.push(' '.repeat(indent) + (k === 0 ? lead : ' '.repeat(lead.length)) + l));
  }

  /**
   * A quiz step: the question the learner is on with its numbered options, ✗ and the chosen
   * option's explanation after a wrong answer, ✓ (and the explanation, if any) after a right one.
   */
  function pushQuiz(step: StepView, status: StepStatus, selected: boolean, facts: StepFacts | undefined) {
    const questions = step.quiz ?? [];
    const total = questions.length;
    const numbered = (k: number) => `${k + 1}. `;
    if (input.plain) {
      questions.forEach((q, n) => {
        blank();
        push(c.bold(t('ui:quiz.question', { n: n + 1, total })), 4);
        pushMarkdown(q.text, 4);
        q.options.forEach((o, k) => pushMarkdown(o.text, 6, numbered(k)));
      });
      return;
    }
    const passed = facts?.quiz?.passed ?? [];
    const last = facts?.quiz?.last ?? null;
    const current = questions.findIndex((q) => !passed.includes(q.id));
    const lastIndex = last ? questions.findIndex((q) => q.id === last.questionId) : -1;
    const lastQuestion = questions[lastIndex];
    if (last?.correct && lastQuestion) {
      blank();
      push(c.green(t('ui:quiz.right', { n: lastIndex + 1, total })), 4);
      const k = lastQuestion.options.findIndex((o) => o.id === last.optionId);
      const option = lastQuestion.options[k];
      if (option) pushMarkdown(option.text, 6, numbered(k));
      if (option?.explain) pushMarkdown(option.explain, 6);
    }
    const q = questions[current];
    if (!q) {
      blank();
      push(c.green(t('ui:quiz.done', { total })), 4);
      return;
    }
    blank();
    push(c.bold(t('ui:quiz.question', { n: current + 1, total })), 4);
    pushMarkdown(q.text, 4);
    q.options.forEach((o, k) => pushMarkdown(o.text, 6, numbered(k)));
    const wrong = last && !last.correct && last.questionId === q.id ? q.options.findIndex((o) => o.id === last.optionId) : -1;
    if (wrong !== -1) {
      blank();
      push(c.red(t('ui:quiz.wrong', { choice: wrong + 1 })), 4);
      pushMarkdown(q.options[wrong]!.explain ?? '', 6);
    }
    if (selected && status === 'ready') {
      blank();
      push(c.dim(t(wrong !== -1 ? 'ui:quiz.tryAgain' : 'ui:quiz.keys', { count: q.options.length })), 4);
    }
  }

  push(c.bold(`${input.pageNumber}/${input.pageCount} · ${page.title}`));
  push(c.dim('─'.repeat(Math.min(width, 80))));
  if (page.intro.trim()) for (const l of input.markdown.render(page.intro, width)) lines.push(l);

  page.steps.forEach((step, i) => {
    const status = input.statuses[i] ?? 'locked';
    const facts = input.facts[step.id];
    const selected = i === input.selected;
    blank();
    anchors.push(lines.length);
    const marker = selected ? c.cyan('➤') : ' ';
    const where = c.dim(`[${t(`ui:where.${step.where}`)}]`);
    const title = `${marker} ${statusIcon(status, c)} ${i + 1}. ${selected ? c.bold(step.title) : step.title} ${where}`;
    push(input.plain ? `${i + 1}. ${step.title} ${where}` : title);
    if (!input.plain) push(c.dim(t(step.quiz && status === 'ready' ? 'ui:quiz.status' : `ui:status.${status}`)), 4);
    if (step.body.trim()) for (const l of input.markdown.render(step.body, width - 4)) lines.push(`    ${l}`);

    if (step.frames.length > 0) {
      const total = step.frames.length;
      const frame = (k: number) => {
        blank();
        const counter = c.cyan(t('ui:frames.counter', { n: k + 1, total }));
        const keys = selected && !input.plain ? `  ${c.dim(t(input.playing === step.id ? 'ui:frames.keysPlaying' : 'ui:frames.keys'))}` : '';
        push(counter + keys, 4);
        pushFrame(step.frames[k] ?? '', 4);
      };
      // A book has no keys to step with: it shows every frame in turn.
      if (input.plain) step.frames.forEach((_, k) => frame(k));
      else block(`frames:${step.id}`, () => frame(Math.max(0, Math.min(total - 1, input.frames?.[step.id] ?? 0))));
    }

    if (step.quiz && step.quiz.length > 0) block(`quiz:${step.id}`, () => pushQuiz(step, status, selected, facts));

    const run = facts?.run;
    const ran = !!run && (!!run.text || run.done);
    // The command is shown once: by the prose when it quotes it, else by this list; once run,
    // the output echoes it (`$ cmd`) as a shell would, so the list is not repeated.
    if (step.run.length > 0 && (input.plain || (!ran && !proseShows(step.body, step.run)))) {
      blank();
      push(c.dim(t('ui:step.commands', { where: t(`ui:where.${step.where}`) })), 4);
      // Only a command's first line gets the prompt: `\` continuation lines belong to it.
      for (const cmd of step.run) cmd.split('\n').forEach((l, n) => push(c.yellow(`${n === 0 ? '$' : ' '} ${l}`), 6));
    }
    // The tutor's own copy is offered where a key can start it (not in a book, not once running).
    if (step.upload && selected && !input.plain && !(run && !run.done)) {
      blank();
      for (const l of input.markdown.render(t('ui:upload.offer', { count: step.upload.count, to: step.upload.to }), width - 4)) lines.push(`    ${c.dim(l)}`);
    }

    if (run && ran) {
      blank();
      const elapsedMs = run.done ? run.elapsedMs : run.startedAt !== undefined && input.now !== undefined ? input.now - run.startedAt : undefined;
      const elapsed = elapsedMs === undefined ? '' : formatElapsed(elapsedMs, t);
      const head = !run.done
        ? `${SPINNER[Math.floor((elapsedMs ?? 0) / SPINNER_STEP_MS) % SPINNER.length]} ${t(run.upload ? 'ui:run.uploading' : 'ui:run.runningFor', { elapsed })}`
        : run.upload
          ? t(run.cancelled ? 'ui:run.uploadCancelled' : run.code === 0 ? 'ui:run.uploaded' : 'ui:run.uploadFailed', { elapsed })
          : run.cancelled
          ? t('ui:run.cancelled', { elapsed })
          : run.timedOut
            ? t('ui:run.timedOut')
            : elapsed
              ? t('ui:run.exitedAfter', { code: run.code ?? '?', elapsed })
              : t('ui:run.exited', { code: run.code ?? '?' });
      push(run.done ? c.dim(head) : c.cyan(head), 4);
      // A bounded pane: the last lines only; the full text (up to the cap) stays in the facts.
      const outLines = run.text.replace(/\n$/, '').split('\n');
      if (outLines.length > RUN_TAIL_LINES) push(c.dim(t('ui:run.more', { count: outLines.length - RUN_TAIL_LINES })), 6);
      for (const l of outLines.slice(-RUN_TAIL_LINES)) push(l, 6);
    }

    if (facts?.checks && facts.checks.length > 0) {
      blank();
      push(c.dim(t('ui:step.checks')), 4);
      for (const r of facts.checks) {
        const icon = r.status === 'pass' ? c.green('✔') : r.status === 'fail' ? c.red('✘') : c.yellow('⚠');
        push(`${icon} ${r.subject}`, 6);
        if (r.status !== 'pass') for (const d of input.describe(r, t)) push(c.dim(d), 8);
      }
    }

    if (status === 'failed' || status === 'unavailable' || (run?.done && run.code !== 0)) {
      for (const id of facts?.diagnostics ?? []) {
        const text = step.diagnostics[id];
        if (!text) continue;
        blank();
        push(c.magenta(t('ui:step.diagnosis')), 4);
        for (const l of input.markdown.render(text, width - 6)) lines.push(`      ${l}`);
        if (step.fixes[id]) push(c.dim(t('ui:step.fixAvailable', { key: 'f' })), 6);
      }
    }

    const shown = Math.min(facts?.hintsShown ?? 0, step.hints.length);
    for (let h = 0; h < shown; h++) {
      blank();
      push(c.blue(t('ui:step.hint', { n: h + 1, total: step.hints.length })), 4);
      for (const l of input.markdown.render(step.hints[h] ?? '', width - 6)) lines.push(`      ${l}`);
    }
  });
  blank();
  return { lines: lines.map((l) => trimRightToWidth(l, width)), anchors, blocks };
}

/** Braille dots (neutral East Asian width, like the status icons), one frame per view tick. */
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPINNER_STEP_MS = 500;

/** "7 s", "2 min 05 s" in the learner's language. */
export function formatElapsed(ms: number, t: Translate): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes === 0
    ? t('ui:run.seconds', { seconds })
    : t('ui:run.minutes', { minutes, seconds: String(seconds).padStart(2, '0') });
}

/** Whether the prose already quotes every command (whitespace and `\` line breaks aside). */
function proseShows(body: string, commands: readonly string[]): boolean {
  const flat = (text: string) => text.replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim();
  const prose = flat(body);
  return commands.every((cmd) => prose.includes(flat(cmd)));
}

function statusIcon(status: StepStatus, c: ChalkInstance): string {
  const icon = STATUS_ICON[status];
  switch (status) {
    case 'passed':
      return c.green(icon);
    case 'failed':
      return c.red(icon);
    case 'unavailable':
      return c.yellow(icon);
    case 'running':
    case 'checking':
      return c.cyan(icon);
    default:
      return icon;
  }
}

/** wrap-ansi keeps trailing spaces with trim:false; drop them so lines never exceed the width. */
function trimRightToWidth(line: string, width: number): string {
  let l = line.replace(/[ \t]+$/, '');
  while (stringWidth(l) > width && l.endsWith(' ')) l = l.slice(0, -1);
  return l;
}
