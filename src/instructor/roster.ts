// The instructor's class list: our YAML roster, or an Ansible inventory (INI or YAML) because
// instructors usually have one. readRoster detects which, and every problem is reported as
// `file:line: what is wrong; what to do` (all at once for a roster, the first for an inventory,
// which is where ansible stops too).
//
// The YAML roster format (test/fixtures/rosters/class.yaml is a full example):
//
//   defaults:                      # optional; every student gets these unless they set the key
//     user: ubuntu                 #   keys: port, user, identity_file | identity_agent, proxy_jump
//     identity_file: ~/.ssh/class_ed25519
//   students:                      # required, a list; one entry per student
//     - name: 김민수               # required, any script, unique, kept exactly as written
//       host: 10.0.0.11            # required, name or address to connect to
//       port: 2201                 # 1-65535 (default 22, decided by the connecting code)
//       user: minsu
//       identity_file: ~/.ssh/minsu   # or identity_agent: /path/to/agent.sock, not both
//       proxy_jump: teacher@bastion.example:2222   # ssh -J syntax; `none` cancels a default
//       host_key: SHA256:...       # pinned host key fingerprint as `ssh-keygen -lf` prints it
//       groups: [월요일반]          # optional labels for filtering
//
// Inventories: see inventory.ts; the tutor also reads `kthw_host_key` and `kthw_identity_agent`
// host/group variables there, the roster's host_key and identity_agent.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLError, type YAMLMap } from 'yaml';
import { InventoryBuilder, InventoryStop, studentsOf } from './inventory.js';
import { parseIni } from './inventory-ini.js';
import { YamlInventoryReader } from './inventory-yaml.js';
import { checkFingerprint, checkProxyJump } from './roster-checks.js';
import { problem, RosterError, type Roster, type RosterProblem, type Student } from './roster-types.js';

export * from './roster-types.js';

const STUDENT_KEYS = ['name', 'host', 'port', 'user', 'identity_file', 'identity_agent', 'proxy_jump', 'host_key', 'groups'] as const;
const DEFAULT_KEYS = ['port', 'user', 'identity_file', 'identity_agent', 'proxy_jump'] as const;
const TOP_KEYS = ['defaults', 'students'] as const;
const YAML_EXTENSIONS = new Set(['.yaml', '.yml', '.json']); // ansible's yaml plugin default

/** Reads a roster or an Ansible inventory; throws RosterError listing what is wrong. */
export function readRoster(file: string): Roster {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new RosterError(file, [problem(file, 0, 'unreadable', { reason: e.code ?? e.message })]);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const ext = extname(file).toLowerCase();
  if (YAML_EXTENSIONS.has(ext) || ext === '') {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const ok = doc.errors.length === 0 && isMap(doc.contents);
    if (ok && isSeq((doc.contents as YAMLMap).get('students', true))) return readYamlRoster(file, doc.contents as YAMLMap, lineCounter);
    if (ok) return readInventory(file, text, 'ansible-yaml');
    if (YAML_EXTENSIONS.has(ext)) {
      if (doc.errors.length === 0) throw new RosterError(file, [problem(file, 1, 'roster-shape')]);
      throw yamlErrors(file, doc.errors, lineCounter);
    }
  }
  return readInventory(file, text, 'ansible-ini');
}

function yamlErrors(file: string, errors: readonly YAMLError[], lc: LineCounter): RosterError {
  return new RosterError(
    file,
    errors.map((e) => problem(file, lc.linePos(e.pos[0]).line, 'yaml-syntax', { detail: e.message.split('\n')[0]! })),
  );
}

function readInventory(file: string, text: string, format: 'ansible-ini' | 'ansible-yaml'): Roster {
  const inv = new InventoryBuilder(file);
  // ansible's host_group_vars plugin would read these; silently not reading them would connect differently.
  for (const dir of ['group_vars', 'host_vars']) {
    if (existsSync(join(dirname(file), dir))) throw new RosterError(file, [problem(file, 0, 'vars-dir', { dir: join(dirname(file), dir) })]);
  }
  try {
    if (format === 'ansible-ini') parseIni(inv, text);
    else {
      const lineCounter = new LineCounter();
      const doc = parseDocument(text, { lineCounter, version: '1.1', schema: 'failsafe', uniqueKeys: true, prettyErrors: false });
      if (doc.errors.length > 0) {
        throw yamlErrors(file, doc.errors, lineCounter);
      }
      new YamlInventoryReader(inv, doc, lineCounter).read();
    }
    inv.reconcile();
  } catch (err) {
    if (err instanceof InventoryStop) throw new RosterError(file, [err.problem]);
    throw err;
  }
  const warnings: RosterProblem[] = [];
  const students = studentsOf(inv, warnings);
  if (inv.problems.length > 0) throw new RosterError(file, inv.problems);
  if (students.length === 0) throw new RosterError(file, [problem(file, 0, 'no-students')]);
  return { file, format, students, warnings };
}

// --- our YAML roster ---------------------------------------------------------------------------

type Settings = Partial<Record<(typeof STUDENT_KEYS | typeof TOP_KEYS)[number], { node: Node; line: number }>>;

