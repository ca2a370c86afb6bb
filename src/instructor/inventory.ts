// An Ansible inventory as ansible-core builds it (InventoryData: groups, hosts, children, vars),
// then each host's variables merged the way VariableManager does for `ansible-inventory --list`:
// `all` first, then every other group of the host sorted by (depth, ansible_group_priority, name),
// then the host's own variables; later wins. The five connection variables become a Student.
// Pure apart from the caller's file reading.
import type { InvValue } from './inventory-values.js';
import { shlexSplit } from './inventory-values.js';
import { problem, type RosterProblem, type RosterProblemCode, type ProblemParams, type Student } from './roster-types.js';
import { checkFingerprint, checkProxyJump } from './roster-checks.js';

export interface VarDef {
  value: InvValue;
  line: number;
  /** The value as written, for messages. */
  raw: string;
}

interface GroupModel {
  name: string;
  vars: Map<string, VarDef>;
  children: string[];
  parents: string[];
  hosts: string[];
  priority: number;
}

interface HostModel {
  name: string;
  line: number;
  vars: Map<string, VarDef>;
  groups: string[];
}

/** Thrown by the builder for a problem that stops reading (ansible stops there too). */
export class InventoryStop extends Error {
  constructor(readonly problem: RosterProblem) {
    super(problem.message);
  }
}

export class InventoryBuilder {
  readonly groups = new Map<string, GroupModel>();
  readonly hosts = new Map<string, HostModel>();
  readonly problems: RosterProblem[] = [];

  constructor(readonly file: string) {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped', 0);
  }

  stop(line: number, code: RosterProblemCode, params: ProblemParams = {}): never {
    throw new InventoryStop(problem(this.file, line, code, params));
  }

  report(line: number, code: RosterProblemCode, params: ProblemParams = {}): void {
    this.problems.push(problem(this.file, line, code, params));
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  addGroup(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, { name, vars: new Map(), children: [], parents: [], hosts: [], priority: 1 });
  }

  private ancestors(name: string, seen = new Set<string>()): Set<string> {
    for (const p of this.groups.get(name)?.parents ?? []) {
      if (!seen.has(p)) {
        seen.add(p);
        this.ancestors(p, seen);
      }
    }
    return seen;
  }

  addChild(parent: string, child: string, line: number): void {
    const p = this.groups.get(parent)!;
    const c = this.groups.get(child)!;
    if (parent === child || this.ancestors(parent).has(child)) this.stop(line, 'group-cycle', { group: child });
    if (!p.children.includes(child)) p.children.push(child);
    if (!c.parents.includes(parent)) c.parents.push(parent);
  }

  /** `port` from `name:port` only counts when the host is new (ansible's Host(name, port)). */
  addHost(name: string, group: string, port: number | undefined, line: number): void {
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, line, vars: new Map(), groups: [] };
      this.hosts.set(name, h);
      if (port) h.vars.set('ansible_port', { value: { kind: 'int', value: BigInt(port) }, line, raw: String(port) });
    }
    if (!h.groups.includes(group)) {
      h.groups.push(group);
      this.groups.get(group)!.hosts.push(name);
    }
  }

  setHostVar(host: string, key: string, def: VarDef): void {
    this.hosts.get(host)!.vars.set(key, def);
  }

  setGroupVar(group: string, key: string, def: VarDef): void {
    const g = this.groups.get(group)!;
    if (key === 'ansible_group_priority') {
      // Group.set_priority(int(value)): kept out of the group's vars, as ansible does.
      const v = def.value;
      const n = v.kind === 'int' ? Number(v.value) : v.kind === 'str' && /^\s*[+-]?\d+\s*$/.test(v.text) ? Number(v.text.trim()) : NaN;
      if (!Number.isSafeInteger(n)) this.stop(def.line, 'var-not-text', { key, value: def.raw });
      g.priority = n;
      return;
    }
    g.vars.set(key, def);
  }

  /** InventoryData.reconcile_inventory: top-level groups under `all`, group-less hosts in `ungrouped`. */
  reconcile(): void {
    for (const g of this.groups.values()) {
      if (g.name !== 'all' && g.parents.length === 0) this.addChild('all', g.name, 0);
    }
    for (const h of this.hosts.values()) {
      const others = h.groups.filter((g) => g !== 'all' && g !== 'ungrouped');
      if (h.groups.includes('ungrouped') && others.length > 0) {
        h.groups = h.groups.filter((g) => g !== 'ungrouped');
        const u = this.groups.get('ungrouped')!;
        u.hosts = u.hosts.filter((n) => n !== h.name);
      } else if (others.length === 0 && !h.groups.includes('ungrouped')) {
        h.groups.push('ungrouped');
        this.groups.get('ungrouped')!.hosts.push(h.name);
      }
    }
  }

  /** Longest path from `all`: Group.depth after every add_child. */
  depths(): Map<string, number> {
    const depth = new Map<string, number>([['all', 0]]);
    const visit = (name: string, d: number) => {
      if ((depth.get(name) ?? -1) >= d && name !== 'all') return;
      depth.set(name, d);
      for (const c of this.groups.get(name)!.children) visit(c, d + 1);
    };
    for (const c of this.groups.get('all')!.children) visit(c, 1);
    return depth;
  }

  /** All groups of a host, its direct ones and their ancestors. */
  groupsOf(host: string): Set<string> {
    const out = new Set<string>();
    for (const g of this.hosts.get(host)!.groups) {
      out.add(g);
      for (const a of this.ancestors(g)) out.add(a);
    }
    return out;
  }
}

