// The prose of one page in one language (<page>/<lang>.md), tied to the ids of steps.yaml by
// HTML-comment markers on their own line. Markdown renderers hide HTML comments, so the file
// still reads (and previews) as an ordinary document:
//
//   # Page title                         <- everything before the first marker: title + intro
//   intro ...
//   <!-- step: copy-files -->            <- a step section: first `## ` heading = step title,
//   ## Copy the files                       the rest = its explanation
//   ...
//   <!-- hint: copy-files.where -->      <- a hint's text
//   <!-- diagnostic: copy-files.no-dns --> <- what a firing diagnostic tells the learner
//
// Pure: text in, data and line-numbered errors out (the loader adds the file name).

export interface ProseStep {
  title: string;
  body: string;
}

export interface PageProse {
  title: string;
  intro: string;
  steps: Map<string, ProseStep>;
  /** Hint text by "<step-id>.<hint-id>". */
  hints: Map<string, string>;
  /** Diagnostic text by "<step-id>.<diagnostic-id>". */
  diagnostics: Map<string, string>;
  /** The line (1-based) of each marker, so later cross-checks can point at it. */
  lines: {
    steps: Map<string, number>;
    hints: Map<string, number>;
    diagnostics: Map<string, number>;
  };
}

export interface ProseError {
  line: number;
  message: string;
}

export const MARKER_KINDS = ['step', 'hint', 'diagnostic'] as const;
type MarkerKind = (typeof MARKER_KINDS)[number];

const ID = '[a-z0-9][a-z0-9-]*';
const STEP_ID = new RegExp(`^${ID}$`);
const DOTTED_ID = new RegExp(`^${ID}\\.${ID}$`);
/** A line that is only an HTML comment. */
const COMMENT_LINE = /^\s*<!--(.*?)-->\s*$/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

interface Section {
  kind: MarkerKind;
  id: string;
  line: number;
  content: string[];
}

/** Parses one language's page markdown. Always returns what it could read, plus every error. */
export function parseProse(text: string): { prose: PageProse; errors: ProseError[] } {
  const errors: ProseError[] = [];
  const prose: PageProse = {
    title: '',
    intro: '',
    steps: new Map(),
    hints: new Map(),
    diagnostics: new Map(),
    lines: { steps: new Map(), hints: new Map(), diagnostics: new Map() },
  };

  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const head: string[] = [];
  const sections: Section[] = [];
  let current: Section | null = null;
  let fence: string | null = null;

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const target = current ? current.content : head;
    // Markers inside fenced code blocks are examples, not structure.
    const f = FENCE.exec(raw);
    if (f) {
      const mark = f[1]!;
      if (fence === null) fence = mark;
      else if (mark[0] === fence[0] && mark.length >= fence.length) fence = null;
      target.push(raw);
      return;
    }
    const comment = fence === null ? COMMENT_LINE.exec(raw) : null;
    if (!comment) {
      target.push(raw);
      return;
    }
    const inner = comment[1]!.trim();
    const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(inner);
    const kind = m?.[1];
    if (!m || !MARKER_KINDS.includes(kind as MarkerKind)) {
      errors.push({
        line: lineNo,
        message: `unknown marker "<!-- ${inner} -->": write <!-- step: ID -->, <!-- hint: STEP.HINT --> or <!-- diagnostic: STEP.DIAGNOSTIC -->`,
      });
      target.push(raw);
      return;
    }
    const id = m[2]!.trim();
    const expected = kind === 'step' ? STEP_ID : DOTTED_ID;
    if (!expected.test(id)) {
      errors.push({
        line: lineNo,
        message:
          kind === 'step'
            ? `step marker has a bad id "${id}": use lower-case letters, digits and dashes`
            : `${kind} marker needs "<step-id>.<${kind}-id>" (lower-case letters, digits, dashes), found "${id}"`,
      });
    }
    current = { kind: kind as MarkerKind, id, line: lineNo, content: [] };
    sections.push(current);
  });
  if (fence !== null) errors.push({ line: lines.length, message: `a code block opened with ${fence} is never closed` });

  // Title and intro: the part before the first marker.
  const titleIndex = head.findIndex((l) => /^# \S/.test(l));
  if (titleIndex === -1) {
    errors.push({ line: 1, message: 'the page has no title: start the file with a "# " heading before the first marker' });
  } else {
    const before = head.slice(0, titleIndex).filter((l) => l.trim() !== '');
    if (before.length > 0) {
      errors.push({ line: head.findIndex((l) => l.trim() !== '') + 1, message: 'text before the page title: the file must start with the "# " heading' });
    }
    prose.title = head[titleIndex]!.slice(2).trim();
    prose.intro = trimBlock(head.slice(titleIndex + 1));
  }

  for (const s of sections) {
    if (s.kind === 'step') {
      if (prose.lines.steps.has(s.id)) {
        errors.push({ line: s.line, message: `duplicate step "${s.id}" (first at line ${prose.lines.steps.get(s.id)})` });
        continue;
      }
      const first = s.content.findIndex((l) => l.trim() !== '');
      const heading = first === -1 ? undefined : s.content[first];
      if (heading === undefined || !/^## \S/.test(heading)) {
        errors.push({
          line: first === -1 ? s.line : s.line + 1 + first,
          message: `step "${s.id}" has no title: the first line after its marker must be a "## " heading`,
        });
        continue;
      }
      prose.lines.steps.set(s.id, s.line);
      prose.steps.set(s.id, { title: heading.slice(3).trim(), body: trimBlock(s.content.slice(first + 1)) });
      continue;
    }
    const map = s.kind === 'hint' ? prose.hints : prose.diagnostics;
    const lineMap = s.kind === 'hint' ? prose.lines.hints : prose.lines.diagnostics;
    if (lineMap.has(s.id)) {
      errors.push({ line: s.line, message: `duplicate ${s.kind} "${s.id}" (first at line ${lineMap.get(s.id)})` });
      continue;
    }
    const body = trimBlock(s.content);
    if (body === '') {
      errors.push({ line: s.line, message: `${s.kind} "${s.id}" has no text` });
      continue;
    }
    lineMap.set(s.id, s.line);
    map.set(s.id, body);
  }
  return { prose, errors };
}

/** Drops leading and trailing blank lines (and trailing spaces), keeping inner layout. */
function trimBlock(lines: string[]): string {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === '') start++;
  while (end > start && lines[end - 1]!.trim() === '') end--;
  return lines
    .slice(start, end)
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n');
}
