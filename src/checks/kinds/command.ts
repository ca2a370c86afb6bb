// command: run a command and judge its exit status and output.
// This is the one kind that is not read-only by construction: its text comes from the lesson
// pack (trusted, reviewed content), never from the learner or the server.
import type { CommandCheck } from '../spec.js';
import { describeMatch, textMatches } from '../text-match.js';
import { finding, judged, type CheckKindModule } from './types.js';

export const commandKind: CheckKindModule<CommandCheck> = {
  gather(spec) {
    return [
      'o=$(mktemp) && e=$(mktemp) || exit 0',
      `( ${spec.run}\n) >"$o" 2>"$e" </dev/null`,
      'rc=$?; _f exit; echo $rc',
      '_f stdout; head -c 65536 "$o"',
      '_f stderr; head -c 65536 "$e"',
      'rm -f "$o" "$e"',
    ].join('\n');
  },

  evaluate(spec, fields) {
    const subject = spec.run.split('\n')[0]!;
    const exit = (fields.exit ?? '').trim();
    const stdout = fields.stdout ?? '';
    const stderr = fields.stderr ?? '';
    const findings = [finding('exit', String(spec.exit), exit, exit === String(spec.exit))];
    if (spec.stdout) findings.push(finding('stdout', describeMatch(spec.stdout), stdout.trim().slice(0, 300), textMatches(spec.stdout, stdout)));
    if (spec.stderr) findings.push(finding('stderr', describeMatch(spec.stderr), stderr.trim().slice(0, 300), textMatches(spec.stderr, stderr)));
    return judged(subject, findings);
  },
};
