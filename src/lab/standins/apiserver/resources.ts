// The kinds the stand-in serves, described once: discovery, routing, storage keys and the columns
// `kubectl get` prints all come from this table. Pure.

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
};

export interface ResourceType {
  group: string; // '' for core
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  verbs: string[];
  /** The etcd key segment the real API server uses (mostly the plural). */
  storage: string;
  /** Accepted but not persisted (reviews). */
  virtual?: boolean;
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCES: readonly ResourceType[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'], verbs: RW, storage: 'namespaces' },
  { group: '', version: 'v1', kind: 'Node', plural: 'nodes', singular: 'node', namespaced: false, shortNames: ['no'], verbs: RW, storage: 'minions' },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], verbs: RW, storage: 'pods' },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', singular: 'service', namespaced: true, shortNames: ['svc'], verbs: RW, storage: 'services/specs' },
  { group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'], verbs: RW, storage: 'services/endpoints' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', singular: 'clusterrole', namespaced: false, verbs: RW, storage: 'clusterroles' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', singular: 'clusterrolebinding', namespaced: false, verbs: RW, storage: 'clusterrolebindings' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', singular: 'role', namespaced: true, verbs: RW, storage: 'roles' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', singular: 'rolebinding', namespaced: true, verbs: RW, storage: 'rolebindings' },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', singular: 'lease', namespaced: true, verbs: RW, storage: 'leases' },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', singular: 'subjectaccessreview', namespaced: false, verbs: ['create'], storage: '', virtual: true },
];

export function groupVersion(r: Pick<ResourceType, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** `/registry/services/specs/default/kubernetes`, as the real API server lays out etcd. */
export function storageKey(r: ResourceType, namespace: string | undefined, name?: string): string {
  const base = `/registry/${r.storage}/`;
  const ns = r.namespaced && namespace ? `${namespace}/` : '';
  return name === undefined ? base + ns : base + ns + name;
}

/** Go's duration in kubectl's AGE column: 45s, 5m, 3h, 2d (coarse, like duration.HumanDuration). */
export function humanAge(createdIso: string | undefined, now: number): string {
  if (!createdIso) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(createdIso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return `${minutes}m${seconds % 60 ? `${seconds % 60}s` : ''}`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return `${hours}h${minutes % 60 ? `${minutes % 60}m` : ''}`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  return days < 730 ? `${days}d` : `${Math.floor(days / 365)}y`;
}

interface Column {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority: number;
}

const col = (name: string, type = 'string', format = ''): Column => ({
  name,
  type,
  format,
  description: name,
  priority: 0,
});

/** The columns and cells the real API server's table convertor gives each kind. */
export function tableFor(r: ResourceType, objects: KubeObject[], now: number): { columns: Column[]; rows: unknown[][] } {
  const age = (o: KubeObject) => humanAge(o.metadata.creationTimestamp, now);
  const spec = (o: KubeObject) => (o.spec ?? {}) as Record<string, unknown>;
  switch (r.kind) {
    case 'Namespace':
      return {
        columns: [col('Name', 'string', 'name'), col('Status'), col('Age')],
        rows: objects.map((o) => [o.metadata.name, ((o.status ?? {}) as { phase?: string }).phase ?? 'Active', age(o)]),
      };
    case 'Service':
      return {
        columns: [col('Name', 'string', 'name'), col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), col('Age')],
        rows: objects.map((o) => {
          const s = spec(o);
          const ports = ((s.ports ?? []) as { port: number; protocol?: string }[]).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',');
          return [o.metadata.name, s.type ?? 'ClusterIP', s.clusterIP ?? '<none>', '<none>', ports || '<none>', age(o)];
        }),
      };
    case 'Endpoints':
      return {
        columns: [col('Name', 'string', 'name'), col('Endpoints'), col('Age')],
        rows: objects.map((o) => {
          const subsets = (o.subsets ?? []) as { addresses?: { ip: string }[]; ports?: { port: number }[] }[];
          const list = subsets.flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports ?? []).map((p) => `${a.ip}:${p.port}`)));
          return [o.metadata.name, list.join(',') || '<none>', age(o)];
        }),
      };
    case 'ClusterRole':
    case 'Role':
      return {
        columns: [col('Name', 'string', 'name'), col('Created At', 'date')],
        rows: objects.map((o) => [o.metadata.name, o.metadata.creationTimestamp]),
      };
    case 'ClusterRoleBinding':
    case 'RoleBinding':
      return {
        columns: [col('Name', 'string', 'name'), col('Role'), col('Age')],
        rows: objects.map((o) => {
          const ref = (o.roleRef ?? {}) as { kind?: string; name?: string };
          return [o.metadata.name, `${ref.kind}/${ref.name}`, age(o)];
        }),
      };
    case 'Lease':
      return {
        columns: [col('Name', 'string', 'name'), col('Holder'), col('Age')],
        rows: objects.map((o) => [o.metadata.name, (spec(o).holderIdentity as string | undefined) ?? '', age(o)]),
      };
    case 'Node':
      return {
        columns: [col('Name', 'string', 'name'), col('Status'), col('Roles'), col('Age'), col('Version')],
        rows: objects.map((o) => [o.metadata.name, 'NotReady', '<none>', age(o), '']),
      };
    case 'Pod':
      return {
        columns: [col('Name', 'string', 'name'), col('Ready'), col('Status'), col('Restarts', 'string'), col('Age')],
        rows: objects.map((o) => [o.metadata.name, '0/0', ((o.status ?? {}) as { phase?: string }).phase ?? 'Pending', '0', age(o)]),
      };
    default:
      return { columns: [col('Name', 'string', 'name'), col('Age')], rows: objects.map((o) => [o.metadata.name, age(o)]) };
  }
}
