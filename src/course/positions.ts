// YAML source positions for validation messages: a zod issue path (e.g. steps.0.checks.1.kind)
// becomes the line of that node, or of the nearest enclosing node that exists (for a missing key,
// the mapping that should hold it). Pure.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export interface YamlSource {
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  return { doc, lineCounter };
}

function lineOf(src: YamlSource, node: Node | null | undefined): number | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : src.lineCounter.linePos(start).line;
}

/** The child node at one path segment, or undefined; keyNode asks for a mapping's key instead. */
function child(node: unknown, segment: PropertyKey, keyNode = false): Node | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment);
    if (!pair) return undefined;
    return (keyNode ? pair.key : (pair.value ?? pair.key)) as Node | undefined;
  }
  if (isSeq(node) && typeof segment === 'number') return (node.items[segment] as Node | undefined) ?? undefined;
  return undefined;
}

/**
 * The 1-based line for a path. `key` names a key inside the node at `path` (an unknown key):
 * then the key's own line is used when it is there.
 */
export function lineForPath(src: YamlSource, path: readonly PropertyKey[], key?: string): number {
  let node: unknown = src.doc.contents;
  let best = lineOf(src, node as Node) ?? 1;
  for (const segment of path) {
    const next = child(node, segment);
    if (!next) return best;
    node = next;
    best = lineOf(src, next) ?? best;
  }
  if (key !== undefined) {
    const k = child(node, key, true);
    best = lineOf(src, k) ?? best;
  }
  return best;
}

/** True when the path leads to a node that is present in the source. */
export function hasPath(src: YamlSource, path: readonly PropertyKey[]): boolean {
  let node: unknown = src.doc.contents;
  for (const segment of path) {
    node = child(node, segment);
    if (!node) return false;
  }
  return true;
}
