// The line-level rules every reader of lesson markdown shares (the prose parser, the translation
// fingerprints, the Markdown export), so they agree on what is code and what is a marker. Pure.

/** A code fence opener or closer: three or more backticks or tildes, indented at most 3. */
export const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
/** A line that is only an HTML comment. */
export const COMMENT_LINE = /^\s*<!--(.*?)-->\s*$/;
/** The inside of a marker comment: `kind: value`. */
export const MARKER = /^([A-Za-z-]+)\s*:\s*(.*)$/;
/** The value of a `<!-- source: LANG HASH -->` line (see fingerprint.ts). */
export const SOURCE_VALUE = /^([a-z]{2,3})\s+([0-9a-f]{10})$/;

/**
 * The fence that is open after `line`, given the one open before it (null: none). A fence closes
 * only with the same character, at least as long as the opener.
 */
export function nextFence(line: string, open: string | null): string | null {
  const f = FENCE.exec(line);
  if (!f) return open;
  const mark = f[1]!;
  if (open === null) return mark;
  return mark[0] === open[0] && mark.length >= open.length ? null : open;
}
