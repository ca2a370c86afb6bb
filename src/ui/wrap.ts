// Wrapping for the terminal by display width (Korean takes two columns a character). Each line
// keeps its indentation as a hanging indent, and continuation lines never start with a space.
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

const LEAD = /^((?:\x1b\[[0-9;]*m)*)( *)/;

export function wrapLines(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const [, codes = '', spaces = ''] = LEAD.exec(line) ?? [];
    const indent = spaces.length < width / 2 ? spaces.length : 0;
    const rest = codes + line.slice(codes.length + indent);
    const wrapped = wrapAnsi(rest, Math.max(10, width - indent), { hard: true, trim: true });
    for (const w of wrapped.split('\n')) out.push(' '.repeat(indent) + w);
  }
  return out;
}

/**
 * A line cut to `width` display columns, ending in "…" when something was cut. For diagrams and
 * other preformatted text: wrapping would break their alignment, a cut keeps every row in place.
 * Counts graphemes by display width, so a Korean character is never split or half-counted.
 */
export function cutToWidth(line: string, width: number): string {
  if (stringWidth(line) <= width) return line;
  let out = '';
  let used = 0;
  for (const { segment } of new Intl.Segmenter().segment(line)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}
