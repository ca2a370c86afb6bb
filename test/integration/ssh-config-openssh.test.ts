// The fallback ssh_config parser against OpenSSH itself (issue 9, item 4): generated configs and
// queries, each resolved by the parser and by `ssh -G -F file` (through the same mapping the app
// uses, ProxyJump hops included). Agreement must be complete on hostname, user, port, ProxyJump
// (hop by hop), identity files, HostKeyAlias and ProxyCommand, and both must refuse the same files
// (at the same file:line when ssh names one).
// Cost: ~1.25 ssh -G runs per case (hops), ~17 ms of CPU each; KTHW_SSHG_RUNS / KTHW_SSHG_SEED
// change the number of cases and the seed (a disagreement prints its config and query).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSshConfig, processResolveContext } from '../../src/remote/ssh-config-fs.js';
import { resolveTarget, SshConfigError, type ResolvedTarget, type TargetSpec } from '../../src/remote/ssh-config.js';
import { findSsh, resolveWithSshGAsync } from '../../src/remote/ssh-g.js';

const ssh = findSsh(process.env);
const dir = mkdtempSync(join(tmpdir(), 'kthw-sshg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// passwd home and user, as both ssh and the parser use them (not $HOME).
const ctx = { ...processResolveContext({ PATH: process.env.PATH, KEYS: '/keys' }) };
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', KEYS: '/keys' };

/**
 * ssh -G through 4 long-lived `sh` workers: forking a small shell is far cheaper than forking
 * node for each of ~12,000 runs. stderr is only needed when ssh refuses: that run is repeated
 * with execFile to get it.
 */
let sshCalls = 0;
interface Worker {
  proc: ChildProcess;
  buffer: string;
  done?: (out: { status: number; stdout: string }) => void;
}
const workers: Worker[] = [];
const idle: Worker[] = [];
const queue: Array<(w: Worker) => void> = [];
const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
function worker(): Worker {
  const proc = spawn('/bin/sh', [], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  const w: Worker = { proc, buffer: '' };
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    w.buffer += chunk;
    const m = /\n__RC_(\d+)__\n$/.exec(w.buffer);
    if (!m) return;
    const stdout = w.buffer.slice(0, m.index);
    w.buffer = '';
    const done = w.done!;
    w.done = undefined;
    done({ status: Number(m[1]), stdout });
  });
  workers.push(w);
  return w;
}
afterAll(() => {
  for (const w of workers) w.proc.kill();
});
async function runSsh(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  sshCalls++;
  const w = idle.pop() ?? (workers.length < 4 ? worker() : await new Promise<Worker>((take) => queue.push(take)));
  try {
    const r = await new Promise<{ status: number; stdout: string }>((resolve) => {
      w.done = resolve;
      w.proc.stdin!.write(`${quote(ssh!)} ${args.map(quote).join(' ')} 2>/dev/null </dev/null; printf '\\n__RC_%s__\\n' $?\n`);
    });
    if (r.status === 0) return { ...r, stderr: '' };
  } finally {
    const next = queue.shift();
    if (next) next(w);
    else idle.push(w);
  }
  return new Promise((resolve) => {
    execFile(ssh!, args, { env, timeout: 10_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

interface Shape {
  hostName: string;
  user: string;
  port: number;
  identityFiles: string[];
  hostKeyAlias: string | undefined;
  proxyCommand: string | undefined;
  strict: string;
  jump: Shape | undefined;
}
function shape(t: ResolvedTarget): Shape {
  return {
    hostName: t.hostName,
    user: t.user,
    port: t.port,
    identityFiles: t.identityFiles,
    hostKeyAlias: t.hostKeyAlias,
    proxyCommand: t.proxyCommand,
    strict: t.strictHostKeyChecking,
    jump: t.proxyJump ? shape(t.proxyJump) : undefined,
  };
}
type Outcome = { ok: Shape } | { error: string; file?: string; line?: number };

function errorOutcome(err: unknown): Outcome {
  if (err instanceof SshConfigError) return { error: err.message, file: err.file, line: err.line };
  return { error: String(err) };
}

let fileCounter = 0;
/** Writes the main file (and an include) and returns both outcomes for one query. */
async function compare(main: string, include: string | undefined, spec: TargetSpec) {
  const n = fileCounter++;
  const file = join(dir, `c${n}`);
  const inc = join(dir, `i${n}`);
  writeFileSync(file, main.replaceAll('@INC@', inc));
  if (include !== undefined) writeFileSync(inc, include);
  let parser: Outcome;
  try {
    const config = loadSshConfig(ctx, { userConfig: file, systemConfig: null });
    parser = { ok: shape(resolveTarget(config, spec, ctx, { defaultUser: ctx.localUser })) };
  } catch (err) {
    parser = errorOutcome(err);
  }
  let openssh: Outcome;
  try {
    openssh = { ok: shape(await resolveWithSshGAsync(spec, ctx, { ssh: ssh!, configFile: file, env }, runSsh)) };
  } catch (err) {
    openssh = errorOutcome(err);
  }
  return { parser, openssh, file, text: main, include };
}

/** Agreement: same shape, or both refuse (at ssh's file:line when it names one). */
function agrees(parser: Outcome, openssh: Outcome): boolean {
  if ('ok' in openssh || 'ok' in parser) return JSON.stringify(parser) === JSON.stringify(openssh);
  if (openssh.line && openssh.line > 0) return parser.file === openssh.file && parser.line === openssh.line;
  return true;
}

// --- the generated space ---------------------------------------------------------------------
const names = ['server', 'Server', 'web1', 'web2', 'db.example.com', 'DB.Example.com', '10.0.0.5', 'jump', 'bastion'];
const patterns = ['*', 'server', 'SERVER', 'web?', '*.example.com', 's*', 'jump', 'bastion', '!web1', '!*.example.com', '!jump', 'db.*'];
const options: Record<string, string[]> = {
  HostName: ['h.example.com', 'H.Example.COM', '%h.internal', '%h', '10.0.0.9', 'UPPER', 'FE80::A'],
  Port: ['22', '2222', 'ssh', 'http', '0022', '65535'],
  User: ['alice', 'Bob', 'root', '"carol"'],
  ProxyJump: ['jump', 'u@jump:2200', 'bastion,jump', 'ssh://u@jump:2201', 'none', '[10.0.0.7]:23', 'Jump', 'bastion,u@jump', 'NONE'],
  IdentityFile: ['~/.ssh/k1', '~root/k2', 'none', '/keys/%h_%r', '%d/k3', '~/.ssh/%n', '${KEYS}/k4', '"~/.ssh/my key"', '~', '~/.ssh/k1'],
  HostKeyAlias: ['Alias1', 'alias2'],
  ProxyCommand: ['nc %h %p', 'ssh -W %h:%p jump', 'none', 'nc  %h %p # comment'],
  StrictHostKeyChecking: ['yes', 'no', 'accept-new', 'ask', 'off'],
};
/** Values ssh refuses (or that make a hop fail): rarer, so most cases resolve. */
const badOptions: Record<string, string[]> = {
  HostName: ['%%h', '%z'],
  Port: ['0', 'nosuchservice', '-1', '70000'],
  ProxyJump: ['"jump"', 'a,,b', 'u@:5', '@h', "'x'"],
  StrictHostKeyChecking: ['maybe'],
  Bogus: ['1'],
  User: ['a b'],
};
// ProxyJump twice: hops are where the two resolvers differ most.
const keywords = [...Object.keys(options), 'ProxyJump'];

const line = fc.oneof(
  { weight: 50, arbitrary: fc.constantFrom(...keywords).chain((k) => fc.constantFrom(...options[k]!).map((v) => `  ${k} ${v}`)) },
  { weight: 8, arbitrary: fc.constantFrom(...keywords).chain((k) => fc.constantFrom(...options[k]!).map((v) => `  ${k.toLowerCase()}=${v}`)) },
  { weight: 1, arbitrary: fc.constantFrom(...Object.keys(badOptions)).chain((k) => fc.constantFrom(...badOptions[k]!).map((v) => `  ${k} ${v}`)) },
);
const block = fc.record({
  pats: fc.array(fc.constantFrom(...patterns), { minLength: 1, maxLength: 3 }),
  lines: fc.array(line, { minLength: 0, maxLength: 4 }),
  include: fc.boolean(),
});
const config = fc.record({
  top: fc.array(line, { maxLength: 2 }),
  blocks: fc.array(block, { minLength: 1, maxLength: 4 }),
  include: fc.array(block, { maxLength: 2 }),
  topInclude: fc.boolean(),
  // Most configs end jump chains (as real ones do); the rest may loop, which ssh refuses.
  hopsEnd: fc.nat(9).map((n) => n > 0),
});
const spec = fc.record({
  host: fc.constantFrom(...names),
  user: fc.option(fc.constantFrom('alice', 'root'), { nil: undefined }),
  port: fc.option(fc.constantFrom(22, 2022), { nil: undefined }),
});

function render(c: {
  top: string[];
  blocks: Array<{ pats: string[]; lines: string[]; include: boolean }>;
  topInclude: boolean;
  hopsEnd: boolean;
}): string {
  const out = c.hopsEnd ? ['Host jump Jump bastion 10.0.0.7', '  ProxyJump none', ...c.top] : [...c.top];
  if (c.topInclude) out.push('Include @INC@');
  for (const b of c.blocks) {
    out.push(`Host ${b.pats.join(' ')}`, ...b.lines);
    if (b.include) out.push('  Include @INC@');
  }
  return out.join('\n') + '\n';
}
function renderInclude(blocks: Array<{ pats: string[]; lines: string[] }>): string {
  return blocks.map((b) => [`Host ${b.pats.join(' ')}`, ...b.lines].join('\n')).join('\n') + '\n';
}
function cleanSpec(s: { host: string; user: string | undefined; port: number | undefined }): TargetSpec {
  return { host: s.host, ...(s.user !== undefined ? { user: s.user } : {}), ...(s.port !== undefined ? { port: s.port } : {}) };
}

describe.skipIf(!ssh)('ssh_config: the parser agrees with ssh -G', () => {
  it('hand-picked cases from issue 9 agree', async () => {
    const cases: Array<[string, TargetSpec]> = [
      ['Host server\n  HostName FOO.Example.COM\n', { host: 'server' }],
      ['Host server\n  User lower\nHost SERVER\n  User upper\n', { host: 'SERVER' }],
      ['Host sErver\n  HostName %h.X\n', { host: 'sErver' }],
      ['Host *\n  ProxyJump "a@b:2,c"\n', { host: 'x' }],
      ['', { host: 'x' }],
      ['Port ssh\n', { host: 'x' }],
      ['IdentityFile ~root/y\nIdentityFile none\n', { host: 'x' }],
      ['IdentityFile none\n', { host: 'x' }],
      ['Foo bar\n', { host: 'x' }],
      ['Host x\n  ProxyJump none\n  ProxyCommand nc %h\n', { host: 'x' }],
      ['Host x\n  HostKeyAlias MyAlias\n', { host: 'x' }],
      ['Host x\n  ProxyJump x\n', { host: 'x' }],
    ];
    for (const [text, s] of cases) {
      const r = await compare(text, undefined, s);
      expect(agrees(r.parser, r.openssh), `${text}\n${JSON.stringify(s)}\nparser: ${JSON.stringify(r.parser)}\nssh -G: ${JSON.stringify(r.openssh)}`).toBe(true);
    }
  });

  it('agrees on 10,000 generated configs and queries (fast-check)', async () => {
    const started = Date.now();
    const callsBefore = sshCalls;
    let refused = 0;
    let jumps = 0;
    const reasons = new Map<string, number>();
    // Cases run in batches of 8 so several ssh -G run at once.
    const samples = fc.sample(fc.tuple(config, spec), { numRuns: Number(process.env.KTHW_SSHG_RUNS ?? 10_000), seed: Number(process.env.KTHW_SSHG_SEED ?? 20261203) });
    const disagreements: string[] = [];
    for (let i = 0; i < samples.length; i += 8) {
      const batch = samples.slice(i, i + 8);
      const results = await Promise.all(
        batch.map(([c, s]) => compare(render(c), c.include.length > 0 ? renderInclude(c.include) : undefined, cleanSpec(s))),
      );
      for (const [k, r] of results.entries()) {
        if ('error' in r.openssh) {
          refused++;
          const reason = r.openssh.error.replace(/^.*?: (line \d+: )?/, '').replace(/"[^"]*"|'[^']*'/g, 'X');
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
        else if (r.openssh.ok.jump) jumps++;
        if (!agrees(r.parser, r.openssh) && disagreements.length < 3) {
          disagreements.push(`${r.text}--- include:\n${r.include ?? ''}--- query ${JSON.stringify(cleanSpec(batch[k]![1]))}\nparser: ${JSON.stringify(r.parser)}\nssh -G: ${JSON.stringify(r.openssh)}`);
        }
      }
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`ssh_config differential: ${samples.length} cases, ${sshCalls - callsBefore} ssh -G runs, ${refused} refused by ssh, ${jumps} with ProxyJump, ${seconds.toFixed(1)} s`);
    console.log([...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${v} × ${k}`).join('\n'));
    expect(disagreements).toEqual([]);
    // The space must exercise both outcomes, or agreement means little.
    expect(refused).toBeGreaterThan(samples.length / 100);
    expect(jumps).toBeGreaterThan(samples.length / 50);
  }, 900_000);
});
