// The pure parts of the lab's stand-ins: flag parsing, klog lines, kubeconfig reading, the API
// server's config checks, RBAC evaluation, table columns, merge patches and path routing.
import { describe, expect, it } from 'vitest';
import { BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES, bootstrapObjects } from '../../src/lab/standins/apiserver/bootstrap-policy.js';
import { checkEncryptionConfig, ConfigError, firstServiceIp, inCidr, readConfig } from '../../src/lab/standins/apiserver/config.js';
import { prefixEnd } from '../../src/lab/standins/apiserver/etcd.js';
import { openApiDocument, openApiIndex } from '../../src/lab/standins/apiserver/openapi.js';
import { authorize, forbiddenMessage, ruleAllows, type Policy } from '../../src/lab/standins/apiserver/rbac.js';
import { findResource, humanAge, storageKey, tableFor } from '../../src/lab/standins/apiserver/resources.js';
import { matchesSelector, parseResourcePath } from '../../src/lab/standins/apiserver/server.js';
import { mergePatch } from '../../src/lab/standins/apiserver/storage.js';
import { firstUnknown, FlagError, parseFlags } from '../../src/lab/standins/common/flags.js';
import { klogLine } from '../../src/lab/standins/common/klog.js';
import { KubeconfigError, parseKubeconfig } from '../../src/lab/standins/common/kubeconfig.js';
import { versionInfo, versionLine } from '../../src/lab/standins/common/version.js';

describe('flags (pflag style)', () => {
  it('reads --name=value, --name value and bare booleans; last value wins', () => {
    const f = parseFlags(['--v=2', '--allow-privileged', '--bind-address', '0.0.0.0', '--v=4', 'extra'], new Set(['allow-privileged']));
    expect(Object.fromEntries(f.values)).toEqual({ v: '4', 'allow-privileged': 'true', 'bind-address': '0.0.0.0' });
    expect(f.positional).toEqual(['extra']);
  });
  it('rejects a value-less non-boolean at the end and names unknown flags', () => {
    expect(() => parseFlags(['--kubeconfig'])).toThrow(FlagError);
    expect(firstUnknown(parseFlags(['--v=2', '--sevice-cluster-ip-range=x']), new Set(['v']))).toBe('sevice-cluster-ip-range');
  });
});

describe('klog lines', () => {
  it('have the header the real components print', () => {
    const line = klogLine('W', 'services.go:37', 'No CIDR', new Date(2026, 10, 5, 6, 2, 1, 770), 1234);
    expect(line).toBe('W1105 06:02:01.770000    1234 services.go:37] No CIDR');
  });
});

describe('version', () => {
  it('says stand-in in --version and reports the platform of the machine in /version', () => {
    expect(versionLine()).toMatch(/^Kubernetes v1\.32\.3 \(.*stand-in.*\)$/);
    expect(versionInfo('arm64').platform).toBe('linux/arm64');
    expect(versionInfo('x64').platform).toBe('linux/amd64');
  });
});

describe('kubeconfig', () => {
  const doc = (user: string) => `
apiVersion: v1
kind: Config
clusters:
- name: kubernetes-the-hard-way
  cluster:
    certificate-authority-data: ${Buffer.from('CA').toString('base64')}
    server: https://server.kubernetes.local:6443
contexts:
- name: default
  context: { cluster: kubernetes-the-hard-way, user: ${user} }
current-context: default
users:
- name: system:kube-scheduler
  user:
    client-certificate-data: ${Buffer.from('CERT').toString('base64')}
    client-key: keys/sched.key
`;
  it('follows the current context to server, CA, embedded cert and a relative key path', () => {
    const read = (p: string) => Buffer.from(`file:${p}`);
    const c = parseKubeconfig(doc('system:kube-scheduler'), '/var/lib/kubernetes/kube-scheduler.kubeconfig', read);
    expect(c.server).toBe('https://server.kubernetes.local:6443');
    expect(c.ca?.toString()).toBe('CA');
    expect(c.cert?.toString()).toBe('CERT');
    expect(c.key?.toString()).toBe('file:/var/lib/kubernetes/keys/sched.key');
  });
  it('names a missing user and an empty file the way client-go does', () => {
    expect(() => parseKubeconfig(doc('nobody'), 'x.kubeconfig')).toThrow(/user "nobody" not found in x.kubeconfig/);
    expect(() => parseKubeconfig('', 'x.kubeconfig')).toThrow(KubeconfigError);
  });
});

