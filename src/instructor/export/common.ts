// What every class report shares: cleaning untrusted text, the words and symbols of a state, and
// the derived columns (progress, current step, stuck for). Each format escapes the cleaned text
// for itself; cleaning first means no format ever carries a terminal escape or bidi control.
import type { Translate } from '../../i18n/types.js';
import { sanitizeTerminal } from '../../text/sanitize.js';
import { locateStep, progressOf, stuckForMs, type ClassSnapshot, type FailingCheck, type Reach, type StepState, type StudentRow } from '../snapshot.js';

// A lone surrogate (from a broken or hostile UTF-16 source) is not text in UTF-8 or XML.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Unicode non-characters: never text, and U+FFFE/U+FFFF are not even allowed in XML.
const NON_CHARACTER = /[\ufdd0-\ufdef\ufffe\uffff]/g;

/** Untrusted text without control sequences, bidi/zero-width characters, lone surrogates or non-characters. */
export function clean(text: string): string {
  return sanitizeTerminal(text).replace(LONE_SURROGATE, '?').replace(NON_CHARACTER, '');
}

/** Cleaned and on one line: for names, targets, reasons and table cells. */
export function cleanLine(text: string): string {
  return clean(text).replace(/\s+/g, ' ').trim();
}

/** Symbols that tell the states apart without colour (a projector, a colour-blind reader). */
export const STATE_SYMBOL: Readonly<Record<StepState, string>> = {
  passed: '✓',
  failing: '✗',
  'in-progress': '◐',
  'not-started': '·',
  skipped: '–',
  unreachable: '?',
};

const STATE_KEY: Readonly<Record<StepState, string>> = {
  passed: 'passed',
  failing: 'failing',
  'in-progress': 'inProgress',
  'not-started': 'notStarted',
  skipped: 'skipped',
  unreachable: 'unreachable',
};

export function stateLabel(state: StepState, t: Translate): string {
  return t(`instructor:report.state.${STATE_KEY[state]}`);
}

const REACH_KEY: Readonly<Record<Reach['kind'], string>> = {
  ok: 'ok',
  unreachable: 'unreachable',
  auth: 'auth',
  'host-key-unknown': 'hostKeyUnknown',
  'host-key-changed': 'hostKeyChanged',
  timeout: 'timeout',
  error: 'error',
};

/** "reachable", or the kind of failure and its (untrusted, cleaned) reason. */
export function reachText(reach: Reach, t: Translate): string {
  const label = t(`instructor:report.reach.${REACH_KEY[reach.kind] ?? 'error'}`);
  if (reach.kind === 'ok') return label;
  const reason = cleanLine(reach.reason);
  return reason ? `${label}: ${reason}` : label;
}

export function sourceText(source: StudentRow['source'], t: Translate): string {
  return t(`instructor:report.source.${source === 'report' ? 'report' : 'live'}`);
}

/** "12 min", "1 h 05 min", "<1 min". */
export function durationText(ms: number, t: Translate): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return t('instructor:report.duration.lessThanMinute');
  if (minutes < 60) return t('instructor:report.duration.minutes', { m: minutes });
  return t('instructor:report.duration.hoursMinutes', { h: Math.floor(minutes / 60), m: String(minutes % 60).padStart(2, '0') });
}

/** "2026-12-03 13:30 UTC": the same on every machine, whatever its time zone. */
export function takenAtText(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return cleanLine(iso);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** takenAt to the second, no zone ("2026-12-03T13:30:00", always UTC); empty when unreadable. */
export function isoSeconds(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 19);
}

/** "3.2 Start the services" for a step id, or the (cleaned) id when the course has no such step. */
export function stepLabel(snapshot: ClassSnapshot, stepId: string): string {
  const at = locateStep(snapshot.pages, stepId);
  return at ? `${at.page}.${at.step} ${cleanLine(at.stepTitle)}` : cleanLine(stepId);
}

/** The derived columns every tabular format shows, already cleaned and translated. */
export interface StudentSummary {
  name: string;
  target: string;
  reach: string;
  source: string;
  pagesDone: number;
  pagesTotal: number;
  stepsPassed: number;
  stepsTotal: number;
  progress: string;
  /** Empty when the student has finished (or nothing could be checked). */
  currentStep: string;
  stuckForMs: number | undefined;
  stuckFor: string;
}

export function summarize(snapshot: ClassSnapshot, student: StudentRow, t: Translate): StudentSummary {
  const p = progressOf(snapshot.pages, student);
  const stuck = stuckForMs(student, snapshot.takenAt);
  return {
    name: cleanLine(student.name),
    target: cleanLine(student.target),
    reach: reachText(student.reach, t),
    source: sourceText(student.source, t),
    ...p,
    progress: t('instructor:report.progress', { passed: p.stepsPassed, total: p.stepsTotal, pages: p.pagesDone, pagesTotal: p.pagesTotal }),
    currentStep: student.currentStep !== undefined ? stepLabel(snapshot, student.currentStep) : '',
    stuckForMs: stuck,
    stuckFor: stuck !== undefined ? durationText(stuck, t) : '',
  };
}

/** Only names our check kinds use are looked up; anything else (a student's file) is shown as is. */
export function propertyLabel(property: string, t: Translate): string {
  const [base = property, path] = property.split(':', 2);
  if (!/^[a-z0-9]+$/.test(base)) return cleanLine(property);
  const key = `property.${base}`;
  const name = t(`checks:${key}`);
  const shown = name === key || name === `checks:${key}` ? base : name;
  return path ? `${shown} ${cleanLine(path)}` : shown;
}

const ERROR_KEYS = new Set(['timeout', 'incomplete', 'offline']);

/** One line per failing check, in the snapshot's language: "mode: expected 0600, found 0644". */
export function failingText(f: FailingCheck, t: Translate): string {
  if (f.error !== undefined) {
    const error = cleanLine(f.error);
    if (error.startsWith('missing:')) return t('checks:error.missing', { tool: error.slice('missing:'.length) });
    if (ERROR_KEYS.has(error)) return t(`checks:error.${error}`);
    return t('checks:error.other', { reason: error });
  }
  if (f.property === undefined) return t('instructor:report.checkFailed');
  return t('checks:finding', { property: propertyLabel(f.property, t), expected: shortValue(f.expected, t), found: shortValue(f.found, t) });
}

/** As the tutor shows a value in one line: yes/no for booleans, the first line, capped. */
function shortValue(v: string | null, t: Translate): string {
  if (v === null || v.trim() === '') return t('checks:value.none');
  if (v === 'true') return t('checks:value.yes');
  if (v === 'false') return t('checks:value.no');
  const line = cleanLine(clean(v).split('\n')[0]!);
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Raw values for tables (cleaned, newlines kept): the "nothing" word where a value is missing. */
export function valueText(v: string | null, t: Translate): string {
  if (v === null || v === '') return t('checks:value.none');
  return clean(v);
}

/**
 * Untrusted text as XML/HTML character data or a double- or single-quoted attribute value:
 * cleaned (which also drops every character XML 1.0 forbids), markup characters as entities. In attributes, tabs and
 * line ends become references so a parser keeps them instead of normalizing them to spaces.
 */
export function escapeMarkup(text: string, attribute = false): string {
  const escaped = clean(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
  return attribute ? escaped.replace(/\n/g, '&#10;').replace(/\t/g, '&#9;') : escaped;
}
