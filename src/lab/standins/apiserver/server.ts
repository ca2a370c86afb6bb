// The HTTP side of the stand-in API server: authentication by client certificate, RBAC
// authorization, health and discovery endpoints, and REST over the kinds in resources.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { versionInfo } from '../common/version.js';
import type { EtcdClient } from './etcd.js';
import { apiGroupNames, groupVersionsOf, openApiDocument, openApiIndex } from './openapi.js';
import { authorize, forbiddenMessage, type Attributes, type BindingLike, type Policy, type RoleLike, type UserInfo } from './rbac.js';
import { findResource, groupVersion, RESOURCES, tableFor, type KubeObject, type ResourceType } from './resources.js';
import { ApiError, mergePatch, type Storage } from './storage.js';

export interface ApiContext {
  storage: Storage;
  etcd: EtcdClient;
  advertise: string;
  port: number;
  rbacEnabled: boolean;
  /** Fills in what the API server itself decides on create (a Service's ClusterIP). */
  onCreate(r: ResourceType, obj: KubeObject): Promise<void>;
}

const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** user = CN, groups = O, as the real x509 authenticator reads a verified client certificate. */
export function userFromCertificate(socket: TLSSocket): UserInfo | 'invalid' | undefined {
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return undefined;
  if (!socket.authorized) return 'invalid';
  const cn = cert.subject?.CN;
  const o = cert.subject?.O;
  const name = Array.isArray(cn) ? cn[0]! : (cn ?? '');
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { name, groups: [...groups, 'system:authenticated'] };
}

