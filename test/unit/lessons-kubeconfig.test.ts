// Every kubectl command the course shows must work as printed on the chapter's server, which has
// no ~/.kube/config: without `--kubeconfig` kubectl asks localhost:8080 and is refused.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultLessonsDir } from '../../src/course/loader.js';
import { courseKubectlUses, kubectlInvocations } from '../helpers/kubectl-invocations.js';

describe('finding kubectl invocations', () => {
  it('finds commands after shell operators and flags the ones without --kubeconfig', () => {
    const found = kubectlInvocations('cd /root && kubectl get nodes | head; kubectl get pods -A --kubeconfig admin.kubeconfig', true);
    expect(found).toEqual([
      { command: 'kubectl get nodes', ok: false },
      { command: 'kubectl get pods -A --kubeconfig admin.kubeconfig', ok: true },
    ]);
  });

  it('joins continuation lines, accepts KUBECONFIG=, --kubeconfig=, --client and a marked failure', () => {
    expect(kubectlInvocations('kubectl get lease \\\n  -n kube-system \\\n  --kubeconfig=admin.kubeconfig', true)).toEqual([
      { command: 'kubectl get lease -n kube-system --kubeconfig=admin.kubeconfig', ok: true },
    ]);
    expect(kubectlInvocations('KUBECONFIG=admin.kubeconfig kubectl get nodes', true)[0]!.ok).toBe(true);
    expect(kubectlInvocations('kubectl version --client', true)[0]!.ok).toBe(true);
    expect(kubectlInvocations('kubectl version', true)[0]!.ok).toBe(false);
    expect(kubectlInvocations('kubectl get nodes   # fails on purpose: no --kubeconfig', true)[0]!.ok).toBe(true);
  });

  it('ignores paths, diagrams, quoted output and (in prose) bare command names', () => {
    expect(kubectlInvocations('scp downloads/client/kubectl root@server:~/', true)).toEqual([]);
    expect(kubectlInvocations(' kubectl ──GET /api/v1/…──▶ kube-apiserver', true)).toEqual([]);
    expect(kubectlInvocations("use 'kubectl cluster-info dump'.", true)).toEqual([]);
    expect(kubectlInvocations('kubectl logs', false)).toEqual([]);
    expect(kubectlInvocations('kubectl logs', true)).toEqual([{ command: 'kubectl logs', ok: false }]);
  });

  it('reads steps.yaml strings and markdown code with file:line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kthw-kubectl-'));
    try {
      mkdirSync(join(dir, '01-a'));
      writeFileSync(join(dir, '01-a', 'steps.yaml'), 'page: a\nsteps:\n  - id: s\n    run:\n      - kubectl get nodes\n');
      writeFileSync(
        join(dir, '01-a', 'en.md'),
        'Run `kubectl get lease -n kube-system` or `kubectl logs`.\n\n```sh\nkubectl apply -f x.yaml \\\n  --kubeconfig admin.kubeconfig\n```\n',
      );
      const uses = courseKubectlUses(dir);
      expect(uses).toEqual([
        { where: '01-a/steps.yaml:5', command: 'kubectl get nodes', ok: false },
        { where: '01-a/en.md:1', command: 'kubectl get lease -n kube-system', ok: false },
        { where: '01-a/en.md:4', command: 'kubectl apply -f x.yaml --kubeconfig admin.kubeconfig', ok: true },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the control-plane course', () => {
  const uses = courseKubectlUses(join(defaultLessonsDir()));

  it('shows kubectl commands at all (the scan sees the pack)', () => {
    expect(uses.length).toBeGreaterThan(20);
  });

  it('gives every kubectl command it shows a --kubeconfig (or marks it as failing on purpose)', () => {
    expect(uses.filter((u) => !u.ok).map((u) => `${u.where}: ${u.command}`)).toEqual([]);
  });
});
