import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFrames } from '../../src/checks/parse/frames.js';
import { jsonPath, parseJson } from '../../src/checks/parse/json-path.js';
import { parseKeyValues } from '../../src/checks/parse/key-values.js';
import { parseSsListeners } from '../../src/checks/parse/ss.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'outputs', name), 'utf8');

describe('parseSsListeners', () => {
  it('reads the real control-plane listeners from the study notes', () => {
    const listeners = parseSsListeners(fixture('ss-tlp-kube.txt'));
    expect(listeners.map((l) => [l.address, l.port, l.processes[0]?.name, l.processes[0]?.pid])).toEqual([
      ['*', 6443, 'kube-apiserver', 3016],
      ['*', 10259, 'kube-scheduler', 3018],
      // ss shows the kernel's 15-character process name: kube-controller, not kube-controller-manager.
      ['*', 10257, 'kube-controller', 3017],
    ]);
  });

  it('reads IPv4, IPv6, several owners and a header line', () => {
    const text = [
      'State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process',
      'LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=500,fd=3))',
      'LISTEN 0      128             [::]:22           [::]:*    users:(("sshd",pid=500,fd=4))',
      'LISTEN 0      4096       127.0.0.1:2379      0.0.0.0:*    users:(("etcd",pid=7,fd=8),("etcd",pid=7,fd=9))',
      'LISTEN 0      5          127.0.0.1:8080      0.0.0.0:*',
    ].join('\n');
    const l = parseSsListeners(text);
    expect(l.map((x) => [x.address, x.port, x.processes.length])).toEqual([
      ['0.0.0.0', 22, 1],
      ['[::]', 22, 1],
      ['127.0.0.1', 2379, 2],
      ['127.0.0.1', 8080, 0],
    ]);
  });
});

describe('parseKeyValues', () => {
  it('splits systemctl show output at the first =', () => {
    const p = parseKeyValues('LoadState=loaded\nActiveState=active\nExecMainStatus=0\nDescription=a=b\n');
    expect(p.get('ActiveState')).toBe('active');
    expect(p.get('Description')).toBe('a=b');
  });
});

describe('jsonPath', () => {
  it('reads fields of the real /version answer', () => {
    const parsed = parseJson(fixture('version.json'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(jsonPath(parsed.value, 'gitVersion')).toBe('v1.32.3');
    expect(jsonPath(parsed.value, 'platform')).toBe('linux/arm64');
    expect(jsonPath(parsed.value, 'nope.deeper')).toBeUndefined();
    expect(jsonPath({ status: { allowed: false } }, 'status.allowed')).toBe('false');
    expect(jsonPath({ spec: { ports: [{ port: 443 }] } }, 'spec.ports.0.port')).toBe('443');
  });
  it('says what is wrong with text that is not JSON', () => {
    const parsed = parseJson('ok');
    expect(parsed.ok).toBe(false);
  });
});

describe('parseFrames', () => {
  const N = 'abc123';
  const m = (kind: string, arg: string) => `\n@@kthw:${N}:${kind}:${arg}\n`;

  it('keeps field text exactly, ignores noise outside frames', () => {
    const out = `bashrc noise\n${m('begin', '0')}${m('field', 'stdout')}line1\nline2\n${m('field', 'exit')}0${m('end', '0')}${m('done', 'all')}`;
    const f = parseFrames(out, N);
    expect(f.checks.get(0)).toEqual({ fields: { stdout: 'line1\nline2\n', exit: '0' }, complete: true });
    expect(f.done).toBe(true);
  });

  it('cannot be fooled by markers without the nonce', () => {
    const forged = `\n@@kthw:other:end:0\n\n@@kthw:other:field:exit\n0`;
    const out = `${m('begin', '0')}${m('field', 'stdout')}evil${forged}${m('end', '0')}`;
    const f = parseFrames(out, N);
    expect(f.checks.get(0)?.fields.stdout).toBe(`evil${forged}`);
    expect(f.checks.get(0)?.fields.exit).toBeUndefined();
  });

  it('marks a frame cut off before its end as incomplete, keeping what came', () => {
    const f = parseFrames(`${m('begin', '0')}${m('field', 'stdout')}partial`, N);
    expect(f.checks.get(0)).toEqual({ fields: { stdout: 'partial' }, complete: false });
    expect(f.done).toBe(false);
  });
});
