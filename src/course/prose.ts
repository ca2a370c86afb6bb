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
//   <!-- quiz: check-quiz.q1 -->         <- a quiz question's text (steps.yaml `quiz:`)
//   <!-- option: check-quiz.q1.a -->     <- one option's text
//   <!-- explain: check-quiz.q1.a -->    <- why that option is wrong (or, for the answer, right)
//   <!-- frame: copy-files.1 -->         <- frame 1 of the step's stepped diagram (a fenced
//                                           diagram + caption); frames count 1, 2, 3, ...
//
// A step section may also hold `<!-- source: en 0123456789 -->` (translation fingerprint, see
// fingerprint.ts); it is skipped here and is not part of the step's text.
//
// Pure: text in, data and line-numbered errors out (the loader adds the file name).

import { COMMENT_LINE, FENCE, MARKER, nextFence, SOURCE_VALUE } from './markdown-lines.js';

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
    questions: Map<string, number>;
    options: Map<string, number>;
    explains: Map<string, number>;
    frames: Map<string, number>;
  };
  /** Quiz question text by "<step-id>.<question-id>". */
  questions: Map<string, string>;
  /** Option text by "<step-id>.<question-id>.<option-id>". */
  options: Map<string, string>;
  /** Why an option is wrong (or right), by "<step-id>.<question-id>.<option-id>". */
  explains: Map<string, string>;
  /** Stepped-diagram frames by "<step-id>.<n>" (n from 1); markdown, usually a fence + caption. */
  frames: Map<string, string>;
}

export interface ProseError {
  line: number;
  message: string;
}

export const MARKER_KINDS = ['step', 'hint', 'diagnostic', 'quiz', 'option', 'explain', 'frame'] as const;
type MarkerKind = (typeof MARKER_KINDS)[number];

const ID = '[a-z0-9][a-z0-9-]*';
const STEP_ID = new RegExp(`^${ID}$`);
const DOTTED_ID = new RegExp(`^${ID}\\.${ID}$`);
const TRIPLE_ID = new RegExp(`^${ID}\\.${ID}\\.${ID}$`);
const FRAME_ID = new RegExp(`^${ID}\\.[1-9][0-9]*$`);
/** The id each marker kind takes, and how to say it in an error. */
const ID_FORMS: Record<MarkerKind, { pattern: RegExp; form: string }> = {
  step: { pattern: STEP_ID, form: '<step-id>' },
  hint: { pattern: DOTTED_ID, form: '<step-id>.<hint-id>' },
  diagnostic: { pattern: DOTTED_ID, form: '<step-id>.<diagnostic-id>' },
  quiz: { pattern: DOTTED_ID, form: '<step-id>.<question-id>' },
  option: { pattern: TRIPLE_ID, form: '<step-id>.<question-id>.<option-id>' },
  explain: { pattern: TRIPLE_ID, form: '<step-id>.<question-id>.<option-id>' },
  frame: { pattern: FRAME_ID, form: '<step-id>.<frame number from 1>' },
};
/** Where the text of each non-step marker is kept (same name in PageProse and its lines). */
const TEXT_MAPS = {
  hint: 'hints',
  diagnostic: 'diagnostics',
  quiz: 'questions',
  option: 'options',
  explain: 'explains',
  frame: 'frames',
} as const satisfies Record<Exclude<MarkerKind, 'step'>, keyof PageProse['lines']>;

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
    questions: new Map(),
    options: new Map(),
    explains: new Map(),
    frames: new Map(),
    lines: {
      steps: new Map(),
      hints: new Map(),
      diagnostics: new Map(),
      questions: new Map(),
      options: new Map(),
      explains: new Map(),
      frames: new Map(),
    },
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
    if (FENCE.test(raw)) {
      fence = nextFence(raw, fence);
      target.push(raw);
      return;
    }
    const comment = fence === null ? COMMENT_LINE.exec(raw) : null;
    if (!comment) {
      target.push(raw);
      return;
    }
    const inner = comment[1]!.trim();
    const m = MARKER.exec(inner);
    const kind = m?.[1];
    // <!-- source: LANG HASH -->: which text of the other language this step was last synced with
    // (fingerprint.ts, npm run translations:stamp). Allowed in a step section, never part of its text.
    if (m && kind === 'source') {
      if (!SOURCE_VALUE.test(m[2]!.trim())) {
        errors.push({ line: lineNo, message: `bad source line "<!-- ${inner} -->": write <!-- source: LANG HASH --> (10 hex digits), or run npm run translations:stamp` });
      } else if (current?.kind !== 'step') {
        errors.push({ line: lineNo, message: 'a source line belongs in a step section, right after its <!-- step: ID --> line' });
      }
      return;
    }
    if (!m || !MARKER_KINDS.includes(kind as MarkerKind)) {
      errors.push({
        line: lineNo,
        message: `unknown marker "<!-- ${inner} -->": write <!-- step: ID -->, <!-- hint: STEP.HINT -->, <!-- diagnostic: STEP.DIAGNOSTIC -->, <!-- quiz: STEP.QUESTION -->, <!-- option: STEP.QUESTION.OPTION -->, <!-- explain: STEP.QUESTION.OPTION --> or <!-- frame: STEP.N -->`,
      });
      target.push(raw);
      return;
    }
    const id = m[2]!.trim();
    const expected = ID_FORMS[kind as MarkerKind];
    if (!expected.pattern.test(id)) {
      errors.push({
        line: lineNo,
        message:
          kind === 'step'
            ? `step marker has a bad id "${id}": use lower-case letters, digits and dashes`
            : `${kind} marker needs "${expected.form}" (lower-case letters, digits, dashes), found "${id}"`,
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
    const map = prose[TEXT_MAPS[s.kind]];
    const lineMap = prose.lines[TEXT_MAPS[s.kind]];
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
