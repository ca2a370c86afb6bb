// Times from a fault to what the learner is told, for the fault table in a closing note. Written
// only when KTHW_FAULT_LOG names a file (one JSON object per line); the suite asserts outcomes,
// never these times.
import { appendFileSync } from 'node:fs';

export function logFault(fault: string, ms: number, outcome: string): void {
  const file = process.env.KTHW_FAULT_LOG;
  if (file) appendFileSync(file, JSON.stringify({ fault, ms: Math.round(ms), outcome }) + '\n');
}
