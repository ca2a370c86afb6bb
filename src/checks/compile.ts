// A batch of checks -> ONE POSIX sh script, sent on stdin to `/bin/sh -s`. The script only
// gathers facts; every judgement happens in TypeScript (kinds/*.ts). Output is framed by marker
// lines carrying a random nonce, so nothing the server prints can forge a frame.
import { randomBytes } from 'node:crypto';
import type { Probe } from '../course/schema.js';
import { shq } from '../text/shell-quote.js';
import { KINDS } from './kinds/index.js';
import { SS_GATHER } from './kinds/port.js';
import { NO_GATHER_CONTEXT, type GatherContext } from './kinds/types.js';
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

export function compileBatch(
  items: readonly BatchItem[],
  probes: readonly BatchProbe[] = [],
  nonce = randomBytes(9).toString('hex'),
  context: GatherContext = NO_GATHER_CONTEXT,
) {
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
    const gather = (KINDS[item.spec.kind].gather as (s: CheckSpec, c: GatherContext) => string)(item.spec, context);
    // A subshell per check: its `exit`, `cd` or variables cannot touch the next one.
    lines.push(`_m begin ${index}`, '(', gather, ')', `_m end ${index}`);
  });
  probes.forEach((p, index) => {
    lines.push(`_m probe ${index}`, 'journal' in p.probe ? journalProbe(p.probe.journal, p.probe.lines) : portProbe(p.probe.port));
  });
  lines.push('_m done all');
  return { script: lines.join('\n') + '\n', nonce };
}

/**
 * The last lines of a unit's CURRENT run only: the run systemd knows by its invocation id, which
 * stays the failing run's while the unit is failed or waits to restart. Lines of earlier runs are
 * old news (a healthy unit would look broken), and so is the last run of a unit stopped cleanly
 * (by hand): then no run is read. systemd's own lines about the run (status=203/EXEC, "Failed
 * with result") carry the id as INVOCATION_ID=, the unit's output as _SYSTEMD_INVOCATION_ID=.
 * systemd's complaints about the unit file come first: they are logged when the file is loaded,
 * before any run, so they are read from the file's last change on.
 */
function journalProbe(unit: string, n: number): string {
  const prop = (name: string, v: string) => String.raw`${v}=$(printf '%s\n' "$p" | sed -n 's/^${name}=//p')`;
  return [
    'if command -v journalctl >/dev/null 2>&1; then',
    `u=${shq(unit)}`,
    'p=$(systemctl show -p Id -p FragmentPath -p InvocationID -p ActiveState -p Result -- "$u" 2>/dev/null)',
    prop('Id', 'd'),
    prop('FragmentPath', 'f'),
    prop('InvocationID', 'i'),
    prop('ActiveState', 'a'),
    prop('Result', 'r'),
    'if [ -n "$f" ] && t=$(stat -c %Y -- "$f" 2>/dev/null); then',
    `journalctl --no-pager -n ${n} --since "@$t" _PID=1 "UNIT=$d" "CONFIG_FILE=$f" 2>&1 | grep -v '^-- No entries --$' | head -c ${FIELD_CAP}; fi`,
    'if [ -z "$i" ]; then echo "-- $u: systemd knows no current run of it"',
    'elif [ "$a" = inactive ] && [ "$r" = success ]; then echo "-- $u was stopped cleanly; its last run is not evidence"',
    `else journalctl --no-pager -n ${n} "_SYSTEMD_INVOCATION_ID=$i" + "INVOCATION_ID=$i" 2>&1 | head -c ${FIELD_CAP}; fi`,
    "else echo 'journalctl not found'; fi",
  ].join('\n');
}

/** `ss` lines of TCP listeners on one port (none: nothing listens), or a marker without `ss`. */
function portProbe(port: number): string {
  return `if command -v ss >/dev/null 2>&1; then ss -Htln 'sport = :${port}' 2>&1 | head -c 8192; else echo '@@missing ss'; fi`;
}
