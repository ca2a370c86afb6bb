// Wrapping for the terminal by display width (Korean takes two columns a character). Each line
// keeps its indentation as a hanging indent, and continuation lines never start with a space.
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
