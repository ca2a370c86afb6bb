// The instructor's board as lines of text, pure: one row per student (name, progress, one cell
// per page or, for the expanded page, per step, the step they are on, how long they are stuck),
// and the drill-down of one student. Widths are measured in terminal cells, so Korean names
// (two cells a character) line up with Latin ones. The Ink board and the plain-text fallback
// both draw these lines.
import stringWidth from 'string-width';
import type { Translate } from '../../i18n/types.js';
import { cutToWidth, wrapLines } from '../../ui/wrap.js';
import { cleanLine, failingText, STATE_SYMBOL, stateLabel, summarize, reachText, sourceText, clean } from '../export/common.js';
import { stepOf, type ClassSnapshot, type SnapshotPage, type StepState, type StudentRow } from '../snapshot.js';

/** A page's state for one student, from its steps: what a page column shows. */
export function pageState(page: SnapshotPage, student: StudentRow): StepState {
  if (student.reach.kind !== 'ok' && student.source === 'live') return 'unreachable';
  const states = page.steps.map((s) => stepOf(student, s.id).status);
  const counted = states.filter((s) => s !== 'skipped');
  if (counted.length === 0) return states.length > 0 ? 'skipped' : 'not-started';
  if (counted.every((s) => s === 'passed')) return 'passed';
  if (counted.includes('failing')) return 'failing';
  if (counted.includes('in-progress') || counted.includes('passed')) return 'in-progress';
  if (counted.includes('unreachable')) return 'unreachable';
  return 'not-started';
}

/** `text` padded or cut to exactly `width` cells. */
export function fit(text: string, width: number): string {
  const cut = cutToWidth(text, width);
  return cut + ' '.repeat(Math.max(0, width - stringWidth(cut)));
}

export interface BoardLayout {
  width: number;
  /** Index of the page shown step by step, if any. */
  expandedPage: number | null;
}

export interface BoardLines {
  header: string;
  rows: string[];
}

/** The matrix: a header and one line per student, each exactly `width` cells or less. */
export function boardLines(snapshot: ClassSnapshot, students: readonly StudentRow[], layout: BoardLayout, t: Translate): BoardLines {
  const summaries = students.map((s) => summarize(snapshot, s, t));
  const cells = (s: StudentRow) =>
    snapshot.pages
      .map((page, i) =>
        i === layout.expandedPage
          ? `[${page.steps.map((st) => STATE_SYMBOL[stepOf(s, st.id).status]).join('')}]`
          : STATE_SYMBOL[pageState(page, s)],
      )
      .join(' ');
  const pageHeader = snapshot.pages
    .map((page, i) => (i === layout.expandedPage ? `[${fit(String(i + 1), page.steps.length)}]` : String((i + 1) % 10)))
    .join(' ');
  const matrixWidth = stringWidth(pageHeader);
  const progressWidth = 7; // "23/23 " and a space
  const currentWidth = 5; // "6.10"
  const stuckWidth = 10;
  const nameCol = t('instructor:board.column.name');
  const longest = Math.max(stringWidth(nameCol), ...summaries.map((s) => stringWidth(s.name)));
  const rest = progressWidth + matrixWidth + 1 + currentWidth + 1 + stuckWidth;
  const nameWidth = Math.max(6, Math.min(longest, 24, layout.width - rest - 2));
  const line = (name: string, progress: string, matrix: string, current: string, stuck: string) =>
    cutToWidth(`${fit(name, nameWidth)} ${fit(progress, progressWidth - 1)} ${matrix} ${fit(current, currentWidth)} ${stuck}`.trimEnd(), layout.width);
  const header = line(
    nameCol,
    t('instructor:board.column.progress'),
    pageHeader,
    t('instructor:board.column.current'),
    t('instructor:board.column.stuck'),
  );
  const rows = students.map((s, i) => {
    const sum = summaries[i]!;
    const current = s.currentStep ? (sum.currentStep.split(' ')[0] ?? '') : '';
    const stuck = s.reach.kind !== 'ok' && s.source === 'live' ? reachText(s.reach, t) : sum.stuckFor;
    return line(sum.name, `${sum.stepsPassed}/${sum.stepsTotal}`, cells(s), current, stuck);
  });
  return { header, rows };
}

/** One student in full: how they were reached, then every step not passed with what failed. */
export function detailLines(snapshot: ClassSnapshot, student: StudentRow, width: number, t: Translate): string[] {
  const sum = summarize(snapshot, student, t);
  const out: string[] = [];
  const add = (text: string, indent = 0) => {
    for (const l of wrapLines(' '.repeat(indent) + text, width)) out.push(l);
  };
  add(`${sum.name}  ${sum.target}`);
  add(`${reachText(student.reach, t)} · ${sourceText(student.source, t)} · ${sum.progress}`);
  if (sum.currentStep) add(`${t('instructor:board.column.current')}: ${sum.currentStep}${sum.stuckFor ? ` (${sum.stuckFor})` : ''}`);
  for (const [p, page] of snapshot.pages.entries()) {
    for (const [i, step] of page.steps.entries()) {
      const st = stepOf(student, step.id);
      if (st.status === 'passed' || st.status === 'not-started') continue;
      out.push('');
      add(`${STATE_SYMBOL[st.status]} ${p + 1}.${i + 1} ${cleanLine(step.title)} — ${stateLabel(st.status, t)}`);
      for (const f of st.failing ?? []) add(`${cleanLine(f.checkId)}: ${failingText(f, t)}`, 2);
      if (st.diagnostic) add(`${t('instructor:report.diagnostic')}: ${cleanLine(st.diagnostic)}`, 2);
      if (st.evidence) {
        add(`${t('instructor:report.evidence')}:`, 2);
        for (const l of clean(st.evidence).split('\n').slice(0, 8)) out.push(cutToWidth(`    ${l}`, width));
      }
    }
  }
  return out;
}
