// service: a systemd unit's active/enabled state and whether it keeps restarting.
import { shq } from '../../text/shell-quote.js';
import { parseKeyValues } from '../parse/key-values.js';
import type { ServiceCheck } from '../spec.js';
import { finding, judged, missingTool, requireTool, type CheckKindModule } from './types.js';

const PROPS = 'LoadState,ActiveState,SubState,UnitFileState,NRestarts,ExecMainStatus,Result';

export const serviceKind: CheckKindModule<ServiceCheck> = {
  gather(spec) {
    return [requireTool('systemctl'), `_f show; systemctl show -p ${PROPS} -- ${shq(spec.name)} 2>&1`].join('\n');
  },

  evaluate(spec, fields) {
    const subject = spec.name;
    const missing = missingTool(subject, fields);
    if (missing) return missing;
    const text = fields.show ?? '';
    const p = parseKeyValues(text);
    // Without systemd as PID 1 systemctl answers with an explanation instead of properties.
    if (!p.has('ActiveState')) return { subject, status: 'error', findings: [], error: text.trim() || 'systemctl gave no answer' };
    const load = p.get('LoadState') ?? '';
    const findings = [finding('loaded', 'loaded', load, load === 'loaded')];
    if (load !== 'loaded') return judged(subject, findings);
    const active = p.get('ActiveState') ?? '';
    const sub = p.get('SubState') ?? '';
    const state = sub ? `${active} (${sub})` : active;
    if (spec.active !== undefined) {
      findings.push(finding('active', spec.active ? 'active' : 'inactive', state, (active === 'active') === spec.active));
    }
    if (spec.enabled !== undefined) {
      const file = p.get('UnitFileState') ?? '';
      findings.push(finding('enabled', spec.enabled ? 'enabled' : 'disabled', file, (file === 'enabled') === spec.enabled));
    }
    if (spec.stable !== undefined) {
      const restarts = p.get('NRestarts') ?? '0';
      const restarting = sub === 'auto-restart' || Number(restarts) > 0;
      findings.push(finding('restarts', spec.stable ? '0' : '>0', restarts, !restarting === spec.stable));
    }
    return judged(subject, findings);
  },
};
