// A page laid out as terminal lines for a given width: intro, then each step with its state,
// commands, check results, diagnostics, hints and run output. Pure, so the Ink view only shows a
// window of these lines, and tests can check wrapping (Korean is two columns per character).
import chalkBase, { Chalk, type ChalkInstance } from 'chalk';
import stringWidth from 'string-width';
import type { CheckResult } from '../checks/result.js';
import type { Translate } from '../i18n/types.js';
import type { StepFacts, StepStatus } from '../tutor/state.js';
import type { MarkdownRenderer } from './markdown.js';
import { wrapLines } from './wrap.js';

// The page in the learner's language comes from the course layer; the view only lays it out.
export type { PageView, StepView } from '../course/view.js';
import type { PageView } from '../course/view.js';

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
}

export interface PageDocument {
  lines: string[];
  /** First line of each step, for scrolling the selected step into view. */
  anchors: number[];
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
  const push = (text: string, indent = 0) => {
    const pad = ' '.repeat(indent);
    for (const l of wrapLines(text, Math.max(10, width - indent))) {
      lines.push(pad + l);
    }
  };
  const blank = () => {
    if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
  };

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
    if (!input.plain) push(c.dim(t(`ui:status.${status}`)), 4);
    if (step.body.trim()) for (const l of input.markdown.render(step.body, width - 4)) lines.push(`    ${l}`);

    if (step.run.length > 0) {
      blank();
      push(c.dim(t('ui:step.commands', { where: t(`ui:where.${step.where}`) })), 4);
      // Only a command's first line gets the prompt: `\` continuation lines belong to it.
      for (const cmd of step.run) cmd.split('\n').forEach((l, n) => push(c.yellow(`${n === 0 ? '$' : ' '} ${l}`), 6));
    }

    const run = facts?.run;
    if (run && (run.text || run.done)) {
      blank();
      const head = run.done
        ? run.timedOut
          ? t('ui:run.timedOut')
          : t('ui:run.exited', { code: run.code ?? '?' })
        : t('ui:run.running');
      push(c.dim(head), 4);
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
  return { lines: lines.map((l) => trimRightToWidth(l, width)), anchors };
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