/** Python's sort order for str: by code point, not UTF-16 unit. */
export function comparePy(a: string, b: string): number {
  const ai = [...a];
  const bi = [...b];
  for (let i = 0; i < Math.min(ai.length, bi.length); i++) {
    const d = ai[i]!.codePointAt(0)! - bi[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ai.length - bi.length;
}

/** The merged variables of one host, each with the line it came from. */
export function hostVars(inv: InventoryBuilder, host: string, depth: Map<string, number>): Map<string, VarDef> {
  const merged = new Map<string, VarDef>();
  const apply = (vars: Map<string, VarDef>) => {
    for (const [k, v] of vars) merged.set(k, v);
  };
  apply(inv.groups.get('all')!.vars);
  const groups = [...inv.groupsOf(host)]
    .filter((g) => g !== 'all')
    .map((g) => inv.groups.get(g)!)
    .sort((a, b) => depth.get(a.name)! - depth.get(b.name)! || a.priority - b.priority || comparePy(a.name, b.name));
  for (const g of groups) apply(g.vars);
  apply(inv.hosts.get(host)!.vars);
  return merged;
}

// The variables the tutor maps, and ones that would change the connection if they were ignored.
const ALIASES: Record<string, string> = {
  ansible_ssh_host: 'ansible_host',
  ansible_ssh_port: 'ansible_port',
  ansible_ssh_user: 'ansible_user',
  ansible_private_key_file: 'ansible_ssh_private_key_file',
  ansible_ssh_extra_args: 'ansible_ssh_common_args',
  ansible_ssh_args: 'ansible_ssh_common_args',
};
const PASSWORD_VARS = new Set(['ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password']);
const TEXT_VARS = ['ansible_host', 'ansible_user', 'ansible_ssh_private_key_file', 'ansible_ssh_common_args', 'kthw_host_key', 'kthw_identity_agent'];

function shown(def: VarDef): string {
  return def.raw.length > 60 ? `${def.raw.slice(0, 57)}...` : def.raw;
}

/** `-o ProxyJump=X`, `-oProxyJump X`, `-J X`, `-JX` in ansible_ssh_common_args; the first one wins, as in ssh. */
function proxyJumpOf(inv: InventoryBuilder, def: VarDef, text: string, warnings: RosterProblem[]): string | undefined | null {
  const args = shlexSplit(text, false);
  if (args === 'unclosed') {
    inv.report(def.line, 'ambiguous-value', { key: 'ansible_ssh_common_args', value: shown(def) });
    return null;
  }
  let jump: string | undefined;
  let seen = false;
  let ok = true;
  const take = (v: string) => {
    if (!seen) {
      seen = true;
      jump = v.toLowerCase() === 'none' ? undefined : v;
    }
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let opt: string | undefined;
    if (a === '-J' || a === '-o') {
      const v = args[++i];
      if (v === undefined) {
        inv.report(def.line, 'ssh-arg', { arg: a });
        ok = false;
        break;
      }
      if (a === '-J') take(v);
      else opt = v;
    } else if (a.startsWith('-J')) take(a.slice(2));
    else if (a.startsWith('-o')) opt = a.slice(2);
    else if (/^-[46ACKTaqtvxY]+$/.test(a)) {
      warnings.push(problem(inv.file, def.line, 'ssh-arg-ignored', { arg: a }));
      continue;
    } else {
      inv.report(def.line, 'ssh-arg', { arg: a });
      ok = false;
      continue;
    }
    if (opt === undefined) continue;
    const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/s.exec(opt.trim());
    const key = (m?.[1] ?? opt).toLowerCase();
    if (key === 'proxyjump' && m) take(m[2]!.trim());
    else if (['proxycommand', 'hostname', 'port', 'user', 'identityfile', 'identityagent', 'proxyjump', 'hostkeyalias', 'include'].includes(key)) {
      inv.report(def.line, 'ssh-arg', { arg: `-o ${opt}` });
      ok = false;
    } else warnings.push(problem(inv.file, def.line, 'ssh-arg-ignored', { arg: `-o ${opt}` }));
  }
  return ok ? jump : null;
}

/** Students from a reconciled inventory, in the order their hosts first appear. */
export function studentsOf(inv: InventoryBuilder, warnings: RosterProblem[]): Student[] {
  const depth = inv.depths();
  const students: Student[] = [];
  const reported = new Set<string>();
  const once = (def: VarDef, code: RosterProblemCode, params: ProblemParams) => {
    const id = `${def.line}\0${code}\0${JSON.stringify(params)}`;
    if (!reported.has(id)) {
      reported.add(id);
      inv.report(def.line, code, params);
    }
  };
  const warnSeen = new Set<string>();
  for (const host of inv.hosts.values()) {
    const vars = hostVars(inv, host.name, depth);
    let ok = true;
    for (const [key, def] of vars) {
      if (key in ALIASES) {
        once(def, 'unsupported-var', { key, instead: ALIASES[key]! });
        ok = false;
      } else if (PASSWORD_VARS.has(key)) {
        once(def, 'password-var', { key });
        ok = false;
      } else if (key === 'ansible_connection') {
        const v = def.value;
        if (!(v.kind === 'str' && (v.text === 'ssh' || v.text === 'smart' || v.text === 'paramiko'))) {
          once(def, 'connection-var', { value: shown(def) });
          ok = false;
        }
      }
    }
    const text: Record<string, string> = {};
    for (const key of TEXT_VARS) {
      const def = vars.get(key);
      if (!def) continue;
      const v = def.value;
      if (/\{\{|\{%/.test(def.raw)) once(def, 'templated', { key, value: shown(def) });
      else if (v.kind === 'unknown') once(def, 'ambiguous-value', { key, value: shown(def) });
      else if (v.kind !== 'str') once(def, 'var-not-text', { key, value: shown(def) });
      else {
        text[key] = v.text;
        continue;
      }
      ok = false;
    }
    let port: number | undefined;
    const portDef = vars.get('ansible_port');
    if (portDef) {
      const v = portDef.value;
      const n = v.kind === 'int' ? v.value : v.kind === 'str' && /^[0-9]+$/.test(v.text) ? BigInt(v.text) : undefined;
      if (/\{\{|\{%/.test(portDef.raw)) once(portDef, 'templated', { key: 'ansible_port', value: shown(portDef) });
      else if (v.kind === 'unknown') once(portDef, 'ambiguous-value', { key: 'ansible_port', value: shown(portDef) });
      else if (n === undefined || n < 1n || n > 65535n) once(portDef, 'bad-port', { value: shown(portDef) });
      else port = Number(n);
      if (port === undefined) ok = false;
    }
    const hostAddr = text.ansible_host ?? host.name;
    if (!hostAddr || /[\s\p{Cc}]/u.test(hostAddr)) {
      const def = vars.get('ansible_host');
      once(def ?? { line: host.line, raw: hostAddr, value: { kind: 'str', text: hostAddr } }, 'bad-host', { value: hostAddr });
      ok = false;
    }
    let proxyJump: string | undefined;
    const argsDef = vars.get('ansible_ssh_common_args');
    if (argsDef && text.ansible_ssh_common_args !== undefined) {
      const hostWarnings: RosterProblem[] = [];
      const j = proxyJumpOf(inv, argsDef, text.ansible_ssh_common_args, hostWarnings);
      for (const w of hostWarnings) {
        const id = `${w.line}\0${w.message}`;
        if (!warnSeen.has(id)) {
          warnSeen.add(id);
          warnings.push(w);
        }
      }
      if (j === null) ok = false;
      else if (j !== undefined) {
        if (checkProxyJump(j)) proxyJump = j;
        else {
          once(argsDef, 'bad-proxy-jump', { value: j });
          ok = false;
        }
      }
    }
    let hostKeyFingerprint: string | undefined;
    if (text.kthw_host_key !== undefined) {
      hostKeyFingerprint = checkFingerprint(text.kthw_host_key);
      if (!hostKeyFingerprint) {
        once(vars.get('kthw_host_key')!, 'bad-fingerprint', { value: text.kthw_host_key });
        ok = false;
      }
    }
    if (!ok) continue;
    const groups = [...inv.groupsOf(host.name)].filter((g) => g !== 'all' && g !== 'ungrouped').sort(comparePy);
    const student: Student = { name: host.name, host: hostAddr, groups, source: { file: inv.file, line: host.line } };
    if (port !== undefined) student.port = port;
    if (text.ansible_user !== undefined) student.user = text.ansible_user;
    if (text.ansible_ssh_private_key_file !== undefined) student.identityFile = text.ansible_ssh_private_key_file;
    if (text.kthw_identity_agent !== undefined) student.identityAgent = text.kthw_identity_agent;
    if (proxyJump !== undefined) student.proxyJump = proxyJump;
    if (hostKeyFingerprint !== undefined) student.hostKeyFingerprint = hostKeyFingerprint;
    students.push(student);
  }
  return students;
}
