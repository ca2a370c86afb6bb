// Runs a batch: compile, ONE exec of `/bin/sh -s` with the script on stdin, parse, judge.
import type { Executor } from '../remote/executor.js';
import { redactSecrets } from '../text/redact.js';
import { sanitizeTerminal } from '../text/sanitize.js';
import { compileBatch, type BatchItem, type BatchProbe } from './compile.js';
import type { LocalFileDigests, LocalFileFacts, ServerDigestMemo } from './file-digests.js';
import { KINDS } from './kinds/index.js';
import type { Evaluation, Fields, SharedFacts } from './kinds/types.js';
import { parseFrames } from './parse/frames.js';
import type { MeasuredCheck, ProbeResult } from './result.js';
import type { CheckSpec } from './spec.js';

/**
 * Evidence kept per check in results (shown on screen, saved with a pass): key material is
 * redacted before the cut, so a cut can never leave half a secret unrecognised.
 */
const EVIDENCE_CAP = 4096;

export interface BatchOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The jumpbox's files, for `sameAs` comparisons; without it nothing is compared. */
  jumpboxFiles?: LocalFileDigests;
  /** Server hashes from earlier batches on this executor, reused while a file is unchanged. */
  serverDigests?: ServerDigestMemo;
}

export interface RunBatchResult {
  /** One per item, carrying the item's id (results are matched by id, not by position). */
  checks: MeasuredCheck[];
  probes: ProbeResult[];
  elapsedMs: number;
}

function subjectOf(spec: CheckSpec): string {
  switch (spec.kind) {
    case 'file':
      return spec.path;
    case 'service':
      return spec.name;
    case 'port':
      return `:${spec.port}`;
    case 'http':
      return spec.url;
    case 'command':
      return spec.run.split('\n')[0]!;
    case 'kube':
      return `${spec.resource}/${spec.name}`;
  }
}

function errorResult(item: BatchItem, error: string, evidence = ''): MeasuredCheck {
  return {
    checkId: item.id,
    kind: item.spec.kind,
    subject: subjectOf(item.spec),
    status: 'error',
    findings: [],
    evidence,
    error,
  };
}