describe('kube-apiserver configuration', () => {
  const files: Record<string, string> = {
    '/k/ca.crt': 'ca', '/k/api.crt': 'crt', '/k/api.key': 'key',
    '/k/enc.yaml': `kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n  - resources: [secrets]\n    providers:\n      - aescbc:\n          keys:\n            - name: key1\n              secret: ${Buffer.alloc(32, 7).toString('base64')}\n      - identity: {}\n`,
  };
  const read = (p: string) => {
    if (!(p in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return Buffer.from(files[p]!);
  };
  const base = ['--client-ca-file=/k/ca.crt', '--tls-cert-file=/k/api.crt', '--tls-private-key-file=/k/api.key', '--etcd-servers=http://127.0.0.1:2379', '--encryption-provider-config=/k/enc.yaml', '--authorization-mode=Node,RBAC'];

  it('reads the unit flags; the service range is optional (failure A leaves it out)', () => {
    const c = readConfig(base, read);
    expect(c.serviceCidr).toBeUndefined();
    expect(c.authorizationModes).toEqual(['Node', 'RBAC']);
    expect(readConfig([...base, '--service-cluster-ip-range=10.32.0.0/24'], read).serviceCidr).toBe('10.32.0.0/24');
  });
  it('fails on a missing file with Go\'s open error, and on an unknown flag', () => {
    expect(() => readConfig([...base, '--kubelet-client-key=/k/missing.key'], read)).toThrow('open /k/missing.key: no such file or directory');
    expect(() => readConfig([...base, '--service-cluster-ip-rang=10.32.0.0/24'], read)).toThrow('unknown flag: --service-cluster-ip-rang');
  });
  it('F: an unsubstituted or empty key is "secrets must be base64 encoded"; a short key is a length error', () => {
    const withSecret = (s: string) => files['/k/enc.yaml']!.replace(/secret: .*/, `secret: ${s}`);
    expect(() => checkEncryptionConfig(withSecret('${ENCRYPTION_KEY}'))).toThrow(/resources\[0\]\.providers\[0\]\.aescbc\.keys\[0\]\.secret: Invalid value: "REDACTED": secrets must be base64 encoded/);
    expect(() => checkEncryptionConfig(withSecret("''"))).toThrow(/secrets must be base64 encoded/);
    expect(() => checkEncryptionConfig(withSecret(Buffer.alloc(10).toString('base64')))).toThrow(/got 10, expected one of \[16,24,32\]/);
    expect(() => checkEncryptionConfig(files['/k/enc.yaml']!)).not.toThrow();
  });
  it('computes the kubernetes Service address from the range', () => {
    expect(firstServiceIp('10.32.0.0/24')).toBe('10.32.0.1');
    expect(firstServiceIp('10.0.0.0/24')).toBe('10.0.0.1');
    expect(firstServiceIp('10.96.5.7/12')).toBe('10.96.0.1');
    expect(() => firstServiceIp('10.32.0/24')).toThrow(ConfigError);
    expect(inCidr('10.0.0.1', '10.32.0.0/24')).toBe(false);
    expect(inCidr('10.32.0.200', '10.32.0.0/24')).toBe(true);
  });
});

describe('RBAC evaluation', () => {
  const defaults = bootstrapObjects();
  const chapterRole = {
    metadata: { name: 'system:kube-apiserver-to-kubelet' },
    rules: [{ apiGroups: [''], resources: ['nodes/proxy', 'nodes/stats', 'nodes/log', 'nodes/spec', 'nodes/metrics'], verbs: ['*'] }],
  };
  const chapterBinding = {
    metadata: { name: 'system:kube-apiserver' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:kube-apiserver-to-kubelet' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kubernetes' }],
  };
  const policy = (withChapter: boolean): Policy => ({
    clusterRoles: [...(defaults.clusterRoles as never[]), ...(withChapter ? [chapterRole] : [])],
    clusterRoleBindings: [...(defaults.clusterRoleBindings as never[]), ...(withChapter ? [chapterBinding] : [])],
    roles: [],
    roleBindings: [],
  });
  const nodes = (subresource: string) => ({ kind: 'resource' as const, attrs: { verb: 'get', group: '', resource: 'nodes', subresource, name: 'node-0' } });
  // What the kubelet asks for kubectl logs/exec/attach/port-forward (page 5's review).
  const nodesProxy = nodes('proxy');
  const kubernetes = { name: 'kubernetes', groups: ['system:authenticated'] };

  it('denies the API server user nodes/proxy until the chapter\'s binding exists, then names the binding', () => {
    expect(authorize(policy(false), kubernetes, nodesProxy)).toEqual({ allowed: false, reason: '' });
    expect(authorize(policy(true), kubernetes, nodesProxy)).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "system:kube-apiserver" of ClusterRole "system:kube-apiserver-to-kubelet" to User "kubernetes"',
    });
    expect(authorize(policy(true), { name: 'someone', groups: [] }, nodesProxy).allowed).toBe(false);
  });
  it('treats nodes/log and nodes/proxy as different subresources', () => {
    const logOnly = { ...chapterRole, rules: [{ apiGroups: [''], resources: ['nodes/log'], verbs: ['get'] }] };
    const p: Policy = { ...policy(false), clusterRoles: [...(defaults.clusterRoles as never[]), logOnly as never], clusterRoleBindings: [...(defaults.clusterRoleBindings as never[]), chapterBinding as never] };
    expect(authorize(p, kubernetes, nodes('log')).allowed).toBe(true);
    expect(authorize(p, kubernetes, nodesProxy).allowed).toBe(false);
  });
  it('lets everyone read /version and /healthz, and only authenticated users discovery', () => {
    const anon = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    const path = (p: string) => ({ kind: 'nonResource' as const, attrs: { verb: 'get', path: p } });
    expect(authorize(policy(false), anon, path('/version')).allowed).toBe(true);
    expect(authorize(policy(false), anon, path('/livez')).allowed).toBe(true);
    expect(authorize(policy(false), anon, path('/api')).allowed).toBe(false);
    expect(authorize(policy(false), kubernetes, path('/apis/rbac.authorization.k8s.io/v1')).allowed).toBe(true);
  });
  it('gives the scheduler its own lease and not the controller-manager\'s', () => {
    const sched = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };
    const lease = (name: string, verb = 'update') => ({ kind: 'resource' as const, attrs: { verb, group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system', name } });
    expect(authorize(policy(false), sched, lease('kube-scheduler')).allowed).toBe(true);
    expect(authorize(policy(false), sched, lease('kube-controller-manager')).allowed).toBe(false);
  });
  it('matches wildcards, */subresource and resourceNames like the real rule matcher', () => {
    const attrs = { kind: 'resource' as const, attrs: { verb: 'get', group: '', resource: 'pods', subresource: 'log', name: 'p' } };
    expect(ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['*/log'] }, attrs)).toBe(true);
    expect(ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, attrs)).toBe(false);
    expect(ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['pods/log'], resourceNames: ['q'] }, attrs)).toBe(false);
  });
  it('words a 403 like the real API server', () => {
    expect(forbiddenMessage(kubernetes, { kind: 'resource', attrs: { verb: 'list', group: '', resource: 'nodes' } })).toBe(
      'nodes is forbidden: User "kubernetes" cannot list resource "nodes" in API group "" at the cluster scope',
    );
  });
  it('bootstrap objects carry the rbac-defaults label and autoupdate annotation, and every binding names a role that exists', () => {
    for (const o of [...defaults.clusterRoles, ...defaults.clusterRoleBindings] as { metadata: { labels: object; annotations: object } }[]) {
      expect(o.metadata.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults' });
      expect(o.metadata.annotations).toEqual({ 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
    }
    for (const b of Object.values(BOOTSTRAP_CLUSTER_ROLE_BINDINGS)) expect(Object.keys(BOOTSTRAP_CLUSTER_ROLES)).toContain(b.role);
  });
});

describe('resources, tables and patches', () => {
  const svc = findResource('', 'v1', 'services')!;
  it('keys etcd like the real API server', () => {
    expect(storageKey(svc, 'default', 'kubernetes')).toBe('/registry/services/specs/default/kubernetes');
    expect(storageKey(findResource('', 'v1', 'nodes')!, undefined)).toBe('/registry/minions/');
    expect(prefixEnd('/registry/minions/')).toBe('/registry/minions0');
  });
  it('prints AGE like kubectl', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    const ago = (s: number) => new Date(now - s * 1000).toISOString();
    expect([humanAge(ago(7), now), humanAge(ago(150), now), humanAge(ago(3600 * 5 + 60 * 3), now), humanAge(ago(86400 * 3), now)]).toEqual(['7s', '2m30s', '5h3m', '3d']);
  });
  it('gives Service and Endpoints the columns of `kubectl get service,endpoints`', () => {
    const now = Date.now();
    const t = tableFor(svc, [{ metadata: { name: 'kubernetes', creationTimestamp: new Date(now - 5000).toISOString() }, spec: { clusterIP: '10.32.0.1', ports: [{ port: 443, protocol: 'TCP' }] } }], now);
    expect(t.columns.map((c) => c.name)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']);
    expect(t.rows[0]).toEqual(['kubernetes', 'ClusterIP', '10.32.0.1', '<none>', '443/TCP', '5s']);
    const ep = tableFor(findResource('', 'v1', 'endpoints')!, [{ metadata: { name: 'kubernetes' }, subsets: [{ addresses: [{ ip: '10.77.0.10' }], ports: [{ port: 6443 }] }] }], now);
    expect(ep.rows[0]!.slice(0, 2)).toEqual(['kubernetes', '10.77.0.10:6443']);
  });
  it('merge-patches objects, deleting nulls, replacing lists, ignoring strategic directives', () => {
    const current = { metadata: { name: 'r', labels: { a: '1', b: '2' } }, rules: [{ verbs: ['get'] }] };
    const patch = { metadata: { labels: { b: null, c: '3' } }, rules: [{ verbs: ['*'] }], $patch: 'merge' };
    expect(mergePatch(current, patch)).toEqual({ metadata: { name: 'r', labels: { a: '1', c: '3' } }, rules: [{ verbs: ['*'] }] });
  });
  it('routes paths to kinds, namespaces and names', () => {
    expect(parseResourcePath('/api/v1/namespaces/default/services/kubernetes')).toMatchObject({ r: svc, namespace: 'default', name: 'kubernetes' });
    expect(parseResourcePath('/api/v1/namespaces/kube-system')).toMatchObject({ r: { kind: 'Namespace' }, name: 'kube-system' });
    expect(parseResourcePath('/apis/rbac.authorization.k8s.io/v1/clusterroles/view')).toMatchObject({ r: { kind: 'ClusterRole' }, name: 'view' });
    expect(parseResourcePath('/apis/rbac.authorization.k8s.io/v1')).toBe('discovery');
    expect(parseResourcePath('/version')).toBeUndefined();
    expect(parseResourcePath('/api/v1/widgets')).toBeUndefined();
  });
  it('matches the label selectors kubectl sends', () => {
    const o = { metadata: { labels: { 'kubernetes.io/cluster-service': 'true' } } };
    expect(matchesSelector(o, 'kubernetes.io/cluster-service=true')).toBe(true);
    expect(matchesSelector(o, 'kubernetes.io/cluster-service!=true')).toBe(false);
    expect(matchesSelector({ metadata: {} }, 'kubernetes.io/cluster-service=true')).toBe(false);
  });
  it('OpenAPI v3: every kind has a PATCH with its GVK and the fieldValidation parameter (what kubectl looks for)', () => {
    for (const [path, entry] of Object.entries(openApiIndex().paths)) {
      expect(entry.serverRelativeURL.startsWith(`/openapi/v3/${path}?hash=`)).toBe(true);
      const doc = openApiDocument(path) as { paths: Record<string, { patch?: { parameters: { name: string }[]; 'x-kubernetes-group-version-kind': { kind: string } } }> };
      const patches = Object.values(doc.paths).flatMap((p) => (p.patch ? [p.patch] : []));
      expect(patches.length).toBeGreaterThan(0);
      for (const p of patches) expect(p.parameters.map((x) => x.name)).toContain('fieldValidation');
    }
    expect(openApiDocument('apis/example.com/v1')).toBeUndefined();
  });
});
