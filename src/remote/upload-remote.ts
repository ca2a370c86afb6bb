// The server-side half of an upload that needs a shell: what is already there (size, mode,
// sha256), verifying a temp file, and (for the exec fallback) chmod + mv. Each is ONE script on
// stdin of `/bin/sh -s` (no login-shell start-up per file), paths single-quoted with shq, output
// one line per file, parsed strictly: nothing the server prints is evaluated.
import { shq } from '../text/shell-quote.js';
import type { Executor } from './executor.js';

export type RemoteState =
  | { kind: 'file'; size: number; mode: number }
  | { kind: 'missing' }
  /** A symlink, fifo, device...: replaced by the rename like anything but a directory. */
  | { kind: 'other' }
  | { kind: 'dir' }
  | { kind: 'nodir' };

/** The script's failure, with the server's stderr (raw: the caller sanitizes before display). */
export class RemoteScriptError extends Error {
  override readonly name = 'RemoteScriptError';
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const PREAMBLE = 'export LC_ALL=C\n';

/**
 * `sum256 FILE` prints the file's sha256. OpenSSL's is used when the server has it: Debian's
 * coreutils sha256sum has no SHA-NI path (measured here: 0.74 s per 295 MB against 0.28 s for
 * `openssl dgst`), and the check of every uploaded file runs one. sha256sum is the fallback.
 */
const SUM256 = `command -v openssl >/dev/null 2>&1 && ossl=1 || ossl=
sum256() {
  if [ -n "$ossl" ] && h=$(openssl dgst -sha256 -r 2>/dev/null < "$1") && [ \${#h} -ge 64 ]; then :
  else h=$(sha256sum < "$1") || return 1; fi
  printf '%s\\n' "\${h%% *}"
}
`;

/** Octal mode text as `stat -c %a` and `chmod` use it. */
export function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * What is at each final path, and whether a temp of an earlier, cut attempt is lying next to it.
 * Prints `<i> file <size> <mode>` / `missing` / `other` / `dir` / `nodir`, then `<i> leftover`.
 */
export function probeScript(entries: ReadonlyArray<{ path: string; dir: string; temp: string }>): string {
  const body = entries.map((e, i) => `p ${i} ${shq(e.path)} ${shq(e.dir)} ${shq(e.temp)}\n`).join('');
  return (
    PREAMBLE +
    `p() {
  if [ -L "$2" ]; then echo "$1 other"
  elif [ -d "$2" ]; then echo "$1 dir"
  elif [ -f "$2" ]; then s=$(stat -c '%s %a' -- "$2") && echo "$1 file $s" || echo "$1 unreadable"
  elif [ -e "$2" ]; then echo "$1 other"
  elif [ -d "$3" ]; then echo "$1 missing"
  else echo "$1 nodir"; fi
  if [ -e "$4" ] || [ -L "$4" ]; then echo "$1 leftover"; fi
}
` +
    body
  );
}

export interface Probe {
  states: RemoteState[];
  /** A temp from an earlier attempt is there (removed when the file turns out not to need sending). */
  leftovers: boolean[];
}

export function parseProbe(stdout: string, count: number): Probe {
  const states: Array<RemoteState | undefined> = new Array(count).fill(undefined);
  const leftovers: boolean[] = new Array(count).fill(false);
  for (const line of stdout.split('\n')) {
    const m = /^(\d+) (file (\d+) ([0-7]{1,5})|missing|other|dir|nodir|leftover|unreadable)$/.exec(line);
    if (!m) continue;
    const i = Number(m[1]);
    if (i >= count) continue;
    if (m[3] !== undefined) states[i] = { kind: 'file', size: Number(m[3]), mode: parseInt(m[4]!, 8) };
    else if (m[2] === 'leftover') leftovers[i] = true;
    // A file we cannot stat is replaced like anything else that is not a directory.
    else if (m[2] === 'unreadable') states[i] = { kind: 'other' };
    else states[i] = { kind: m[2] as 'missing' | 'other' | 'dir' | 'nodir' };
  }
  return {
    states: states.map((s, i) => {
      if (!s) throw new RemoteScriptError(`checking what is on the server gave no answer for file ${i + 1}`, '');
      return s;
    }),
    leftovers,
  };
}

/** sha256 of each file, one line per file as it is done: `<i> sum <hex>` or `<i> error`. */
export function sumsScript(items: ReadonlyArray<{ index: number; path: string }>): string {
  return (
    PREAMBLE +
    SUM256 +
    items.map(({ index, path }) => `h=$(sum256 ${shq(path)}) && echo "${index} sum $h" || echo "${index} error"\n`).join('')
  );
}

export function parseSumLine(line: string): { index: number; sha256: string | undefined } | undefined {
  const m = /^(\d+) (?:sum ([0-9a-f]{64})|error)$/.exec(line);
  return m ? { index: Number(m[1]), sha256: m[2] } : undefined;
}

export interface VerifyPlan {
  temp: string;
  size: number;
  sha256: string;
  /** Given: when the temp matches, chmod it and `mv -f` it over the final name (exec fallback). */
  place?: { final: string; mode: number };
}

/**
 * Checks the temp's size and sha256 against the local file; a mismatch removes the temp.
 * Prints `got <size> <sha256>` then `mismatch` / `ok` / `placed`, or `missing`.
 */
export function verifyScript(plan: VerifyPlan): string {
  if (!HEX64.test(plan.sha256)) throw new Error(`not a sha256: ${plan.sha256}`);
  const t = shq(plan.temp);
  const place = plan.place ? `chmod ${octal(plan.place.mode)} -- ${t} && mv -f -- ${t} ${shq(plan.place.final)} && echo placed\n` : 'echo ok\n';
  return (
    PREAMBLE +
    SUM256 +
    `if [ -f ${t} ] && [ ! -L ${t} ] && s=$(stat -c %s -- ${t}) && h=$(sum256 ${t}); then echo "got $s $h"; else echo missing; exit 0; fi
if [ "$s" != ${plan.size} ] || [ "$h" != ${plan.sha256} ]; then rm -f -- ${t}; echo mismatch; exit 0; fi
` +
    place
  );
}

export type VerifyOutcome =
  | { kind: 'ok' | 'placed' }
  | { kind: 'mismatch'; size: number | undefined; sha256: string | undefined }
  | { kind: 'missing' };

export function parseVerify(stdout: string, plan: VerifyPlan): VerifyOutcome | undefined {
  const lines = stdout.split('\n');
  if (lines.includes('missing')) return { kind: 'missing' };
  const got = lines.map((l) => /^got (\d+) ([0-9a-f]{64})?$/.exec(l)).find(Boolean);
  const size = got ? Number(got[1]) : undefined;
  const sha256 = got?.[2];
  if (lines.includes('mismatch')) return { kind: 'mismatch', size, sha256 };
  // Only trust a success the numbers agree with.
  if (!got || size !== plan.size || sha256 !== plan.sha256) return undefined;
  if (plan.place ? lines.includes('placed') : lines.includes('ok')) return { kind: plan.place ? 'placed' : 'ok' };
  return undefined;
}

export const chmodScript = (path: string, mode: number) => `${PREAMBLE}chmod ${octal(mode)} -- ${shq(path)}\n`;
export const moveScript = (from: string, to: string) => `${PREAMBLE}mv -f -- ${shq(from)} ${shq(to)}\n`;
export const removeScript = (paths: readonly string[]) => `${PREAMBLE}rm -f -- ${paths.map(shq).join(' ')}\n`;

/** Runs a script; a non-zero exit is a RemoteScriptError carrying stderr. */
export async function runScript(
  exec: Executor,
  script: string,
  what: string,
  options: { signal?: AbortSignal; onStdout?: (chunk: string) => void } = {},
): Promise<string> {
  const r = await exec.exec('/bin/sh -s', { stdin: script, maxOutputBytes: 256 * 1024, ...options });
  if (r.code !== 0) {
    const how = r.code === null ? `was killed (${r.signal ?? 'signal'})` : `exited with status ${r.code}`;
    throw new RemoteScriptError(`${what} ${how}`, r.stderr);
  }
  return r.stdout;
}
