// Lesson patterns run on RE2 (issue 9): a pattern that backtracks forever in a JS engine gives
// its answer, a pattern RE2 cannot compile is refused at load with file:line, and every pattern
// of the real lessons compiles.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { patternProblem, textMatches } from '../../src/checks/text-match.js';
import { defaultLessonsDir, LessonLoadError, loadCourse } from '../../src/course/loader.js';
import { writeMiniCourse } from '../helpers/mini-course.js';

const root = mkdtempSync(join(tmpdir(), 'kthw-re2-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('textMatches on RE2', () => {
  it('answers a catastrophic-backtracking pattern instead of spinning', () => {
    const text = `${'a'.repeat(77)}!`;
    expect(textMatches({ matches: '^(a+)+$' }, text)).toBe(false);
    expect(textMatches({ matches: '^(a+)+$' }, 'a'.repeat(77))).toBe(true);
    expect(textMatches({ matches: '(x+x+)+y' }, 'x'.repeat(5000))).toBe(false);
  });

  it('keeps the lesson semantics: multiline anchors, \\b, \\s, \\d, alternation', () => {
    expect(textMatches({ matches: '^[1-9][0-9]*$' }, 'first\n42\nlast')).toBe(true);
    expect(textMatches({ matches: '^[1-9][0-9]*$' }, 'x42')).toBe(false);
    expect(textMatches({ matches: '\\b10\\.0\\.0\\.\\d+\\b' }, 'ClusterIP 10.0.0.1 ')).toBe(true);
    expect(textMatches({ matches: '\\b10\\.0\\.0\\.\\d+\\b' }, '110.0.0.1')).toBe(false);
    expect(textMatches({ matches: '^(amd64 +3e 00|arm64 +b7 00)\\s*$' }, 'arm64  b7 00 \n')).toBe(true);
  });

  it('the ca-key mode diagnostic fires for every mode but 0600', () => {
    const pack = readFileSync(join(defaultLessonsDir(), '02-install', 'steps.yaml'), 'utf8');
    const pattern = /id: key-mode\n(?:\s*#.*\n)?\s*when: \{ check: ca-key, found: \{ matches: '([^']+)' \} \}/.exec(pack)?.[1];
    expect(pattern).toBeDefined();
    for (const mode of ['0644', '0640', '0400', '0601', '0660', '0700', '4755']) {
      expect(textMatches({ matches: pattern! }, `mode: ${mode}`), mode).toBe(true);
    }
    expect(textMatches({ matches: pattern! }, 'mode: 0600')).toBe(false);
  });

  it('a pattern that does not compile matches nothing (never throws)', () => {
    expect(patternProblem('(unclosed')).toMatch(/missing/i);
    expect(patternProblem('a(?!b)')).not.toBeNull();
    expect(textMatches({ matches: '(unclosed' }, '(unclosed')).toBe(false);
  });
});

describe('patterns at load', () => {
  it('every matches: of the real lessons compiles on RE2', () => {
    expect(() => loadCourse(defaultLessonsDir())).not.toThrow();
  });

  it('a pattern RE2 cannot compile is refused with file:line', () => {
    const dir = join(root, 'bad');
    writeMiniCourse(dir, join(root, 'work'));
    const file = join(dir, '01-files', 'steps.yaml');
    const text = readFileSync(file, 'utf8').replace('matches: "File exists|Not a directory"', 'matches: "File (exists"');
    const line = text.split('\n').findIndex((l) => l.includes('File (exists')) + 1;
    writeFileSync(file, text);
    let err: unknown;
    try {
      loadCourse(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LessonLoadError);
    const problems = (err as LessonLoadError).errors;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: '01-files/steps.yaml', line });
    expect(problems[0]!.message).toContain('File (exists');
  });
});
