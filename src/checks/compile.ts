// A batch of checks -> ONE POSIX sh script, sent on stdin to `/bin/sh -s`. The script only
// gathers facts; every judgement happens in TypeScript (kinds/*.ts). Output is framed by marker
// lines carrying a random nonce, so nothing the server prints can forge a frame.
import { randomBytes } from 'node:crypto';
import type { Probe } from '../course/schema.js';
import { shq } from '../text/shell-quote.js';
import { KINDS } from './kinds/index.js';
import { SS_GATHER } from './kinds/port.js';
import type { CheckSpec } from './spec.js';

export interface BatchItem {
  id: string;
  spec: CheckSpec;
}
export interface BatchProbe {
  id: string;
  probe: Probe;
}

/** Cap per field on the server side: a runaway command cannot flood the connection. */
export const FIELD_CAP = 65536;

export function compileBatch(items: readonly BatchItem[], probes: readonly BatchProbe[] = [], nonce = randomBytes(9).toString('hex')) {
  const lines = [
    'export LC_ALL=C',
    `N=${nonce}`,
    // Each marker starts on a fresh line; the parser removes exactly that one newline again.
    `_m() { printf '\\n@@kthw:%s:%s:%s\\n' "$N" "$1" "$2"; }`,
    '_f() { _m field "$1"; }',
  ];
  if (items.some((i) => i.spec.kind === 'port')) {
    lines.push('_m shared ss', SS_GATHER);
  }
  items.forEach((item, index) => {
    const gather = (KINDS[item.spec.kind].gather as (s: CheckSpec) => string)(item.spec);
    // A subshell per check: its `exit`, `cd` or variables cannot touch the next one.
    lines.push(`_m begin ${index}`, '(', gather, ')', `_m end ${index}`);
  });
  probes.forEach((p, index) => {
    const { journal, lines: n } = p.probe;
    lines.push(
      `_m probe ${index}`,
      `if command -v journalctl >/dev/null 2>&1; then journalctl -u ${shq(journal)} -n ${n} --no-pager 2>&1 | head -c ${FIELD_CAP}; else echo 'journalctl not found'; fi`,
    );
  });
  lines.push('_m done all');
  return { script: lines.join('\n') + '\n', nonce };
}
