// Which checks may run on a server that is not the runner's own (instructor mode): the typed
// kinds only read by construction (stat, systemctl show, ss, curl GET, kubectl get); a `command`
// check runs only when its lesson pack marks it `readOnly` after review.
import type { CheckSpec } from './spec.js';

export function isReadOnly(spec: CheckSpec): boolean {
  return spec.kind !== 'command' || spec.readOnly;
}

/** Splits a step's checks into those that may run read-only and those that must be skipped. */
export function readOnlyPart<T extends { spec: CheckSpec }>(items: readonly T[]): { run: T[]; skipped: T[] } {
  const run: T[] = [];
  const skipped: T[] = [];
  for (const item of items) (isReadOnly(item.spec) ? run : skipped).push(item);
  return { run, skipped };
}
