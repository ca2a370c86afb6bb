import { describe, expect, it } from 'vitest';
import { compileBatch } from '../../src/checks/compile.js';
import { describeResult } from '../../src/checks/describe.js';
import { commandKind } from '../../src/checks/kinds/command.js';
import { fileKind } from '../../src/checks/kinds/file.js';
import { httpKind } from '../../src/checks/kinds/http.js';
import { kubeKind } from '../../src/checks/kinds/kube.js';
import { portKind } from '../../src/checks/kinds/port.js';
import { serviceKind } from '../../src/checks/kinds/service.js';
import type { CheckResult } from '../../src/checks/result.js';
import { CheckSpec } from '../../src/checks/spec.js';
import { createTranslator } from '../../src/i18n/index.js';

const spec = <K extends CheckSpec['kind']>(raw: Record<string, unknown> & { kind: K }) =>
  CheckSpec.parse(raw) as Extract<CheckSpec, { kind: K }>;
const failed = (e: { findings: { property: string; ok: boolean }[] }) => e.findings.filter((f) => !f.ok).map((f) => f.property);

describe('file', () => {
  const s = spec({ kind: 'file', path: '/var/lib/kubernetes/ca.key', type: 'file', mode: '600', owner: 'root' });
  it('passes when type, mode and owner match (600 and 0600 are the same mode)', () => {
    const e = fileKind.evaluate(s, { path: '/var/lib/kubernetes/ca.key', stat: 'regular file|600|root|root|3272\n' }, {});
    expect(e.status).toBe('pass');
  });
  it('names each property that differs', () => {
    const e = fileKind.evaluate(s, { stat: 'directory|644|nobody|root|0' }, {});
    expect(e.status).toBe('fail');
    expect(failed(e)).toEqual(['type', 'mode', 'owner']);
    expect(e.findings.find((f) => f.property === 'mode')).toMatchObject({ expected: '0600', found: '0644' });
  });
  it('a missing file fails on exists only, and exists:false passes', () => {
    expect(failed(fileKind.evaluate(s, { absent: 'yes\n' }, {}))).toEqual(['exists']);
    const gone = spec({ kind: 'file', path: '/root/ca.key', exists: false });
    expect(fileKind.evaluate(gone, { absent: 'yes\n' }, {}).status).toBe('pass');
    expect(fileKind.evaluate(gone, { stat: 'regular file|600|root|root|1' }, {}).status).toBe('fail');
  });
  it('names the place where the file was found among its alternatives', () => {
    const moved = spec({ kind: 'file', path: '/root/kube-apiserver', or: ['/usr/local/bin/kube-apiserver'], mode: '0755' });
    const e = fileKind.evaluate(moved, { path: '/usr/local/bin/kube-apiserver', stat: 'regular file|755|root|root|9' }, {});
    expect(e).toMatchObject({ status: 'pass', subject: '/usr/local/bin/kube-apiserver' });
  });
});

describe('service', () => {
  const s = spec({ kind: 'service', name: 'kube-apiserver', active: true, enabled: true, stable: true });
  const show = (o: Record<string, string>) =>
    Object.entries({ LoadState: 'loaded', ActiveState: 'active', SubState: 'running', UnitFileState: 'enabled', NRestarts: '0', ...o })
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
  it('passes for an enabled, running unit without restarts', () => {
    expect(serviceKind.evaluate(s, { show: show({}) }, {}).status).toBe('pass');
  });
  it('catches a crash loop that looks almost active', () => {
    const e = serviceKind.evaluate(s, { show: show({ ActiveState: 'activating', SubState: 'auto-restart', NRestarts: '4' }) }, {});
    expect(failed(e)).toEqual(['active', 'restarts']);
    expect(e.findings[1]).toMatchObject({ found: 'activating (auto-restart)' });
  });
  it('a unit that does not exist fails on "loaded"', () => {
    const e = serviceKind.evaluate(s, { show: show({ LoadState: 'not-found', ActiveState: 'inactive' }) }, {});
    expect(failed(e)).toEqual(['loaded']);
    expect(e.findings[0]?.found).toBe('not-found');
  });
  it('is an error, not a failure, where systemd does not run', () => {
    const e = serviceKind.evaluate(s, { show: 'System has not been booted with systemd as init system (PID 1). Can\'t operate.\n' }, {});
    expect(e.status).toBe('error');
    expect(e.error).toContain('not been booted with systemd');
    expect(serviceKind.evaluate(s, { missing: 'systemctl\n' }, {})).toMatchObject({ status: 'error', error: 'missing:systemctl' });
  });
});

