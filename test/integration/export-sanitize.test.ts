// `export --out -` as a learner runs it, on a lesson pack whose prose carries terminal sequences,
// bidi controls and zero-width characters: what reaches stdout is what the app would show.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = pathToFileURL(createRequire(join(repo, 'package.json')).resolve('tsx')).href;
const base = mkdtempSync(join(tmpdir(), 'kthw-export-cli-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function exportPack(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', tsx, join(repo, 'src', 'cli.tsx'), 'export', '--lessons', dir, '--lang', 'en', '--out', '-'],
      { cwd: base, env: { PATH: process.env.PATH ?? '', HOME: base, LANG: 'C.UTF-8' }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

function writePack(dir: string, dirty: (s: string) => string): void {
  mkdirSync(join(dir, '01-one'), { recursive: true });
  writeFileSync(join(dir, 'course.yaml'), 'id: hostile\nlanguages: [en, ko]\npages: [01-one]\n');
  writeFileSync(
    join(dir, '01-one', 'steps.yaml'),
    'page: one\nsteps:\n  - id: s\n    where: server\n    run: ["echo hi"]\n    checks:\n      - { kind: file, path: /etc/x }\n    hints: [one]\n',
  );
  for (const lang of ['en', 'ko']) {
    writeFileSync(
      join(dir, '01-one', `${lang}.md`),
      `# ${dirty('Page')}\n\n${dirty('Intro, with **bold** text')}\n\n<!-- step: s -->\n## ${dirty('Step')}\n\n${dirty('Body')}\n\n\`\`\`sh\n${dirty('ls -l')}\n\`\`\`\n\n<!-- hint: s.one -->\n${dirty('Hint')}\n`,
    );
  }
}

describe('export --out -', () => {
  it('writes the Markdown through the sanitizer: nothing hidden, nothing that drives the terminal', async () => {
    const inserts = ['\u202e', '\u2067', '\u200b', '\ufeff', '\x1b]0;owned\x07', '\x1b[2J'];
    writePack(join(base, 'dirty'), (s) => [...s].map((c, i) => c + inserts[i % inserts.length]).join(''));
    writePack(join(base, 'clean'), (s) => s);
    const [dirty, clean] = [await exportPack(join(base, 'dirty')), await exportPack(join(base, 'clean'))];
    expect(clean.code, clean.stderr).toBe(0);
    expect(dirty.code, dirty.stderr).toBe(0);
    expect(dirty.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]/);
    expect(dirty.stdout).toBe(clean.stdout);
    expect(dirty.stdout).toContain('\n```sh\nls -l\n```\n');
    expect(dirty.stdout).toContain('Intro, with **bold** text');
  });
});
