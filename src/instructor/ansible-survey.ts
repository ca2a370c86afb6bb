// Ansible's results judged as the live survey judges: each host's stdout goes through the same
// survey code (surveyClass) with a "connection" that is already made and a batch runner that
// parses what Ansible brought back instead of running anything. Only which batch produced the
// output is found here: the chapter's, or one page's (`check --emit-script [--page N]`).
import { judgeBatchOutput } from '../checks/run.js';
import type { Step } from '../course/schema.js';
import type { Translate } from '../i18n/types.js';
import type { Executor } from '../remote/executor.js';
import type { ConnectionPool } from '../remote/pool.js';
import type { ResolvedTarget } from '../remote/ssh-config.js';
import { untty, type AnsibleHostResult, type AnsibleResults } from './ansible-results.js';
import { batchNonce, emittableSelections } from './batch-script.js';
import { surveyClass, type StudentSurvey } from './survey.js';

export interface AnsibleStudent {
  name: string;
  /** As the board and the stuck-time file know the student (roster: user@host:port; else the host). */
  label: string;
  /** The roster's address, to find a host that is not listed under the student's name. */
  host?: string;
}

export interface AnsibleSurvey {
  surveys: StudentSurvey[];
  /** Hosts in the results that no roster student claimed (only with a roster). */
  extraHosts: string[];
}

/** The students' surveys, in the students' order; without a roster, one student per host. */
export async function surveyFromAnsible(
  results: AnsibleResults,
  pages: ReadonlyArray<{ steps: readonly Step[] }>,
  t: Translate,
  roster?: readonly AnsibleStudent[],
): Promise<AnsibleSurvey> {
  const students: AnsibleStudent[] = roster ? [...roster] : results.hosts.map((h) => ({ name: h.host, label: h.host }));
  const byHost = new Map(results.hosts.map((h) => [h.host, h]));
  const claimed = new Set<string>();
  const matched = students.map((s) => {
    const own = byHost.get(s.name);
    if (own) claimed.add(own.host);
    return own;
  });
  // Second chance: the roster's address, if it names exactly one unclaimed host and one student.
  students.forEach((s, i) => {
    if (matched[i] || s.host === undefined) return;
    const sameHost = students.filter((o, j) => !matched[j] && o.host === s.host).length;
    const r = byHost.get(s.host);
    if (r && sameHost === 1 && !claimed.has(r.host)) {
      matched[i] = r;
      claimed.add(r.host);
    }
  });
  const candidates = emittableSelections(pages).map((sel) => ({ steps: sel.steps, nonce: batchNonce(sel.steps) }));
  const surveys = await Promise.all(students.map((s, i) => judgeHost(s, matched[i], candidates, results.file, t)));
  return { surveys, extraHosts: roster ? results.hosts.filter((h) => !claimed.has(h.host)).map((h) => h.host) : [] };
}

async function judgeHost(
  student: AnsibleStudent,
  result: AnsibleHostResult | undefined,
  candidates: ReadonlyArray<{ steps: Step[]; nonce: string }>,
  file: string,
  t: Translate,
): Promise<StudentSurvey> {
  const failed = (kind: 'unreachable' | 'error', reason: string): StudentSurvey => ({
    name: student.name,
    label: student.label,
    reach: { kind, reason },
    steps: {},
    elapsedMs: 0,
  });
  if (!result) return failed('error', t('instructor:ansible.reach.missing', { file }));
  if (result.unreachable) return failed('unreachable', t('instructor:ansible.reach.unreachable', { msg: result.msg || '-' }));
  if (result.skipped) return failed('error', t('instructor:ansible.reach.skipped', { msg: result.msg || '-' }));
  if (result.failed || result.stdout === undefined) {
    return failed('error', t('instructor:ansible.reach.failed', { msg: result.msg || '-', rc: result.rc ?? '-' }));
  }
  const stdout = untty(result.stdout);
  const batch = candidates.find((c) => stdout.includes(`@@kthw:${c.nonce}:`));
  if (!batch) return failed('error', t('instructor:ansible.reach.foreign'));

  // Nothing to connect to: Ansible did that. The survey code runs as for a live student.
  const pool = { connect: async () => undefined, executor: () => ({}) as Executor, close: async () => undefined };
  const target = { user: '', hostName: student.label, port: 0 } as ResolvedTarget;
  const [survey] = await surveyClass([{ name: student.name, target }], batch.steps, {
    pool: pool as unknown as ConnectionPool,
    runBatch: async (_executor, items, probes) => ({ ...judgeBatchOutput(items, probes, stdout, batch.nonce), elapsedMs: 0 }),
    t,
    timeoutMs: 60_000,
  });
  return { ...survey!, label: student.label };
}
