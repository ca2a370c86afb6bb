// Command-line parsing: pure, so every flag and every error message is unit-tested.
import { EXPORT_FORMATS, type ExportFormat } from './instructor/export/formats.js';
import type { Lang, Translate } from './i18n/types.js';
import { parseTargetSpec, type TargetSpec } from './remote/ssh-config.js';

export type Command =
  | { kind: 'tui' }
  /** `emitScript`: print the read-only batch as a POSIX sh script instead of checking (nothing connects). */
  | { kind: 'check'; page?: number; json: boolean; emitScript?: boolean }
  | { kind: 'reset'; page?: number; yes: boolean }
  | { kind: 'lab'; action: 'up'; downloads?: string }
  | { kind: 'lab'; action: 'status'; json: boolean }
  | { kind: 'lab'; action: 'reset' }
  | { kind: 'lab'; action: 'down'; purge: boolean }
  /** The chapter as one Markdown file; `out` "-" is stdout, absent is the default file name. */
  | { kind: 'export'; lang?: Lang; out?: string }
  /** The learner's own record as a file for the instructor (default ./kthw-tutor-report-<target>.json). */
  | { kind: 'report'; out?: string }
  | {
      kind: 'instructor';
      /** A roster (YAML) or an Ansible inventory (INI or YAML); optional with `ansibleResults`. */
      roster?: string;
      /** Run once and write this format (to `out`, default stdout); without it, the live board. */
      export?: ExportFormat;
      out?: string;
      /** Seconds between refreshes of the board (0: only on r). */
      intervalSec: number;
      /** Per student: connecting and checking. */
      timeoutSec: number;
      /** Students' report files (`kthw-tutor report`), for servers that cannot be reached. */
      reports?: string;
      /** Judge the JSON `ansible -m script` wrote (with the emitted batch) instead of connecting. */
      ansibleResults?: string;
    }
  /** Every command of the chapter (or page N) grouped by machine, with its directory; connects to nothing. */
  | { kind: 'dry-run'; page?: number }
  | { kind: 'help' }
  | { kind: 'version' };

/**
 * The server as the learner named it (`--target`, first run, `t`, saved settings), parsed once.
 * `typed` is what is shown, saved and resolved again (an ssh_config alias keeps its Host block);
 * the resolved address and the progress key come from resolving it (compose.ts openTarget).
 */
export interface TargetChoice {
  typed: string;
  spec: TargetSpec;
}

export interface CliOptions {
  command: Command;
  lang?: Lang;
  target?: TargetChoice;
  /** The learner's KTHW folder on the jumpbox (where `downloads/`, `units/`, `configs/` are). */
  workdir?: string;
  /** Another lesson pack (course folder), e.g. for tests or a study group's own pages. */
  lessons?: string;
  /** Use this ssh_config instead of ~/.ssh/config and /etc/ssh/ssh_config (as `ssh -F`). */
  sshConfig?: string;
  /** Practise on the lab server (`kthw-tutor lab up`): its ssh_config, jumpbox folder and wrappers. */
  lab?: boolean;
}

export class UsageError extends Error {}

/** Not a target. People see it as `ui:target.invalid` in their language (one message everywhere). */
export class TargetError extends UsageError {
  constructor(readonly value: string) {
    super(`"${value}" is not a target: write [user@]host[:port], e.g. root@server`);
  }
}

const VALUE_FLAGS = new Set([
  '--lang',
  '--target',
  '--page',
  '--workdir',
  '--lessons',
  '--ssh-config',
  '--downloads',
  '--out',
  '--export',
  '--interval',
  '--timeout',
  '--reports',
  '--ansible-results',
]);
const SWITCHES = ['--json', '--help', '--version', '--yes', '--lab', '--purge', '--emit-script', '--dry-run'];
const LAB_ACTIONS = ['up', 'status', 'reset', 'down'];

