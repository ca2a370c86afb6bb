// The report formats by name, for `instructor --export FORMAT` and the dashboard's export key.
import type { Translate } from '../../i18n/types.js';
import type { ClassSnapshot } from '../snapshot.js';
import { exportCsv } from './csv.js';
import { exportHtml } from './html.js';
import { exportJson } from './json.js';
import { exportJunit } from './junit.js';
import { exportMarkdown } from './md.js';

export type ExportFormat = 'json' | 'csv' | 'md' | 'junit' | 'html';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'csv', 'md', 'junit', 'html'];

export const EXPORTERS: Readonly<Record<ExportFormat, (snapshot: ClassSnapshot, t: Translate) => string>> = {
  json: exportJson,
  csv: exportCsv,
  md: exportMarkdown,
  junit: exportJunit,
  html: exportHtml,
};

/** The usual file name extension of each format (JUnit is XML). */
export const EXPORT_EXTENSION: Readonly<Record<ExportFormat, string>> = { json: 'json', csv: 'csv', md: 'md', junit: 'xml', html: 'html' };