function send(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'content-type': contentType, 'cache-control': 'no-cache, private', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

function status(code: number, reason: string, message: string, details: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface ParsedPath {
  r: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** `/api/v1/namespaces/default/services/kubernetes` -> resource, namespace, name. */
export function parseResourcePath(path: string): ParsedPath | 'discovery' | undefined {
  const parts = path.split('/').filter(Boolean);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1]) [group, version, rest] = ['', parts[1], parts.slice(2)];
  else if (parts[0] === 'apis' && parts[1] && parts[2]) [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
  else return undefined;
  if (rest.length === 0) return 'discovery';
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const r = findResource(group, version, rest[0]!);
  if (!r) return undefined;
  const parsed: ParsedPath = { r };
  if (namespace !== undefined) parsed.namespace = namespace;
  if (rest[1] !== undefined) parsed.name = rest[1];
  if (rest[2] !== undefined) parsed.subresource = rest[2];
  return parsed;
}

function verbOf(method: string, named: boolean, watch: boolean): string {
  switch (method) {
    case 'GET':
      return named ? 'get' : watch ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

export class ApiHandler {
  private etcdHealthy = true;
  private etcdCheckedAt = 0;

  constructor(private readonly ctx: ApiContext) {}

  private async etcdOk(): Promise<boolean> {
    if (Date.now() - this.etcdCheckedAt < 1000) return this.etcdHealthy;
    try {
      await this.ctx.etcd.status();
      this.etcdHealthy = true;
    } catch {
      this.etcdHealthy = false;
    }
    this.etcdCheckedAt = Date.now();
    return this.etcdHealthy;
  }

  private policyCache: { at: number; policy: Policy } | undefined;

  /**
   * The stored RBAC, read at most once a second. Like the real API server's informer cache it
   * outlives an etcd outage, so health endpoints keep answering (with `[-]etcd failed`).
   */
  async policy(): Promise<Policy> {
    if (this.policyCache && Date.now() - this.policyCache.at < 1000) return this.policyCache.policy;
    try {
      const policy = await this.readPolicy();
      this.policyCache = { at: Date.now(), policy };
      return policy;
    } catch (err) {
      if (this.policyCache) return this.policyCache.policy;
      throw err;
    }
  }

  private async readPolicy(): Promise<Policy> {
    const rbac = (plural: string) => RESOURCES.find((r) => r.group === 'rbac.authorization.k8s.io' && r.plural === plural)!;
    const [cr, crb, ro, rb] = await Promise.all(
      ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'].map((p) => this.ctx.storage.list(rbac(p), undefined)),
    );
    return {
      clusterRoles: cr!.items as unknown as RoleLike[],
      clusterRoleBindings: crb!.items as unknown as BindingLike[],
      roles: ro!.items as unknown as RoleLike[],
      roleBindings: rb!.items as unknown as BindingLike[],
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const method = req.method ?? 'GET';
    try {
      const identity = userFromCertificate(req.socket as TLSSocket);
      if (identity === 'invalid') {
        send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
        return;
      }
      const user = identity ?? ANONYMOUS;
      const parsed = parseResourcePath(url.pathname);
      const attributes: Attributes =
        parsed && parsed !== 'discovery'
          ? {
              kind: 'resource',
              attrs: {
                verb: verbOf(method, parsed.name !== undefined, url.searchParams.get('watch') === 'true'),
                group: parsed.r.group,
                resource: parsed.r.plural,
                ...(parsed.subresource !== undefined ? { subresource: parsed.subresource } : {}),
                ...(parsed.namespace !== undefined ? { namespace: parsed.namespace } : {}),
                ...(parsed.name !== undefined ? { name: parsed.name } : {}),
              },
            }
          : { kind: 'nonResource', attrs: { verb: method.toLowerCase(), path: url.pathname } };
      if (this.ctx.rbacEnabled && !user.groups.includes('system:masters')) {
        const decision = authorize(await this.policy(), user, attributes);
        if (!decision.allowed) {
          const details = attributes.kind === 'resource' ? { ...(attributes.attrs.name ? { name: attributes.attrs.name } : {}), group: attributes.attrs.group, kind: attributes.attrs.resource } : {};
          send(res, 403, status(403, 'Forbidden', forbiddenMessage(user, attributes), details));
          return;
        }
      }
      if (parsed === undefined) await this.nonResource(url, res);
      else if (parsed === 'discovery') this.groupVersionDiscovery(url.pathname, res);
      else {
        await this.resource(req, res, url, parsed);
        // Again after the write, in case a read cached the old rules while it was under way.
        if (parsed.r.group === 'rbac.authorization.k8s.io' && method !== 'GET') this.policyCache = undefined;
      }
    } catch (err) {
      if (err instanceof ApiError) send(res, err.code, status(err.code, err.reason, err.message, err.details));
      else send(res, 500, status(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`));
    }
  }

  private async health(endpoint: string, verbose: boolean, res: ServerResponse): Promise<void> {
    const etcd = await this.etcdOk();
    const checks: [string, boolean][] = [
      ['ping', true],
      ['log', true],
      ['etcd', etcd],
      ...(endpoint === 'readyz' ? ([['etcd-readiness', etcd], ['informer-sync', true]] as [string, boolean][]) : []),
      ['poststarthook/start-apiserver-admission-initializer', true],
      ['poststarthook/generic-apiserver-start-informers', true],
      ['poststarthook/rbac/bootstrap-roles', true],
      ['poststarthook/bootstrap-controller', true],
      ...(endpoint === 'readyz' ? ([['shutdown', true]] as [string, boolean][]) : []),
    ];
    const failed = checks.some(([, ok]) => !ok);
    if (!failed && !verbose) {
      send(res, 200, 'ok', 'text/plain; charset=utf-8');
      return;
    }
    const lines = checks.map(([name, ok]) => (ok ? `[+]${name} ok` : `[-]${name} failed: reason withheld`));
    lines.push(`${endpoint} check ${failed ? 'failed' : 'passed'}`);
    send(res, failed ? 500 : 200, lines.join('\n') + '\n', 'text/plain; charset=utf-8');
  }

  private async nonResource(url: URL, res: ServerResponse): Promise<void> {
    const path = url.pathname.replace(/\/$/, '') || '/';
    const endpoint = /^\/(livez|readyz|healthz)$/.exec(path)?.[1];
    if (endpoint) return this.health(endpoint, url.searchParams.has('verbose'), res);
    // The real server indents this one document; learners read it with curl.
    if (path === '/version') return send(res, 200, JSON.stringify(versionInfo(), null, 2));
    if (path === '/api') {
      return send(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `${this.ctx.advertise}:${this.ctx.port}` }],
      });
    }
    if (path === '/apis') {
      return send(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: apiGroupNames().map((name) => {
          const versions = groupVersionsOf(name).map((gv) => ({ groupVersion: gv, version: gv.split('/')[1] }));
          return { name, versions, preferredVersion: versions[0] };
        }),
      });
    }
    if (path === '/openapi/v3') return send(res, 200, openApiIndex());
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiDocument(path.slice('/openapi/v3/'.length));
      if (doc) return send(res, 200, doc);
    }
    send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
  }

  private groupVersionDiscovery(path: string, res: ServerResponse): void {
    const gv = path.replace(/^\/apis?\//, '').replace(/\/$/, '');
    const kinds = RESOURCES.filter((r) => groupVersion(r) === gv);
    if (kinds.length === 0) return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    send(res, 200, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: gv,
      resources: kinds.map((r) => ({
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      })),
    });
  }

  private async resource(req: IncomingMessage, res: ServerResponse, url: URL, p: ParsedPath): Promise<void> {
    const { r, namespace, name } = p;
    const { storage } = this.ctx;
    const method = req.method ?? 'GET';
    if (p.subresource !== undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (r.namespaced && namespace === undefined && (name !== undefined || method !== 'GET')) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const wantsTable = (req.headers.accept ?? '').includes('as=Table');
    const now = Date.now();
    const asTable = (objects: KubeObject[], resourceVersion?: string) => {
      const { columns, rows } = tableFor(r, objects, now);
      return {
        kind: 'Table',
        apiVersion: 'meta.k8s.io/v1',
        metadata: resourceVersion ? { resourceVersion } : {},
        columnDefinitions: columns,
        rows: objects.map((o, i) => ({ cells: rows[i], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } })),
      };
    };

    if (method === 'GET' && name !== undefined) {
      const obj = await storage.get(r, namespace, name);
      return send(res, 200, wantsTable ? asTable([obj]) : obj);
    }
    if (method === 'GET') {
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
        throw new ApiError(405, 'MethodNotAllowed', 'the lab stand-in does not serve watches');
      }
      const listed = await storage.list(r, namespace);
      const items = listed.items.filter((o) => matchesSelector(o, url.searchParams.get('labelSelector')));
      if (wantsTable) return send(res, 200, asTable(items, listed.resourceVersion));
      return send(res, 200, { kind: `${r.kind}List`, apiVersion: groupVersion(r), metadata: { resourceVersion: listed.resourceVersion }, items });
    }

    // Every write to RBAC goes through here, so the cached policy is dropped exactly when it changes.
    if (r.group === 'rbac.authorization.k8s.io') this.policyCache = undefined;
    const text = method === 'DELETE' ? '' : await readBody(req);
    let body: KubeObject | undefined;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text) as KubeObject;
      } catch (err) {
        throw new ApiError(400, 'BadRequest', `the object provided is unrecognized (must be of type ${r.kind}): ${(err as Error).message}`);
      }
    }

    if (method === 'POST' && name === undefined) {
      if (!body || typeof body !== 'object') throw new ApiError(400, 'BadRequest', 'the body of the request was in an unknown format');
      body.metadata ??= {};
      if (r.kind === 'SubjectAccessReview') return send(res, 201, await this.subjectAccessReview(body));
      if (r.namespaced && namespace && namespace !== body.metadata.namespace && body.metadata.namespace) {
        throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
      if (r.namespaced && namespace) await this.requireNamespace(namespace);
      await this.ctx.onCreate(r, body);
      return send(res, 201, await storage.create(r, namespace, body));
    }
    if (name === undefined) throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    if (method === 'PUT') {
      if (!body) throw new ApiError(400, 'BadRequest', 'the body of the request was in an unknown format');
      return send(res, 200, await storage.update(r, namespace, name, body));
    }
    if (method === 'PATCH') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json') {
        throw new ApiError(415, 'UnsupportedMediaType', `the lab stand-in does not accept ${type || 'this'} patches (merge and strategic-merge only)`);
      }
      const current = await storage.get(r, namespace, name);
      const patched = mergePatch(current, body ?? {}) as KubeObject;
      patched.metadata.resourceVersion = current.metadata.resourceVersion;
      return send(res, 200, await storage.update(r, namespace, name, patched));
    }
    if (method === 'DELETE') {
      const gone = await storage.delete(r, namespace, name);
      return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: r.group, kind: r.plural, uid: gone.metadata.uid } });
    }
    throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  private async requireNamespace(namespace: string): Promise<void> {
    const ns = RESOURCES.find((x) => x.kind === 'Namespace')!;
    if (!(await this.ctx.storage.find(ns, undefined, namespace))) {
      throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
    }
  }

  /** Answers "may this user do this?" from the stored RBAC, as the kubelet's webhook asks it. */
  private async subjectAccessReview(body: KubeObject): Promise<KubeObject> {
    const spec = (body.spec ?? {}) as {
      user?: string;
      groups?: string[];
      resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string; name?: string };
      nonResourceAttributes?: { path?: string; verb?: string };
    };
    if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
      throw new ApiError(422, 'Invalid', 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
    }
    if (!spec.user && !(spec.groups ?? []).length) {
      throw new ApiError(422, 'Invalid', 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
    }
    const user: UserInfo = { name: spec.user ?? '', groups: spec.groups ?? [] };
    const ra = spec.resourceAttributes;
    const attributes: Attributes = ra
      ? {
          kind: 'resource',
          attrs: {
            verb: ra.verb ?? '',
            group: ra.group ?? '',
            resource: ra.resource ?? '',
            ...(ra.subresource ? { subresource: ra.subresource } : {}),
            ...(ra.namespace ? { namespace: ra.namespace } : {}),
            ...(ra.name ? { name: ra.name } : {}),
          },
        }
      : { kind: 'nonResource', attrs: { verb: spec.nonResourceAttributes!.verb ?? '', path: spec.nonResourceAttributes!.path ?? '' } };
    const decision = user.groups.includes('system:masters') ? { allowed: true, reason: '' } : authorize(await this.policy(), user, attributes);
    return {
      kind: 'SubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { ...(body.metadata ?? {}), creationTimestamp: null as unknown as string },
      spec: body.spec,
      status: decision.reason ? { allowed: decision.allowed, reason: decision.reason } : { allowed: decision.allowed },
    };
  }
}

/** `a=b,c=d` equality selectors, the only kind kubectl sends in this chapter (cluster-info). */
export function matchesSelector(obj: KubeObject, selector: string | null): boolean {
  if (!selector) return true;
  const labels = obj.metadata.labels ?? {};
  return selector.split(',').every((term) => {
    const [key, value] = term.split(/==?/);
    if (value === undefined) return key!.startsWith('!') ? !(key!.slice(1) in labels) : key! in labels;
    if (key!.endsWith('!')) return labels[key!.slice(0, -1)] !== value;
    return labels[key!] === value;
  });
}

