// Kubernetes objects in etcd: JSON under the real API server's key layout, resourceVersion from
// etcd's revisions, optimistic concurrency through etcd transactions. Errors are the API's own
// (NotFound, AlreadyExists, Conflict), so the HTTP layer only has to turn them into Status objects.
import { randomUUID } from 'node:crypto';
import type { EtcdClient } from './etcd.js';
import { groupVersion, storageKey, type KubeObject, type ResourceType } from './resources.js';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function qualified(r: ResourceType): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export const notFound = (r: ResourceType, name: string) =>
  new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.plural });

export class Storage {
  constructor(
    private readonly etcd: EtcdClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private decode(raw: { value: string; modRevision: number }): KubeObject {
    const obj = JSON.parse(raw.value) as KubeObject;
    obj.metadata.resourceVersion = String(raw.modRevision);
    return obj;
  }

  async get(r: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
    const raw = await this.etcd.get(storageKey(r, namespace, name));
    if (!raw) throw notFound(r, name);
    return this.decode(raw);
  }

  async find(r: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const raw = await this.etcd.get(storageKey(r, namespace, name));
    return raw ? this.decode(raw) : undefined;
  }

  /** All objects of a kind, in one namespace or (namespace undefined) in all. */
  async list(r: ResourceType, namespace: string | undefined): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const { items, revision } = await this.etcd.list(storageKey(r, namespace));
    return { items: items.map((i) => this.decode(i)), resourceVersion: String(revision) };
  }

  async create(r: ResourceType, namespace: string | undefined, body: KubeObject): Promise<KubeObject> {
    const name = body.metadata?.name ?? (body.metadata?.generateName ? `${String(body.metadata.generateName)}${randomUUID().slice(0, 5)}` : undefined);
    if (!name) throw new ApiError(422, 'Invalid', `${r.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
    const obj: KubeObject = {
      ...body,
      apiVersion: groupVersion(r),
      kind: r.kind,
      metadata: { ...body.metadata, name, uid: randomUUID(), creationTimestamp: this.now().toISOString().replace(/\.\d{3}Z$/, 'Z') },
    };
    delete obj.metadata.resourceVersion;
    delete obj.metadata.generateName;
    if (r.namespaced) obj.metadata.namespace = namespace;
    else delete obj.metadata.namespace;
    const revision = await this.etcd.putIf(storageKey(r, namespace, name), JSON.stringify(obj), 0);
    if (revision === undefined) {
      throw new ApiError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group, kind: r.plural });
    }
    obj.metadata.resourceVersion = String(revision);
    return obj;
  }

  /** Replaces an object. With a resourceVersion in `body`, only if nobody changed it since. */
  async update(r: ResourceType, namespace: string | undefined, name: string, body: KubeObject): Promise<KubeObject> {
    const current = await this.get(r, namespace, name);
    const expected = body.metadata?.resourceVersion ?? current.metadata.resourceVersion;
    if (expected !== current.metadata.resourceVersion) throw conflict(r, name);
    const obj: KubeObject = {
      ...body,
      apiVersion: groupVersion(r),
      kind: r.kind,
      metadata: { ...body.metadata, name, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp },
    };
    delete obj.metadata.resourceVersion;
    if (r.namespaced) obj.metadata.namespace = namespace;
    else delete obj.metadata.namespace;
    const revision = await this.etcd.putIf(storageKey(r, namespace, name), JSON.stringify(obj), Number(expected));
    if (revision === undefined) throw conflict(r, name);
    obj.metadata.resourceVersion = String(revision);
    return obj;
  }

  async delete(r: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
    const current = await this.get(r, namespace, name);
    await this.etcd.delete(storageKey(r, namespace, name));
    return current;
  }
}

function conflict(r: ResourceType, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: r.group, kind: r.plural },
  );
}

/** RFC 7386 JSON merge patch; strategic-merge directives (`$patch`, `$setElementOrder/...`) are dropped. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (key.startsWith('$')) continue;
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}