describe('port', () => {
  const ss = 'LISTEN 0 4096 *:6443 *:* users:(("kube-apiserver",pid=3016,fd=3))\n';
  it('checks the listener and its process name', () => {
    expect(portKind.evaluate(spec({ kind: 'port', port: 6443, process: 'kube-apiserver' }), {}, { ss }).status).toBe('pass');
    const wrong = portKind.evaluate(spec({ kind: 'port', port: 6443, process: 'etcd' }), {}, { ss });
    expect(wrong.findings[1]).toMatchObject({ property: 'process', expected: 'etcd', found: 'kube-apiserver', ok: false });
    expect(failed(portKind.evaluate(spec({ kind: 'port', port: 10257 }), {}, { ss }))).toEqual(['listening']);
  });
  it('one batch gathers the listener table once, however many port checks', () => {
    const items = [6443, 10257, 10259].map((port, i) => ({ id: `p${i}`, spec: spec({ kind: 'port', port }) }));
    const { script } = compileBatch(items);
    expect(script.match(/ss -Htlnp/g)).toHaveLength(1);
  });
});

describe('http', () => {
  const s = spec({ kind: 'http', url: 'https://server.kubernetes.local:6443/version', cacert: 'ca.crt', json: { path: 'gitVersion', equals: 'v1.32.3' } });
  it('passes on status and JSON field', () => {
    const body = '{"major":"1","gitVersion":"v1.32.3"}';
    expect(httpKind.evaluate(s, { code: '200', curl_rc: '0\n', curl_err: '', body }, {}).status).toBe('pass');
  });
  it('keeps curl\'s own error as what was found', () => {
    const err = 'curl: (60) SSL certificate problem: unsuitable certificate purpose';
    const e = httpKind.evaluate(s, { code: '000', curl_rc: '60\n', curl_err: err + '\n', body: '' }, {});
    expect(e.findings).toEqual([{ property: 'status', expected: '200', found: err, ok: false }]);
  });
  it('says "not JSON" for a body that is not', () => {
    const e = httpKind.evaluate(s, { code: '200', curl_rc: '0', body: 'ok' }, {});
    expect(e.findings[1]).toMatchObject({ found: 'not JSON', ok: false });
  });
});

describe('command and kube', () => {
  it('command: exit status and output', () => {
    const s = spec({ kind: 'command', run: '/usr/local/bin/kube-apiserver --version', stdout: { contains: 'Kubernetes v1.32' } });
    expect(commandKind.evaluate(s, { exit: '0\n', stdout: 'Kubernetes v1.32.3\n', stderr: '' }, {}).status).toBe('pass');
    expect(failed(commandKind.evaluate(s, { exit: '126\n', stdout: '', stderr: 'Exec format error' }, {}))).toEqual(['exit', 'stdout']);
  });
  it('kube: found, not found, and an API that does not answer', () => {
    const s = spec({ kind: 'kube', resource: 'service', name: 'kubernetes', namespace: 'default', field: { path: 'spec.clusterIP', equals: '10.32.0.1' } });
    const obj = JSON.stringify({ spec: { clusterIP: '10.0.0.1' } });
    const e = kubeKind.evaluate(s, { exit: '0', stdout: obj, stderr: '' }, {});
    expect(e.findings[1]).toMatchObject({ property: 'field:spec.clusterIP', expected: '10.32.0.1', found: '10.0.0.1', ok: false });
    const nf = kubeKind.evaluate(s, { exit: '1', stdout: '', stderr: 'Error from server (NotFound): services "kubernetes" not found' }, {});
    expect(nf.findings[0]).toMatchObject({ property: 'exists', found: 'false' });
    const refused = 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?';
    const down = kubeKind.evaluate(s, { exit: '1', stdout: '', stderr: refused }, {});
    expect(down).toMatchObject({ status: 'fail', findings: [{ found: refused }] });
  });
});

describe('describeResult', () => {
  const tr = createTranslator();
  const r: CheckResult = {
    checkId: 'k', kind: 'file', where: 'server', subject: '/var/lib/kubernetes/ca.key', status: 'fail', evidence: '',
    findings: [
      { property: 'exists', expected: 'true', found: 'true', ok: true },
      { property: 'mode', expected: '0600', found: '0644', ok: false },
    ],
  };
  it('says expected vs found for what differs, in each language', () => {
    expect(describeResult(r, tr.forLang('en'))).toEqual(['mode: expected 0600, found 0644']);
    expect(describeResult(r, tr.forLang('ko'))).toEqual(['권한: 기대값 0600, 실제값 0644']);
  });
  it('explains a missing tool', () => {
    const e: CheckResult = { ...r, status: 'error', findings: [], error: 'missing:ss' };
    expect(describeResult(e, tr.forLang('en'))[0]).toContain('`ss` is not installed');
  });
});
