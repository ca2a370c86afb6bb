// A dotted path into parsed JSON ("status.allowed", "spec.ports.0.port"), rendered as text so
// lessons can compare it with a string: strings as they are, anything else as JSON.
export function jsonPath(value: unknown, path: string): string | undefined {
  let cur: unknown = value;
  for (const key of path.split('.')) {
    // Keys of the document only: an array's `length` or an inherited `__proto__` is not one.
    if (cur === null || typeof cur !== 'object' || !Object.prototype.propertyIsEnumerable.call(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  if (cur === undefined) return undefined;
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
