// The class as JUnit XML for CI dashboards: one testsuite per student, one testcase per step.
// passed: an empty testcase; failing / in progress: <failure> with expected and found; could not
// be checked: <error> with the reason; skipped (not read-only) and not started: <skipped>.
import type { Translate } from '../../i18n/types.js';
import { stepOf, type ClassSnapshot, type StudentRow, type StudentStep } from '../snapshot.js';
import { cleanLine, escapeMarkup as x, failingText, isoSeconds, reachText, stateLabel, stepLabel } from './common.js';

type Outcome = 'pass' | 'failure' | 'error' | 'skipped';

function outcomeOf(status: StudentStep['status']): Outcome {
  switch (status) {
    case 'passed':
      return 'pass';
    case 'failing':
    case 'in-progress':
      return 'failure';
    case 'unreachable':
      return 'error';
    case 'skipped':
    case 'not-started':
      return 'skipped';
  }
}

/** The body of a failure or error: every failing check, then the diagnostic and the evidence. */
function detailText(step: StudentStep, t: Translate): string {
  const lines = (step.failing ?? []).map((f) => `${cleanLine(f.checkId)}: ${failingText(f, t)}`);
  if (step.diagnostic !== undefined) lines.push('', `${t('instructor:report.diagnostic')}: ${step.diagnostic}`);
  if (step.evidence !== undefined) lines.push('', `${t('instructor:report.evidence')}:`, step.evidence);
  return lines.join('\n');
}

function testcase(snapshot: ClassSnapshot, student: StudentRow, pageId: string, stepId: string, t: Translate): { xml: string; outcome: Outcome } {
  const step = stepOf(student, stepId);
  const outcome = outcomeOf(step.status);
  const open = `    <testcase classname="${x(pageId, true)}" name="${x(stepLabel(snapshot, stepId), true)}" time="0"`;
  if (outcome === 'pass') return { xml: `${open}/>`, outcome };
  let inner: string;
  if (outcome === 'skipped') {
    inner = `<skipped message="${x(stateLabel(step.status, t), true)}"/>`;
  } else if (outcome === 'error') {
    const why = student.reach.kind !== 'ok' ? reachText(student.reach, t) : step.failing?.[0] ? failingText(step.failing[0], t) : stateLabel(step.status, t);
    inner = `<error message="${x(why, true)}" type="${x(student.reach.kind !== 'ok' ? student.reach.kind : 'unreachable', true)}">${x(detailText(step, t))}</error>`;
  } else {
    const first = step.failing?.[0];
    const message = first ? `${cleanLine(first.checkId)}: ${failingText(first, t)}` : stateLabel(step.status, t);
    inner = `<failure message="${x(message, true)}" type="${step.status}">${x(detailText(step, t))}</failure>`;
  }
  return { xml: `${open}>\n      ${inner}\n    </testcase>`, outcome };
}

export function exportJunit(snapshot: ClassSnapshot, t: Translate): string {
  // JUnit's timestamp has no zone and no fraction; ours is always UTC.
  const timestamp = x(isoSeconds(snapshot.takenAt), true);
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const suites = snapshot.students.map((student, k) => {
    const counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    const cases = snapshot.pages.flatMap((page) =>
      page.steps.map((step) => {
        const c = testcase(snapshot, student, page.id, step.id, t);
        counts.tests++;
        if (c.outcome === 'failure') counts.failures++;
        if (c.outcome === 'error') counts.errors++;
        if (c.outcome === 'skipped') counts.skipped++;
        return c.xml;
      }),
    );
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += counts[key];
    const props = [
      ['target', cleanLine(student.target)],
      ['source', student.source],
      ['reach', reachText(student.reach, t)],
      ['currentStep', student.currentStep !== undefined ? stepLabel(snapshot, student.currentStep) : ''],
    ]
      .map(([name, value]) => `      <property name="${x(name!, true)}" value="${x(value!, true)}"/>`)
      .join('\n');
    return [
      `  <testsuite id="${k}" name="${x(cleanLine(student.name), true)}" hostname="${x(cleanLine(student.target), true)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="0" timestamp="${timestamp}">`,
      `    <properties>\n${props}\n    </properties>`,
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${x(t('instructor:report.title'), true)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="0" timestamp="${timestamp}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
