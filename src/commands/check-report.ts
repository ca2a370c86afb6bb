// `kthw-tutor check`: the outcome of checking pages, as text for people and JSON for scripts.
// Pure: built from the session's state after the checks ran.
import type { CheckResult } from '../checks/result.js';
import type { Translate } from '../i18n/types.js';
import { checkedStatus, stepStatus, type CoursePlan, type StepStatus, type TutorState } from '../tutor/state.js';
import type { PageView } from '../ui/document.js';

export interface StepReport {
  id: string;
  title: string;
  status: StepStatus;
  checks: Array<Pick<CheckResult, 'checkId' | 'kind' | 'where' | 'subject' | 'status' | 'findings' | 'error'>>;
  diagnostics: Array<{ id: string; text: string }>;
}

export interface CheckReport {
  target: string;
  lang: string;
  ok: boolean;
  counts: { passed: number; failed: number; unavailable: number; locked: number };
  pages: Array<{ number: number; id: string; title: string; steps: StepReport[] }>;
}

export function buildCheckReport(input: {
  plan: CoursePlan;
  state: TutorState;
  pages: PageView[];
  pageNumbers: number[];
  target: string;
}): CheckReport {
  const counts = { passed: 0, failed: 0, unavailable: 0, locked: 0 };
  const pages = input.pageNumbers.map((n) => {
    const view = input.pages[n - 1]!;
    const planPage = input.plan.pages[n - 1]!;
    const steps = planPage.steps.map((s, i): StepReport => {
      const facts = input.state.facts[s.id];
      // A script asks "is the server right?", so a step's own checks decide, not the gate.
      let status = stepStatus(input.plan, input.state, n - 1, i);
      if (status === 'locked' && facts?.checks) status = checkedStatus(facts.checks);
      if (status === 'passed') counts.passed++;
      else if (status === 'failed') counts.failed++;
      else if (status === 'locked') counts.locked++;
      else counts.unavailable++;
      const stepView = view.steps[i];
      return {
        id: s.id,
        title: stepView?.title ?? s.id,
        status,
        checks: (facts?.checks ?? []).map(({ checkId, kind, where, subject, status: st, findings, error }) => ({
          checkId,
          kind,
          where,
          subject,
          status: st,
          findings,
          ...(error ? { error } : {}),
        })),
        diagnostics: (facts?.diagnostics ?? []).map((id) => ({ id, text: stepView?.diagnostics[id] ?? id })),
      };
    });
    return { number: n, id: planPage.id, title: view.title, steps };
  });
  const ok = counts.failed === 0 && counts.unavailable === 0 && counts.locked === 0 && counts.passed > 0;
  return { target: input.target, lang: input.state.lang, ok, counts, pages };
}

export function formatCheckReport(
  report: CheckReport,
  t: Translate,
  describe: (r: CheckResult, t: Translate) => string[],
): string {
  const out: string[] = [];
  const icon: Record<StepStatus, string> = {
    passed: 'PASS',
    failed: 'FAIL',
    unavailable: 'N/A ',
    locked: 'LOCK',
    ready: '....',
    running: '....',
    checking: '....',
  };
  for (const page of report.pages) {
    out.push(`${page.number}. ${page.title}`);
    for (const step of page.steps) {
      out.push(`  ${icon[step.status]} ${step.id}: ${step.title}`);
      for (const c of step.checks) {
        if (c.status === 'pass') continue;
        out.push(`       ${c.status === 'fail' ? '✘' : '⚠'} ${c.subject}`);
        for (const line of describe({ ...c, evidence: '' } as CheckResult, t)) out.push(`         ${line}`);
      }
      for (const d of step.diagnostics) {
        const first = d.text.split('\n').find((l) => l.trim()) ?? d.id;
        out.push(`       → ${first.trim()}`);
      }
    }
  }
  const c = report.counts;
  out.push('');
  out.push(`${c.passed} passed, ${c.failed} failed, ${c.unavailable} unavailable`);
  return out.join('\n') + '\n';
}