export function parseArgs(argv: readonly string[]): CliOptions {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg : arg.slice(0, eq);
      if (VALUE_FLAGS.has(name)) {
        const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
        if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
        values.set(name, value);
      } else if (SWITCHES.includes(name)) {
        switches.add(name);
      } else {
        throw new UsageError(`unknown option ${arg} (see kthw-tutor --help)`);
      }
    } else if (arg === '-h') switches.add('--help');
    else if (arg === '-v' || arg === '-V') switches.add('--version');
    else if (arg === '-y') switches.add('--yes');
    else positional.push(arg);
  }

  const options: Omit<CliOptions, 'command'> = {};
  const lang = values.get('--lang');
  if (lang !== undefined) {
    if (lang !== 'ko' && lang !== 'en') throw new UsageError(`--lang must be ko or en, not "${lang}"`);
    options.lang = lang;
  }
  const target = values.get('--target');
  if (target !== undefined) options.target = parseTarget(target);
  if (values.has('--workdir')) options.workdir = values.get('--workdir')!;
  if (values.has('--lessons')) options.lessons = values.get('--lessons')!;
  if (values.has('--ssh-config')) options.sshConfig = values.get('--ssh-config')!;
  if (switches.has('--lab')) {
    if (options.sshConfig !== undefined || options.target !== undefined) {
      throw new UsageError('--lab chooses the server itself; leave out --target and --ssh-config');
    }
    options.lab = true;
  }

  if (switches.has('--help')) return { ...options, command: { kind: 'help' } };
  if (switches.has('--version')) return { ...options, command: { kind: 'version' } };

  const [name, ...rest] = positional;
  const out = values.get('--out');
  if (out !== undefined && name !== 'export' && name !== 'report' && name !== 'instructor') {
    throw new UsageError('--out goes with export, report and instructor --export');
  }
  for (const flag of ['--export', '--interval', '--timeout', '--reports', '--ansible-results']) {
    if (values.has(flag) && name !== 'instructor') throw new UsageError(`${flag} goes with instructor`);
  }
  if (switches.has('--emit-script') && name !== 'check') throw new UsageError('--emit-script goes with check');
  const pageFlag = values.get('--page');
  const page = pageFlag !== undefined ? parsePage(pageFlag) : undefined;
  if (switches.has('--dry-run')) {
    if (name !== undefined) throw new UsageError(`--dry-run goes alone (kthw-tutor --dry-run [--page N] [--lang ko|en]), not with ${name}`);
    return { ...options, command: { kind: 'dry-run', ...(page ? { page } : {}) } };
  }
  switch (name) {
    case undefined:
      return { ...options, command: { kind: 'tui' } };
    case 'check':
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}" after check`);
      if (switches.has('--emit-script') && switches.has('--json')) throw new UsageError('--emit-script prints a script; leave out --json');
      return {
        ...options,
        command: { kind: 'check', json: switches.has('--json'), ...(page ? { page } : {}), ...(switches.has('--emit-script') ? { emitScript: true } : {}) },
      };
    case 'reset': {
      if (rest.length > 1) throw new UsageError(`unexpected argument "${rest[1]}" after reset`);
      const p = rest[0] !== undefined ? parsePage(rest[0]) : page;
      return { ...options, command: { kind: 'reset', yes: switches.has('--yes'), ...(p ? { page: p } : {}) } };
    }
    case 'lab': {
      const [action, extra] = rest;
      if (action === undefined || !LAB_ACTIONS.includes(action)) {
        throw new UsageError(`lab needs one of: ${LAB_ACTIONS.join(', ')}${action ? ` (not "${action}")` : ''}`);
      }
      if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" after lab ${action}`);
      const downloads = values.get('--downloads');
      if (downloads !== undefined && action !== 'up') throw new UsageError('--downloads goes with lab up');
      if (action === 'up') return { ...options, command: { kind: 'lab', action, ...(downloads ? { downloads } : {}) } };
      if (action === 'status') return { ...options, command: { kind: 'lab', action, json: switches.has('--json') } };
      if (action === 'down') return { ...options, command: { kind: 'lab', action, purge: switches.has('--purge') } };
      return { ...options, command: { kind: 'lab', action: 'reset' } };
    }
    case 'export':
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}" after export (write the file name as --out FILE)`);
      if (pageFlag !== undefined) throw new UsageError('export writes the whole chapter; leave out --page');
      // The language may also come from a saved setting or the locale (cli.tsx decides, as for every command).
      return {
        ...options,
        command: { kind: 'export', ...(options.lang ? { lang: options.lang } : {}), ...(out !== undefined ? { out } : {}) },
      };
    case 'report': {
      const out = values.get('--out');
      return { ...options, command: { kind: 'report', ...(out !== undefined ? { out } : {}) } };
    }
    case 'instructor': {
      const roster = positional[1];
      const ansibleResults = values.get('--ansible-results');
      if (!roster && ansibleResults === undefined) {
        throw new UsageError('instructor needs the roster: kthw-tutor instructor ROSTER (a roster YAML or an Ansible inventory)');
      }
      if (rest.length > 1) throw new UsageError(`unexpected argument "${rest[1]}" after instructor ${rest[0]}`);
      const format = values.get('--export');
      if (format !== undefined && !(EXPORT_FORMATS as readonly string[]).includes(format)) {
        throw new UsageError(`--export must be one of ${EXPORT_FORMATS.join(', ')}, not "${format}"`);
      }
      const out = values.get('--out');
      const reports = values.get('--reports');
      return {
        ...options,
        command: {
          kind: 'instructor',
          ...(roster ? { roster } : {}),
          ...(format !== undefined ? { export: format as ExportFormat } : {}),
          ...(out !== undefined ? { out } : {}),
          intervalSec: seconds(values.get('--interval') ?? '30', '--interval', 0),
          timeoutSec: seconds(values.get('--timeout') ?? '20', '--timeout', 1),
          ...(reports !== undefined ? { reports } : {}),
          ...(ansibleResults !== undefined ? { ansibleResults } : {}),
        },
      };
    }
    default:
      throw new UsageError(`unknown command "${name}" (commands: check, reset, export, report, instructor, lab; see kthw-tutor --help)`);
  }
}

