// Types shared by the roster readers (our YAML roster, Ansible INI and YAML inventories) and the
// one error they all throw. Every problem carries a code and its parameters, so the message can
// be shown translated (locales/<lang>/instructor.json, key `roster.<code>`); `message` is English.
import type { Translate } from '../i18n/types.js';

export interface SourceRef {
  file: string;
  /** 1-based; 0 when the problem is about the whole file. */
  line: number;
}

export interface Student {
  /** Any script, kept exactly as written (no Unicode normalization). For an inventory: the inventory hostname. */
  name: string;
  /** Address to connect to (ansible_host, or the inventory hostname). */
  host: string;
  port?: number;
  user?: string;
  /** As written: `~` is not expanded here. */
  identityFile?: string;
  /** Path of an ssh-agent socket. */
  identityAgent?: string;
  /** ssh `-J` syntax: `[user@]host[:port]`, several comma-separated. */
  proxyJump?: string;
  /** Pinned host key, `SHA256:` + 43 base64 characters (no `=` padding). */
  hostKeyFingerprint?: string;
  /** Every group the student is in, directly or through `children`, without `all`/`ungrouped`; sorted. */
  groups: string[];
  source: SourceRef;
}

export type RosterFormat = 'roster' | 'ansible-ini' | 'ansible-yaml';

export interface Roster {
  file: string;
  format: RosterFormat;
  students: Student[];
  /** Things in the file the tutor does not use but that do not change whom it connects to. */
  warnings: RosterProblem[];
}

export type RosterProblemCode = keyof typeof EN;

export type ProblemParams = Record<string, string | number>;

export interface RosterProblem extends SourceRef {
  code: RosterProblemCode;
  params: ProblemParams;
  /** English, without the `file:line: ` prefix. */
  message: string;
}

export function formatRosterProblem(p: RosterProblem, message: string = p.message): string {
  return p.line > 0 ? `${p.file}:${p.line}: ${message}` : `${p.file}: ${message}`;
}

/** The problem in the learner's language; same `file:line: ` prefix. */
export function translateRosterProblem(p: RosterProblem, t: Translate): string {
  return formatRosterProblem(p, t(`instructor:roster.${p.code}`, p.params));
}

export class RosterError extends Error {
  override readonly name = 'RosterError';
  constructor(
    readonly file: string,
    readonly problems: RosterProblem[],
  ) {
    const list = problems.map((p) => formatRosterProblem(p));
    super(list.length === 1 ? list[0]! : `${file} has ${list.length} problems:\n${list.map((l) => `  ${l}`).join('\n')}`);
  }
}

