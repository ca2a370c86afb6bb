// Differential test: the tutor's reading of Ansible inventories against Debian's real
// `ansible-inventory -i FILE --list` (ansible-core 2.14): hosts, transitive group membership and
// the mapped connection variables per host. Hand-written fixtures cover the features; fast-check
// generates a few hundred INI and YAML inventories inside the supported space, where agreement
// must be complete. Things ansible accepts but the tutor deliberately does not read must be a
// RosterError naming file:line, and ansible must really accept them (checked too).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readRoster, RosterError, type RosterProblem, type Student } from '../../src/instructor/roster.js';
import { ansibleInventory, ansibleInventoryBatch, haveAnsible, pool, removeAnsibleHome, viewOfAnsible, type AnsibleResult, type HostView } from '../helpers/ansible-inventory.js';
import { COMMON_ARGS, inventoryArb, renderIni, renderYaml, type GenInventory } from '../helpers/inventory-gen.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/rosters/ansible');
const PARALLEL = 3;
const GENERATED = Number(process.env.ROSTER_CASES ?? 400); // half INI, half YAML
const CROSS_CHECKED = 16; // generated cases also run through the real ansible-inventory command
const SEED = Number(process.env.ROSTER_SEED ?? 20261203);

const work = mkdtempSync(join(tmpdir(), 'kthw-roster-ansible-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  removeAnsibleHome();
});
let caseNo = 0;
/** Each inventory in its own directory, so no group_vars/ of another case is next to it. */
function place(name: string, text: string): string {
  const dir = join(work, String(caseNo++));
  mkdirSync(dir);
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The jump host ansible_ssh_common_args means; the generated args come from a known table. */
function expectedJump(args: string | undefined): string | undefined {
  if (args === undefined) return undefined;
  if (args in COMMON_ARGS) return COMMON_ARGS[args];
  const m = /(?:^|\s)(?:-o\s*ProxyJump[=\s]\s*|-J\s*)['"]?([^\s'"]+)/i.exec(args);
  return m && m[1]!.toLowerCase() !== 'none' ? m[1] : undefined;
}

type Comparable = Omit<HostView, 'commonArgs'> & { proxyJump?: string };

function fromAnsible(view: Map<string, HostView>): Record<string, Comparable> {
  const out: Record<string, Comparable> = {};
  for (const [name, { commonArgs, ...rest }] of view) {
    const c: Comparable = { ...rest };
    const jump = expectedJump(commonArgs);
    if (jump !== undefined) c.proxyJump = jump;
    out[name] = c;
  }
  return out;
}

function fromTutor(students: Student[]): Record<string, Comparable> {
  const out: Record<string, Comparable> = {};
  for (const s of students) {
    const c: Comparable = { groups: s.groups, host: s.host };
    if (s.port !== undefined) c.port = s.port;
    if (s.user !== undefined) c.user = s.user;
    if (s.identityFile !== undefined) c.identityFile = s.identityFile;
    if (s.proxyJump !== undefined) c.proxyJump = s.proxyJump;
    out[s.name] = c;
  }
  return out;
}

function readTutor(file: string): { students: Student[] } | { problems: RosterProblem[]; message: string } {
  try {
    return { students: readRoster(file).students };
  } catch (err) {
    if (err instanceof RosterError) return { problems: err.problems, message: err.message };
    throw err;
  }
}

interface Outcome {
  file: string;
  text: string;
  agree: boolean;
  detail: string;
}

function compare(file: string, text: string, ansible: AnsibleResult): Outcome {
  const tutor = readTutor(file);
  if (!ansible.ok) {
    // ansible refuses: the tutor must refuse too, naming the file.
    const agree = 'problems' in tutor && tutor.message.includes(file);
    return { file, text, agree, detail: agree ? '' : `ansible refused (${ansible.stderr.slice(0, 400)}) but the tutor read it` };
  }
  if ('problems' in tutor) return { file, text, agree: false, detail: `ansible accepted, the tutor refused: ${tutor.message}` };
  const a = fromAnsible(viewOfAnsible(ansible.list));
  const t = fromTutor(tutor.students);
  const agree = JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(t));
  return { file, text, agree, detail: agree ? '' : `ansible: ${JSON.stringify(sortKeys(a))}\ntutor:   ${JSON.stringify(sortKeys(t))}` };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}

function explain(bad: Outcome[]): string {
  return bad
    .slice(0, 3)
    .map((o) => `--- ${o.file}\n${o.text}\n${o.detail}`)
    .join('\n\n');
}

describe.skipIf(!haveAnsible)('instructor roster vs ansible-inventory', () => {
  it('agrees on the hand-written INI and YAML fixtures', async () => {
    const files = ['features.ini', 'features.yaml'].map((f) => join(FIXTURES, f));
    const results = await pool(files, PARALLEL, ansibleInventory);
    const outcomes = files.map((f, i) => compare(f, '', results[i]!));
    expect(outcomes.filter((o) => !o.agree), explain(outcomes.filter((o) => !o.agree))).toEqual([]);
    // Not vacuous: the fixtures really exercise ranges, children, precedence and jumps.
    const ini = readRoster(files[0]!).students;
    expect(ini.map((s) => s.name)).toEqual(expect.arrayContaining(['web01.class.lab', 'web03.class.lab', 'nodea', 'nodec', 'db08', 'db10', '김민수']));
    expect(ini.find((s) => s.name === '김민수')).toMatchObject({ host: '10.0.0.5', proxyJump: 'teacher@bastion:2222', groups: ['prod', 'web'] });
    const yaml = readRoster(files[1]!).students;
    expect(yaml.find((s) => s.name === '김민수')).toMatchObject({ port: 2222, user: '민수', groups: ['심화', '월요일반', '화요일반'] });
  }, 60_000);

  it('ansible refuses these and so does the tutor, naming file:line', async () => {
    const cases: Array<{ name: string; text: string; line: number }> = [
      { name: 'undefined-child.ini', text: '[web]\nw1\n[prod:children]\nweb\nnope\n', line: 5 },
      { name: 'unknown-section.ini', text: '[web]\nw1\n[web:host]\nw2\n', line: 3 },
      { name: 'bad-var.ini', text: '[web]\nw1 ansible_user\n', line: 2 },
      { name: 'cycle.ini', text: '[a]\nh1\n[b]\nh2\n[a:children]\nb\n[b:children]\na\n', line: 8 },
      { name: 'unclosed.ini', text: '[web]\nw1 ansible_user="kim\n', line: 2 },
      { name: 'padded-range.ini', text: '[web]\nw[01:3]\n', line: 2 },
      { name: 'hosts-list.yaml', text: 'web:\n  hosts: 5\n', line: 2 },
    ];
    const files = cases.map((c) => place(c.name, c.text));
    const results = await pool(files, PARALLEL, ansibleInventory);
    for (const [i, c] of cases.entries()) {
      expect(results[i]!.ok, `${c.name}: ansible should refuse it`).toBe(false);
      const tutor = readTutor(files[i]!);
      expect('problems' in tutor, `${c.name}: the tutor read it`).toBe(true);
      if ('problems' in tutor) expect(tutor.message).toContain(`${files[i]}:${c.line}: `);
    }
  }, 60_000);

  it('refuses, with file:line, what ansible accepts but the tutor deliberately does not read', async () => {
    const cases: Array<{ name: string; text: string; line: number; code: RosterProblem['code']; vars?: true }> = [
      { name: 'ipv6.ini', text: '[web]\nw1\nfe80::1\n', line: 3, code: 'host-pattern' },
      { name: 'alias.ini', text: '[web]\nw1 ansible_ssh_host=10.0.0.1\n', line: 2, code: 'unsupported-var' },
      { name: 'jinja.ini', text: '[web]\nw1\n[web:vars]\nansible_host={{ inventory_hostname }}.lab\n', line: 4, code: 'templated' },
      { name: 'port-word.ini', text: '[web]\nw1 ansible_port=ssh\n', line: 2, code: 'bad-port' },
      { name: 'user-bool.ini', text: '[web]\nw1\n[web:vars]\nansible_user=True\n', line: 4, code: 'var-not-text' },
      { name: 'user-list.ini', text: '[web]\nw1 ansible_user=[a]\n', line: 2, code: 'ambiguous-value' },
      { name: 'password.ini', text: 'w1 ansible_password=secret\n', line: 1, code: 'password-var' },
      { name: 'local.ini', text: '[web]\nw1 ansible_connection=local\n', line: 2, code: 'connection-var' },
      { name: 'empty-range.ini', text: '[web]\nw1\nw[3:1]\n', line: 3, code: 'range-empty' },
      { name: 'proxycommand.ini', text: `[web]\nw1 ansible_ssh_common_args='-o ProxyCommand="nc %h %p"'\n`, line: 2, code: 'ssh-arg' },
      { name: 'typo.yaml', text: 'web:\n  hosts:\n    w1:\n  host:\n    w2:\n', line: 4, code: 'group-key' },
      { name: 'dup.yaml', text: 'web:\n  hosts:\n    w1:\n      ansible_port: 2201\n      ansible_port: 2202\n', line: 5, code: 'yaml-syntax' },
      { name: 'list-group.yaml', text: 'web:\n  hosts:\n    w1:\nother: [a, b]\n', line: 4, code: 'group-shape' },
      { name: 'merge.yaml', text: 'web:\n  vars: &v\n    ansible_user: u\n  hosts:\n    w1:\n      <<: *v\n', line: 6, code: 'merge-key' },
      { name: 'port-float.yaml', text: 'web:\n  hosts:\n    w1:\n      ansible_port: 22.0\n', line: 4, code: 'bad-port' },
      { name: 'vars-dir.ini', text: '[web]\nw1\n', line: 0, code: 'vars-dir', vars: true },
    ];
    const files = cases.map((c) => {
      const file = place(c.name, c.text);
      if (c.vars) {
        mkdirSync(join(file, '..', 'group_vars'));
        writeFileSync(join(file, '..', 'group_vars', 'web.yaml'), 'ansible_user: from_group_vars\n');
      }
      return file;
    });
    const results = await pool(files, PARALLEL, ansibleInventory);
    for (const [i, c] of cases.entries()) {
      const r = results[i]!;
      expect(r.ok, `${c.name}: ansible should accept it: ${r.ok ? '' : r.stderr}`).toBe(true);
      const tutor = readTutor(files[i]!);
      expect('problems' in tutor, `${c.name}: the tutor read it`).toBe(true);
      if (!('problems' in tutor)) continue;
      expect(tutor.problems.map((p) => p.code), c.name).toContain(c.code);
      const p = tutor.problems.find((x) => x.code === c.code)!;
      expect(p.line, c.name).toBe(c.line);
      expect(tutor.message).toContain(c.line > 0 ? `${files[i]}:${c.line}: ` : `${files[i]}: `);
    }
    // The group_vars case is not hypothetical: ansible really applies the directory.
    const viaDir = results[cases.length - 1]!;
    expect(viaDir.ok && viaDir.list._meta.hostvars.w1?.ansible_user).toBe('from_group_vars');
  }, 120_000);

  it(`agrees on ${GENERATED} generated inventories (INI and YAML)`, async () => {
    const started = Date.now();
    const invs = fc.sample(inventoryArb, { seed: SEED, numRuns: Math.ceil(GENERATED / 2) });
    const cases: Array<{ file: string; text: string; inv: GenInventory }> = [];
    for (const inv of invs) {
      const ini = renderIni(inv);
      cases.push({ file: place('inventory.ini', ini), text: ini, inv });
      const yaml = renderYaml(inv);
      cases.push({ file: place('inventory.yaml', yaml), text: yaml, inv });
    }
    // Two Python processes (two cores), each running the ansible-inventory CLI code for half the files.
    const half = Math.ceil(cases.length / 2);
    const files = cases.map((c) => c.file);
    const results = (await Promise.all([ansibleInventoryBatch(files.slice(0, half)), ansibleInventoryBatch(files.slice(half))])).flat();
    // ...which must be what the command itself prints, on a sample spread over the cases.
    const sample = Array.from({ length: Math.min(CROSS_CHECKED, cases.length) }, (_v, k) => Math.floor((k * cases.length) / Math.min(CROSS_CHECKED, cases.length)));
    const viaCommand = await pool(sample, PARALLEL, (i) => ansibleInventory(files[i]!));
    sample.forEach((i, k) => expect(JSON.stringify(results[i]), `batch vs command on ${files[i]}`).toBe(JSON.stringify(viaCommand[k])));
    const outcomes = cases.map((c, i) => compare(c.file, c.text, results[i]!));
    const accepted = results.filter((r) => r.ok).length;
    const agreed = outcomes.filter((o) => o.agree).length;
    const hosts = outcomes.reduce((n, o, i) => n + (results[i]!.ok ? Object.keys((results[i] as { list: { _meta: { hostvars: object } } }).list._meta.hostvars).length : 0), 0);
    console.log(
      `roster vs ansible-inventory: ${cases.length} generated inventories (seed ${SEED}), ansible accepted ${accepted}, ` +
        `agreement ${agreed}/${cases.length}, ${hosts} hosts with variables, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    // Every generated inventory is inside the supported space: ansible must accept all of them.
    expect(accepted).toBe(cases.length);
    const bad = outcomes.filter((o) => !o.agree);
    expect(bad.length, explain(bad)).toBe(0);
  }, 240_000);
});
