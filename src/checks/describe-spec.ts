// What a check *will* look at, before it has run, in the learner's language: "the kube-apiserver
// service: running, enabled at boot". describe.ts words a result (what was found); this words the
// spec from steps.yaml, for readers who are not at a terminal (the Markdown export).
// Pure. Every line reads "<subject>: <condition>, <condition>" so no language has to bend its
// grammar around a path or a command; `code` wraps literal values (inline code in Markdown).
import type { Translate } from '../i18n/types.js';
import { normalizeMode } from './kinds/file.js';
import type { CheckSpec, TextMatch, Where } from './spec.js';

export type CodeFormat = (literal: string) => string;

/** One line for a check of a step that runs on `stepWhere`. */
export function describeCheckSpec(spec: CheckSpec, stepWhere: Where, t: Translate, code: CodeFormat = (s) => s): string {
  const { subject, conditions } = parts(spec, t, code);
  const where = spec.where ?? stepWhere;
  // Only say where a check runs when it differs from the step (e.g. copy on the jumpbox, check on the server).
  const on = where === stepWhere ? '' : ` ${t('checks:spec.on', { where: t(`ui:where.${where}`) })}`;
  return `${subject}: ${conditions.join(', ')}${on}`;
}

function parts(spec: CheckSpec, t: Translate, code: CodeFormat): { subject: string; conditions: string[] } {
  const prop = (name: string, value: string) => t('checks:spec.property', { property: t(`checks:property.${name}`), value });
  switch (spec.kind) {
    case 'file': {
      // `or` lists later places of the same file (page 2 moves them); any one of them counts.
      const subject = [spec.path, ...(spec.or ?? [])].map(code).reduce((a, b) => t('checks:spec.or', { first: a, other: b }));
      if (!spec.exists) return { subject, conditions: [t('checks:spec.file.absent')] };
      const conditions = [t('checks:spec.file.exists')];
      if (spec.type) conditions.push(t(`checks:spec.file.type.${spec.type}`));
      if (spec.mode) conditions.push(prop('mode', code(normalizeMode(spec.mode))));
      if (spec.owner) conditions.push(prop('owner', code(spec.owner)));
      if (spec.group) conditions.push(prop('group', code(spec.group)));
      if (spec.sha256) conditions.push(prop('sha256', code(`${spec.sha256.slice(0, 12)}…`)));
      if (spec.contains !== undefined) conditions.push(prop('contains', code(spec.contains)));
      if (spec.sameAs !== undefined) conditions.push(t('checks:spec.file.sameAs', { path: code(spec.sameAs) }));
      return { subject, conditions };
    }
    case 'service': {
      const conditions: string[] = [];
      if (spec.active !== undefined) conditions.push(t(spec.active ? 'checks:spec.service.active' : 'checks:spec.service.inactive'));
      if (spec.enabled !== undefined) conditions.push(t(spec.enabled ? 'checks:spec.service.enabled' : 'checks:spec.service.disabled'));
      if (spec.stable !== undefined) conditions.push(t(spec.stable ? 'checks:spec.service.stable' : 'checks:spec.service.unstable'));
      // With nothing else asked, the check still requires systemd to know the unit.
      if (conditions.length === 0) conditions.push(t('checks:spec.service.loaded'));
      return { subject: t('checks:spec.service.subject', { name: code(spec.name) }), conditions };
    }
    case 'port': {
      const conditions = [t(spec.listening ? 'checks:spec.port.listening' : 'checks:spec.port.closed')];
      if (spec.process) conditions.push(prop('process', code(spec.process)));
      return { subject: t('checks:spec.port.subject', { port: spec.port }), conditions };
    }
    case 'http': {
      const conditions = [prop('status', code(String(spec.status)))];
      if (spec.body) conditions.push(match('body', spec.body, t, code));
      if (spec.json) conditions.push(prop('json', code(`${spec.json.path} = ${spec.json.equals}`)));
      return { subject: code(spec.url), conditions };
    }
    case 'command': {
      const conditions: string[] = [];
      if (spec.stdout) conditions.push(match('stdout', spec.stdout, t, code));
      if (spec.stderr) conditions.push(match('stderr', spec.stderr, t, code));
      // Exit status 0 goes without saying next to an expected output; any other status is news.
      if (spec.exit !== 0 || conditions.length === 0) conditions.unshift(prop('exit', code(String(spec.exit))));
      return { subject: code(spec.run), conditions };
    }
    case 'kube': {
      const name = `${spec.resource}/${spec.name}${spec.namespace ? ` -n ${spec.namespace}` : ''}`;
      const conditions = [t(spec.exists ? 'checks:spec.kube.exists' : 'checks:spec.kube.absent')];
      if (spec.field) conditions.push(prop('field', code(`${spec.field.path} = ${spec.field.equals}`)));
      return { subject: code(name), conditions };
    }
  }
}

/** "output contains `x`": one condition per way the lesson wrote the expectation. */
function match(property: string, m: TextMatch, t: Translate, code: CodeFormat): string {
  const name = t(`checks:property.${property}`);
  const out: string[] = [];
  if (m.equals !== undefined) out.push(t('checks:spec.match.equals', { property: name, text: code(m.equals) }));
  if (m.contains !== undefined) out.push(t('checks:spec.match.contains', { property: name, text: code(m.contains) }));
  if (m.matches !== undefined) out.push(t('checks:spec.match.matches', { property: name, text: code(m.matches) }));
  return out.join(', ');
}
