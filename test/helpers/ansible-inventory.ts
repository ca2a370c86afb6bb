// Runs Debian's `ansible-inventory -i FILE --list` as the reference reader, isolated from the
// machine: HOME and ANSIBLE_CONFIG point at an empty temp dir/file, so no ansible.cfg or
// ~/.ansible changes the result; inventory parse failures are made fatal (otherwise ansible warns
// and lists an empty inventory).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ANSIBLE_INVENTORY = '/usr/bin/ansible-inventory';
export const haveAnsible = existsSync(ANSIBLE_INVENTORY);

let home: string | undefined;
function isolatedHome(): string {
  if (!home) {
    home = mkdtempSync(join(tmpdir(), 'kthw-ansible-home-'));
    writeFileSync(join(home, 'ansible.cfg'), '');
    mkdirSync(join(home, 'tmp'));
  }
  return home;
}

/** Removes the isolated HOME (call from afterAll). */
export function removeAnsibleHome(): void {
  if (home) rmSync(home, { recursive: true, force: true });
  home = undefined;
}

export type AnsibleResult = { ok: true; list: AnsibleList } | { ok: false; stderr: string };

export interface AnsibleList {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
  [group: string]: { hosts?: string[]; children?: string[] } | AnsibleList['_meta'];
}

/** Ansible with an empty config, home and temp of its own: the machine's settings cannot leak in. */
function isolatedEnv(): NodeJS.ProcessEnv {
  const h = isolatedHome();
  return {
    PATH: '/usr/bin:/bin',
    HOME: h,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    ANSIBLE_CONFIG: join(h, 'ansible.cfg'),
    ANSIBLE_LOCAL_TEMP: join(h, 'tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true',
    ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: 'true',
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

export function ansibleInventory(file: string): Promise<AnsibleResult> {
  const env = isolatedEnv();
  return new Promise((resolve) => {
    execFile(ANSIBLE_INVENTORY, ['-i', file, '--list'], { env, maxBuffer: 64 << 20, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) resolve({ ok: false, stderr: `${stderr}${err.message}` });
      else resolve({ ok: true, list: JSON.parse(stdout) as AnsibleList });
    });
  });
}

/** Runs `jobs` with at most `limit` at a time, results in order. */
export async function pool<T, R>(items: readonly T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await job(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** What the comparison looks at, per inventory hostname. */
export interface HostView {
  groups: string[];
  host: string;
  port?: number;
  user?: string;
  identityFile?: string;
  commonArgs?: string;
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** ansible's --list as one HostView per host: transitive groups (without all/ungrouped), the mapped variables. */
export function viewOfAnsible(list: AnsibleList): Map<string, HostView> {
  const groups = new Map<string, { hosts: string[]; children: string[] }>();
  for (const [name, g] of Object.entries(list)) {
    if (name === '_meta') continue;
    const grp = g as { hosts?: string[]; children?: string[] };
    groups.set(name, { hosts: grp.hosts ?? [], children: grp.children ?? [] });
  }
  const memberOf = new Map<string, Set<string>>();
  const walk = (group: string, trail: string[]) => {
    const g = groups.get(group);
    if (!g) return; // an empty group: ansible lists it only as a child
    for (const h of g.hosts) {
      const set = memberOf.get(h) ?? new Set<string>();
      for (const t of [...trail, group]) set.add(t);
      memberOf.set(h, set);
    }
    for (const c of g.children) walk(c, [...trail, group]);
  };
  walk('all', []);
  const out = new Map<string, HostView>();
  for (const [host, set] of memberOf) {
    const vars = list._meta.hostvars[host] ?? {};
    const view: HostView = {
      groups: [...set].filter((g) => g !== 'all' && g !== 'ungrouped').sort(byCodePoint),
      host: vars.ansible_host === undefined ? host : String(vars.ansible_host),
    };
    if (vars.ansible_port !== undefined) view.port = Number(vars.ansible_port);
    if (vars.ansible_user !== undefined) view.user = String(vars.ansible_user);
    if (vars.ansible_ssh_private_key_file !== undefined) view.identityFile = String(vars.ansible_ssh_private_key_file);
    if (vars.ansible_ssh_common_args !== undefined) view.commonArgs = String(vars.ansible_ssh_common_args);
    out.set(host, view);
  }
  return out;
}

// The same CLI code path, `InventoryCLI(['ansible-inventory', '-i', FILE, '--list']).run()`, run
// for many files in one Python process: ansible's start-up (~0.5 s of CPU) is paid once instead of
// per inventory. Each run parses its own arguments (the CLI-args singleton is reset first) and
// builds its own loader and inventory; the differential test checks this path against the real
// command on a sample, byte for byte of the JSON.
const BATCH_SCRIPT = String.raw`
import contextlib, io, json, sys
from ansible.cli.inventory import InventoryCLI
from ansible.utils.context_objects import GlobalCLIArgs
files = json.load(sys.stdin)
out = []
for f in files:
    buf = io.StringIO()
    rc = None
    GlobalCLIArgs._Singleton__instance = None  # the parsed arguments are a process-wide singleton
    try:
        with contextlib.redirect_stdout(buf):
            rc = InventoryCLI(['ansible-inventory', '-i', f, '--list']).run()
    except SystemExit as e:  # run() ends in sys.exit(0) after printing
        rc = e.code
    except Exception as e:
        out.append({'ok': False, 'err': type(e).__name__ + ': ' + str(e)})
        continue
    out.append({'ok': rc in (0, None), 'out': buf.getvalue(), 'err': 'exit %s' % rc})
sys.__stdout__.write(json.dumps(out))
`;

export function ansibleInventoryBatch(files: readonly string[]): Promise<AnsibleResult[]> {
  const env = isolatedEnv();
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/python3', ['-c', BATCH_SCRIPT], { env, maxBuffer: 256 << 20, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`ansible batch failed: ${err.message}\n${stderr}`));
      const rows = JSON.parse(stdout) as Array<{ ok: boolean; out?: string; err?: string }>;
      resolve(rows.map((r) => (r.ok ? { ok: true, list: JSON.parse(r.out!) as AnsibleList } : { ok: false, stderr: r.err ?? r.out ?? '' })));
    });
    child.stdin!.end(JSON.stringify(files));
  });
}
