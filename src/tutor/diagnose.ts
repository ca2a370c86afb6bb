// Which of a step's diagnostics apply, decided only from evidence: check results, probed
// journals, and the exit status and output of the learner's last run. Pure.
import type { CheckResult, ProbeResult } from '../checks/result.js';
import { textMatches } from '../checks/text-match.js';
import type { Diagnostic } from '../course/schema.js';

export interface Evidence {
  checks: CheckResult[] | null;
  probes: ProbeResult[];
  run: { code: number | null; output: string } | null;
}

/** Everything a failed check found, as one text a diagnostic can match against. */
function checkText(c: CheckResult): string {
  const found = c.findings.map((f) => `${f.property}: ${f.found ?? ''}`).join('\n');
  return [found, c.evidence, c.error ?? ''].join('\n');
}

function holds(d: Diagnostic, ev: Evidence): boolean {
  const w = d.when;
  if (w.check !== undefined || w.found !== undefined) {
    const failed = (ev.checks ?? []).filter((c) => c.status !== 'pass' && (w.check === undefined || c.checkId === w.check));
    if (failed.length === 0) return false;
    if (w.found && !failed.some((c) => textMatches(w.found!, checkText(c)))) return false;
  }
  if (w.exit !== undefined && (ev.run === null || ev.run.code !== w.exit)) return false;
  if (w.output !== undefined && (ev.run === null || !textMatches(w.output, ev.run.output))) return false;
  if (w.journal !== undefined) {
    const probe = ev.probes.find((p) => p.probeId === `journal:${w.journal!.unit}`);
    if (!probe || !textMatches(w.journal.match, probe.text)) return false;
  }
  return true;
}

/** Ids of the diagnostics whose every condition holds, in the order the lesson lists them. */
export function matchDiagnostics(diagnostics: readonly Diagnostic[], ev: Evidence): string[] {
  return diagnostics.filter((d) => holds(d, ev)).map((d) => d.id);
}
