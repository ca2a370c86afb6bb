// The default ClusterRoles and ClusterRoleBindings a v1.32 API server writes at its first start
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy upstream), reduced to the ones learners look at
// and the ones the chapter's components need. Like the real ones they carry the `rbac-defaults`
// label and the autoupdate annotation — page 6 of the chapter points at both.
import type { PolicyRule } from './rbac.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule =>
  resourceNames ? { verbs, apiGroups, resources, resourceNames } : { verbs, apiGroups, resources };
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

const NAMESPACED_CORE = ['pods', 'pods/log', 'pods/exec', 'services', 'endpoints', 'configmaps', 'secrets', 'serviceaccounts', 'persistentvolumeclaims'];
const VIEW_CORE = ['pods', 'pods/log', 'services', 'endpoints', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts', 'events', 'namespaces'];
const APPS = ['deployments', 'daemonsets', 'replicasets', 'statefulsets'];
const KUBELET_API = ['nodes/proxy', 'nodes/stats', 'nodes/log', 'nodes/spec', 'nodes/metrics'];

export const BOOTSTRAP_CLUSTER_ROLES: Record<string, PolicyRule[]> = {
  'cluster-admin': [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])],
  admin: [rule([...READ, ...WRITE], [''], NAMESPACED_CORE), rule([...READ, ...WRITE], ['apps'], APPS), rule([...READ, ...WRITE], ['rbac.authorization.k8s.io'], ['roles', 'rolebindings'])],
  edit: [rule([...READ, ...WRITE], [''], NAMESPACED_CORE), rule([...READ, ...WRITE], ['apps'], APPS)],
  view: [rule(READ, [''], VIEW_CORE), rule(READ, ['apps'], APPS)],
  'system:aggregate-to-admin': [rule([...READ, ...WRITE], ['rbac.authorization.k8s.io'], ['roles', 'rolebindings'])],
  'system:aggregate-to-edit': [rule([...READ, ...WRITE], [''], NAMESPACED_CORE)],
  'system:aggregate-to-view': [rule(READ, [''], VIEW_CORE)],
  'system:auth-delegator': [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])],
  'system:basic-user': [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'])],
  'system:certificates.k8s.io:certificatesigningrequests:nodeclient': [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])],
  'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient': [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])],
  'system:discovery': [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])],
  'system:heapster': [rule(READ, [''], ['events', 'namespaces', 'nodes', 'pods'])],
  'system:kube-aggregator': [rule(READ, [''], ['endpoints', 'services'])],
  'system:kube-controller-manager': [
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(READ, ['*'], ['*']),
  ],
  'system:kube-dns': [rule(['list', 'watch'], [''], ['endpoints', 'services'])],
  'system:kube-scheduler': [
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(READ, [''], ['nodes', 'pods', 'namespaces', 'services']),
    rule(['create'], [''], ['pods/binding', 'bindings']),
  ],
  'system:kubelet-api-admin': [rule(['get', 'list', 'watch'], [''], ['nodes']), rule(['proxy'], [''], ['nodes']), rule(['*'], [''], KUBELET_API)],
  'system:monitoring': [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])],
  'system:node': [rule(READ, [''], ['nodes', 'pods', 'services', 'endpoints']), rule(['create', 'update', 'patch'], [''], ['nodes/status', 'pods/status'])],
  'system:node-bootstrapper': [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])],
  'system:node-problem-detector': [rule(['get'], [''], ['nodes']), rule(['patch'], [''], ['nodes/status'])],
  'system:node-proxier': [rule(['list', 'watch'], [''], ['endpoints', 'services']), rule(['get', 'list', 'watch'], [''], ['nodes'])],
  'system:persistent-volume-provisioner': [rule(['create', 'delete', 'get', 'list', 'watch'], [''], ['persistentvolumes'])],
  'system:public-info-viewer': [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])],
  'system:service-account-issuer-discovery': [urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])],
  'system:volume-scheduler': [rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes'])],
};

type Subject = { kind: 'User' | 'Group' | 'ServiceAccount'; name: string; namespace?: string };
const group = (name: string): Subject => ({ kind: 'Group', name });
const user = (name: string): Subject => ({ kind: 'User', name });

/** Binding name -> role name and subjects. */
export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: Record<string, { role: string; subjects: Subject[] }> = {
  'cluster-admin': { role: 'cluster-admin', subjects: [group('system:masters')] },
  'system:basic-user': { role: 'system:basic-user', subjects: [group('system:authenticated')] },
  'system:discovery': { role: 'system:discovery', subjects: [group('system:authenticated')] },
  'system:kube-controller-manager': { role: 'system:kube-controller-manager', subjects: [user('system:kube-controller-manager')] },
  'system:kube-dns': { role: 'system:kube-dns', subjects: [{ kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system' }] },
  'system:kube-scheduler': { role: 'system:kube-scheduler', subjects: [user('system:kube-scheduler')] },
  'system:monitoring': { role: 'system:monitoring', subjects: [group('system:monitoring')] },
  'system:node-proxier': { role: 'system:node-proxier', subjects: [user('system:kube-proxy')] },
  'system:public-info-viewer': { role: 'system:public-info-viewer', subjects: [group('system:authenticated'), group('system:unauthenticated')] },
  'system:service-account-issuer-discovery': { role: 'system:service-account-issuer-discovery', subjects: [group('system:serviceaccounts')] },
  'system:volume-scheduler': { role: 'system:volume-scheduler', subjects: [user('system:kube-scheduler')] },
};

const DEFAULT_META = {
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
};

export function bootstrapObjects(): { clusterRoles: Record<string, unknown>[]; clusterRoleBindings: Record<string, unknown>[] } {
  const apiVersion = 'rbac.authorization.k8s.io/v1';
  return {
    clusterRoles: Object.entries(BOOTSTRAP_CLUSTER_ROLES).map(([name, rules]) => ({
      apiVersion,
      kind: 'ClusterRole',
      metadata: { name, ...structuredClone(DEFAULT_META) },
      rules,
    })),
    clusterRoleBindings: Object.entries(BOOTSTRAP_CLUSTER_ROLE_BINDINGS).map(([name, b]) => ({
      apiVersion,
      kind: 'ClusterRoleBinding',
      metadata: { name, ...structuredClone(DEFAULT_META) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: b.role },
      subjects: b.subjects.map((s) => (s.kind === 'ServiceAccount' ? s : { apiGroup: 'rbac.authorization.k8s.io', ...s })),
    })),
  };
}
