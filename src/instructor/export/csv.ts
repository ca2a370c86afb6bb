// The class as CSV for a spreadsheet: one row per student, one column per step. UTF-8 with a BOM
// (without it Excel reads Korean names as mojibake), RFC 4180 quoting, CRLF line ends.
// Numbers stay separate columns: "3/12" would turn into a date in a spreadsheet.
import type { Translate } from '../../i18n/types.js';
import { stepOf, type ClassSnapshot } from '../snapshot.js';
import { clean, stateLabel, summarize } from './common.js';

// A cell a spreadsheet would read as a formula (or DDE): = + - @ or a leading tab / CR, also after
// spaces. Prefixed with ' so it shows as text (OWASP's advice for CSV injection).
const FORMULA_START = /^[\t\r]|^\s*[=+\-@]/;

/** One field: neutralized if it could start a formula, quoted if it holds a quote, comma or line end. */
export function csvField(value: string | number): string {
  let text = typeof value === 'number' ? String(value) : clean(value);
  if (typeof value !== 'number' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function exportCsv(snapshot: ClassSnapshot, t: Translate): string {
  const steps = snapshot.pages.flatMap((p, i) => p.steps.map((s, j) => ({ id: s.id, header: `${i + 1}.${j + 1} ${s.title}` })));
  const c = (key: string) => t(`instructor:report.column.${key}`);
  const header = [
    c('name'),
    c('target'),
    c('source'),
    c('reach'),
    c('pagesDone'),
    c('stepsPassed'),
    c('stepsTotal'),
    c('currentStep'),
    c('stuckForMinutes'),
    ...steps.map((s) => s.header),
  ];
  const rows = snapshot.students.map((student) => {
    const s = summarize(snapshot, student, t);
    return [
      s.name,
      s.target,
      s.source,
      s.reach,
      s.pagesDone,
      s.stepsPassed,
      s.stepsTotal,
      s.currentStep,
      s.stuckForMs !== undefined ? Math.floor(s.stuckForMs / 60_000) : '',
      ...steps.map((step) => stateLabel(stepOf(student, step.id).status, t)),
    ];
  });
  return `\ufeff${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}
