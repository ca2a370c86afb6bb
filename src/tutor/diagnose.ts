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
  if (w.port !== undefined) {
    // Not measured (no probe result, or no `ss`): unknown never confirms a diagnosis.
    const listening = portListening(ev.probes.find((p) => p.probeId === `port:${w.port!.port}`));
    if (listening === undefined || listening !== w.port.listening) return false;
  }
  return true;
}

/** A port probe's answer: the `ss -Htln` lines of that port (none: nothing listens). */
function portListening(probe: ProbeResult | undefined): boolean | undefined {
  if (!probe || probe.text.includes('@@missing')) return undefined;
  return probe.text.split('\n').some((l) => /^LISTEN\s/.test(l.trim()));
}

/**
 * Ids of the diagnostics whose every condition holds, in the order the lesson lists them, minus
 * those superseded by another that holds.
 */
export function matchDiagnostics(diagnostics: readonly Diagnostic[], ev: Evidence): string[] {
  const fired = diagnostics.filter((d) => holds(d, ev));
  const superseded = new Set(fired.flatMap((d) => d.supersedes ?? []));
  return fired.filter((d) => !superseded.has(d.id)).map((d) => d.id);
}
