// Finds the kubectl commands a lesson pack shows a learner, so a test can insist that each one
// works as printed. On the chapter's server there is no ~/.kube/config: a kubectl without
// `--kubeconfig` talks to localhost:8080 and is refused.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { nextFence } from '../../src/course/markdown-lines.js';

/** kubectl's own subcommands (`kubectl help`): a word after `kubectl` that is not one is prose or a diagram. */
const SUBCOMMANDS = new Set(
  ('create expose run set explain get edit delete rollout scale autoscale certificate cluster-info top cordon uncordon ' +
    'drain taint describe logs attach exec port-forward proxy cp auth debug events diff apply patch replace wait ' +
    'kustomize label annotate completion api-resources api-versions config plugin version').split(' '),
);

/** Where a command can start: the start of the text, or after a shell operator, `$ `, `sudo ` or `VAR=value `. */
const COMMAND_START = /(?:^|[|;&(`]\s*|\$\s+|\bsudo\s+|\b[A-Z_]+=\S+\s+)kubectl\s+([a-z-]+)([^|;&`)\n]*)/g;

/** A command the learner is meant to see fail says so in a shell comment. */
const FAILS_ON_PURPOSE = /#\s*fails on purpose/;

export interface KubectlUse {
  /** `path:line` of the lesson file. */
  where: string;
  command: string;
  /** false when it would talk to the API server's default address instead of the cluster. */
  ok: boolean;
}

/**
 * The kubectl invocations in one piece of shell-like text. A bare name such as `kubectl logs`
 * (no arguments) names a command in prose rather than showing one to run, so it is not counted.
 */
export function kubectlInvocations(text: string, countBareNames: boolean): Array<{ command: string; ok: boolean }> {
  const joined = text.replace(/\s*\\\n\s*/g, ' ');
  const found: Array<{ command: string; ok: boolean }> = [];
  for (const line of joined.split('\n')) {
    for (const m of line.matchAll(COMMAND_START)) {
      const sub = m[1]!;
      const rest = m[2]!.trim();
      if (!SUBCOMMANDS.has(sub)) continue;
      if (!countBareNames && rest === '') continue;
      const command = `kubectl ${sub} ${rest}`.trim();
      const talksToNothing = sub === 'version' && /--client\b/.test(rest);
      const ok = talksToNothing || /--kubeconfig[= ]\S/.test(rest) || /\bKUBECONFIG=\S/.test(line) || FAILS_ON_PURPOSE.test(line);
      found.push({ command, ok });
    }
  }
  return found;
}

/** Every string value of a YAML document, with the line it starts on. */
function yamlStrings(source: string): Array<{ text: string; line: number }> {
  const doc = parseDocument(source);
  const lineOf = (offset: number) => source.slice(0, offset).split('\n').length;
  const out: Array<{ text: string; line: number }> = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const n = node as { items?: unknown[]; key?: unknown; value?: unknown; range?: [number, number]; source?: unknown };
    if (typeof n.source === 'string' && n.range) out.push({ text: n.source, line: lineOf(n.range[0]) });
    if (Array.isArray(n.items)) n.items.forEach(walk);
    if ('key' in n) walk(n.key);
    if ('value' in n) walk(n.value);
  };
  walk(doc.contents);
  return out;
}

/** Code in a markdown file: each fenced block whole, and each inline code span, with its line. */
function markdownCode(source: string): Array<{ text: string; line: number; fenced: boolean }> {
  const out: Array<{ text: string; line: number; fenced: boolean }> = [];
  let open: string | null = null;
  let block: string[] = [];
  let blockLine = 0;
  source.split('\n').forEach((line, i) => {
    const next = nextFence(line, open);
    if (open === null && next !== null) {
      block = [];
      blockLine = i + 2;
    } else if (open !== null && next === null) {
      out.push({ text: block.join('\n'), line: blockLine, fenced: true });
    } else if (open !== null) {
      block.push(line);
    } else {
      for (const m of line.matchAll(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g)) out.push({ text: m[2]!.trim(), line: i + 1, fenced: false });
    }
    open = next;
  });
  return out;
}

/** Every kubectl invocation in a course's steps.yaml files and markdown, with its file and line. */
export function courseKubectlUses(courseDir: string): KubectlUse[] {
  const uses: KubectlUse[] = [];
  const pages = readdirSync(courseDir, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(courseDir, e.name, 'steps.yaml')));
  for (const page of pages) {
    const folder = join(courseDir, page.name);
    const rel = (file: string) => `${page.name}/${file}`;
    for (const s of yamlStrings(readFileSync(join(folder, 'steps.yaml'), 'utf8'))) {
      for (const u of kubectlInvocations(s.text, true)) uses.push({ where: `${rel('steps.yaml')}:${s.line}`, ...u });
    }
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.md'))) {
      for (const c of markdownCode(readFileSync(join(folder, file), 'utf8'))) {
        for (const u of kubectlInvocations(c.text, c.fenced)) uses.push({ where: `${rel(file)}:${c.line}`, ...u });
      }
    }
  }
  return uses;
}
