// Just enough OpenAPI v3 for kubectl: the index of group-versions, and for each a document whose
// PATCH operations carry the kind and the `fieldValidation` parameter. That tells kubectl the
// server validates fields itself, so `kubectl apply` skips client-side schema validation (which
// would otherwise need the protobuf OpenAPI v2 document). Pure.
import { groupVersion, RESOURCES, type ResourceType } from './resources.js';

export function gvPath(r: Pick<ResourceType, 'group' | 'version'>): string {
  return r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

/** A stable hash per document so kubectl's cache keys stay valid across restarts. */
const HASH = '0F1C4E5D6A7B8C9D0E1F2A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F';

export function openApiIndex(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const r of RESOURCES) {
    const p = gvPath(r);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${HASH}` };
  }
  return { paths };
}

export function openApiDocument(path: string): Record<string, unknown> | undefined {
  const kinds = RESOURCES.filter((r) => gvPath(r) === path);
  if (kinds.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of kinds) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const prefix = `/${gvPath(r)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
    const queryParams = [
      { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
    ];
    const op = (id: string) => ({
      operationId: id,
      'x-kubernetes-action': id.startsWith('patch') ? 'patch' : id.startsWith('create') ? 'post' : 'get',
      'x-kubernetes-group-version-kind': gvk,
      parameters: queryParams,
      responses: { '200': { description: 'OK' } },
    });
    paths[prefix] = { post: op(`create${r.kind}`) };
    // Every kind gets a PATCH operation, reviews included: kubectl looks for one to learn that the
    // server validates fields (the real server's review kinds have none, and kubectl then falls back
    // to the OpenAPI v2 document, which the stand-in does not serve).
    paths[`${prefix}/{name}`] = {
      ...(r.virtual ? {} : { get: op(`read${r.kind}`) }),
      patch: {
        ...op(`patch${r.kind}`),
        // No strategic-merge content type here on purpose: kubectl then computes the patch
        // from its compiled-in types, which is what it does against real clusters too.
        requestBody: { content: { 'application/merge-patch+json': { schema: { type: 'object' } } }, required: true },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.3' },
    paths,
    components: { schemas: {} },
  };
}

export function apiGroupNames(): string[] {
  return [...new Set(RESOURCES.filter((r) => r.group !== '').map((r) => r.group))];
}

export function groupVersionsOf(group: string): string[] {
  return [...new Set(RESOURCES.filter((r) => r.group === group).map((r) => groupVersion(r)))];
}
