// The tutor's own copy (key u) as the learner sees it, in Korean and English at fixed widths: the
// offer under a step that has files to send, the progress board while it runs (a line per file
// and a total with rate and ETA), and the summary once every file is verified.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCourse, type LoadedCourse } from '../../src/course/loader.js';
import { createTranslator } from '../../src/i18n/index.js';
import type { Lang } from '../../src/i18n/types.js';
import type { UploadProgress } from '../../src/remote/upload.js';
import type { TutorState } from '../../src/tutor/state.js';
import { UploadBoard } from '../../src/tutor/upload-board.js';
import { coursePackWriter } from '../helpers/course-pack.js';
import { layoutPage, stateAfter } from '../helpers/page-layout.js';

const translator = createTranslator();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function course(): LoadedCourse {
  const root = mkdtempSync(join(tmpdir(), 'kthw-upload-pane-'));
  dirs.push(root);
  const dir = join(root, 'course');
  coursePackWriter(dir, 'pane', ['01-copy'])(
    '01-copy',
    `page: copy
steps:
  - id: copy
    where: jumpbox
    run:
      - scp downloads/controller/kube-apiserver downloads/controller/kube-controller-manager units/kube-apiserver.service root@server:~/
    upload:
      to: /root
      files: [downloads/controller/kube-apiserver, downloads/controller/kube-controller-manager, units/kube-apiserver.service]
    checks:
      - { kind: file, where: server, path: /root/kube-apiserver }
    hints: [h]
`,
    '# 복사\n\n<!-- step: copy -->\n## 파일 보내기\n\n서버로 세 파일을 보냅니다.\n\n<!-- hint: copy.h -->\n힌트.\n',
    '# Copy\n\n<!-- step: copy -->\n## Send the files\n\nThree files go to the server.\n\n<!-- hint: copy.h -->\nA hint.\n',
  );
  return loadCourse(dir);
}

const layout = (c: LoadedCourse, lang: Lang, state: TutorState, width: number, now?: number) =>
  layoutPage(c, lang, state, width, { selected: 0, ...(now !== undefined ? { now } : {}) });

const NAMES = ['kube-apiserver', 'kube-controller-manager', 'kube-apiserver.service'];
const SIZES = [120_000_000, 110_000_000, 1_200];
const TOTAL = SIZES.reduce((a, b) => a + b, 0);
const event = (index: number, phase: UploadProgress['phase'], fileBytes: number, totalBytes: number): UploadProgress => ({
  index,
  count: 3,
  name: NAMES[index]!,
  phase,
  fileBytes,
  fileSize: SIZES[index]!,
  totalBytes,
  totalSize: TOTAL,
  bytesPerSecond: 181_000_000,
  etaSeconds: 1.2,
});

const TEXT = {
  en: {
    offer: 'Or press u: the tutor sends these 3 files to /root on the server itself',
    running: 'Copy (running for 3 s; Esc or Ctrl-C cancels it):',
    skipped: 'kube-apiserver           120.0 MB, already identical on the server: not sent',
    sending: 'kube-controller-manager  52.1 MB / 110.0 MB   47 %',
    total: 'total 172.1 MB / 230.0 MB · file 2/3 · 181 MB/s · ETA 0:02',
    verified: 'kube-controller-manager  110.0 MB sent and verified',
    done: 'Copy (done after 4 s):',
    summary: '2 sent (110.0 MB), 1 already identical; every file verified by sha256 (1.3 s, 85 MB/s)',
  },
  ko: {
    offer: '또는 u를 누르세요. 튜터가 이 파일 3개를 서버의 /root로 직접 보내며',
    running: '복사(3초째 진행 중, Esc나 Ctrl-C로 취소):',
    skipped: 'kube-apiserver           120.0 MB, 서버에 이미 같은 파일이 있어 보내지 않음',
    sending: 'kube-controller-manager  52.1 MB / 110.0 MB   47 %',
    total: '전체 172.1 MB / 230.0 MB · 파일 2/3 · 181 MB/s · 남은 시간 0:02',
    verified: 'kube-controller-manager  110.0 MB 보냄, 확인 완료',
    done: '복사(4초 만에 끝남):',
    summary: '2개 보냄(110.0 MB), 1개는 이미 같음. 모든 파일을 sha256으로 확인했습니다(1.3초, 85 MB/s)',
  },
} as const;

describe.each(['en', 'ko'] as const)('the copy pane (%s)', (lang) => {
  const t = translator.forLang(lang);
  const x = TEXT[lang];
  const flat = (lines: string[]) => lines.map((l) => l.trim()).join(' ').replace(/\s+/g, ' ');

  it.each([40, 80, 120])('offers key u before the copy, within %i columns', (width) => {
    const c = course();
    const lines = layout(c, lang, stateAfter(c, []), width);
    expect(Math.max(...lines.map((l) => stringWidth(l)))).toBeLessThanOrEqual(width);
    expect(flat(lines).replace(/ /g, '')).toContain(x.offer.replace(/ /g, ''));
  });

  it('shows a line per started file and the total while it runs, then the summary', () => {
    const c = course();
    const board = new UploadBoard(NAMES);
    board.update(event(0, 'skipped', SIZES[0]!, SIZES[0]!));
    board.update(event(1, 'sending', 52_100_000, SIZES[0]! + 52_100_000));
    const running = stateAfter(c, [
      { type: 'run-start', stepId: 'copy', command: 'upload', startedAt: 0, upload: true },
      { type: 'run-progress', stepId: 'copy', text: board.text(t) },
    ], lang);
    const lines = layout(c, lang, running, 120, 3_400).map((l) => l.trim());
    expect(Math.max(...lines.map((l) => stringWidth(l)))).toBeLessThanOrEqual(120);
    expect(lines.some((l) => l.endsWith(x.running))).toBe(true);
    const at = lines.indexOf(x.skipped);
    expect(at).toBeGreaterThan(-1);
    expect(lines.slice(at, at + 3)).toEqual([x.skipped, x.sending, x.total]);
    // The third file has not started: no line for it yet; and no offer while the copy runs.
    expect(lines.some((l) => l.startsWith('kube-apiserver.service'))).toBe(false);
    expect(flat(lines).replace(/ /g, '')).not.toContain(x.offer.replace(/ /g, ''));

    board.update(event(1, 'done', SIZES[1]!, SIZES[0]! + SIZES[1]!));
    board.update(event(2, 'done', SIZES[2]!, TOTAL));
    const result = {
      files: NAMES.map((n, i) => ({ remote: `/root/${n}`, size: SIZES[i]!, sha256: 'x', mode: 0o644, outcome: i === 0 ? ('skipped' as const) : ('sent' as const), via: 'sftp' as const })),
      bytesSent: 110_001_200,
      elapsedMs: 1_300,
    };
    const finished = stateAfter(
      c,
      [
        { type: 'run-progress', stepId: 'copy', text: board.text(t, result) },
        { type: 'run-done', stepId: 'copy', code: 0, timedOut: false, diagnostics: [], elapsedMs: 4_000 },
      ],
      lang,
      running,
    );
    const after = layout(c, lang, finished, 120).map((l) => l.trim());
    expect(after).toContain(x.done);
    expect(after).toContain(x.verified);
    expect(after).toContain(x.summary);
    expect(after.some((l) => l.startsWith(x.total.slice(0, 5)))).toBe(false);
  });
});
