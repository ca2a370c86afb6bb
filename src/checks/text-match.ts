// Expected text, as lessons declare it: exact (ignoring surrounding whitespace), substring, or a
// regular expression (multiline, so ^ and $ match at line ends). Expressions run on RE2 (re2js):
// linear time in the text, so a pattern like ^(a+)+$ cannot hang the tutor on hostile output.
// RE2 has no lookaround or backreferences; the loader refuses such patterns with file:line.
import { RE2JS } from 're2js';
import type { TextMatch } from './spec.js';

const compiled = new Map<string, RE2JS>();

/** The compiled expression; throws with RE2's reason when it does not compile. */
export function compilePattern(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern, RE2JS.MULTILINE);
    compiled.set(pattern, re);
  }
  return re;
}

/** Why `pattern` cannot be used (RE2's words), or null when it compiles. */
export function patternProblem(pattern: string): string | null {
  try {
    compilePattern(pattern);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export function textMatches(m: TextMatch, text: string): boolean {
  if (m.equals !== undefined && text.trim() !== m.equals) return false;
  if (m.contains !== undefined && !text.includes(m.contains)) return false;
  // A pattern that slipped past the loader (a lesson pack is validated at load) matches nothing.
  if (m.matches !== undefined && (patternProblem(m.matches) !== null || !compilePattern(m.matches).matcher(text).find())) return false;
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
