// The Korean pages use one word for each thing (issue 8's review found 폴더 and 디렉터리, unit and
// 유닛, bare "upstream", and every particle after RBAC). Only prose counts: code spans, fenced
// blocks and marker comments keep their own spelling.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultLessonsDir } from '../../src/course/loader.js';
import { COMMENT_LINE, nextFence } from '../../src/course/markdown-lines.js';

/** Rules: a pattern that must not appear in Korean prose, and what to write instead. */
const RULES: Array<{ wrong: RegExp; write: string }> = [
  { wrong: /폴더/, write: '디렉터리' },
  { wrong: /\bunits?\b/i, write: '유닛 (a systemd unit)' },
  // RBAC is read 알백: 을/은/이/으로/과, never 를/는/가/로/와.
  { wrong: /RBAC(를|는|가|로|와)/, write: 'RBAC을/은/이/으로/과' },
  { wrong: /(?<!원본 저장소\()\bupstream\b(?!\))/, write: '원본 저장소(upstream)' },
];

/** Prose lines of a markdown file (code spans blanked out), with their line numbers. */
function proseLines(source: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fence: string | null = null;
  source.split('\n').forEach((text, i) => {
    const next = nextFence(text, fence);
    const inCode = fence !== null || next !== null;
    fence = next;
    if (inCode || COMMENT_LINE.test(text)) return;
    out.push({ line: i + 1, text: text.replace(/(`+)[^`]*?\1/g, '') });
  });
  return out;
}

function offences(source: string): string[] {
  return proseLines(source).flatMap(({ line, text }) =>
    RULES.filter((r) => r.wrong.test(text)).map((r) => `${line}: "${r.wrong.exec(text)![0]}" -> ${r.write}`),
  );
}

describe('Korean terminology', () => {
  it('finds each kind of slip in prose, and none in code or markers', () => {
    const sample = [
      '<!-- hint: step.unit-edited -->',
      '작업 폴더에서 systemd unit 파일을 고친 뒤 RBAC를 적용합니다. upstream의 `units/` 디렉터리를 봅니다.',
      '```',
      'mv kube-scheduler.service /etc/systemd/system/  # unit',
      '```',
      '원본 저장소(upstream)의 유닛 파일과 RBAC을 봅니다.',
    ].join('\n');
    expect(offences(sample)).toEqual([
      '2: "폴더" -> 디렉터리',
      '2: "unit" -> 유닛 (a systemd unit)',
      '2: "RBAC를" -> RBAC을/은/이/으로/과',
      '2: "upstream" -> 원본 저장소(upstream)',
    ]);
  });

  it('every Korean page of the course keeps to one term each', () => {
    const dir = defaultLessonsDir();
    const found: string[] = [];
    for (const page of readdirSync(dir).filter((d) => /^\d\d-/.test(d)).sort()) {
      for (const o of offences(readFileSync(join(dir, page, 'ko.md'), 'utf8'))) found.push(`${page}/ko.md:${o}`);
    }
    expect(found).toEqual([]);
  });
});
