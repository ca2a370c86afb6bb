// Property tests for what turns a server's answer into check results (fast-check, 10,000 cases
// each). Where a parser reads a format, a model is rendered the way the tool prints it
// (systemctl show, ss -Htlnp, the batch's frame markers, JSON) and must parse back to the model;
// and whatever the server sends (escapes, bidi controls, invalid UTF-8, huge lines, cut output),
// runBatch returns one result per check, an error with a message when it cannot judge, and no
// text that could drive the terminal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kubeKind } from '../../src/checks/kinds/kube.js';
import { httpKind } from '../../src/checks/kinds/http.js';
import { serviceKind } from '../../src/checks/kinds/service.js';
import { parseFrames } from '../../src/checks/parse/frames.js';
import { jsonPath } from '../../src/checks/parse/json-path.js';
import { parseKeyValues } from '../../src/checks/parse/key-values.js';
import { parseSsListeners } from '../../src/checks/parse/ss.js';
import { runBatch } from '../../src/checks/run.js';
import { CheckSpec } from '../../src/checks/spec.js';
import type { ExecOptions, ExecResult, Executor } from '../../src/remote/executor.js';

const RUNS = 10_000;

// What sanitize.ts promises never reaches the screen: C0 (but \n, \t), DEL, C1 (so no ESC and
// no 8-bit CSI), bidi embeddings/overrides/isolates/marks and zero-width characters.
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff\u180e]/;

/** Text a hostile or broken server could print: escape sequences, bidi, C1, CR, invalid UTF-8. */
const hostileText = (longest: number) =>
  fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          '\x1b[31m', '\x1b[2J\x1b[H', '\x1b]0;owned\x07', '\x1b]8;;http://x\x1b\\', '\x1bP+q\x1b\\', '\x9b6n', '\x9d0;t\x9c',
          '\x1b', '\x1b[', '\x07', '\x08', '\r', '\r\n', '\n', '\t', '\x00', '\x7f', '\u202e', '\u2066', '\u200f', '\u200b',
          '\ufeff', '\u061c', '\ufffd', 'secret: hunter2', 'token=abc123', '=', '|', 'ActiveState=active', 'LISTEN 0 128 *:6443 *:*',
          'users:(("x",pid=1,fd=2))', '{"a":', '@@kthw:', '한국어', '😀',
        ),
      },
      // Invalid UTF-8 as the executor decodes it.
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }).map((b) => new TextDecoder().decode(b)) },
      // Lone surrogates: a JS string a decoder would never make, but nothing may throw on it.
      { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udfff', 'a\udc00b') },
      // A long line (rare, to keep 10,000 cases quick).
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', '\x1b[1m', '\u202e', 'é'), fc.integer({ min: 1000, max: longest })).map(([s, n]) => s.repeat(n)) },
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));
const hostile = hostileText(10_000);

const NONCE = 'f00dfeed0123456789';
const marker = (kind: string, arg: string, nonce = NONCE) => `\n@@kthw:${nonce}:${kind}:${arg}\n`;

