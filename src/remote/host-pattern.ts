// OpenSSH host patterns (match.c), shared by ~/.ssh/config `Host` lines and known_hosts lines:
// `*` = any run of characters, `?` = exactly one, `!pattern` = a negation that vetoes the line.
// known_hosts names compare case-insensitively (ssh lowercases them); ssh_config `Host` lines
// compare case-sensitively against the name as typed (readconf.c match_pattern).

/** True when `text` matches one wildcard pattern (no negation, no commas). */
export function matchWildcard(text: string, pattern: string, caseSensitive = false): boolean {
  const t = caseSensitive ? text : text.toLowerCase();
  const p = caseSensitive ? pattern : pattern.toLowerCase();
  // Iterative glob match with backtracking to the last `*`: linear enough, no regex injection.
  let ti = 0;
  let pi = 0;
  let starP = -1;
  let starT = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      ti++;
      pi++;
    } else if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starT = ti;
    } else if (starP !== -1) {
      pi = starP + 1;
      ti = ++starT;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

export type PatternListMatch = 'match' | 'negated' | 'none';

/**
 * Matches `text` against a list of patterns the way OpenSSH's match_pattern_list does:
 * any matching `!pattern` wins ('negated'), else any matching pattern gives 'match'.
 */
export function matchPatternList(text: string, patterns: readonly string[], caseSensitive = false): PatternListMatch {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!matchWildcard(text, pattern, caseSensitive)) continue;
    if (negated) return 'negated';
    matched = true;
  }
  return matched ? 'match' : 'none';
}
