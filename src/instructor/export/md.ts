// The class as Markdown (a wiki page, an issue, a chat): a summary table, one matrix table per
// page, then what is failing for each student, with the server's evidence in code blocks.
import type { Translate } from '../../i18n/types.js';
import { STEP_STATES, stepOf, type ClassSnapshot, type StudentRow } from '../snapshot.js';
import { clean, cleanLine, failingText, STATE_SYMBOL, stateLabel, summarize, takenAtText } from './common.js';

// Inline Markdown that could turn text into markup (emphasis, code, links and images need "[",
// raw HTML, table cells, strikethrough): escaped with a backslash, which CommonMark allows before
// any ASCII punctuation. `&` too, so a "&lt;" from a server stays literally that.
const INLINE_SPECIAL = /[\\`*_[\]<>|~&#]/g;

/** One line of untrusted text, inert inside a paragraph or a table cell. */
export function mdInline(text: string): string {
  return cleanLine(text).replace(INLINE_SPECIAL, (c) => `\\${c}`);
}

/** A fenced block no line of the text can close: the fence is longer than any backtick run in it. */
export function mdCodeBlock(text: string): string {
  const body = clean(text).replace(/\n+$/, '');
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${body}\n${fence}`;
}

const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
const table = (header: readonly string[], rows: readonly string[][]) =>
  [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');

function details(snapshot: ClassSnapshot, student: StudentRow, t: Translate): string[] {
  const out: string[] = [];
  for (const [p, page] of snapshot.pages.entries()) {
    for (const [i, step] of page.steps.entries()) {
      const s = stepOf(student, step.id);
      if (!s.failing?.length && s.diagnostic === undefined && s.evidence === undefined) continue;
      out.push(`#### ${p + 1}.${i + 1} ${mdInline(step.title)} — ${STATE_SYMBOL[s.status]} ${mdInline(stateLabel(s.status, t))}`);
      for (const f of s.failing ?? []) out.push(`- ${mdInline(f.checkId)}: ${mdInline(failingText(f, t))}`);
      if (s.diagnostic !== undefined) out.push('', `**${mdInline(t('instructor:report.diagnostic'))}:** ${mdInline(s.diagnostic)}`);
      if (s.evidence !== undefined) out.push('', `**${mdInline(t('instructor:report.evidence'))}:**`, '', mdCodeBlock(s.evidence));
      out.push('');
    }
  }
  return out;
}

export function exportMarkdown(snapshot: ClassSnapshot, t: Translate): string {
  const c = (key: string) => mdInline(t(`instructor:report.column.${key}`));
  const summaries = snapshot.students.map((s) => summarize(snapshot, s, t));
  const out: string[] = [
    `# ${mdInline(t('instructor:report.title'))}`,
    '',
    mdInline(t('instructor:report.takenAt', { time: takenAtText(snapshot.takenAt) })) +
      ' · ' +
      mdInline(t('instructor:report.meta', { version: snapshot.tutorVersion, hash: snapshot.lessonPackHash })),
    '',
    mdInline(t('instructor:report.legend')) + ': ' + STEP_STATES.map((s) => `${STATE_SYMBOL[s]} ${mdInline(stateLabel(s, t))}`).join(' · '),
    '',
  ];
  if (snapshot.students.length === 0) {
    out.push(mdInline(t('instructor:report.noStudents')), '');
    return `${out.join('\n')}\n`;
  }

  out.push(`## ${mdInline(t('instructor:report.summary'))}`, '');
  out.push(
    table(
      [c('name'), c('target'), c('source'), c('reach'), c('progress'), c('currentStep'), c('stuckFor')],
      summaries.map((s) => [s.name, s.target, s.source, s.reach, s.progress, s.currentStep, s.stuckFor].map((x) => mdInline(x))),
    ),
    '',
  );

  for (const [p, page] of snapshot.pages.entries()) {
    out.push(`## ${p + 1}. ${mdInline(page.title)}`, '');
    out.push(
      table(
        [c('name'), ...page.steps.map((s, i) => `${p + 1}.${i + 1} ${mdInline(s.title)}`)],
        snapshot.students.map((student, k) => [
          mdInline(summaries[k]!.name),
          ...page.steps.map((step) => STATE_SYMBOL[stepOf(student, step.id).status]),
        ]),
      ),
      '',
    );
  }

  out.push(`## ${mdInline(t('instructor:report.details'))}`, '');
  for (const [k, student] of snapshot.students.entries()) {
    const s = summaries[k]!;
    out.push(`### ${mdInline(s.name)} (${mdInline(s.target)})`, '');
    out.push(`${mdInline(s.source)} · ${mdInline(s.reach)} · ${mdInline(s.progress)}`, '');
    const d = details(snapshot, student, t);
    const none = student.reach.kind !== 'ok' && student.source === 'live' ? 'notChecked' : 'noFailures';
    out.push(...(d.length > 0 ? d : [mdInline(t(`instructor:report.${none}`)), '']));
  }
  return `${out.join('\n').trimEnd()}\n`;
}