function seconds(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > 3600) throw new UsageError(`${flag} is whole seconds from ${min} to 3600, not "${text}"`);
  return n;
}

function parsePage(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`a page is a number from 1, not "${text}"`);
  return n;
}

/**
 * The one target parser (argv, first run, `t`, saved settings): `[user@]host[:port]` as ssh users
 * write it (parsed by the SSH layer), or a TargetError.
 */
export function parseTarget(text: string): TargetChoice {
  const typed = text.trim();
  const spec = parseTargetSpec(typed);
  if (!spec) throw new TargetError(text);
  return { typed, spec };
}

/** The one way a target that does not parse is told, wherever it was typed (other errors as they are). */
export function targetProblem(err: unknown, t: Translate): string {
  return err instanceof TargetError ? t('ui:target.invalid', { value: err.value }) : (err as Error).message;
}

/** parseTarget for forms: the target, or the problem in `t`'s language. */
export function parseTargetIn(value: string, t: Translate): { ok: true; target: TargetChoice } | { ok: false; problem: string } {
  try {
    return { ok: true, target: parseTarget(value) };
  } catch (err) {
    return { ok: false, problem: targetProblem(err, t) };
  }
}

/** `--lang` as written in argv, for messages about argv itself (it may not parse as a whole). */
export function langInArgv(argv: readonly string[]): Lang | undefined {
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i] === '--lang' ? argv[i + 1] : argv[i]!.startsWith('--lang=') ? argv[i]!.slice('--lang='.length) : undefined;
    if (value === 'ko' || value === 'en') return value;
  }
  return undefined;
}

/** Exit codes, as `--help` and the README list them; scripts rely on them. */
export const EXIT = {
  OK: 0,
  /** A check did not pass; also any unexpected error (cli.tsx `fail`), and reset declined or not saved. */
  CHECKS_FAILED: 1,
  USAGE: 2,
  /** `check` could not reach or log in to the server, or its host key was not trusted. */
  UNREACHABLE: 3,
} as const;

