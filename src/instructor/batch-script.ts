// The instructor's read-only batch as a file for other runners (`ansible -m script`), and how
// their output is found again. The nonce is DERIVED from what the script checks (the plan's ids
// and the compiled script), not random: whoever reads the results recomputes it from the same
// lesson pack, so results match the plan that made them, and results of another pack or tutor
// version are refused instead of being judged against the wrong checks. Predictable is no loss:
// the script file itself lands on the student's server, so its nonce was never secret there;
// the nonce only keeps ordinary output (a file that happens to hold marker lines) from framing.
import { createHash } from 'node:crypto';
import { compileBatch } from '../checks/compile.js';
import type { Step } from '../course/schema.js';
import { planSurvey } from './survey.js';

export interface PageSelection {
  /** 1-based page numbers, ascending. */
  pages: number[];
  steps: Step[];
}

export interface BatchScript {
  script: string;
  nonce: string;
  /** `pages 1-6` or `page 3`: also in the script's header comment. */
  label: string;
}

const PLACEHOLDER = '0'.repeat(18);

export function selectionLabel(pages: readonly number[]): string {
  if (pages.length === 1) return `page ${pages[0]}`;
  const contiguous = pages.every((p, i) => i === 0 || p === pages[i - 1]! + 1);
  return contiguous ? `pages ${pages[0]}-${pages[pages.length - 1]}` : `pages ${pages.join(',')}`;
}

/** The nonce for a selection: the same steps compile to the same nonce, anything else to another. */
export function batchNonce(steps: readonly Step[]): string {
  const plan = planSurvey(steps);
  const { script } = compileBatch(plan.items, plan.probes, PLACEHOLDER);
  const hash = createHash('sha256').update('kthw-tutor batch v1\0');
  for (const item of plan.items) hash.update(item.id).update('\0');
  for (const p of plan.probes) hash.update(p.id).update('\0');
  return hash.update(script).digest('hex').slice(0, 18);
}

/**
 * The POSIX sh script of a selection. The compiled batch runs inside one brace group whose
 * stdin is /dev/null, stderr dropped and stdout a pipe: Ansible runs scripts on a terminal
 * (ssh -tt), where stderr would land inside frames and programs like systemctl would page or
 * colour. Through the pipe, each check sees what it sees in a live check.
 */
export function batchScript(selection: PageSelection): BatchScript {
  const plan = planSurvey(selection.steps);
  const nonce = batchNonce(selection.steps);
  const { script } = compileBatch(plan.items, plan.probes, nonce);
  const label = selectionLabel(selection.pages);
  const text = [
    '#!/bin/sh',
    `# kthw-tutor batch ${nonce} ${label}`,
    `# ${plan.items.length} read-only checks; it only reads. Run it on every student's server, e.g.`,
    '#   ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_STDOUT_CALLBACK=json ansible all -i INVENTORY -m script -a THIS_FILE > results.json',
    '# then: kthw-tutor instructor [ROSTER] --ansible-results results.json',
    '{',
    script.trimEnd(),
    '} </dev/null 2>/dev/null | cat',
    '',
  ].join('\n');
  return { script: text, nonce, label };
}

/** Every selection `check --emit-script` can print: the chapter, then each page on its own. */
export function emittableSelections(pages: ReadonlyArray<{ steps: readonly Step[] }>): PageSelection[] {
  const all = { pages: pages.map((_, i) => i + 1), steps: pages.flatMap((p) => p.steps) };
  return [all, ...pages.map((p, i) => ({ pages: [i + 1], steps: [...p.steps] }))];
}
