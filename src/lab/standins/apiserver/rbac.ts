// RBAC evaluation as the real authorizer does it, over roles and bindings given as plain objects.
// Pure: the API server feeds it what is stored in etcd; tests feed it literals.

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface NonResourceAttributes {
  verb: string;
  path: string;
}

export type Attributes = { kind: 'resource'; attrs: ResourceAttributes } | { kind: 'nonResource'; attrs: NonResourceAttributes };

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RoleLike {
  metadata: { name?: string; namespace?: string };
  rules?: PolicyRule[] | null;
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface BindingLike {
  metadata: { name?: string; namespace?: string };
  roleRef: { kind: string; name: string; apiGroup?: string };
  subjects?: Subject[] | null;
}

export interface Policy {
  clusterRoles: RoleLike[];
  clusterRoleBindings: BindingLike[];
  roles: RoleLike[];
  roleBindings: BindingLike[];
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

const has = (list: string[] | undefined, value: string) => !!list && (list.includes('*') || list.includes(value));

export function ruleAllows(rule: PolicyRule, attributes: Attributes): boolean {
  if (!has(rule.verbs, attributes.attrs.verb)) return false;
  if (attributes.kind === 'nonResource') {
    const path = attributes.attrs.path;
    return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
  }
  const a = attributes.attrs;
  if (!has(rule.apiGroups, a.group)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resources = rule.resources ?? [];
  const resourceOk =
    resources.includes('*') ||
    resources.includes(combined) ||
    (a.subresource !== undefined && resources.includes(`*/${a.subresource}`));
  if (!resourceOk) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount':
      return user.name === `system:serviceaccount:${subject.namespace ?? bindingNamespace ?? ''}:${subject.name}`;
    default:
      return false;
  }
}

function describeSubject(subject: Subject, bindingNamespace?: string): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount "${subject.name}/${subject.namespace ?? bindingNamespace ?? ''}"`;
  return `${subject.kind} "${subject.name}"`;
}

/** The real authorizer's verdict and its reason text (`RBAC: allowed by ClusterRoleBinding ...`). */
export function authorize(policy: Policy, user: UserInfo, attributes: Attributes): Decision {
  const roleRules = (kind: string, name: string, namespace?: string): PolicyRule[] | undefined => {
    const role =
      kind === 'ClusterRole'
        ? policy.clusterRoles.find((r) => r.metadata.name === name)
        : policy.roles.find((r) => r.metadata.name === name && r.metadata.namespace === namespace);
    return role ? (role.rules ?? []) : undefined;
  };
  const check = (binding: BindingLike, kindLabel: string): Decision | undefined => {
    const subject = (binding.subjects ?? []).find((s) => subjectMatches(s, user, binding.metadata.namespace));
    if (!subject) return undefined;
    const rules = roleRules(binding.roleRef.kind, binding.roleRef.name, binding.metadata.namespace);
    if (!rules || !rules.some((r) => ruleAllows(r, attributes))) return undefined;
    const where = binding.metadata.namespace ? `${binding.metadata.name}/${binding.metadata.namespace}` : binding.metadata.name;
    return {
      allowed: true,
      reason: `RBAC: allowed by ${kindLabel} "${where}" of ${binding.roleRef.kind} "${binding.roleRef.name}" to ${describeSubject(subject, binding.metadata.namespace)}`,
    };
  };
  for (const b of policy.clusterRoleBindings) {
    const d = check(b, 'ClusterRoleBinding');
    if (d) return d;
  }
  if (attributes.kind === 'resource' && attributes.attrs.namespace) {
    const ns = attributes.attrs.namespace;
    for (const b of policy.roleBindings.filter((x) => x.metadata.namespace === ns)) {
      const d = check(b, 'RoleBinding');
      if (d) return d;
    }
  }
  return { allowed: false, reason: '' };
}

/** The words the real API server uses in a 403: `User "x" cannot get resource "nodes" in API group "" at the cluster scope`. */
export function forbiddenMessage(user: UserInfo, attributes: Attributes): string {
  if (attributes.kind === 'nonResource') return `forbidden: User "${user.name}" cannot ${attributes.attrs.verb} path "${attributes.attrs.path}"`;
  const a = attributes.attrs;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const what = `${a.verb} resource "${resource}" in API group "${a.group}"`;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const target = a.name ? `${a.resource}${a.group ? `.${a.group}` : ''} "${a.name}" is forbidden` : `${a.resource}${a.group ? `.${a.group}` : ''} is forbidden`;
  return `${target}: User "${user.name}" cannot ${what} ${scope}`;
}
