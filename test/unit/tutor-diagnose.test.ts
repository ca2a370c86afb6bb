import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/result.js';
import { Diagnostic } from '../../src/course/schema.js';
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
