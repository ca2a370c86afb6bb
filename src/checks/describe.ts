// A check result in the learner's language: one line per property that did not match
// ("mode: expected 0600, found 0644"), or why the check could not run.
import type { Translate } from '../i18n/types.js';
import type { CheckResult, Finding } from './result.js';

/** Properties named "json:status.allowed" / "field:spec.clusterIP" keep their path. */
function propertyName(property: string, t: Translate): string {
  const [base = property, path] = property.split(':', 2);
  const name = t(`checks:property.${base}`);
  return path ? `${name} ${path}` : name;
}

function value(v: string | undefined, t: Translate): string {
  if (v === undefined || v === '') return t('checks:value.none');
  if (v === 'true') return t('checks:value.yes');
  if (v === 'false') return t('checks:value.no');
  return v.split('\n')[0]!.slice(0, 200);
}

export function describeFinding(f: Finding, t: Translate): string {
  return t('checks:finding', { property: propertyName(f.property, t), expected: value(f.expected, t), found: value(f.found, t) });
}

export function describeResult(result: CheckResult, t: Translate): string[] {
  if (result.status === 'error') {
    const error = result.error ?? '';
    if (error.startsWith('missing:')) return [t('checks:error.missing', { tool: error.slice('missing:'.length) })];
    if (error === 'timeout') return [t('checks:error.timeout')];
    if (error === 'incomplete') return [t('checks:error.incomplete')];
    if (error === 'offline') return [t('checks:error.offline')];
    return [t('checks:error.other', { reason: error.split('\n')[0] })];
  }
  return result.findings.filter((f) => !f.ok).map((f) => describeFinding(f, t));
}
