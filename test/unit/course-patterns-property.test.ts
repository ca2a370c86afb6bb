// Property test for `matches:` patterns in a lesson pack (fast-check, 10,000 packs). Random
// regex-like text goes into every place a pattern can stand (a check's stdout and stderr, an
// http body, a diagnostic's found and journal match, in flow and block YAML). The loader must
// refuse exactly the patterns RE2 (the engine checks run on) cannot compile, each at its own
// line, and every pattern it accepts must run on hostile text without throwing.
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { afterAll, describe, expect, it } from 'vitest';
import { textMatches } from '../../src/checks/text-match.js';
import { LessonLoadError, loadCourse, type LessonProblem } from '../../src/course/loader.js';

const RUNS = 10_000;
const fixture = join(import.meta.dirname, '..', 'fixtures', 'courses', 'valid');
const root = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kthw-patterns-prop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = join(root, 'pack');
cpSync(fixture, dir, { recursive: true });

/** steps.yaml with a pattern in each of five places; returns its lines and each place's line. */
function stepsYaml(patterns: readonly string[]): { text: string; lines: number[] } {
  const q = (p: string) => JSON.stringify(p).replace(/[\x7f-\x9f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const out: string[] = [];
  const at: number[] = [];
  const place = (i: number, line: string) => {
    at[i] = out.length + 1;
    out.push(line.replace('@', () => q(patterns[i]!)));
  };
  out.push('page: basics', 'steps:', '  - id: make-dir', '    where: server', '    run:', '      - mkdir -p /tmp/demo', '    checks:');
  out.push('      - kind: file', '        path: /tmp/demo', '      - id: named', '        kind: command', '        run: test -d /tmp/demo');
  place(0, '        stdout: { matches: @ }');
  out.push('        stderr:');
  place(1, '          matches: @');
  out.push('      - kind: http', '        url: http://127.0.0.1/');
  place(2, '        body: { contains: x, matches: @ }');
  out.push('    probes:', '      - journal: etcd', '    hints: [first]', '    diagnostics:', '      - id: no-dir');
  place(3, '        when: { check: file-1, found: { matches: @ } }');
  out.push('      - id: etcd-log', '        when:', '          journal:', '            unit: etcd', '            match:');
  place(4, '              matches: @');
  return { text: out.join('\n') + '\n', lines: at };
}

function compiles(p: string): boolean {
  try {
    RE2JS.compile(p, RE2JS.MULTILINE);
    return true;
  } catch {
    return false;
  }
}

const PIECES = ['a', '(', ')', '*', '+', '?', '[', ']', '{', '}', '2', ',', '\\', '|', '^', '$', '.', '-', 'd', 'w', '<', '=', '!', 'P', ':', 'z', '1',
  '\\1', '(?=', '(?<!', '(?i)', '(?P<n>', '[[:alpha:]]', '\\p{Greek}', '\\C', '\\Q', '\\E', 'ü', '한', '"', "'", '#', '\n', '\t', '\0', '(a+)+$'];
const pattern = fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((p) => p.join(''));
const HOSTILE = ['a'.repeat(77) + '!', '\x1b[31m\u202e\ud800', '', 'line1\nline2\r\n'];

describe('matches: patterns in a lesson pack', () => {
  it('are refused exactly when RE2 cannot compile them, each at its own line', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 5, maxLength: 5 }), (patterns) => {
        const { text, lines } = stepsYaml(patterns);
        writeFileSync(join(dir, '01-basics', 'steps.yaml'), text);
        let problems: LessonProblem[] = [];
        try {
          loadCourse(dir);
        } catch (err) {
          if (!(err instanceof LessonLoadError)) throw err;
          problems = err.errors;
        }
        const bad = patterns.flatMap((p, i) => (compiles(p) ? [] : [{ p, line: lines[i]! }]));
        expect(problems.map((e) => `${e.file}:${e.line}`)).toEqual(bad.map((b) => `01-basics/steps.yaml:${b.line}`));
        problems.forEach((e, i) => expect(e.message.startsWith(`matches: ${JSON.stringify(bad[i]!.p)} is not a pattern the checks can use`), e.message).toBe(true));
        refused += bad.length;
        // What loaded runs on any text, in linear time.
        for (const p of patterns.filter(compiles)) for (const h of HOSTILE) textMatches({ matches: p }, h);
      }),
      { numRuns: RUNS },
    );
    // The generator must exercise both sides.
    expect(refused).toBeGreaterThan(RUNS);
  }, 120_000);
});
