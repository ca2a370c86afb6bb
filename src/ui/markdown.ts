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
