// Expected text, as lessons declare it: exact (ignoring surrounding whitespace), substring, or a
// regular expression (multiline, so ^ and $ match at line ends).
import type { TextMatch } from './spec.js';

export function textMatches(m: TextMatch, text: string): boolean {
  if (m.equals !== undefined && text.trim() !== m.equals) return false;
  if (m.contains !== undefined && !text.includes(m.contains)) return false;
  if (m.matches !== undefined && !new RegExp(m.matches, 'm').test(text)) return false;
  return true;
}

/** How an expectation is shown as "expected ...". */
export function describeMatch(m: TextMatch): string {
  const parts: string[] = [];
  if (m.equals !== undefined) parts.push(m.equals);
  if (m.contains !== undefined) parts.push(`…${m.contains}…`);
  if (m.matches !== undefined) parts.push(`/${m.matches}/`);
  return parts.join(' ');
}
