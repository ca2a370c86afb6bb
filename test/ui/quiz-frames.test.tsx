// A quiz step and a stepped diagram in the Ink app, in Korean and English at 60 and 80 columns:
// what the learner sees and what the keys do. Checks run for real on this machine (the pack's
// checked steps run `true` on the jumpbox); the quiz never reaches a server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/loader.js';
import { toPageViews } from '../../src/course/view.js';
import type { Lang } from '../../src/i18n/types.js';
import { KEY_BINDINGS } from '../../src/ui/keys.js';
import { mountApp } from '../helpers/app.js';
import { KEYS, type Rendered } from '../helpers/ink.js';
import { DIAGRAM, writeQuizCourse } from '../helpers/quiz-course.js';

const dirs: string[] = [];
const mounted: Rendered[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) m.unmount();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The UI's own words, as a learner reads them (not taken from the code under test). */
const SAYS = {
  en: {
    question: (n: number) => `Question ${n}/3`,
    wrong: (k: number) => `✗ Option ${k} is not right:`,
    right: (n: number) => `✓ Right! (question ${n}/3)`,
    tryAgain: 'Try again: press 1-3.',
    keys: 'Press 1-3 to answer.',
    done: '✓ All 3 questions answered right.',
    quizTitle: 'Check what you learned',
    nextTitle: 'Carry on',
    flowTitle: 'Follow a log request',
    frame: (n: number) => `Frame ${n}/3`,
    frameKeys: '[,] previous  [.] next  [a] play',
    playing: 'playing…',
  },
  ko: {
    question: (n: number) => `문제 ${n}/3`,
    wrong: (k: number) => `✗ ${k}번은 정답이 아닙니다.`,
    right: (n: number) => `✓ 정답입니다! (문제 ${n}/3)`,
    tryAgain: '다시 골라 보세요. 1-3 키를 누르세요.',
    keys: '1-3 키를 눌러 답을 고르세요.',
    done: '✓ 3문제를 모두 맞혔습니다.',
    quizTitle: '배운 내용 확인하기',
    nextTitle: '계속하기',
    flowTitle: '로그 요청 따라가기',
    frame: (n: number) => `그림 ${n}/3`,
    frameKeys: '[,] 이전  [.] 다음  [a] 자동 재생',
    playing: '재생 중…',
  },
} as const;

async function mount(lang: Lang, columns: number, rows = 50, frameIntervalMs = 60) {
  const root = mkdtempSync(join(tmpdir(), 'kthw-ui-quiz-'));
  dirs.push(root);
  writeQuizCourse(join(root, 'course'));
  const course = loadCourse(join(root, 'course'));
  const { r, session } = mountApp(course, { lang, columns, rows, root, frameIntervalMs });
  mounted.push(r);
  await session.start();
  const view = toPageViews(course, lang)[0]!;
  return { r, session, quiz: view.steps[1]!.quiz!, flow: view.steps[0]! };
}

