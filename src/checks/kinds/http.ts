// http: status, body and a JSON field of a URL, fetched on the server with curl (so the learner's
// own CA file and name resolution are what is tested).
import { shq } from '../../text/shell-quote.js';
import { jsonPath, parseJson } from '../parse/json-path.js';
import type { HttpCheck } from '../spec.js';
import { describeMatch, textMatches } from '../text-match.js';
import { finding, judged, missingTool, requireTool, type CheckKindModule } from './types.js';

export const httpKind: CheckKindModule<HttpCheck> = {
  gather(spec) {
    const trust = spec.insecure ? '-k' : spec.cacert ? `--cacert ${shq(spec.cacert)}` : '';
    return [
      requireTool('curl'),
      't=$(mktemp) || exit 0',
      `code=$(curl -sS --max-time ${spec.timeoutSeconds} ${trust} -o "$t" -w '%{http_code}' -- ${shq(spec.url)} 2>"$t.err")`,
      'rc=$?',
      '_f code; printf %s "$code"',
      '_f curl_rc; echo $rc',
      '_f curl_err; head -c 4096 "$t.err"',
      '_f body; head -c 65536 "$t"',
      'rm -f "$t" "$t.err"',
    ].join('\n');
  },

  evaluate(spec, fields) {
    const subject = spec.url;
    const missing = missingTool(subject, fields);
    if (missing) return missing;
    const rc = Number((fields.curl_rc ?? '').trim());
    const code = (fields.code ?? '').trim();
    const body = fields.body ?? '';
    // curl itself failed (refused, TLS, timeout): its message is what the learner needs.
    const found = rc !== 0 ? (fields.curl_err ?? '').trim() || `curl exit ${rc}` : code;
    const findings = [finding('status', String(spec.status), found, rc === 0 && code === String(spec.status))];
    if (rc !== 0) return judged(subject, findings);
    if (spec.body) findings.push(finding('body', describeMatch(spec.body), body.slice(0, 200), textMatches(spec.body, body)));
    if (spec.json) {
      const parsed = parseJson(body);
      const value = parsed.ok ? jsonPath(parsed.value, spec.json.path) : undefined;
      findings.push(
        finding(`json:${spec.json.path}`, spec.json.equals, parsed.ok ? value : 'not JSON', value === spec.json.equals),
      );
    }
    return judged(subject, findings);
  },
};