// English texts; locales/<lang>/instructor.json holds the same keys with the same {{placeholders}}.
// Parameters are file text, names and numbers only, never English phrases, so each translation is whole.
const EN = {
  unreadable: 'cannot read the roster ({{reason}}); check the path and its permissions',
  'yaml-syntax': 'not valid YAML ({{detail}}); fix the syntax here',
  'roster-shape': 'the roster must be a mapping with a "students:" list; see the example in the instructor section of the README',
  'entry-shape': 'each student must be a mapping like "- name: ...\n    host: ..."; this entry is not',
  'unknown-key': 'unknown key "{{key}}" in {{where}}; the keys are: {{allowed}}',
  'missing-key': '{{where}} has no "{{key}}"; add "{{key}}: ..."',
  'not-text': '"{{key}}" must be text, but YAML reads {{value}} as a number, boolean or list; put it in quotes',
  'not-list': '"{{key}}" must be a list of group names, e.g. {{key}}: [a, b]',
  'bad-name': 'a student name is empty; give every student a name',
  'bad-host': 'host "{{value}}" has spaces or control characters; write the address the instructor connects to',
  'bad-port': 'port {{value}} is not a TCP port; use a whole number from 1 to 65535',
  'bad-fingerprint':
    'host key "{{value}}" is not an SHA256 fingerprint; copy it from `ssh-keygen -lf` on the server (SHA256: followed by 43 characters)',
  'bad-proxy-jump': 'proxy jump "{{value}}" is not in ssh -J form; write [user@]host[:port], several separated by commas',
  'duplicate-name': 'student name "{{name}}" is already used on line {{first}}; give every student a different name',
  'identity-conflict': '{{where}} sets both identity_file and identity_agent; keep one of them',
  'no-students': 'the file lists no students; add at least one',
  'ini-section': 'section [{{section}}] has the unknown type "{{type}}"; use [name], [name:vars] or [name:children]',
  'ini-section-spaces': 'section header {{text}} is not valid; group names have no spaces, ":" or "]"',
  'ini-vars-line': '"{{text}}" in [{{group}}:vars] is not key=value; write one variable per line as key=value',
  'ini-host-var': '"{{text}}" after the host name is not key=value; write host variables as key=value, quoting values with spaces',
  'ini-quote': 'this line has a quote that is never closed; close it or remove it',
  'ini-group-name': '"{{text}}" in [{{group}}:children] is not a group name; write one group name per line',
  'ini-empty-host': 'the host name on this line is empty; write a host name first',
  'undefined-group': 'group "{{group}}" is listed in [{{parent}}:children] but never defined; add a [{{group}}] section',
  'vars-undefined-group': 'section [{{group}}:vars] is for a group that is never defined; add a [{{group}}] section or remove it',
  'group-cycle': 'group "{{group}}" would become its own ancestor through children; remove one of the links',
  'host-pattern': 'host "{{pattern}}" is not a host name, IPv4 address or range the tutor reads; write NAME or NAME:PORT (ranges as name[01:10])',
  'host-colon': 'host "{{pattern}}" ends in ":" with no port; write NAME:PORT or just NAME',
  'range-bad': 'the range in "{{pattern}}" is not valid; write [begin:end] or [begin:end:step], begin and end of equal length when zero-padded',
  'range-empty': 'the range in "{{pattern}}" names no host (begin is after end); swap begin and end',
  'range-large': 'the range in "{{pattern}}" names {{count}} hosts, more than the tutor handles ({{max}}); split the class',
  'key-not-text': 'YAML reads the name {{value}} as a number, boolean or date; put it in quotes',
  'group-shape': 'group "{{group}}" must be a mapping of hosts, vars and children (ansible skips it with a warning); fix or remove it',
  'section-shape': '"{{section}}" of group "{{group}}" must be a mapping (ansible refuses it); write one entry per line as name: ...',
  'group-key': '"{{key}}" in group "{{group}}" is not hosts, vars or children (ansible skips it with a warning); move it under vars: or remove it',
  'host-vars-shape': 'the variables of host "{{host}}" must be a mapping (key: value); ansible refuses anything else',
  'merge-key': 'YAML merge keys (<<) are not read by the tutor; write the keys out',
  'unsupported-var': '{{key}} is not read by the tutor; use {{instead}} instead',
  'password-var': '{{key}}: password login is not supported by the tutor; give the student a key (ansible_ssh_private_key_file) or use an ssh agent',
  'connection-var': 'ansible_connection={{value}} is not an ssh connection, which is all the tutor can use; remove it for this host',
  'ambiguous-value': 'the tutor cannot be sure how ansible reads {{key}}={{value}}; write the value in quotes, e.g. {{key}}="..."',
  'var-not-text': '{{key}}={{value}} is not text to ansible (it reads a number, boolean, None or list); put the value in quotes',
  templated: '{{key}} uses a Jinja template ({{value}}), which the tutor does not expand; write the final value',
  'ssh-arg': '"{{arg}}" in ansible_ssh_common_args would change how ssh connects, which the tutor does not do; use -o ProxyJump=... or -J only',
  'ssh-arg-ignored': '"{{arg}}" in ansible_ssh_common_args is ignored by the tutor (it reads only ProxyJump and -J)',
  'vars-dir': '{{dir}} next to the inventory is not read by the tutor; move those variables into the inventory file',
  'plugin-config':
    'this is an inventory plugin configuration, not a static inventory; save one with `ansible-inventory -i {{file}} --list --yaml > class.yaml` and use that',
} as const;

function fill(template: string, params: ProblemParams): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => String(params[k] ?? `{{${k}}}`));
}

export function problem(file: string, line: number, code: RosterProblemCode, params: ProblemParams = {}): RosterProblem {
  return { file, line, code, params, message: fill(EN[code], params) };
}

/** For the i18n test: every code and its English template. */
export const ROSTER_MESSAGES_EN: Readonly<Record<RosterProblemCode, string>> = EN;
