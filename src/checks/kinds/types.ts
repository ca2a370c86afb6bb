// What every check kind provides: a shell fragment that gathers raw facts (printed as named
// fields), and a pure evaluation of those facts against what the lesson expects.
import type { KnownDigest, LocalFileFacts } from '../file-digests.js';
import type { CheckStatus, Finding } from '../result.js';

/** Raw text per field name, exactly as the server printed it. */
export type Fields = Readonly<Record<string, string>>;

/** Facts gathered once per batch and shared by the checks that need them (e.g. `ss`). */
export interface SharedFacts {
  ss?: string;
  /**
   * The jumpbox's side of `sameAs` comparisons, by the path the lesson names. Absent where the
   * jumpbox's files are not at hand (instructor mode): then nothing is compared.
   */
  jumpbox?: ReadonlyMap<string, LocalFileFacts>;
}

/** What a gather fragment may know from earlier batches (hashes of unchanged server files). */
export interface GatherContext {
  knownDigest(path: string): KnownDigest | undefined;
}

export const NO_GATHER_CONTEXT: GatherContext = { knownDigest: () => undefined };

export interface Evaluation {
  subject: string;
  status: CheckStatus;
  findings: Finding[];
  /** Set for status "error": `missing:<tool>` or a sentence. */
  error?: string;
}

export interface CheckKindModule<S> {
  /** POSIX sh that prints fields with `_f <name>` then the field's text. Values go through shq. */
  gather(spec: S, context: GatherContext): string;
  evaluate(spec: S, fields: Fields, shared: SharedFacts): Evaluation;
  /** The evidence kept from the fields, when not all of them (file contents never are). */
  evidence?(spec: S, fields: Fields, shared: SharedFacts): string;
}

export function finding(property: string, expected: string, found: string | undefined, ok: boolean): Finding {
  return { property, expected, found, ok };
}

/** pass when every finding is ok, else fail. */
export function judged(subject: string, findings: Finding[]): Evaluation {
  return { subject, findings, status: findings.every((f) => f.ok) ? 'pass' : 'fail' };
}

export function missingTool(subject: string, fields: Fields): Evaluation | undefined {
  const tool = fields.missing?.trim();
  return tool ? { subject, status: 'error', findings: [], error: `missing:${tool}` } : undefined;
}

/** Sh that prints `missing` and stops this check when a tool is absent. */
export function requireTool(tool: string): string {
  return `command -v ${tool} >/dev/null 2>&1 || { _f missing; echo ${tool}; exit 0; }`;
}
