import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileBatch } from '../../src/checks/compile.js';
import { parseFrames } from '../../src/checks/parse/frames.js';
import type { CheckResult } from '../../src/checks/result.js';
import { defaultLessonsDir, LessonLoadError, loadCourse } from '../../src/course/loader.js';
import { Diagnostic, Probe, probeId } from '../../src/course/schema.js';
import { matchDiagnostics } from '../../src/tutor/diagnose.js';

const diag = (raw: unknown) => Diagnostic.parse(raw);

const failedService: CheckResult = {
  checkId: 'apiserver',
  kind: 'service',
  where: 'server',
  subject: 'kube-apiserver',
  status: 'fail',
  findings: [{ property: 'active', expected: 'active', found: 'activating (auto-restart)', ok: false }],
  evidence: 'ActiveState=activating\nExecMainStatus=1',
};

describe('matchDiagnostics', () => {
  const diagnostics = [
    diag({ id: 'base64', when: { check: 'apiserver', journal: { unit: 'kube-apiserver', match: { contains: 'secrets must be base64 encoded' } } } }),
    diag({ id: 'etcd-down', when: { journal: { unit: 'kube-apiserver', match: { matches: 'dial tcp 127\\.0\\.0\\.1:2379: connect: connection refused' } } } }),
    diag({ id: 'not-in-folder', when: { exit: 1, output: { contains: 'No such file or directory' } } }),
    diag({ id: 'restarting', when: { check: 'apiserver', found: { contains: 'auto-restart' } } }),
  ];

  it('fires only diagnostics whose evidence is present', () => {
    const ids = matchDiagnostics(diagnostics, {
      checks: [failedService],
      probes: [{ probeId: 'journal:kube-apiserver', text: 'E1 ... secrets must be base64 encoded\n' }],
      run: null,
    });
    expect(ids).toEqual(['base64', 'restarting']);
  });

  it('needs every condition: a journal match without the failed check is not enough', () => {
    const ids = matchDiagnostics(diagnostics, {
      checks: [{ ...failedService, status: 'pass' }],
      probes: [{ probeId: 'journal:kube-apiserver', text: 'secrets must be base64 encoded' }],
      run: null,
    });
    expect(ids).toEqual([]);
  });

  it('matches the run exit status together with its output', () => {
    const run = { code: 1, output: 'scp: stat local "downloads/controller/kube-apiserver": No such file or directory' };
    expect(matchDiagnostics(diagnostics, { checks: null, probes: [], run })).toEqual(['not-in-folder']);
    expect(matchDiagnostics(diagnostics, { checks: null, probes: [], run: { ...run, code: 255 } })).toEqual([]);
  });

  it('uses regular expressions for `matches`', () => {
    const ids = matchDiagnostics(diagnostics, {
      checks: [],
      probes: [{ probeId: 'journal:kube-apiserver', text: 'W0 ... dial tcp 127.0.0.1:2379: connect: connection refused' }],
      run: null,
    });
    expect(ids).toEqual(['etcd-down']);
  });
});

describe('a diagnostic never contradicts what the same batch measured', () => {
  const unreachable = diag({
    id: 'apiserver-unreachable',
    when: { journal: { unit: 'kube-controller-manager', match: { contains: ':6443: connect: connection refused' } }, port: { port: 6443, listening: false } },
  });
  const refusedLine = { probeId: 'journal:kube-controller-manager', text: 'E1203 dial tcp 10.77.0.10:6443: connect: connection refused\n' };
  const listening = { probeId: 'port:6443', text: 'LISTEN 0      511                *:6443            *:*    \n' };

  it('fires on refused lines only while nothing listens on the port', () => {
    expect(matchDiagnostics([unreachable], { checks: [], probes: [refusedLine, { probeId: 'port:6443', text: '' }], run: null })).toEqual(['apiserver-unreachable']);
    expect(matchDiagnostics([unreachable], { checks: [], probes: [refusedLine, listening], run: null })).toEqual([]);
  });

  it('treats an unmeasured port as unknown, never as a confirmation', () => {
    expect(matchDiagnostics([unreachable], { checks: [], probes: [refusedLine], run: null })).toEqual([]);
    expect(matchDiagnostics([unreachable], { checks: [], probes: [refusedLine, { probeId: 'port:6443', text: '@@missing ss\n' }], run: null })).toEqual([]);
  });

  it('can require a listening port as well', () => {
    const up = diag({ id: 'up', when: { port: { port: 6443, listening: true } } });
    expect(matchDiagnostics([up], { checks: [], probes: [listening], run: null })).toEqual(['up']);
    expect(matchDiagnostics([up], { checks: [], probes: [{ probeId: 'port:6443', text: '' }], run: null })).toEqual([]);
  });
});

