// fast-check generator of Ansible inventories inside the space the tutor claims to read exactly:
// groups with children (a DAG), hosts with ports and ranges, the five mapped variables and an
// unrelated one at host, group and `all` level, ansible_group_priority; rendered as INI or YAML
// with the quoting variants each format allows. The expected reading is not computed here:
// ansible-inventory is the oracle.
import fc from 'fast-check';

export const VAR_KEYS = ['ansible_host', 'ansible_port', 'ansible_user', 'ansible_ssh_private_key_file', 'ansible_ssh_common_args', 'course_note'] as const;
type VarKey = (typeof VAR_KEYS)[number];

/** ansible_ssh_common_args values and the jump host each one means (what the tutor must read). */
export const COMMON_ARGS: Record<string, string | undefined> = {
  '-o ProxyJump=bastion': 'bastion',
  '-J teacher@gw.lab:2222': 'teacher@gw.lab:2222',
  '-o ProxyJump=a.lab,b.lab:2200': 'a.lab,b.lab:2200',
  '-o StrictHostKeyChecking=no -o ProxyJump=gw': 'gw',
  '-oProxyJump=관리자@점프.lab': '관리자@점프.lab',
  '-o ProxyJump=none': undefined,
  '-o UserKnownHostsFile=/dev/null': undefined,
};

const TEXT_POOLS: Record<Exclude<VarKey, 'ansible_port'>, string[]> = {
  ansible_host: ['10.0.0.7', 'srv.class.lab', '김민수.lab', '192.168.56.10'],
  ansible_user: ['ubuntu', 'kim min', '학생', 'root', 'db-admin'],
  ansible_ssh_private_key_file: ['~/.ssh/id_ed25519', '/keys/a b/key', '/keys/학생.pem'],
  ansible_ssh_common_args: Object.keys(COMMON_ARGS),
  course_note: ['hello', 'with space', '#hash'],
};
// Spellings of port 2222 or 2201 the two formats read as numbers (or digit strings).
const INI_PORTS_HOSTLINE = ['2222', '"2201"', '0x8ae', '2_222', "'2201'"];
const INI_PORTS_VARS = ['2222', "'2201'", '0x8AE', '2201 # ssh', '"2222"'];
const YAML_PORTS = ['2222', '"2201"', '04256', '37:02', '0x8ae', '2_222', "'2201'"];

const HOST_PATTERNS = ['s1', 's2', 's3', 'web01', '김민수', '이영희', 'host-a', '10.0.0.5', 'n.lab', 's[1:3]', 'z[01:02]', 'q[a:b]', 'm[0:4:2]'];
const GROUP_NAMES = ['web', 'db', 'class_a', '월요일반', 'g-x', 'students', 'zeta', 'Alpha'];

export interface VarChoice {
  key: VarKey | 'ansible_group_priority';
  /** Index into the pools; the renderer picks the spelling. */
  pick: number;
  quote: number;
}

export interface HostEntry {
  pattern: string;
  port?: number;
  vars: VarChoice[];
}

export interface GenGroup {
  name: string;
  hosts: HostEntry[];
  vars: VarChoice[];
  children: string[];
}

export interface GenInventory {
  ungrouped: HostEntry[];
  allVars: VarChoice[];
  groups: GenGroup[];
  /** Permutation seed for INI section order and YAML key order. */
  order: number[];
}

// ansible_port and ansible_user come up most, so that several levels often set the same variable
// and the precedence order (depth, priority, name, host last) decides.
const varChoice = (withPriority: boolean) =>
  fc.record({
    key: fc.oneof(
      { arbitrary: fc.constantFrom<VarChoice['key']>('ansible_port', 'ansible_user'), weight: 3 },
      { arbitrary: fc.constantFrom<VarChoice['key']>(...VAR_KEYS, ...(withPriority ? (['ansible_group_priority'] as const) : [])), weight: 2 },
    ),
    pick: fc.nat(20),
    quote: fc.nat(5),
  });
const uniqueVars = (max: number, withPriority: boolean) => fc.uniqueArray(varChoice(withPriority), { maxLength: max, selector: (v) => v.key });
const groupVars = fc.uniqueArray(varChoice(true), { minLength: 1, maxLength: 4, selector: (v) => v.key });

const hostEntry = fc.record(
  {
    pattern: fc.constantFrom(...HOST_PATTERNS),
    port: fc.constantFrom(2201, 2202, 22),
    vars: uniqueVars(3, false),
  },
  { requiredKeys: ['pattern', 'vars'] },
);
const hostEntries = (max: number) => fc.uniqueArray(hostEntry, { maxLength: max, selector: (h) => h.pattern });

export const inventoryArb: fc.Arbitrary<GenInventory> = fc
  .uniqueArray(fc.constantFrom(...GROUP_NAMES), { minLength: 1, maxLength: 5 })
  .chain((names) =>
    fc.record({
      ungrouped: hostEntries(2),
      allVars: uniqueVars(2, false),
      groups: fc.tuple(
        ...names.map((name, i) =>
          fc.record({
            name: fc.constant(name),
            hosts: hostEntries(3),
            vars: fc.oneof({ arbitrary: groupVars, weight: 4 }, { arbitrary: uniqueVars(0, false), weight: 1 }),
            // only later groups as children: no cycles (ansible refuses those, and so does the tutor)
            children: fc.subarray(names.slice(i + 1), { maxLength: Math.min(3, names.length - i - 1) }),
          }),
        ),
      ),
      order: fc.array(fc.nat(1000), { minLength: 16, maxLength: 16 }),
    }),
  )
  .filter((inv) => inv.ungrouped.length + inv.groups.reduce((n, g) => n + g.hosts.length, 0) > 0);