export async function runBatch(
  executor: Executor,
  items: readonly BatchItem[],
  probes: readonly BatchProbe[] = [],
  options: BatchOptions = {},
): Promise<RunBatchResult> {
  const started = performance.now();
  const memo = options.serverDigests;
  const { script, nonce } = compileBatch(items, probes, undefined, {
    knownDigest: (path) => memo?.get(executor.label, path),
  });
  // The jumpbox's side is read while the server works on its own.
  const jumpbox = readJumpboxFacts(items, options.jumpboxFiles);
  let output: string;
  try {
    const r = await executor.exec('LC_ALL=C /bin/sh -s', {
      stdin: script,
      timeoutMs: options.timeoutMs ?? 60_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (r.timedOut) {
      return { checks: items.map((i) => errorResult(i, 'timeout')), probes: [], elapsedMs: performance.now() - started };
    }
    output = r.stdout;
    if (!output.includes(`@@kthw:${nonce}:`)) {
      // Sanitize first: stderr of nothing but escape codes must not leave an empty message.
      const why = sanitizeTerminal(r.stderr).trim().slice(0, 500) || `exit status ${r.code ?? r.signal}`;
      return { checks: items.map((i) => errorResult(i, why)), probes: [], elapsedMs: performance.now() - started };
    }
  } catch (err) {
    const why = sanitizeTerminal((err as Error).message).trim() || sanitizeTerminal((err as Error).name || 'Error');
    return { checks: items.map((i) => errorResult(i, why)), probes: [], elapsedMs: performance.now() - started };
  }

  const judged = judgeBatchOutput(items, probes, output, nonce, await jumpbox);
  if (memo) rememberDigests(executor.label, memo, items, output, nonce);
  return { ...judged, elapsedMs: performance.now() - started };
}

async function readJumpboxFacts(
  items: readonly BatchItem[],
  files: LocalFileDigests | undefined,
): Promise<ReadonlyMap<string, LocalFileFacts> | undefined> {
  if (!files) return undefined;
  const named = [...new Set(items.flatMap((i) => (i.spec.kind === 'file' && i.spec.sameAs !== undefined ? [i.spec.sameAs] : [])))];
  return new Map(await Promise.all(named.map(async (n) => [n, await files.facts(n)] as const)));
}

/** Keeps each hashed server file's signature and sha256 for the next batch. */
function rememberDigests(machine: string, memo: ServerDigestMemo, items: readonly BatchItem[], output: string, nonce: string): void {
  const frames = parseFrames(output, nonce);
  items.forEach((item, index) => {
    const fields = frames.checks.get(index)?.fields;
    const path = fields?.path;
    const signature = fields?.signature?.trim();
    const sha256 = fields?.sha256?.trim();
    if (item.spec.kind !== 'file' || !path || !signature || !sha256 || !/^[0-9a-f]{64}$/.test(sha256)) return;
    memo.record(machine, path, { signature, sha256 });
  });
}

/**
 * Parse and judge: a batch's stdout (framed by `nonce`) -> results, one per item. Where the
 * output came from (one exec here, or Ansible's `script` module) makes no difference.
 */
export function judgeBatchOutput(
  items: readonly BatchItem[],
  probes: readonly BatchProbe[],
  output: string,
  nonce: string,
  jumpbox?: ReadonlyMap<string, LocalFileFacts>,
): Omit<RunBatchResult, 'elapsedMs'> {
  const frames = parseFrames(output, nonce);
  // Sanitized like every field: a process name in the listener table reaches findings too.
  const shared: SharedFacts = {
    ...(frames.shared.ss !== undefined ? { ss: sanitizeTerminal(frames.shared.ss) } : {}),
    ...(jumpbox ? { jumpbox } : {}),
  };
  const checks = items.map((item, index): MeasuredCheck => {
    const frame = frames.checks.get(index);
    const fields = Object.fromEntries(Object.entries(frame?.fields ?? {}).map(([k, v]) => [k, sanitizeTerminal(v)]));
    const kind = KINDS[item.spec.kind] as {
      evaluate(s: CheckSpec, f: Fields, sh: SharedFacts): Evaluation;
      evidence?(s: CheckSpec, f: Fields, sh: SharedFacts): string;
    };
    const raw = kind.evidence
      ? kind.evidence(item.spec, fields, shared)
      : Object.entries(fields)
          .map(([k, v]) => `${k}: ${v.trim()}`)
          .join('\n');
    const evidence = redactSecrets(raw).slice(0, EVIDENCE_CAP);
    if (!frame || !frame.complete) return errorResult(item, 'incomplete', evidence);
    const e = kind.evaluate(item.spec, fields, shared);
    // Findings quote what was found (a command's stdout), and are shown and printed too.
    const findings = e.findings.map((f) => (f.found === undefined ? f : { ...f, found: redactSecrets(f.found) }));
    return {
      checkId: item.id,
      kind: item.spec.kind,
      subject: e.subject,
      status: e.status,
      findings,
      evidence: item.spec.kind === 'port' ? sanitizeTerminal(shared.ss ?? '').slice(0, EVIDENCE_CAP) : evidence,
      ...(e.error ? { error: e.error } : {}),
    };
  });
  const probeResults = probes.map((p, i) => ({ probeId: p.id, text: sanitizeTerminal(frames.probes.get(i) ?? '') }));
  return { checks, probes: probeResults };
}

/** The baseline the batch is measured against: one exec per check on the same executor. */
export async function runEachSeparately(
  executor: Executor,
  items: readonly BatchItem[],
  probes: readonly BatchProbe[] = [],
  options: BatchOptions = {},
): Promise<RunBatchResult> {
  const started = performance.now();
  const checks: MeasuredCheck[] = [];
  for (const item of items) checks.push(...(await runBatch(executor, [item], [], options)).checks);
  const probeResults: ProbeResult[] = [];
  for (const p of probes) probeResults.push(...(await runBatch(executor, [], [p], options)).probes);
  return { checks, probes: probeResults, elapsedMs: performance.now() - started };
}
