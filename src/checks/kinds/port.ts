// port: something listens on a TCP port, optionally a given process (name as `ss -p` shows it).
// The listener table is gathered once per batch (SharedFacts.ss), whatever the number of ports.
import { parseSsListeners } from '../parse/ss.js';
import type { PortCheck } from '../spec.js';
import { finding, judged, type CheckKindModule } from './types.js';

export const SS_GATHER = `if command -v ss >/dev/null 2>&1; then ss -Htlnp 2>&1; else echo '@@missing ss'; fi`;

export const portKind: CheckKindModule<PortCheck> = {
  gather() {
    return ':'; // nothing per check: see SS_GATHER, shared by every port check of the batch
  },
  evaluate(spec, _fields, shared) {
    const subject = `:${spec.port}`;
    const text = shared.ss ?? '';
    if (text.startsWith('@@missing')) return { subject, status: 'error', findings: [], error: 'missing:ss' };
    const listeners = parseSsListeners(text).filter((l) => l.port === spec.port);
    const names = [...new Set(listeners.flatMap((l) => l.processes.map((p) => p.name)))];
    const listening = listeners.length > 0;
    const findings = [finding('listening', String(spec.listening), String(listening), listening === spec.listening)];
    if (spec.process !== undefined && spec.listening) {
      findings.push(finding('process', spec.process, names.join(', ') || undefined, names.includes(spec.process)));
    }
    return judged(subject, findings);
  },
};
