// The report format names alone, so argument parsing does not load the exporters.
export type ExportFormat = 'json' | 'csv' | 'md' | 'junit' | 'html';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'csv', 'md', 'junit', 'html'];
