// `--dry-run`'s text: every command in order, grouped by machine and directory, in both languages.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { renderDryRun, type DryRunInput } from '../../src/commands/dry-run.js';
import { SERVER_DIR } from '../../src/compose.js';
import { defaultLessonsDir, loadCourse } from '../../src/course/loader.js';
import { toPageViews, type PageView, type StepView } from '../../src/course/view.js';
import { createTranslator } from '../../src/i18n/index.js';
import type { Lang } from '../../src/i18n/types.js';

const translator = createTranslator();
const dirs = { jumpboxDir: '/home/kim/kthw', serverDir: '/root' };

function view(id: string, where: 'jumpbox' | 'server', title: string, run: string[]): StepView {
  return { id, where, title, body: '', run, hints: [], diagnostics: {}, fixes: {}, frames: [] };
}

/** Two pages: jumpbox then server, a step with its own cwd, a step with nothing to run; a page with no commands. */
function fixture(lang: Lang, width = 60): DryRunInput {
  const views: PageView[] = [
    {
      title: lang === 'ko' ? '파일 보내기' : 'Sending files',
      intro: '',
      steps: [
        view('look', 'jumpbox', 'Look first', []),
        view('copy', 'jumpbox', 'Copy', ['scp a b \\\n    c root@server:~/']),
        view('install', 'server', 'Install', ['mkdir -p /etc/k', 'mv a /usr/local/bin/']),
        view('units', 'server', 'Units', ['mv u.service /etc/systemd/system/']),
        view('etc', 'server', 'In /etc', ['ls']),
        view('back', 'jumpbox', 'Back on the jumpbox', ['curl https://server:6443/version']),
      ],
    },
    { title: 'Quiz', intro: '', steps: [view('q', 'server', 'Why', [])] },
  ];
  const steps = views.map((p) =>
    p.steps.map((s) => ({ id: s.id, where: s.where, ...(s.id === 'etc' ? { cwd: '/etc' } : {}) })),
  );
  return { views, steps, t: translator.forLang(lang), dirs, width };
}

describe('renderDryRun', () => {
  it('lists the commands in order under one heading per run of steps on the same machine and directory (en)', () => {
    expect(renderDryRun(fixture('en'))).toBe(
      [
        'Every command of the chapter, in order (dry run: nothing is',
        'run and no server is contacted).',
        '',
        '1/2 · Sending files',
        '  on the jumpbox, in /home/kim/kthw:',
        '    2. Copy',
        '      $ scp a b \\',
        '            c root@server:~/',
        '  on the server, in /root:',
        '    3. Install',
        '      $ mkdir -p /etc/k',
        '      $ mv a /usr/local/bin/',
        '    4. Units',
        '      $ mv u.service /etc/systemd/system/',
        '  on the server, in /etc:',
        '    5. In /etc',
        '      $ ls',
        '  on the jumpbox, in /home/kim/kthw:',
        '    6. Back on the jumpbox',
        '      $ curl https://server:6443/version',
        '',
        '2/2 · Quiz',
        '  No commands to run on this page (read it, answer it, or check it).',
        '',
      ].join('\n'),
    );
  });

  it('says the same in Korean, wrapped by display width (Hangul is two columns)', () => {
    const text = renderDryRun({ ...fixture('ko', 40), page: 1 });
    const lines = text.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '이 장의 모든 명령을 순서대로 보여',
      '줍니다(미리 보기: 아무것도 실행하지 않고',
      '서버에도 접속하지 않습니다).',
    ]);
    for (const l of lines.slice(0, 3)) expect(stringWidth(l)).toBeLessThanOrEqual(40);
    expect(lines).toContain('  jumpbox에서 실행, 작업 디렉터리 /home/kim/kthw:');
    expect(lines).toContain('  server에서 실행, 작업 디렉터리 /etc:');
    expect(text).not.toContain('Quiz'); // only page 1
  });

  it('never wraps a command, however narrow the width', () => {
    const long = `curl --cacert /var/lib/kubernetes/ca.crt ${'x'.repeat(80)}`;
    const input = fixture('en', 20);
    input.views[0]!.steps[5]!.run = [long];
    expect(renderDryRun(input).split('\n')).toContain(`      $ ${long}`);
  });

  it('covers every command of the real chapter exactly once, in course order, with the session\'s directories', () => {
    const course = loadCourse(defaultLessonsDir());
    for (const lang of ['en', 'ko'] as const) {
      const views = toPageViews(course, lang);
      const text = renderDryRun({
        views,
        steps: course.pages.map((p) => p.steps),
        t: translator.forLang(lang),
        dirs: { jumpboxDir: '/j', serverDir: SERVER_DIR },
        width: 80,
      });
      const printed = text
        .split('\n')
        .filter((l) => l.startsWith('      $ '))
        .map((l) => l.slice('      $ '.length));
      const expected = course.pages.flatMap((p) => p.steps.flatMap((s) => s.run.map((c) => c.split('\n')[0]!)));
      expect(expected.length).toBeGreaterThan(10);
      expect(printed).toEqual(expected);
      const servers = course.pages.flatMap((p) => p.steps).filter((s) => s.where === 'server' && s.run.length > 0 && !s.cwd);
      if (servers.length > 0) expect(text).toContain(translator.forLang(lang)('ui:dryRun.group', { where: 'server', cwd: '/root' }));
    }
  });

  it('refuses a page that does not exist instead of printing nothing', () => {
    expect(() => renderDryRun({ ...fixture('en'), page: 3 })).toThrow(/no page 3; pages are 1-2/);
  });
});