function readYamlRoster(file: string, top: YAMLMap, lc: LineCounter): Roster {
  const problems: RosterProblem[] = [];
  const lineOf = (node: unknown) => {
    const start = (node as Node | null)?.range?.[0];
    return start === undefined ? 0 : lc.linePos(start).line;
  };
  const report = (node: unknown, code: Parameters<typeof problem>[2], params: Record<string, string | number> = {}) =>
    problems.push(problem(file, lineOf(node), code, params));

  /** The known keys of a mapping; unknown ones reported. */
  const settings = (map: YAMLMap, allowed: readonly string[], where: string): Settings => {
    const out: Settings = {};
    for (const pair of map.items as Pair[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!allowed.includes(key)) {
        report(pair.key, 'unknown-key', { key, where, allowed: allowed.join(', ') });
        continue;
      }
      out[key as keyof Settings] = { node: (pair.value ?? pair.key) as Node, line: lineOf(pair.key) };
    }
    return out;
  };

  const text = (s: Settings, key: keyof Settings): string | undefined => {
    const entry = s[key];
    if (!entry) return undefined;
    const n = entry.node;
    if (isScalar(n) && typeof n.value === 'string') return n.value;
    if (isScalar(n) && n.value === null && key === 'proxy_jump') return 'none';
    report(n, 'not-text', { key, value: isScalar(n) ? String(n.value) : String(n) });
    return undefined;
  };

  const topSettings = settings(top, TOP_KEYS, '/');
  let defaults: Settings = {};
  if (topSettings.defaults) {
    const d = topSettings.defaults.node;
    if (isMap(d)) defaults = settings(d, DEFAULT_KEYS, 'defaults');
    else if (!(isScalar(d) && d.value === null)) report(d, 'roster-shape');
  }
  const studentsNode = topSettings.students!.node as unknown as { items: unknown[] };
  const students: Student[] = [];
  const firstLine = new Map<string, number>();

  for (const [index, item] of studentsNode.items.entries()) {
    if (!isMap(item)) {
      report(item, 'entry-shape');
      continue;
    }
    const own = settings(item, STUDENT_KEYS, `students[${index}]`);
    const line = lineOf(item);
    const before = problems.length;
    const name = text(own, 'name');
    const where = name ? `"${name}"` : `students[${index}]`;
    if (!own.name) report(item, 'missing-key', { where, key: 'name' });
    else if (name !== undefined && name.trim() === '') report(own.name.node, 'bad-name');
    const host = text(own, 'host');
    if (!own.host) report(item, 'missing-key', { where, key: 'host' });
    else if (host !== undefined && (host === '' || /[\s\p{Cc}]/u.test(host))) report(own.host.node, 'bad-host', { value: host });

    // A student's own identity setting replaces both default ones.
    if (own.identity_file && own.identity_agent) report(own.identity_agent.node, 'identity-conflict', { where });
    const merged: Settings = { ...defaults, ...own };
    if (own.identity_file || own.identity_agent) {
      merged.identity_file = own.identity_file;
      merged.identity_agent = own.identity_agent;
    }
    if (!own.identity_file && !own.identity_agent && defaults.identity_file && defaults.identity_agent) {
      // reported once for the defaults below
      merged.identity_agent = undefined;
    }

    let port: number | undefined;
    if (merged.port) {
      const n = merged.port.node;
      if (isScalar(n) && typeof n.value === 'number' && Number.isInteger(n.value) && n.value >= 1 && n.value <= 65535) port = n.value;
      else report(n, 'bad-port', { value: isScalar(n) ? String(n.value) : String(n) });
    }
    const user = text(merged, 'user');
    const identityFile = text(merged, 'identity_file');
    const identityAgent = text(merged, 'identity_agent');
    let proxyJump = text(merged, 'proxy_jump');
    if (proxyJump !== undefined && proxyJump.toLowerCase() === 'none') proxyJump = undefined;
    else if (proxyJump !== undefined && !checkProxyJump(proxyJump)) report(merged.proxy_jump!.node, 'bad-proxy-jump', { value: proxyJump });
    let hostKeyFingerprint: string | undefined;
    const hostKey = text(own, 'host_key');
    if (hostKey !== undefined) {
      hostKeyFingerprint = checkFingerprint(hostKey);
      if (!hostKeyFingerprint) report(own.host_key!.node, 'bad-fingerprint', { value: hostKey });
    }
    const groups: string[] = [];
    if (own.groups) {
      const g = own.groups.node;
      const items = isSeq(g) ? g.items : isScalar(g) && typeof g.value === 'string' ? [g] : null;
      if (!items) report(g, 'not-list', { key: 'groups' });
      for (const it of items ?? []) {
        if (isScalar(it) && typeof it.value === 'string' && it.value.trim() !== '') groups.push(it.value);
        else report(it, 'not-list', { key: 'groups' });
      }
    }
    if (name !== undefined && name.trim() !== '') {
      // Same name after Unicode normalization is the same student (NFC vs NFD Hangul looks identical).
      const k = name.normalize('NFC');
      const first = firstLine.get(k);
      if (first !== undefined) report(own.name!.node, 'duplicate-name', { name, first });
      else firstLine.set(k, lineOf(own.name!.node));
    }
    if (problems.length > before || name === undefined || host === undefined) continue;
    const student: Student = { name, host, groups: [...new Set(groups)].sort(), source: { file, line } };
    if (port !== undefined) student.port = port;
    if (user !== undefined) student.user = user;
    if (identityFile !== undefined) student.identityFile = identityFile;
    if (identityAgent !== undefined) student.identityAgent = identityAgent;
    if (proxyJump !== undefined) student.proxyJump = proxyJump;
    if (hostKeyFingerprint !== undefined) student.hostKeyFingerprint = hostKeyFingerprint;
    students.push(student);
  }
  if (defaults.identity_file && defaults.identity_agent) report(defaults.identity_agent.node, 'identity-conflict', { where: 'defaults' });
  if (studentsNode.items.length === 0) report(topSettings.students!.node, 'no-students');
  if (problems.length > 0) throw new RosterError(file, problems.sort((a, b) => a.line - b.line));
  return { file, format: 'roster', students, warnings: [] };
}

/** Exposed for tests: the keys a roster accepts. */
export const ROSTER_KEYS = { top: TOP_KEYS, defaults: DEFAULT_KEYS, student: STUDENT_KEYS };