export const HELP_TEXT = `kthw-tutor — Kubernetes the Hard Way, chapter 8, step by step, checked on your server

Usage:
  kthw-tutor [options]                 open the tutor (interactive terminal)
  kthw-tutor check [--page N] [--json] check the server; exit 0 only if every check passes
  kthw-tutor check --emit-script [--page N]
                                       print the instructor's read-only checks as one POSIX sh
                                       script (for ansible -m script); connects to nothing
  kthw-tutor --dry-run [--page N]      print every command of the chapter (or page N) in order,
                                       by machine and working directory; connects to nothing
  kthw-tutor reset [N] [--yes]         forget recorded progress (of page N, or all); asks first
  kthw-tutor export --lang ko|en [--out FILE]
                                       the whole chapter as one Markdown file, to read offline
                                       or print (default ./kthw-tutor-chapter8-<lang>.md;
                                       --out - writes to stdout; without --lang: the language
                                       the tutor would start in)
  kthw-tutor report [--out FILE]       your own record as a file for your instructor (steps, first
                                       passes, attempts, hints, quiz answers, check evidence)
  kthw-tutor instructor ROSTER [--interval S] [--timeout S] [--reports DIR]
                                       the whole class at a glance: every student's server checked
                                       read-only (ROSTER: a roster YAML or an Ansible inventory)
  kthw-tutor instructor ROSTER --export json|csv|md|junit|html [--out FILE]
                                       check once and write a report (default: stdout)
  kthw-tutor instructor [ROSTER] --ansible-results FILE [--export ...]
                                       judge what ANSIBLE_LOAD_CALLBACK_PLUGINS=1
                                       ANSIBLE_STDOUT_CALLBACK=json ansible all -i INV -m script
                                       -a SCRIPT wrote (hosts from ROSTER, or from FILE)
  kthw-tutor lab up [--downloads DIR]  build and boot a practice server on this machine (Linux, root)
  kthw-tutor lab status [--json]       is it running, which binaries, which units are active
  kthw-tutor lab reset                 the practice server back to the state before chapter 8
  kthw-tutor lab down [--purge]        stop it and remove its namespace, veth and mount
                                       (--purge also deletes its files; the image cache stays)

Options:
  --lang ko|en             language (default: from LANG / LC_ALL)
  --target [user@]host[:port]  the server to check (default: root@server, as ~/.ssh/config resolves it)
  --workdir DIR            your kubernetes-the-hard-way folder on the jumpbox
                           (default: ~/kubernetes-the-hard-way)
  --lessons DIR            use another lesson pack (a folder with course.yaml)
  --out FILE               where export, report and instructor --export write (- for stdout)
  --interval S             instructor: seconds between refreshes (default 30; 0: only on r)
  --timeout S              instructor: limit per student, connecting and checking (default 20)
  --reports DIR            instructor: students' report files, used for servers that cannot be reached
  --ansible-results FILE   instructor: judge Ansible's JSON results instead of connecting
  --emit-script            check: print the read-only batch as a sh script instead of checking
  --ssh-config FILE        read this ssh config instead of ~/.ssh/config (like ssh -F)
  --lab                    practise on the lab server (after kthw-tutor lab up)
  -h, --help               this help
  -v, --version            print the version

Environment:
  NO_COLOR      no colours        XDG_STATE_HOME  where progress is kept (per server)
  KTHW_LAB_DIR  the lab's files (default /var/lib/kthw-tutor/lab)
  KTHW_LAB_CACHE  the lab's image cache (default /var/cache/kthw-tutor)

Exit codes:
  0  done; for check: every check passed
  1  check: a check did not pass; any command: an unexpected error (one line on stderr);
     reset declined or could not save
  2  usage error (unknown option, bad value, no such page, no --yes without a terminal)
  3  check: could not reach or log in to the server, or its host key was not trusted
`;