function pick<T>(pool: readonly T[], n: number): T {
  return pool[n % pool.length]!;
}

function shuffle<T>(items: T[], order: number[]): T[] {
  return items
    .map((item, i) => ({ item, k: order[i % order.length]! * 31 + i }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.item);
}

// --- INI ---

function iniValue(v: VarChoice, hostLine: boolean): string {
  if (v.key === 'ansible_group_priority') return String(1 + (v.pick % 3));
  if (v.key === 'ansible_port') return pick(hostLine ? INI_PORTS_HOSTLINE : INI_PORTS_VARS, v.pick);
  const text = pick(TEXT_POOLS[v.key], v.pick);
  const plainOk = hostLine ? !/[\s'"#]/.test(text) : !/^['"]/.test(text);
  const q = v.quote % 3;
  if (q === 0 && plainOk) return text;
  if (q === 1 && !text.includes("'")) return `'${text}'`;
  return `"${text}"`;
}

function iniHost(h: HostEntry): string {
  const head = h.port === undefined ? h.pattern : `${h.pattern}:${h.port}`;
  return [head, ...h.vars.map((v) => `${v.key}=${iniValue(v, true)}`)].join(' ');
}

export function renderIni(inv: GenInventory): string {
  const out: string[] = ['# generated'];
  for (const h of inv.ungrouped) out.push(iniHost(h));
  const blocks: string[][] = [];
  for (const g of inv.groups) {
    blocks.push([`[${g.name}]`, ...g.hosts.map(iniHost)]);
    if (g.vars.length) blocks.push([`[${g.name}:vars]`, ...g.vars.map((v) => `${v.key}=${iniValue(v, false)}`)]);
    if (g.children.length) blocks.push([`[${g.name}:children]`, ...g.children]);
  }
  if (inv.allVars.length) blocks.push(['[all:vars]', ...inv.allVars.map((v) => `${v.key}=${iniValue(v, false)}`)]);
  for (const b of shuffle(blocks, inv.order)) out.push('', ...b);
  return `${out.join('\n')}\n`;
}

// --- YAML ---

function yamlValue(v: VarChoice): string {
  if (v.key === 'ansible_group_priority') return String(1 + (v.pick % 3));
  if (v.key === 'ansible_port') return pick(YAML_PORTS, v.pick);
  const text = pick(TEXT_POOLS[v.key], v.pick);
  const q = v.quote % 3;
  if (q === 0 && /^[\p{L}0-9~/_-][^#:]*$/u.test(text) && !/\s-|\s$/.test(text)) return text;
  if (q === 1) return `'${text.replace(/'/g, "''")}'`;
  return JSON.stringify(text);
}

function yamlKey(text: string, quote: boolean): string {
  return quote ? JSON.stringify(text) : text;
}

function yamlHosts(hosts: HostEntry[], indent: string, order: number[]): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const key = h.port === undefined ? h.pattern : `${h.pattern}:${h.port}`;
    const quoteKey = (order[out.length % order.length]! & 1) === 1;
    if (h.vars.length === 0) out.push(`${indent}${yamlKey(key, quoteKey)}:`);
    else {
      out.push(`${indent}${yamlKey(key, quoteKey)}:`);
      for (const v of h.vars) out.push(`${indent}  ${v.key}: ${yamlValue(v)}`);
    }
  }
  return out;
}

/** A group's hosts/vars/children; a child may be written out in full under its parent too (ansible merges both). */
function yamlGroupBody(inv: GenInventory, g: GenGroup, indent: string, nest: number): string[] {
  const byName = new Map(inv.groups.map((x) => [x.name, x]));
  const sections: string[][] = [];
  if (g.hosts.length) sections.push([`${indent}hosts:`, ...yamlHosts(g.hosts, `${indent}  `, inv.order)]);
  if (g.vars.length) sections.push([`${indent}vars:`, ...g.vars.map((v) => `${indent}  ${v.key}: ${yamlValue(v)}`)]);
  if (g.children.length) {
    const lines = [`${indent}children:`];
    g.children.forEach((c, k) => {
      lines.push(`${indent}  ${c}:`);
      if (nest > 0 && (inv.order[(k + g.name.length) % inv.order.length]! % 3 === 0)) lines.push(...yamlGroupBody(inv, byName.get(c)!, `${indent}    `, nest - 1));
    });
    sections.push(lines);
  }
  return shuffle(sections, inv.order.slice(3)).flat();
}

export function renderYaml(inv: GenInventory): string {
  const out: string[] = ['# generated'];
  if (inv.ungrouped.length || inv.allVars.length) {
    out.push('all:');
    if (inv.allVars.length) out.push('  vars:', ...inv.allVars.map((v) => `    ${v.key}: ${yamlValue(v)}`));
    if (inv.ungrouped.length) out.push('  hosts:', ...yamlHosts(inv.ungrouped, '    ', inv.order));
  }
  for (const g of shuffle([...inv.groups], inv.order)) out.push(`${g.name}:`, ...yamlGroupBody(inv, g, '  ', 2));
  return `${out.join('\n')}\n`;
}
