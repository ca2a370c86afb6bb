// Reads what `ANSIBLE_STDOUT_CALLBACK=json ansible all -i INV -m script -a SCRIPT` wrote: per
// host, the script's stdout, or why it did not run. The file is untrusted input (it carries
// every student's output, and may be anything at all): every shape is checked, and a problem is
// one error naming the file and the place in it, never a stack trace.
import { readFileSync, statSync } from 'node:fs';
import { sanitizeTerminal } from '../text/sanitize.js';

export interface AnsibleHostResult {
  /** The inventory hostname, sanitized for display. */
  host: string;
  /** The script's stdout (absent when it did not run). */
  stdout?: string;
  rc?: number;
  unreachable: boolean;
  failed: boolean;
  skipped: boolean;
  /** Ansible's message, sanitized, one line. */
  msg: string;
}

export interface AnsibleResults {
  file: string;
  /** In the order the file lists them (the last script result of each host). */
  hosts: AnsibleHostResult[];
  /** When the script task ended, by Ansible's clock (ms), if it says. */
  endedAt?: number;
}

export type AnsibleProblemCode = 'unreadable' | 'tooLarge' | 'plainOutput' | 'notJson' | 'shape' | 'noScript';

/** Codes and their parameters; the text is `instructor:ansible.problem.<code>` (English in `message`). */
export class AnsibleResultsError extends Error {
  override readonly name = 'AnsibleResultsError';
  constructor(
    readonly file: string,
    readonly code: AnsibleProblemCode,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`${file}: ${EN[code].replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(params[k] ?? ''))}`);
  }
}

export const EN: Record<AnsibleProblemCode, string> = {
  unreadable: 'cannot read the Ansible results ({{reason}}); check the path and its permissions',
  tooLarge: 'is {{size}} MB, more than the {{max}} MB the tutor reads at once; run Ansible on a part of the class per file (--limit)',
  plainOutput:
    "is Ansible's plain output, not JSON: ad-hoc `ansible` ignores ANSIBLE_STDOUT_CALLBACK unless ANSIBLE_LOAD_CALLBACK_PLUGINS=1 is set too; run it again with both",
  notJson: 'is not JSON ({{detail}}); write it with ANSIBLE_STDOUT_CALLBACK=json (stdout only: warnings go to stderr)',
  shape: 'at {{path}}: expected {{expected}}; this is not what `ANSIBLE_STDOUT_CALLBACK=json ansible ... -m script` writes',
  noScript: 'holds no results of the script module; run `ansible ... -m script -a SCRIPT` with the script from `kthw-tutor check --emit-script`',
};

/** Beyond this the file is refused rather than read (stdout appears twice in it: stdout and stdout_lines). */
export const MAX_RESULTS_BYTES = 400 * 1024 * 1024;
const MSG_CAP = 300;

export function readAnsibleResults(file: string): AnsibleResults {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_RESULTS_BYTES) {
      throw new AnsibleResultsError(file, 'tooLarge', { size: Math.ceil(size / 2 ** 20), max: MAX_RESULTS_BYTES / 2 ** 20 });
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof AnsibleResultsError) throw err;
    throw new AnsibleResultsError(file, 'unreadable', { reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
  }
  return parseAnsibleResults(text, file);
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A key as it is shown in a path: quoted, sanitized, short (it came from the file). */
const key = (k: string) => JSON.stringify(sanitizeTerminal(k).slice(0, 80));

export function parseAnsibleResults(text: string, file: string): AnsibleResults {
  let doc: Json;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    // The callback ad-hoc `ansible` falls back to without ANSIBLE_LOAD_CALLBACK_PLUGINS: `host | CHANGED => {`.
    if (/^[^\s|]+ \| [A-Z!]+(?: \| rc=\d+)? (?:=>|>>)/m.test(text)) throw new AnsibleResultsError(file, 'plainOutput');
    const detail = sanitizeTerminal((err as Error).message).split('\n')[0]!.slice(0, 200);
    throw new AnsibleResultsError(file, 'notJson', { detail });
  }
  const shape = (path: string, expected: string): never => {
    throw new AnsibleResultsError(file, 'shape', { path, expected });
  };
  if (!isObject(doc)) return shape('the top level', 'an object with "plays"');
  const plays = doc.plays;
  if (!Array.isArray(plays)) return shape('plays', 'a list');

  const byHost = new Map<string, AnsibleHostResult>();
  let endedAt: number | undefined;
  plays.forEach((play: Json, p) => {
    if (!isObject(play)) return shape(`plays[${p}]`, 'an object');
    const tasks = play.tasks;
    if (!Array.isArray(tasks)) return shape(`plays[${p}].tasks`, 'a list');
    tasks.forEach((task: Json, t) => {
      const at = `plays[${p}].tasks[${t}]`;
      if (!isObject(task)) return shape(at, 'an object');
      const hosts = task.hosts;
      if (!isObject(hosts)) return shape(`${at}.hosts`, 'an object of hosts');
      let script = false;
      for (const [name, r] of Object.entries(hosts)) {
        const here = `${at}.hosts[${key(name)}]`;
        if (!isObject(r)) return shape(here, 'an object');
        // Another task of a playbook (gather_facts, say) is not ours to judge.
        if (r.action !== undefined && r.action !== 'script') continue;
        script = true;
        const host = sanitizeTerminal(name).trim().slice(0, 255);
        if (host === '') return shape(here, 'a host name');
        for (const [field, type] of [['stdout', 'string'], ['rc', 'number'], ['unreachable', 'boolean'], ['failed', 'boolean'], ['skipped', 'boolean']] as const) {
          if (r[field] !== undefined && typeof r[field] !== type) return shape(`${here}.${field}`, `a ${type}`);
        }
        byHost.delete(host); // a later result of the same host wins, and moves to its place
        byHost.set(host, {
          host,
          ...(typeof r.stdout === 'string' ? { stdout: r.stdout } : {}),
          ...(typeof r.rc === 'number' ? { rc: r.rc } : {}),
          unreachable: r.unreachable === true,
          failed: r.failed === true,
          skipped: r.skipped === true,
          msg: oneLine(r.msg),
        });
      }
      if (script && isObject(task.task) && isObject(task.task.duration) && typeof task.task.duration.end === 'string') {
        const end = Date.parse(task.task.duration.end);
        if (Number.isFinite(end)) endedAt = end;
      }
    });
  });
  if (byHost.size === 0) throw new AnsibleResultsError(file, 'noScript');
  return { file, hosts: [...byHost.values()], ...(endedAt !== undefined ? { endedAt } : {}) };
}

/** Ansible's message (a string, or sometimes a list or object), as one safe line. */
function oneLine(msg: Json): string {
  const text = typeof msg === 'string' ? msg : msg === undefined || msg === null ? '' : JSON.stringify(msg);
  const line = sanitizeTerminal(text).replace(/\s+/g, ' ').trim();
  return line.length > MSG_CAP ? `${line.slice(0, MSG_CAP - 1)}…` : line;
}

/**
 * Undo the terminal Ansible ran the script on (ssh -tt): it turned every "\n" into "\r\n".
 * Only when every newline has its "\r" (output without a terminal is left as it is).
 */
export function untty(stdout: string): string {
  const newlines = stdout.split('\n').length - 1;
  const crlf = stdout.split('\r\n').length - 1;
  return newlines > 0 && newlines === crlf ? stdout.replace(/\r\n/g, '\n') : stdout;
}
