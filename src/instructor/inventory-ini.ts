// Ansible's INI inventory format, read line by line the way its ini plugin does: hosts before the
// first section are `ungrouped`; [g] hosts, [g:vars] key=value, [g:children] group names; a
// [g:children] or [g:vars] may name a group defined further down. Host lines are shell-split and
// their values Python-literal-evaluated, [g:vars] values only evaluated (not split, so `#` there is
// part of an unquoted value).
import { InventoryBuilder } from './inventory.js';
import { parseHostPattern, pythonLiteral, shlexSplit } from './inventory-values.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/u;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/u;

interface Pending {
  line: number;
  state: 'vars' | 'children';
  parents: string[];
}

/** Parses `text` into `inv` (not yet reconciled); stops at the first problem, as ansible does. */
export function parseIni(inv: InventoryBuilder, text: string): void {
  const pending = new Map<string, Pending>();
  let group = 'ungrouped';
  let state: 'hosts' | 'vars' | 'children' = 'hosts';
  const lines = text.split(/\r\n|\r|\n/);
  const addPendingChildren = (g: string) => {
    const p = pending.get(g)!;
    pending.delete(g);
    for (const parent of p.parents) {
      inv.addChild(parent, g, p.line);
      if (pending.get(parent)?.state === 'children') addPendingChildren(parent);
    }
  };
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const line = lines[n]!.trim();
    if (!line || line[0] === '#' || line[0] === ';') continue;
    const m = SECTION.exec(line);
    if (m) {
      group = m[1]!;
      const type = m[2] ?? 'hosts';
      if (type !== 'hosts' && type !== 'vars' && type !== 'children') inv.stop(lineNo, 'ini-section', { section: `${m[1]}:${type}`, type });
      state = type;
      if (!inv.hasGroup(group)) {
        if (state === 'vars' && !pending.has(group)) pending.set(group, { line: lineNo, state: 'vars', parents: [] });
        inv.addGroup(group);
      }
      const p = pending.get(group);
      if (p && state !== 'vars') {
        if (p.state === 'children') addPendingChildren(group);
        else pending.delete(group);
      }
      continue;
    }
    if (line.startsWith('[') && line.endsWith(']')) inv.stop(lineNo, 'ini-section-spaces', { text: line });
    if (state === 'hosts') {
      const tokens = shlexSplit(line, true);
      if (tokens === 'unclosed') inv.stop(lineNo, 'ini-quote');
      if (tokens.length === 0) continue; // only a comment after all
      const pattern = tokens[0]!;
      if (pattern === '') inv.stop(lineNo, 'ini-empty-host');
      const parsed = parseHostPattern(pattern, true);
      if (!parsed.ok) inv.stop(lineNo, parsed.code, { pattern, count: parsed.count ?? 0, max: 10_000 });
      const vars: Array<[string, string]> = [];
      for (const t of tokens.slice(1)) {
        const eq = t.indexOf('=');
        if (eq < 0) inv.stop(lineNo, 'ini-host-var', { text: t });
        vars.push([t.slice(0, eq), t.slice(eq + 1)]);
      }
      for (const host of parsed.hosts) {
        inv.addHost(host, group, parsed.port, lineNo);
        for (const [k, v] of vars) inv.setHostVar(host, k, { value: pythonLiteral(v), line: lineNo, raw: v });
      }
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) inv.stop(lineNo, 'ini-vars-line', { text: line, group });
      const k = line.slice(0, eq).trim();
      const v = line.slice(eq + 1).trim();
      inv.setGroupVar(group, k, { value: pythonLiteral(v), line: lineNo, raw: v });
    } else {
      const gm = GROUP_NAME.exec(line);
      if (!gm) inv.stop(lineNo, 'ini-group-name', { text: line, group });
      const child = gm[1]!;
      if (!inv.hasGroup(child)) {
        const p = pending.get(child);
        if (p) p.parents.push(group);
        else pending.set(child, { line: lineNo, state: 'children', parents: [group] });
      } else inv.addChild(group, child, lineNo);
    }
  }
  // Like ansible, only the first unresolved reference is reported.
  for (const [g, p] of pending) {
    if (p.state === 'vars') inv.stop(p.line, 'vars-undefined-group', { group: g });
    inv.stop(p.line, 'undefined-group', { group: g, parent: p.parents[p.parents.length - 1]! });
  }
}
