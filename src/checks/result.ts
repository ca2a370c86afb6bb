// What a check found, as data. Rendering into the learner's language happens in describe.ts.
import type { CheckKind, Where } from './spec.js';

/** One compared property: e.g. property "mode", expected "0600", found "0644". */
export interface Finding {
  /** i18n key suffix under `check.property.*` (exists, mode, owner, active, status, ...). */
  property: string;
  expected: string;
  /** undefined when the property could not be read (e.g. the file is missing). */
  found: string | undefined;
  ok: boolean;
}

export type CheckStatus = 'pass' | 'fail' | 'error';

export interface CheckResult {
  checkId: string;
  kind: CheckKind;
  where: Where;
  /** What was checked, e.g. a path, a unit, "port 6443", a URL. */
  subject: string;
  status: CheckStatus;
  findings: Finding[];
  /** Raw text the server returned for this check, sanitized and capped; shown as evidence. */
  evidence: string;
  /** Set when status is "error": why the check could not run (timeout, missing tool, ...). */
  error?: string;
}

/**
 * A check as a batch measured it. The batch runs where it was sent and does not decide `where`:
 * whoever built the batch resolved it once (check's own, else its step's) and adds it by id.
 */
export type MeasuredCheck = Omit<CheckResult, 'where'>;

export interface ProbeResult {
  /** e.g. "journal:kube-apiserver" */
  probeId: string;
  text: string;
}

export interface BatchResult {
  checks: CheckResult[];
  probes: ProbeResult[];
  /** Milliseconds the whole batch took, for benchmarks and the status line. */
  elapsedMs: number;
}
