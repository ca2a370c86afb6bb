// Ansible's YAML inventory format (its yaml plugin): top-level keys are groups, each with
// optional hosts / vars / children mappings, children nesting groups to any depth. Read with the
// failsafe schema, so every plain scalar is resolved here the way PyYAML (YAML 1.1) resolves it,
// not the way the `yaml` package would: `22:00` is 1320 and `yes` a boolean there.
import { isAlias, isMap, isScalar, isSeq, Scalar, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import { InventoryBuilder, type VarDef } from './inventory.js';
import { parseHostPattern, pyyamlPlain, type InvValue } from './inventory-values.js';

type Parsed = Document.Parsed;

const STR_TAGS = new Set(['tag:yaml.org,2002:str', '!unsafe']);

export class YamlInventoryReader {
  constructor(
    private readonly inv: InventoryBuilder,
    private readonly doc: Parsed,
    private readonly lc: LineCounter,
  ) {}

  private lineOf(node: unknown): number {
    const start = (node as Node | null)?.range?.[0];
    return start === undefined ? 0 : this.lc.linePos(start).line;
  }

  private deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  private isNull(node: unknown): boolean {
    const n = this.deref(node);
    if (n === null || n === undefined) return true;
    return isScalar(n) && !n.tag && n.type === Scalar.PLAIN && /^(?:~|null|Null|NULL|)$/.test(String(n.value ?? ''));
  }

  /** What ansible holds for this node. */
  value(node: unknown): InvValue {
    const n = this.deref(node);
    if (n === null || n === undefined) return { kind: 'other' };
    if (isScalar(n)) {
      const text = String(n.value ?? '');
      if (n.tag) {
        if (STR_TAGS.has(n.tag)) return { kind: 'str', text };
        if (n.tag === 'tag:yaml.org,2002:int') {
          const v = pyyamlPlain(text);
          return v.kind === 'int' ? v : { kind: 'unknown' };
        }
        return { kind: 'unknown' };
      }
      if (n.type === Scalar.PLAIN) return pyyamlPlain(text);
      return { kind: 'str', text };
    }
    if ((isMap(n) || isSeq(n)) && !n.tag) return { kind: 'other' };
    return { kind: 'unknown' };
  }

  private raw(node: unknown): string {
    const n = this.deref(node);
    if (isScalar(n)) return String(n.value ?? '');
    return String((n as Node | null)?.toString?.() ?? '');
  }

  /** A key that must be text (a group or host name). */
  private name(key: unknown): string {
    const v = this.value(key);
    if (v.kind === 'unknown' && isScalar(this.deref(key)) && String((this.deref(key) as Scalar).value) === '<<') {
      this.inv.stop(this.lineOf(key), 'merge-key');
    }
    if (v.kind !== 'str') this.inv.stop(this.lineOf(key), 'key-not-text', { value: this.raw(key) });
    return v.text;
  }

  private def(keyNode: unknown, valueNode: unknown): VarDef {
    return { value: this.value(valueNode), line: this.lineOf(keyNode), raw: this.raw(valueNode) };
  }

  private pairs(map: YAMLMap): Pair[] {
    for (const p of map.items) {
      if (isScalar(p.key) && p.key.value === '<<' && !p.key.tag && p.key.type === Scalar.PLAIN) this.inv.stop(this.lineOf(p.key), 'merge-key');
    }
    return map.items;
  }

  read(): void {
    const top = this.deref(this.doc.contents);
    if (!isMap(top)) this.inv.stop(this.lineOf(top) || 1, 'no-students');
    const plugin = top.items.find((p) => isScalar(p.key) && p.key.value === 'plugin');
    if (plugin && !this.isNull(plugin.value)) this.inv.stop(this.lineOf(plugin.key), 'plugin-config', { file: this.inv.file });
    for (const p of this.pairs(top)) this.group(p.key, p.value);
  }

  private group(keyNode: unknown, dataNode: unknown): string {
    const group = this.name(keyNode);
    const data = this.deref(dataNode);
    if (!this.isNull(data) && !isMap(data)) this.inv.stop(this.lineOf(keyNode), 'group-shape', { group });
    this.inv.addGroup(group);
    if (!isMap(data)) return group;
    for (const p of this.pairs(data)) {
      const key = isScalar(p.key) ? String(p.key.value) : '';
      const section = key === 'vars' || key === 'children' || key === 'hosts' ? key : undefined;
      const v = this.deref(p.value);
      if (!section) {
        this.inv.stop(this.lineOf(p.key), 'group-key', { key: this.raw(p.key), group });
      }
      if (this.isNull(v)) continue;
      // A bare string stands for a one-entry mapping; anything else but a mapping is refused by ansible.
      let entries: Array<{ key: unknown; value: unknown }>;
      if (isMap(v)) entries = this.pairs(v).map((q) => ({ key: q.key, value: q.value }));
      else if (this.value(v).kind === 'str') entries = [{ key: v, value: null }];
      else this.inv.stop(this.lineOf(p.key), 'section-shape', { section, group });
      for (const e of entries) {
        if (section === 'vars') {
          const name = this.value(e.key);
          if (name.kind === 'str') this.inv.setGroupVar(group, name.text, this.def(e.key, e.value));
        } else if (section === 'children') {
          const child = this.group(e.key, e.value);
          this.inv.addChild(group, child, this.lineOf(e.key));
        } else this.hosts(group, e.key, e.value);
      }
    }
    return group;
  }

  private hosts(group: string, keyNode: unknown, varsNode: unknown): void {
    const pattern = this.name(keyNode);
    const line = this.lineOf(keyNode);
    const parsed = parseHostPattern(pattern, false);
    if (!parsed.ok) this.inv.stop(line, parsed.code, { pattern, count: parsed.count ?? 0, max: 10_000 });
    const vars = this.deref(varsNode);
    if (!this.isNull(vars) && !isMap(vars)) this.inv.stop(line, 'host-vars-shape', { host: pattern });
    const defs: Array<[string, VarDef]> = [];
    if (isMap(vars)) {
      for (const q of this.pairs(vars)) {
        const name = this.value(q.key);
        if (name.kind === 'str') defs.push([name.text, this.def(q.key, q.value)]);
      }
    }
    for (const host of parsed.hosts) {
      this.inv.addHost(host, group, parsed.port, line);
      for (const [k, d] of defs) this.inv.setHostVar(host, k, d);
    }
  }
}
