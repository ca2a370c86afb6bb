// Lesson markdown -> terminal text. marked-terminal styles it; wrapping is ours (wrap-ansi with
// string-width), because marked-terminal's reflow counts characters and breaks Korean lines.
import { stripVTControlCharacters } from 'node:util';
import { Marked, type Tokens } from 'marked';
import { markedTerminal } from 'marked-terminal';
import { wrapLines } from './wrap.js';

export interface MarkdownRenderer {
  /** Rendered, wrapped lines for `width` columns; no trailing blank lines. */
  render(markdown: string, width: number): string[];
}

export function createMarkdownRenderer(color: boolean): MarkdownRenderer {
  // One Marked instance per renderer (not marked.use per call): the extension state stays put.
  const marked = new Marked(
    markedTerminal({ reflowText: false, tab: 2, showSectionPrefix: false, emoji: false }) as never,
    {
      renderer: {
        // marked-terminal 7.3 leaves inline markup in list items unparsed with marked >= 13
        // (mikaelbr/marked-terminal#304); parse the inline tokens ourselves, else defer to it.
        text(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, token: Tokens.Text | Tokens.Escape) {
          return 'tokens' in token && token.tokens ? this.parser.parseInline(token.tokens) : false;
        },
      },
    } as never,
  );
  return {
    render(markdown, width) {
      // Fence languages trigger cli-highlight's guesses (it colours words like "local"): drop them.
      const source = markdown.replace(/^```[\w-]+[ \t]*$/gm, '```');
      let text = String(marked.parse(source)).replace(/\x1b\[0m/g, '');
      if (!color) text = stripVTControlCharacters(text);
      return wrapLines(text.replace(/\s+$/, ''), width);
    },
  };
}

/** A piece of markdown: prose to render, or the lines inside a fenced code block, verbatim. */
export type MarkdownPart = { kind: 'text'; text: string } | { kind: 'code'; lines: string[] };

/**
 * Splits markdown at its fenced code blocks (fence lines dropped). Diagrams live in fences and
 * must keep their exact columns, so the caller lays those lines out itself instead of
 * rendering (and rewrapping) them.
 */
export function splitFences(markdown: string): MarkdownPart[] {
  const parts: MarkdownPart[] = [];
  let text: string[] = [];
  let code: string[] | null = null;
  let fence = '';
  for (const line of markdown.split('\n')) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (code === null && f) {
      if (text.join('').trim()) parts.push({ kind: 'text', text: text.join('\n') });
      text = [];
      code = [];
      fence = f;
    } else if (code !== null && f && f[0] === fence[0] && f.length >= fence.length && line.trim() === f) {
      parts.push({ kind: 'code', lines: code });
      code = null;
    } else if (code !== null) {
      code.push(line.replace(/\t/g, '    '));
    } else {
      text.push(line);
    }
  }
  if (code !== null) parts.push({ kind: 'code', lines: code }); // unclosed: the loader reports it
  if (text.join('').trim()) parts.push({ kind: 'text', text: text.join('\n') });
  return parts;
}