describe('parseFrames', () => {
  // Field text is anything a command prints, but it cannot know the batch's random nonce.
  const fieldText = hostile.map((s) => s.replaceAll(NONCE, ''));
  // Field names are the kinds' own identifiers (file.ts: path, stat, ...), never server text.
  const fieldName = fc.stringMatching(/^[a-z_]{1,10}$/).filter((k) => k !== '__proto__');
  const checkModel = fc.record({
    fields: fc.uniqueArray(fc.tuple(fieldName, fieldText), { maxLength: 5, selector: ([k]) => k }),
    complete: fc.boolean(),
  });
  const model = fc.record({
    noise: fieldText,
    shared: fc.option(fieldText),
    checks: fc.array(checkModel, { maxLength: 5 }),
    probes: fc.array(fieldText, { maxLength: 3 }),
    done: fc.boolean(),
    forged: fc.constantFrom('', marker('end', '0', 'notthenonce'), marker('field', 'exit', 'f00dfeed')),
  });

  type Model = typeof model extends fc.Arbitrary<infer T> ? T : never;

  /** The output compile.ts's script prints: `_m kind arg` lines around each field's text. */
  function render(m: Model): string {
    let out = m.noise;
    if (m.shared !== null) out += marker('shared', 'ss') + m.shared;
    m.checks.forEach((c, i) => {
      out += marker('begin', String(i));
      for (const [k, v] of c.fields) out += marker('field', k) + v + m.forged;
      if (c.complete) out += marker('end', String(i)) + m.noise;
    });
    m.probes.forEach((p, i) => (out += marker('probe', String(i)) + p));
    if (m.done) out += marker('done', 'all');
    return out;
  }

  it('gives back every field, shared fact and probe exactly as printed; only ended frames are complete', () => {
    fc.assert(
      fc.property(model, (m) => {
        const f = parseFrames(render(m), NONCE);
        // Output that stops without the done marker loses one trailing newline (the one a marker
        // would have started with) from whatever text comes last; nothing else changes.
        const lastCheck = m.checks.at(-1);
        const last =
          m.done ? 'none'
          : m.probes.length > 0 ? 'probe'
          : lastCheck ? (!lastCheck.complete && lastCheck.fields.length > 0 ? 'field' : 'none')
          : m.shared !== null ? 'shared' : 'none';
        const end = (text: string, isLast: boolean) => (isLast ? text.replace(/\n$/, '') : text);
        expect(f.done).toBe(m.done);
        expect(f.checks.size).toBe(m.checks.length);
        m.checks.forEach((c, i) => {
          const got = f.checks.get(i)!;
          expect(got.complete).toBe(c.complete);
          const lastHere = last === 'field' && i === m.checks.length - 1;
          expect(got.fields).toEqual(Object.fromEntries(c.fields.map(([k, v], j) => [k, end(v + m.forged, lastHere && j === c.fields.length - 1)])));
        });
        expect(f.shared.ss).toBe(m.shared === null ? undefined : end(m.shared, last === 'shared'));
        expect([...f.probes.keys()]).toEqual(m.probes.map((_, i) => i));
        m.probes.forEach((p, i) => expect(f.probes.get(i)).toBe(end(p, last === 'probe' && i === m.probes.length - 1)));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on output cut at any point, and a cut never completes a frame', () => {
    fc.assert(
      fc.property(model, fc.nat(), (m, cutAt) => {
        const full = render(m);
        const cut = full.slice(0, cutAt % (full.length + 1));
        const f = parseFrames(cut, NONCE);
        const whole = parseFrames(full, NONCE);
        for (const [i, c] of f.checks) if (c.complete) expect(whole.checks.get(i)?.complete).toBe(true);
        if (f.done) expect(cut).toBe(full);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parseKeyValues (systemctl show -p ...)', () => {
  const key = fc.stringMatching(/^[A-Z][A-Za-z]{0,20}$/);
  // systemctl prints a value as it is (a Description may hold `=`); no newline inside a value.
  const value = fc.string({ unit: 'binary', maxLength: 30 }).map((v) => v.replace(/[\n\r]/g, ' ').trim());
  it('gives back every KEY=value line of a rendered model', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, value), { maxLength: 10, selector: ([k]) => k }), fc.boolean(), (pairs, trailingNewline) => {
        const text = pairs.map(([k, v]) => `${k}=${v}`).join('\n') + (trailingNewline ? '\n' : '');
        expect(parseKeyValues(text)).toEqual(new Map(pairs));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('service kind on a systemctl show model', () => {
  const unit = fc.record({
    LoadState: fc.constantFrom('loaded', 'not-found', 'masked', 'error'),
    ActiveState: fc.constantFrom('active', 'inactive', 'failed', 'activating', 'deactivating', 'reloading'),
    SubState: fc.constantFrom('running', 'dead', 'exited', 'failed', 'auto-restart', 'start', ''),
    UnitFileState: fc.constantFrom('enabled', 'disabled', 'static', 'masked', 'enabled-runtime', ''),
    NRestarts: fc.nat({ max: 20 }).map(String),
  });
  const spec = fc.record({ active: fc.option(fc.boolean(), { nil: undefined }), enabled: fc.option(fc.boolean(), { nil: undefined }), stable: fc.option(fc.boolean(), { nil: undefined }) });
  it('passes exactly when the unit is what the lesson asks for', () => {
    fc.assert(
      fc.property(unit, spec, fc.shuffledSubarray(['Result=success', 'ExecMainStatus=0', 'Description=a=b']), (u, want, extra) => {
        const s = CheckSpec.parse({ kind: 'service', name: 'kube-apiserver', ...want });
        const show = [...Object.entries(u).map(([k, v]) => `${k}=${v}`), ...extra].join('\n') + '\n';
        const e = serviceKind.evaluate(s as never, { show }, {});
        const restarting = u.SubState === 'auto-restart' || Number(u.NRestarts) > 0;
        const ok =
          u.LoadState === 'loaded' &&
          (want.active === undefined || (u.ActiveState === 'active') === want.active) &&
          (want.enabled === undefined || (u.UnitFileState === 'enabled') === want.enabled) &&
          (want.stable === undefined || !restarting === want.stable);
        expect(e.status).toBe(ok ? 'pass' : 'fail');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parseSsListeners (ss -Htlnp)', () => {
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
  const address = fc.oneof(
    fc.constant('*'),
    ipv4,
    fc.ipV6().map((a) => `[${a}]`),
    fc.tuple(ipv4, fc.constantFrom('lo', 'eth0', 'enp0s1')).map(([a, i]) => `${a}%${i}`),
  );
  // Kernel process names: up to 15 bytes, and they do hold spaces and brackets ("(sd-pam)").
  const procName = fc.stringMatching(/^[A-Za-z0-9 ._:()\/,=-]{1,15}$/);
  const listener = fc.record({
    state: fc.constant('LISTEN'),
    address,
    port: fc.integer({ min: 1, max: 65535 }),
    processes: fc.array(fc.record({ name: procName, pid: fc.integer({ min: 1, max: 4_194_304 }), fd: fc.nat(1024) }), { maxLength: 3 }),
  });
  const render = (l: { state: string; address: string; port: number; processes: Array<{ name: string; pid: number; fd: number }> }, recvQ: number, netid: boolean) => {
    const users = l.processes.length ? ` users:(${l.processes.map((p) => `("${p.name}",pid=${p.pid},fd=${p.fd})`).join(',')})` : '';
    const peer = l.address.startsWith('[') ? '[::]:*' : '0.0.0.0:*';
    return `${netid ? 'tcp   ' : ''}${l.state}   ${recvQ}      4096    ${l.address}:${l.port}    ${peer}${users}`;
  };

  it('gives back every rendered listener', () => {
    fc.assert(
      fc.property(fc.array(listener, { maxLength: 6 }), fc.nat(10), fc.boolean(), fc.boolean(), (ls, q, netid, header) => {
        const lines = ls.map((l) => render(l, q, netid));
        if (header) lines.unshift('State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process');
        expect(parseSsListeners(lines.join('\n') + '\n')).toEqual(ls);
      }),
      { numRuns: RUNS },
    );
  });

  it('never reports a port that is not written as a port number in the text', () => {
    const garbage = fc.array(
      fc.oneof(hostile, fc.constantFrom('LISTEN', 'tcp', '0', ' ', ':', ':0x1bb', ':', ':1e3', ':443.0', ': ', ':-1', ':70000', ':+22', ':08')),
      { maxLength: 10 },
    );
    fc.assert(
      fc.property(garbage, (parts) => {
        const text = parts.join(' ');
        for (const l of parseSsListeners(text)) {
          expect(Number.isInteger(l.port) && l.port >= 0 && l.port <= 65535).toBe(true);
          const at = `${l.address}:${l.port}`;
          // The port as decimal digits right after the last colon of a column (leading zeros allowed).
          const written = text.split(/\s+/).some((col) => col.startsWith(l.address + ':') && /^\d+$/.test(col.slice(l.address.length + 1)) && Number(col.slice(l.address.length + 1)) === l.port);
          expect(written, at).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('jsonPath (http json:, kube field:)', () => {
  // Keys a path can name: no dots (the separator), as kubectl's JSON keys are.
  const key = fc.string({ unit: 'binary', maxLength: 8 }).filter((k) => !k.includes('.') && k !== '');
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), tie('object'), tie('array')),
    object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    array: fc.array(tie('value'), { maxLength: 4 }),
  })).value;

  /** Every path into the value, with the value found there. */
  function paths(v: unknown, prefix: string[] = []): Array<[string[], unknown]> {
    const here: Array<[string[], unknown]> = prefix.length ? [[prefix, v]] : [];
    if (v === null || typeof v !== 'object') return here;
    return [...here, ...Object.entries(v).flatMap(([k, child]) => paths(child, [...prefix, k]))];
  }

  it('reads every path of a JSON document back, strings as they are and the rest as JSON', () => {
    fc.assert(
      fc.property(json, fc.nat(), (v, pick) => {
        const doc = JSON.parse(JSON.stringify(v)) as unknown;
        const all = paths(doc);
        fc.pre(all.length > 0);
        const [p, found] = all[pick % all.length]!;
        expect(jsonPath(doc, p.join('.'))).toBe(typeof found === 'string' ? found : JSON.stringify(found));
      }),
      { numRuns: RUNS },
    );
  });

  it('finds nothing at a path that is not in the document', () => {
    const step = fc.oneof(key, fc.constantFrom('length', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', '1'));
    fc.assert(
      fc.property(json, fc.array(step, { minLength: 1, maxLength: 4 }), (v, p) => {
        const doc = JSON.parse(JSON.stringify(v)) as unknown;
        const inDoc = paths(doc).some(([q]) => q.join('\u0000') === p.join('\u0000'));
        fc.pre(!inDoc);
        expect(jsonPath(doc, p.join('.'))).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });
});

describe('http and kube kinds on a model of curl and kubectl', () => {
  const obj = fc.record({ gitVersion: fc.constantFrom('v1.32.3', 'v1.31.0'), spec: fc.record({ clusterIP: fc.constantFrom('10.32.0.1', '10.0.0.1') }) });
  it('http passes exactly when curl succeeded with the status and the JSON field asked for', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 6, 7, 28, 35, 60), fc.constantFrom(200, 401, 403, 404, 500), fc.oneof(obj.map((o) => JSON.stringify(o)), hostile), fc.constantFrom(200, 403), (rc, code, body, status) => {
        const s = CheckSpec.parse({ kind: 'http', url: 'https://127.0.0.1:6443/version', status, json: { path: 'gitVersion', equals: 'v1.32.3' } });
        const e = httpKind.evaluate(s as never, { code: rc === 0 ? String(code) : '000', curl_rc: `${rc}\n`, curl_err: rc ? `curl: (${rc}) failed\n` : '', body }, {});
        let version: unknown;
        try {
          version = (JSON.parse(body) as { gitVersion?: unknown }).gitVersion;
        } catch {
          version = undefined;
        }
        expect(e.status).toBe(rc === 0 && code === status && version === 'v1.32.3' ? 'pass' : 'fail');
        if (rc !== 0) expect(e.findings[0]!.found).toBe(`curl: (${rc}) failed`);
      }),
      { numRuns: RUNS },
    );
  });

  it('kube tells present, absent and "the API did not answer" apart', () => {
    const answer = fc.oneof(
      obj.map((o) => ({ exit: '0', stdout: JSON.stringify(o), stderr: '', state: 'present' as const, o })),
      fc.constant({ exit: '1', stdout: '', stderr: 'Error from server (NotFound): services "kubernetes" not found', state: 'absent' as const, o: undefined }),
      hostile.map((h) => ({ exit: '1', stdout: '', stderr: `The connection to the server was refused ${h.replace(/not found|NotFound/gi, '')}`, state: 'down' as const, o: undefined })),
    );
    fc.assert(
      fc.property(answer, fc.boolean(), (a, exists) => {
        const s = CheckSpec.parse({ kind: 'kube', resource: 'service', name: 'kubernetes', exists, field: { path: 'spec.clusterIP', equals: '10.32.0.1' } });
        const e = kubeKind.evaluate(s as never, { exit: `${a.exit}\n`, stdout: a.stdout, stderr: a.stderr }, {});
        if (a.state === 'down') {
          expect(e.status).toBe('fail');
          expect(e.findings[0]!.found).toBe(a.stderr.trim());
        } else if (a.state === 'absent') {
          expect(e.status).toBe(exists ? 'fail' : 'pass');
        } else {
          const right = a.o!.spec.clusterIP === '10.32.0.1';
          expect(e.status).toBe(exists && right ? 'pass' : 'fail');
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('runBatch on whatever the server sends', () => {
  const specs = [
    { kind: 'file', path: '/root/ca.key', or: ['/var/lib/kubernetes/ca.key'], type: 'file', mode: '0600', owner: 'root', group: 'root', contains: 'BEGIN' },
    { kind: 'file', path: '/root/x', sha256: 'a'.repeat(64) },
    { kind: 'service', name: 'kube-apiserver', active: true, enabled: true, stable: true },
    { kind: 'port', port: 6443, process: 'kube-apiserver' },
    { kind: 'http', url: 'https://127.0.0.1:6443/version', cacert: 'ca.crt', body: { matches: '^v[0-9]+' }, json: { path: 'gitVersion', equals: 'v1.32.3' } },
    { kind: 'command', run: 'kubectl version', stdout: { matches: '(a+)+$' }, stderr: { contains: 'x' } },
    { kind: 'kube', resource: 'service', name: 'kubernetes', namespace: 'default', field: { path: 'spec.clusterIP', equals: '10.32.0.1' } },
  ].map((raw, i) => ({ id: `c${i}`, spec: CheckSpec.parse(raw) }));
  const text = hostileText(4000);
  // A listener table in ss's layout whose process names hold what a process may name itself.
  const ssTable = fc
    .array(fc.tuple(fc.constantFrom(6443, 2379), text.map((n) => n.replace(/["\n]/g, '').slice(0, 15))), { maxLength: 3 })
    .map((rows) => rows.map(([port, name]) => `LISTEN 0 4096 *:${port} *:* users:(("${name}",pid=7,fd=3))`).join('\n'));
  const FIELDS = ['path', 'stat', 'sha256', 'head', 'absent', 'show', 'missing', 'code', 'curl_rc', 'curl_err', 'body', 'exit', 'stdout', 'stderr'];
  const answer = fc.record({
    // Per check: which fields it printed, with what, and whether its frame ended.
    checks: fc.array(fc.record({ fields: fc.array(fc.tuple(fc.constantFrom(...FIELDS), text), { maxLength: 6 }), complete: fc.boolean() }), {
      minLength: specs.length,
      maxLength: specs.length,
    }),
    ss: fc.oneof(text, ssTable),
    probe: text,
    framed: fc.constantFrom('all', 'all', 'all', 'none', 'cut'),
    cutAt: fc.nat(),
    stderr: text,
    code: fc.constantFrom(0, 1, 2, 127, 255, null),
    failure: fc.constantFrom('none', 'none', 'none', 'none', 'timeout', 'throw'),
  });

  /** An executor playing a server: it answers the batch script with the text the model says. */
  function server(a: typeof answer extends fc.Arbitrary<infer T> ? T : never): Executor {
    return {
      label: 'hostile',
      async exec(_command: string, options?: ExecOptions): Promise<ExecResult> {
        if (a.failure === 'throw') throw new Error(`channel closed \x1b]0;owned\x07${a.stderr}`);
        const nonce = /^N=([0-9a-f]+)$/m.exec(options?.stdin ?? '')![1]!;
        const m = (kind: string, arg: string) => marker(kind, arg, nonce);
        let out = m('shared', 'ss') + a.ss;
        a.checks.forEach((c, i) => {
          out += m('begin', String(i)) + c.fields.map(([k, v]) => m('field', k) + v).join('');
          if (c.complete) out += m('end', String(i));
        });
        out += m('probe', '0') + a.probe + m('done', 'all');
        const stdout = a.framed === 'all' ? out : a.framed === 'cut' ? out.slice(0, a.cutAt % (out.length + 1)) : a.probe;
        return { code: a.code, stdout, stderr: a.stderr, timedOut: a.failure === 'timeout', truncated: false, elapsedMs: 1 };
      },
    };
  }

  it('returns one result per check, an error only with a message, and nothing unsafe for the screen', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async (a) => {
        const r = await runBatch(server(a), specs, [{ id: 'journal:etcd', probe: { journal: 'etcd', lines: 40, where: 'server' } }]);
        expect(r.checks.map((c) => c.checkId)).toEqual(specs.map((s) => s.id));
        for (const c of r.checks) {
          expect(['pass', 'fail', 'error']).toContain(c.status);
          if (c.status === 'error') expect(c.error?.trim()).toBeTruthy();
          const texts = [c.subject, c.evidence, c.error ?? '', ...c.findings.flatMap((f) => [f.expected, f.found ?? ''])];
          for (const t of texts) expect(t).not.toMatch(UNSAFE);
        }
        for (const p of r.probes) expect(p.text).not.toMatch(UNSAFE);
        // A frame that never ended is never judged.
        if (a.framed !== 'all' || a.failure !== 'none') {
          r.checks.forEach((c, i) => {
            if (a.failure !== 'none' || a.framed === 'none' || !a.checks[i]!.complete) expect(c.status).toBe('error');
          });
        }
      }),
      { numRuns: RUNS },
    );
  }, 60_000);
});

// The shrunk counterexamples of bugs the properties above found, kept as plain regressions.
describe('regressions found by the properties', () => {
  it('a server whose stderr is only escape codes still gets an error with a message', async () => {
    const items = [{ id: 'c', spec: CheckSpec.parse({ kind: 'port', port: 6443 }) }];
    const ex: Executor = { label: 'x', exec: async () => ({ code: 0, stdout: '', stderr: '\x1b[31m', timedOut: false, truncated: false, elapsedMs: 1 }) };
    const [r] = (await runBatch(ex, items)).checks;
    expect(r).toMatchObject({ status: 'error', error: 'exit status 0' });
  });

  it('a process name with escape codes in the ss table is sanitized in the port finding', () => {
    const ss = 'LISTEN 0 4096 *:6443 *:* users:(("etcd\x1b[31m\u202e",pid=7,fd=3))';
    return runBatch(
      {
        label: 'x',
        exec: async (_c, o) => {
          const n = /^N=(\w+)$/m.exec(o!.stdin!)![1]!;
          const out = marker('shared', 'ss', n) + ss + marker('begin', '0', n) + marker('end', '0', n) + marker('done', 'all', n);
          return { code: 0, stdout: out, stderr: '', timedOut: false, truncated: false, elapsedMs: 1 };
        },
      },
      [{ id: 'p', spec: CheckSpec.parse({ kind: 'port', port: 6443, process: 'kube-apiserver' }) }],
    ).then(({ checks: [r] }) => {
      expect(r!.findings[1]).toMatchObject({ property: 'process', found: 'etcd', ok: false });
    });
  });

  it('jsonPath finds only keys of the document', () => {
    expect(jsonPath([], 'length')).toBeUndefined();
    expect(jsonPath({ items: [1, 2] }, 'items.length')).toBeUndefined();
    expect(jsonPath({}, '__proto__')).toBeUndefined();
    expect(jsonPath({ a: {} }, 'a.constructor')).toBeUndefined();
    expect(jsonPath(JSON.parse('{"__proto__":"x"}'), '__proto__')).toBe('x');
    expect(jsonPath({ items: [1, 2] }, 'items.1')).toBe('2');
  });

  it('ss lines whose port is not decimal digits are not listeners', () => {
    expect(parseSsListeners('LISTEN LISTEN xxx secret:')).toEqual([]);
    expect(parseSsListeners('LISTEN 0 4096 *:0x1bb *:*\nLISTEN 0 4096 *:1e3 *:*\nLISTEN 0 4096 *:70000 *:*')).toEqual([]);
    expect(parseSsListeners('LISTEN 0 4096 *:443 *:*')).toMatchObject([{ port: 443 }]);
  });
});
