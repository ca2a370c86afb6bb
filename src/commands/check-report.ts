// `kthw-tutor check`: the outcome of checking pages, as text for people and JSON for scripts.
// Pure: built from the session's state after the checks ran.
import type { CheckResult } from '../checks/result.js';
import type { Translate } from '../i18n/types.js';
import type { ProgressNotice, SaveProblem } from '../progress/store.js';
import { checkedStatus, quizDone, stepStatus, type CoursePlan, type StepStatus, type TutorState } from '../tutor/state.js';
import type { PageView } from '../ui/document.js';

export interface StepReport {
  id: string;
  title: string;
  status: StepStatus;
  checks: Array<Pick<CheckResult, 'checkId' | 'kind' | 'where' | 'subject' | 'status' | 'findings' | 'error'>>;
  diagnostics: Array<{ id: string; text: string }>;
  /**
   * Quiz steps only. A quiz is answered in the app and kept in the progress record; `check`
   * cannot pass it, so an unanswered one keeps `ok` false and says why (`note`).
   */
  quiz?: { answered: number; total: number; note?: string };
}

export interface CheckReport {
  target: string;
  lang: string;
  ok: boolean;
  /** `quiz`: quiz steps not answered yet (in the app). */
  counts: { passed: number; failed: number; unavailable: number; locked: number; quiz: number };
  pages: Array<{ number: number; id: string; title: string; steps: StepReport[] }>;
  /** Local problems with the progress record (not saved, moved aside); they never change `ok`. */
  notices: ReportNotice[];
}

/** The progress notice or save problem as data (file, what was dropped…) plus its text. */
export type ReportNotice = (ProgressNotice | SaveProblem | SshConfigNotice) & { text: string };

/** An ssh_config line the tutor did not follow (no ssh binary to ask): said, never silent. */
export interface SshConfigNotice {
  kind: 'ssh-config';
  file: string;
  line: number;
  keyword: string;
}

export function buildCheckReport(input: {
  plan: CoursePlan;
  state: TutorState;
  pages: PageView[];
  pageNumbers: number[];
  target: string;
  /** For the learner-facing note on unanswered quizzes. */
  t?: Translate;
  notices?: ReportNotice[];
}): CheckReport {
  const counts = { passed: 0, failed: 0, unavailable: 0, locked: 0, quiz: 0 };
  const pages = input.pageNumbers.map((n) => {
    const view = input.pages[n - 1]!;
    const planPage = input.plan.pages[n - 1]!;
    const steps = planPage.steps.map((s, i): StepReport => {
      const facts = input.state.facts[s.id];
      // A script asks "is the server right?", so a step's own checks decide, not the gate.
      let status = stepStatus(input.plan, input.state, n - 1, i);
      const quiz = facts?.quiz;
      // Likewise a quiz's own answers decide (there is nothing on the server to look at).
      if (quiz && quizDone(quiz)) status = 'passed';
      else if (status === 'locked' && facts?.checks) status = checkedStatus(facts.checks);
      if (status === 'passed') counts.passed++;
      else if (quiz) counts.quiz++;
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
        ...(quiz ? { quiz: quizReport(quiz.passed.length, quiz.questions.length, status, input.t) } : {}),
      };
    });
    return { number: n, id: planPage.id, title: view.title, steps };
  });
  const ok = counts.failed === 0 && counts.unavailable === 0 && counts.locked === 0 && counts.quiz === 0 && counts.passed > 0;
  return { target: input.target, lang: input.state.lang, ok, counts, pages, notices: input.notices ?? [] };
}

function quizReport(answered: number, total: number, status: StepStatus, t: Translate | undefined): NonNullable<StepReport['quiz']> {
  const note = status !== 'passed' && t ? t('ui:quiz.report', { answered, total }) : undefined;
  return { answered, total, ...(note ? { note } : {}) };
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
      const unanswered = step.quiz && step.status !== 'passed';
      out.push(`  ${unanswered ? 'QUIZ' : icon[step.status]} ${step.id}: ${step.title}`);
      if (unanswered) out.push(`       → ${t('ui:quiz.report', { answered: step.quiz!.answered, total: step.quiz!.total })}`);
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
  out.push('');
  for (const n of report.notices) out.push(`! ${n.text}`);
  out.push(summaryLine(report.counts, t));
  return out.join('\n') + '\n';
}

/** `N passed, N failed, N unavailable` in the report's language; locked and quiz steps when there are any. */
export function summaryLine(c: CheckReport['counts'], t: Translate): string {
  return [
    t('ui:checkReport.summary', { passed: c.passed, failed: c.failed, unavailable: c.unavailable }),
    c.locked > 0 ? t('ui:checkReport.locked', { count: c.locked }) : '',
    c.quiz > 0 ? t('ui:checkReport.quiz', { count: c.quiz }) : '',
  ].join('');
}
