// kube: an object exists (or not) in the API, optionally with a field value, via the server's
// kubectl and a kubeconfig. Connection and auth errors keep kubectl's own words as the finding.
import { shq } from '../../text/shell-quote.js';
import { jsonPath, parseJson } from '../parse/json-path.js';
import type { KubeCheck } from '../spec.js';
import { finding, judged, missingTool, requireTool, type CheckKindModule } from './types.js';

export const kubeKind: CheckKindModule<KubeCheck> = {
  gather(spec) {
    const ns = spec.namespace !== undefined ? ` --namespace=${shq(spec.namespace)}` : '';
    return [
      requireTool('kubectl'),
      'o=$(mktemp) && e=$(mktemp) || exit 0',
      `kubectl --kubeconfig=${shq(spec.kubeconfig)} --request-timeout=5s${ns} get -o json -- ${shq(spec.resource)} ${shq(spec.name)} >"$o" 2>"$e" </dev/null`,
      'rc=$?; _f exit; echo $rc',
      '_f stdout; head -c 65536 "$o"',
      '_f stderr; head -c 8192 "$e"',
      'rm -f "$o" "$e"',
    ].join('\n');
  },

  evaluate(spec, fields) {
    const subject = `${spec.resource}/${spec.name}${spec.namespace ? ` -n ${spec.namespace}` : ''}`;
    const missing = missingTool(subject, fields);
    if (missing) return missing;
    const exit = (fields.exit ?? '').trim();
    const stderr = (fields.stderr ?? '').trim();
    const notFound = exit !== '0' && /NotFound|not found/.test(stderr);
    if (exit !== '0' && !notFound) {
      // The API could not answer (refused, Unauthorized, ...): neither "exists" nor "absent" is known.
      return judged(subject, [finding('exists', String(spec.exists), stderr || `kubectl exit ${exit}`, false)]);
    }
    const exists = exit === '0';
    const findings = [finding('exists', String(spec.exists), String(exists), exists === spec.exists)];
    if (exists && spec.field) {
      const parsed = parseJson(fields.stdout ?? '');
      const value = parsed.ok ? jsonPath(parsed.value, spec.field.path) : undefined;
      findings.push(finding(`field:${spec.field.path}`, spec.field.equals, value, value === spec.field.equals));
    }
    return judged(subject, findings);
  },
};