describe('supersedes: the more specific diagnosis is shown alone', () => {
  const livez = (found: string): CheckResult => ({
    checkId: 'livez',
    kind: 'http',
    where: 'server',
    subject: 'https://127.0.0.1:6443/livez',
    status: 'fail',
    findings: [{ property: 'error', expected: 'ok', found, ok: false }],
    evidence: '',
  });
  const diagnostics = [
    diag({ id: 'bad-purpose', when: { check: 'livez', found: { contains: 'unsuitable certificate purpose' } }, supersedes: ['wrong-ca'] }),
    diag({ id: 'wrong-ca', when: { check: 'livez', found: { matches: 'SSL certificate problem|unable to get local issuer' } } }),
  ];

  it('drops the superseded one when both match', () => {
    const ev = { checks: [livez('curl: (60) SSL certificate problem: unsuitable certificate purpose')], probes: [], run: null };
    expect(matchDiagnostics(diagnostics, ev)).toEqual(['bad-purpose']);
  });

  it('keeps the other one when the specific one does not match', () => {
    const ev = { checks: [livez('curl: (60) SSL certificate problem: unable to get local issuer certificate')], probes: [], run: null };
    expect(matchDiagnostics(diagnostics, ev)).toEqual(['wrong-ca']);
  });
});

describe('the schema of probes and conditions', () => {
  it('reads a port probe (server by default) and gives each probe its id', () => {
    const port = Probe.parse({ port: 6443 });
    expect(port).toEqual({ port: 6443, where: 'server' });
    expect(probeId(port)).toBe('port:6443');
    expect(probeId(Probe.parse({ journal: 'kube-apiserver' }))).toBe('journal:kube-apiserver');
  });

  it('rejects a probe that mixes kinds, and a port condition without a boolean', () => {
    expect(() => Probe.parse({ journal: 'etcd', port: 2379 })).toThrow();
    expect(() => Probe.parse({ port: 70000 })).toThrow();
    expect(() => diag({ id: 'x', when: { port: { port: 6443, listening: 'no' } } })).toThrow();
    expect(() => diag({ id: 'x', when: { port: { port: 6443 } } })).toThrow();
  });
});

describe('the loader ties port conditions and supersedes to the step', () => {
  const fixtures = join(import.meta.dirname, '..', 'fixtures', 'courses');
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  function errorsFor(diagnostics: string, probes = '      - journal: etcd\n'): string[] {
    const d = mkdtempSync(join(tmpdir(), 'kthw-diag-'));
    dirs.push(d);
    cpSync(join(fixtures, 'valid'), d, { recursive: true });
    const file = join(d, '01-basics', 'steps.yaml');
    const yaml = readFileSync(file, 'utf8');
    writeFileSync(file, yaml.replace('    probes:\n      - journal: etcd\n', `    probes:\n${probes}`).replace(/    diagnostics:\n[\s\S]*$/, `    diagnostics:\n${diagnostics}`));
    try {
      loadCourse(d);
      return [];
    } catch (err) {
      if (err instanceof LessonLoadError) return err.errors.map((e) => e.message);
      throw err;
    }
  }
  const known = `      - id: no-dir
        when: { check: file-1 }
        fix:
          - mkdir -p /tmp/demo
      - id: etcd-log
        when: { journal: { unit: etcd, match: { contains: refused } } }
`;

  it('accepts a port condition with its probe and a supersedes of a sibling', () => {
    const extra = known.replace('      - id: etcd-log\n', '      - id: etcd-log\n        supersedes: [no-dir]\n').replace(
      "{ contains: refused } } }\n",
      "{ contains: refused } }, port: { port: 2379, listening: false } }\n",
    );
    expect(errorsFor(extra, '      - journal: etcd\n      - port: 2379\n')).toEqual([]);
  });

  it('names a port condition without a probe, and a supersedes of an unknown or its own id', () => {
    const bad = known
      .replace('      - id: etcd-log\n', '      - id: etcd-log\n        supersedes: [etcd-log, nothing]\n')
      .replace("{ contains: refused } } }\n", "{ contains: refused } }, port: { port: 2379, listening: false } }\n");
    expect(errorsFor(bad)).toEqual([
      expect.stringMatching(/reads port 2379, but step make-dir has no probe for it/),
      expect.stringMatching(/supersedes "etcd-log", which is not another diagnostic/),
      expect.stringMatching(/supersedes "nothing", which is not another diagnostic/),
    ]);
  });

  it('names a probe listed twice', () => {
    expect(errorsFor(known, '      - journal: etcd\n      - port: 2379\n      - { port: 2379, where: server }\n')).toEqual([
      expect.stringMatching(/port:2379 is probed twice/),
    ]);
  });
});