/** Text compared without its line breaks (a wrapped sentence reads the same) or code marks. */
const squash = (s: string) => s.replace(/\s+|`/g, '');
const shows = (screen: string, text: string) => squash(screen).includes(squash(text));
const widest = (screen: string) => Math.max(...screen.split('\n').map((l) => stringWidth(l)));
const lineWith = (screen: string, text: string) => screen.split('\n').find((l) => l.includes(text));

const COMBOS: Array<[Lang, number]> = [
  ['en', 80],
  ['en', 60],
  ['ko', 80],
  ['ko', 60],
];

describe('a quiz step', () => {
  it.each(COMBOS)('%s at %i columns: question, options, ✗ and why, ✓, 2/3, done opens the next step', async (lang, columns) => {
    const { r, quiz } = await mount(lang, columns);
    const says = SAYS[lang];
    const [q1, q2, q3] = quiz;

    // The session opens the first step that is not done: the quiz, on its first question.
    let screen = await r.waitFor((s) => s.includes(says.question(1)));
    expect(screen).toMatch(new RegExp(`➤ ❍ 2\\. ${says.quizTitle}`));
    expect(shows(screen, q1!.text)).toBe(true);
    q1!.options.forEach((o, k) => expect(lineWith(screen, `${k + 1}. ${o.text}`), o.text).toBeDefined());
    expect(screen).toContain(says.keys);
    expect(screen).toMatch(new RegExp(`✕ 3\\. ${says.nextTitle}`));
    expect(widest(screen)).toBeLessThanOrEqual(columns);

    // Wrong (option 1): ✗ with that option's explanation; still question 1, try again.
    await r.type('1');
    screen = await r.waitFor((s) => s.includes(says.wrong(1)));
    expect(shows(screen, q1!.options[0]!.explain!)).toBe(true);
    expect(screen).toContain(says.question(1));
    expect(screen).toContain(says.tryAgain);
    expect(screen).toMatch(new RegExp(`✕ 3\\. ${says.nextTitle}`));
    expect(widest(screen)).toBeLessThanOrEqual(columns);

    // Another wrong one shows its own explanation instead.
    await r.type('3');
    screen = await r.waitFor((s) => s.includes(says.wrong(3)));
    expect(shows(screen, q1!.options[2]!.explain!)).toBe(true);
    expect(shows(screen, q1!.options[0]!.explain!)).toBe(false);

    // Right (option 2): ✓ with the answer's explanation, and on to question 2/3.
    await r.type('2');
    screen = await r.waitFor((s) => s.includes(says.question(2)));
    expect(screen).toContain(says.right(1));
    expect(shows(screen, q1!.options[1]!.explain!)).toBe(true);
    expect(screen).not.toContain('✗');
    expect(shows(screen, q2!.text)).toBe(true);
    q2!.options.forEach((o, k) => expect(lineWith(screen, `${k + 1}. ${o.text}`), o.text).toBeDefined());
    expect(screen).toContain(lang === 'en' ? 'Press 1-4 to answer.' : '1-4 키를 눌러 답을 고르세요.');
    expect(widest(screen)).toBeLessThanOrEqual(columns);

    await r.type('4');
    screen = await r.waitFor((s) => s.includes(says.question(3)));
    expect(screen).toContain(says.right(2));
    expect(shows(screen, q3!.text)).toBe(true);
    expect(screen).toMatch(new RegExp(`✕ 3\\. ${says.nextTitle}`));

    // The last right answer passes the step; the next step (its check already passed) opens.
    await r.type('1');
    screen = await r.waitFor((s) => s.includes(says.done));
    expect(screen).toMatch(new RegExp(`✔ 2\\. ${says.quizTitle}`));
    expect(screen).toMatch(new RegExp(`✔ 3\\. ${says.nextTitle}`));
    expect(screen).toContain(says.right(3));
    expect(lineWith(screen, `2. ${q3!.options[1]!.text}`)).toBeUndefined(); // no question left to show
    expect(screen).not.toMatch(/Press 1-\d to answer|1-\d 키를 눌러/);
    expect(widest(screen)).toBeLessThanOrEqual(columns);
  });

  it('c and r on a quiz say it is answered, not checked; number keys elsewhere say there is no quiz', async () => {
    const { r } = await mount('en', 80);
    await r.waitFor((s) => s.includes('Question 1/3'));
    await r.type('c');
    await r.waitFor((s) => s.includes('This step is a quiz: answer it with the keys 1-3.'));
    await r.type('p');
    await r.type('2');
    await r.waitFor((s) => s.includes('The number keys answer quiz questions, and this step has no quiz.'));
  });

  it('on a 24-row terminal the feedback and the next question are scrolled into view', async () => {
    const { r, quiz } = await mount('ko', 60, 24);
    const says = SAYS.ko;
    let screen = await r.waitFor((s) => s.includes(says.question(1)));
    quiz[0]!.options.forEach((o, k) => expect(lineWith(screen, `${k + 1}. ${o.text}`)).toBeDefined());
    await r.type('1');
    screen = await r.waitFor((s) => s.includes(says.wrong(1)));
    expect(shows(screen, quiz[0]!.options[0]!.explain!)).toBe(true);
    expect(screen).toContain(says.tryAgain);
    await r.type('2');
    screen = await r.waitFor((s) => s.includes(says.question(2)));
    expect(screen).toContain(says.right(1));
    quiz[1]!.options.forEach((o, k) => expect(lineWith(screen, `${k + 1}. ${o.text}`)).toBeDefined());
    expect(screen.split('\n').length).toBeLessThanOrEqual(24);
  });

  it('on a 24-row terminal the help scrolls instead of overflowing, and still lists every key', async () => {
    const { r } = await mount('en', 80, 24);
    await r.waitFor((s) => s.includes('Question 1/3'));
    await r.type('?');
    let screen = await r.waitFor((s) => s.includes('Keys'));
    const seen = new Set<string>();
    for (let i = 0; i < KEY_BINDINGS.length; i++) {
      expect(screen.split('\n').length).toBeLessThanOrEqual(24);
      expect(screen).toMatch(new RegExp(`keys \\d+-\\d+ of ${KEY_BINDINGS.length}`));
      for (const b of KEY_BINDINGS) if (lineWith(screen, `│ ${b.label.padEnd(12)}`)) seen.add(b.action);
      await r.type('j');
      screen = r.screen();
    }
    expect([...seen].sort()).toEqual(KEY_BINDINGS.map((b) => b.action).sort());
    expect(screen).toContain(`keys ${KEY_BINDINGS.length - 15}-${KEY_BINDINGS.length} of ${KEY_BINDINGS.length}`);
    await r.type(KEYS.escape);
    await r.waitFor((s) => s.includes('Question 1/3'));
  });

  it('the help overlay lists the quiz and diagram keys, in Korean too', async () => {
    const { r } = await mount('ko', 100, 60);
    await r.waitFor((s) => s.includes(SAYS.ko.question(1)));
    await r.type('?');
    const help = await r.waitFor((s) => s.includes('단축키'));
    expect(lineWith(help, '1-9')).toContain('퀴즈에 답하기: 보기 번호');
    expect(help).toMatch(/,\s+그림의 이전 장면/);
    expect(help).toMatch(/\.\s+그림의 다음 장면/);
    expect(help).toMatch(/a\s+그림 자동 재생 \(다시 누르면 멈춤\)/);
  });
});

describe('a stepped diagram', () => {
  it.each(COMBOS)('%s at %i columns: one frame at a time, counter, diagram intact, keys step and play', async (lang, columns) => {
    const { r, flow } = await mount(lang, columns);
    const says = SAYS[lang];
    const art = DIAGRAM[lang];
    await r.waitFor((s) => s.includes(says.question(1)));
    await r.type('p'); // select the diagram's step
    let screen = await r.waitFor((s) => s.includes(`${says.frame(1)}  ${says.frameKeys}`));
    expect(screen).toMatch(new RegExp(`➤ ✔ 1\\. ${says.flowTitle}`));
    // The box keeps every character and its columns: the three rows start at the same place.
    const starts = art.box.map((row) => {
      const line = lineWith(screen, row);
      expect(line, row).toBeDefined();
      return stringWidth(line!.slice(0, line!.indexOf(row)));
    });
    expect(new Set(starts).size).toBe(1);
    expect(shows(screen, flow.frames[0]!.split('```').at(-1)!)).toBe(true); // caption 1
    expect(screen).not.toContain(art.back); // only one frame at a time
    expect(widest(screen)).toBeLessThanOrEqual(columns);

    await r.type('.');
    screen = await r.waitFor((s) => s.includes(says.frame(2)));
    expect(lineWith(screen, art.box[1])).toBeUndefined();
    const head = art.wide.slice(0, 20);
    const wideLine = lineWith(screen, head)!;
    if (stringWidth(art.wide) + 4 <= columns - 1) {
      // Fits: shown whole.
      expect(wideLine.trim()).toBe(art.wide);
    } else {
      // Too wide: cut with an ellipsis on the same row, never wrapped onto a second one.
      expect(wideLine.endsWith('…')).toBe(true);
      expect(stringWidth(wideLine)).toBeLessThanOrEqual(columns - 1);
      expect(art.wide.startsWith(wideLine.trim().slice(0, -1))).toBe(true);
      expect(screen).not.toContain(art.wide);
      expect(screen).not.toContain('containerd');
    }
    expect(widest(screen)).toBeLessThanOrEqual(columns);

    await r.type('.');
    await r.type('.'); // already the last: stays
    screen = await r.waitFor((s) => s.includes(says.frame(3)));
    expect(screen).toContain(art.back);
    await r.type(',');
    await r.waitFor((s) => s.includes(says.frame(2)));
    await r.type(',');
    await r.type(',');
    await r.waitFor((s) => s.includes(says.frame(1)));

    // a: plays to the last frame by itself, then stops.
    await r.type('a');
    await r.waitFor((s) => s.includes(says.frame(3)));
    screen = await r.waitFor((s) => s.includes(`${says.frame(3)}  ${says.frameKeys}`));
    expect(screen).not.toContain(says.playing);
    expect(screen).toContain(art.back);
  });

  it('a stops the player mid-way', async () => {
    const { r } = await mount('en', 80, 50, 400);
    await r.waitFor((s) => s.includes('Question 1/3'));
    await r.type('p');
    await r.waitFor((s) => s.includes('Frame 1/3'));
    await r.type('a');
    await r.waitFor((s) => s.includes('Frame 1/3  playing…  [a] stop'));
    await r.type('a');
    await r.waitFor((s) => s.includes('Frame 1/3  [,] previous'));
    await new Promise((res) => setTimeout(res, 1000)); // more than two frames' time
    expect(r.screen()).toContain('Frame 1/3  [,] previous');
  });
});