/**
 * The journal probe's shell, run for real against stand-in `systemctl` and `journalctl`
 * commands: which run of the unit it reads (or that it reads none) depends on the unit's state.
 */
describe('the journal probe reads only the current run of a unit', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  function probeOutput(show: string): string {
    const bin = mkdtempSync(join(tmpdir(), 'kthw-probe-'));
    dirs.push(bin);
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\nprintf '%s\\n' ${show.split('\n').map((l) => `'${l}'`).join(' ')}\n`, { mode: 0o755 });
    // Echoes its arguments, so the test sees which lines were asked for.
    writeFileSync(join(bin, 'journalctl'), '#!/bin/sh\necho "journalctl $*"\n', { mode: 0o755 });
    const { script, nonce } = compileBatch([], [{ id: 'journal:kube-controller-manager', probe: Probe.parse({ journal: 'kube-controller-manager', lines: 60 }) }]);
    const out = execFileSync('/bin/sh', ['-s'], { input: script, env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
    return parseFrames(out, nonce).probes.get(0) ?? '';
  }

  it('asks for the lines of the running invocation, and systemd\'s own lines about it', () => {
    const text = probeOutput('ActiveState=active\nResult=success\nInvocationID=0123abcd');
    expect(text.trim()).toBe('journalctl --no-pager -n 60 _SYSTEMD_INVOCATION_ID=0123abcd + INVOCATION_ID=0123abcd');
  });

  it('still reads the failing run of a unit that failed or waits to restart', () => {
    expect(probeOutput('ActiveState=failed\nResult=exit-code\nInvocationID=feed')).toContain('_SYSTEMD_INVOCATION_ID=feed + INVOCATION_ID=feed');
    expect(probeOutput('ActiveState=activating\nResult=exit-code\nInvocationID=beef')).toContain('_SYSTEMD_INVOCATION_ID=beef');
  });

  it('reads systemd\'s complaints about the unit file from its last change on, whatever the state', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kthw-unit-'));
    dirs.push(dir);
    const unit = join(dir, 'kube-controller-manager.service');
    writeFileSync(unit, '[Service]\n');
    utimesSync(unit, 1_700_000_000, 1_700_000_000);
    const text = probeOutput(`Id=kube-controller-manager.service\nFragmentPath=${unit}\nActiveState=inactive\nResult=success\nInvocationID=cafe`);
    expect(text).toContain(`journalctl --no-pager -n 60 --since @1700000000 _PID=1 UNIT=kube-controller-manager.service CONFIG_FILE=${unit}`);
    expect(text).not.toContain('INVOCATION_ID');
  });

  it('reads nothing of a unit stopped cleanly by hand, or one that never ran', () => {
    const stopped = probeOutput('ActiveState=inactive\nResult=success\nInvocationID=cafe');
    expect(stopped).not.toContain('journalctl');
    expect(stopped).toContain('kube-controller-manager was stopped cleanly');
    expect(probeOutput('ActiveState=inactive\nResult=success\nInvocationID=')).toContain('systemd knows no current run of it');
  });
});

/** The chapter's own diagnostics, judged on evidence as the lab shows it. */
describe('the control-plane course blames the right component', () => {
  const course = loadCourse(defaultLessonsDir());
  const step = (id: string) => {
    const s = course.pages.flatMap((p) => p.steps).find((x) => x.id === id);
    if (!s) throw new Error(`no step ${id}`);
    return s;
  };
  const failed = (checkId: string, found: string): CheckResult => ({
    checkId,
    kind: 'command',
    where: 'server',
    subject: checkId,
    status: 'fail',
    findings: [{ property: 'stdout', expected: '', found, ok: false }],
    evidence: '',
  });
  const port = (listening: boolean) => ({ probeId: 'port:6443', text: listening ? 'LISTEN 0 511 *:6443 *:*\n' : '' });
  const kcmRefused = {
    probeId: 'journal:kube-controller-manager',
    text: 'E1203 leaderelection.go:436] error retrieving resource lock kube-system/kube-controller-manager: Get "https://server.kubernetes.local:6443/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager": dial tcp 10.77.0.10:6443: connect: connection refused\n',
  };
  const scheduler = failed('scheduler', 'inactive');

  it('start: a stopped scheduler with refused lines of an API server restart blames nobody', () => {
    expect(matchDiagnostics(step('start').diagnostics, { checks: [scheduler], probes: [kcmRefused, port(true)], run: null })).toEqual([]);
    expect(matchDiagnostics(step('start').diagnostics, { checks: [scheduler], probes: [kcmRefused, port(false)], run: null })).toEqual(['apiserver-unreachable']);
  });

  it("start: the API server's own reason replaces the controller-manager's complaint", () => {
    const etcd = { probeId: 'journal:kube-apiserver', text: 'W1203 logging.go:55] dial tcp 127.0.0.1:2379: connect: connection refused\n' };
    expect(matchDiagnostics(step('start').diagnostics, { checks: [scheduler], probes: [etcd, kcmRefused, port(false)], run: null })).toEqual(['etcd-refused']);
  });

  it('health: a client-only certificate is named as such, not as a wrong CA', () => {
    const d = step('health').diagnostics;
    expect(matchDiagnostics(d, { checks: [failed('livez', 'curl: (60) SSL certificate problem: unsuitable certificate purpose')], probes: [], run: null })).toEqual(['bad-purpose']);
    expect(matchDiagnostics(d, { checks: [failed('livez', 'curl: (60) SSL certificate problem: unable to get local issuer certificate')], probes: [], run: null })).toEqual(['wrong-ca']);
  });

  it("kubectl steps: kubectl's key-usage error and its localhost:8080 fallback", () => {
    const x509 = 'Unable to connect to the server: tls: failed to verify certificate: x509: certificate specifies an incompatible key usage';
    expect(matchDiagnostics(step('cluster-info').diagnostics, { checks: [failed('control-plane-url', x509)], probes: [], run: null })).toEqual(['bad-purpose']);
    const noConfig = 'error: error validating "sar-nodes-proxy.json": error validating data: failed to download openapi: Get "http://localhost:8080/openapi/v2?timeout=32s": dial tcp 127.0.0.1:8080: connect: connection refused; if you choose to ignore these errors, turn validation off with --validate=false';
    for (const id of ['sar-before', 'apply-rbac']) {
      // Not "the API server refused": 6443 answers, and the refusal was on 8080.
      expect(matchDiagnostics(step(id).diagnostics, { checks: [failed('denied', '')], probes: [port(false)], run: { code: 1, output: noConfig } }), id).toEqual(['no-kubeconfig']);
    }
    const refused = 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?';
    const lastRun = { code: 1, output: refused };
    expect(matchDiagnostics(step('apply-rbac').diagnostics, { checks: [failed('cluster-role', refused)], probes: [port(false)], run: lastRun })).toEqual(['refused']);
    // The same old output while 6443 answers again is no longer evidence.
    expect(matchDiagnostics(step('apply-rbac').diagnostics, { checks: [failed('cluster-role', 'NotFound')], probes: [port(true)], run: lastRun })).toEqual([]);
  });

  it('kubernetes-service: an endpoint at another address, but not when kubectl could not read it', () => {
    const d = step('kubernetes-service').diagnostics;
    const other = failed('endpoint-address', 'endpoints/kubernetes: 10.0.2.15, server.kubernetes.local: 10.77.0.10');
    expect(matchDiagnostics(d, { checks: [other], probes: [], run: null })).toEqual(['advertised-elsewhere']);
    const unread = failed('endpoint-address', 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?');
    expect(matchDiagnostics(d, { checks: [unread], probes: [], run: null })).toEqual([]);
  });
});
