// The HTML class report in a real browser (Debian's chromium through playwright-core, never a
// downloaded one): 30 students in mixed states, one of them hostile. The page must show the matrix
// and the details, run nothing a server sent (also with the CSP removed, so the escaping alone is
// proven), fetch nothing, and keep its layout. A screenshot is kept in test-artifacts/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../src/i18n/index.js';
import { exportHtml } from '../../src/instructor/export/html.js';
import type { StudentRow } from '../../src/instructor/snapshot.js';
import { BIDI, ESC, IMG, SCRIPT, STEP_IDS, hostileStudent, snapshotOf, stuckStudent, unreachableStudent } from '../helpers/class-snapshot.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const artifacts = join(repo, 'test-artifacts');
const dir = mkdtempSync(join(tmpdir(), 'kthw-instructor-html-'));
const REPORT_URL = 'http://report.invalid/instructor-report.html';
const LONG_NAME = 'ㅋ'.repeat(40) + 'x'.repeat(260);

function classOf30(): StudentRow[] {
  const korean = ['김민준', '이서연', '박지훈', '최수아', '정예준', '강하은', '조도윤', '윤서윤', '장시우', '임지유'];
  const rows: StudentRow[] = korean.map((name, i) => stuckStudent(name, (i * 5) % 24, i % 3 === 0 ? undefined : 5 + i * 7));
  for (let i = 0; i < 10; i++) rows.push(stuckStudent(`Student ${String(i + 1).padStart(2, '0')}`, Math.min(23, i * 3), i * 4));
  const inProgress = stuckStudent('진행 중 학생', 8, 33);
  inProgress.steps[STEP_IDS[8]!] = { ...inProgress.steps[STEP_IDS[8]!]!, status: 'in-progress' };
  const skipped = stuckStudent('Skip Kim', 4, 2);
  skipped.steps.p1s2 = { status: 'skipped' };
  const fromFile = stuckStudent('보고서 제출', 11);
  fromFile.source = 'report';
  fromFile.reach = { kind: 'unreachable', reason: 'connect ECONNREFUSED' };
  rows.push(
    inProgress,
    skipped,
    fromFile,
    stuckStudent(LONG_NAME, 2, 9),
    unreachableStudent('한지민', 'auth', 'Permission denied (publickey)'),
    unreachableStudent('Host Changed', 'host-key-changed', `SHA256:${ESC}abc${BIDI}`),
    unreachableStudent('Hung Server', 'timeout', 'no answer in 10 s'),
    unreachableStudent('Down Server', 'unreachable', 'connect EHOSTUNREACH'),
    stuckStudent('Alice Done', 23),
    hostileStudent(),
  );
  return rows;
}

const snapshot = snapshotOf(classOf30(), 'ko');
const html = exportHtml(snapshot, createTranslator().forLang('ko'));
const file = join(dir, 'instructor-report.html');
const fileNoCsp = join(dir, 'instructor-report-no-csp.html');
let browser: Browser;

// The page's side, typed just enough for the callbacks below: the project compiles without the
// DOM library, and these types vanish when playwright sends a callback to the page.
interface El {
  getBoundingClientRect(): { width: number; height: number; bottom: number };
  attributes: ArrayLike<{ name: string }> & Iterable<{ name: string }>;
}
interface Win {
  document: { documentElement: { lang: string; scrollWidth: number }; characterSet: string; querySelectorAll(s: string): Iterable<El> };
  getComputedStyle(e: unknown): { backgroundColor: string };
  scrollY: number;
  __pwned?: unknown;
}

beforeAll(async () => {
  writeFileSync(file, html, 'utf8');
  // The same page without its Content-Security-Policy: escaping alone must keep it inert.
  const withoutCsp = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\n/, '');
  expect(withoutCsp).not.toBe(html);
  writeFileSync(fileNoCsp, withoutCsp, 'utf8');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens `path` as REPORT_URL; every other request is aborted and recorded. */
async function open(path: string): Promise<{ page: Page; requests: string[]; blocked: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
  const requests: string[] = [];
  const blocked: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === REPORT_URL) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: readFileSync(path) });
    blocked.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(REPORT_URL, { waitUntil: 'load' });
  return { page, requests, blocked, errors };
}

describe('instructor HTML report in chromium', () => {
  it('shows the matrix, the states and a student’s details; runs and fetches nothing; keeps a screenshot', async () => {
    const { page, requests, blocked, errors } = await open(file);
    try {
      expect(await page.evaluate(() => (globalThis as unknown as Win).document.documentElement.lang)).toBe('ko');
      expect(await page.evaluate(() => (globalThis as unknown as Win).document.characterSet)).toBe('UTF-8');

      // The matrix: one cell per student and step, in the state the snapshot says.
      expect(snapshot.students).toHaveLength(30);
      expect(await page.locator('table.matrix td[data-state]').count()).toBe(30 * 23);
      expect(await page.locator('table.matrix tbody tr').count()).toBe(30);
      // 이서연 passed 5 steps and is stuck on the sixth.
      const lee = page.locator('tr[data-student="1"] td[data-state]');
      expect(await lee.nth(4).getAttribute('data-state')).toBe('passed');
      expect(await lee.nth(4).locator('[aria-hidden]').innerText()).toBe('✓');
      expect(await lee.nth(4).evaluate((e) => (globalThis as unknown as Win).getComputedStyle(e).backgroundColor)).toBe('rgb(31, 122, 58)');
      expect(await lee.nth(5).getAttribute('data-state')).toBe('failing');
      expect(await lee.nth(5).locator('[aria-hidden]').innerText()).toBe('✗');
      expect(await lee.nth(5).getAttribute('class')).toContain('current');
      expect(await lee.nth(5).evaluate((e) => (globalThis as unknown as Win).getComputedStyle(e).backgroundColor)).toBe('rgb(198, 40, 40)');
      expect(await lee.nth(6).getAttribute('data-state')).toBe('not-started');
      expect(await page.locator('tr[data-student="1"] td.stuck').innerText()).toBe('12분');
      const rowState = async (k: number, i: number) => page.locator(`tr[data-student="${k}"] td[data-state]`).nth(i).getAttribute('data-state');
      expect(await rowState(20, 8)).toBe('in-progress');
      expect(await rowState(21, 1)).toBe('skipped');
      expect(await rowState(24, 0)).toBe('unreachable');
      expect(await page.locator('tr[data-student="24"] td[data-state="unreachable"]').count()).toBe(23);
      expect(await page.locator('tr[data-student="28"] td[data-state="passed"]').count()).toBe(23);
      expect(await page.locator('tr[data-student="1"] th.name').innerText()).toBe('이서연');
      // Which row came from a report file, and why a server could not be checked.
      expect(await page.locator('tr[data-student="22"] th.name .badge').innerText()).toBe('보고서');
      expect(await page.locator('th.name .badge').count()).toBe(1);
      expect(await page.locator('tr[data-student="24"] td.now').innerText()).toBe('인증 거부: Permission denied (publickey)');

      // A student's details: expected/found of the failing check, diagnostic, evidence.
      const mallory = page.locator('#student-29');
      const text = await mallory.innerText();
      expect(text).toContain(`Mallory ${IMG}`);
      expect(await mallory.locator('td.expected').first().innerText()).toBe('active');
      expect(await mallory.locator('td.found').first().innerText()).toBe(`${SCRIPT}failed`);
      expect(await mallory.locator('.diagnostic').innerText()).toContain(`diagnostic ${IMG}`);
      expect(await mallory.locator('pre.evidence').innerText()).toContain(`${SCRIPT}${IMG}redgpj.exe`);
      expect(text).not.toContain('\x1b');
      expect(await page.locator('#student-25').innerText()).toContain('호스트 키가 바뀜: SHA256:abc');
      expect(await page.locator('#student-1').innerText()).toMatch(/권한\s+0600\s+0644/);

      // Nothing ran, nothing was injected, nothing was fetched.
      expect(await page.evaluate(() => (globalThis as unknown as Win).__pwned)).toBeUndefined();
      expect(await page.locator('script').count()).toBe(0);
      expect(await page.locator('img, iframe, object, embed, link, base, form').count()).toBe(0);
      const handlers = await page.evaluate(() =>
        [...(globalThis as unknown as Win).document.querySelectorAll('*')].flatMap((e) => [...e.attributes].map((a) => a.name).filter((n) => n.startsWith('on'))),
      );
      expect(handlers).toEqual([]);
      expect(errors).toEqual([]);
      expect(blocked).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('data:'))).toEqual([REPORT_URL]);

      // Layout: a 300-character name wraps inside its column, at most 3 lines high (all of it is
      // in its details); the page does not scroll sideways.
      const boxes = await page.locator('table.matrix tbody th.name').evaluateAll((els) =>
        els.map((e) => {
          const r = (e as unknown as El).getBoundingClientRect();
          return { width: r.width, height: r.height };
        }),
      );
      expect(Math.max(...boxes.map((b) => b.width))).toBeLessThanOrEqual(330);
      expect(Math.max(...boxes.map((b) => b.height))).toBeLessThanOrEqual(3 * 1.4 * 22 + 10);
      expect(await page.locator('#student-23 h3').innerText()).toBe(LONG_NAME);
      expect(await page.evaluate(() => (globalThis as unknown as Win).document.documentElement.scrollWidth)).toBeLessThanOrEqual(1920);

      mkdirSync(artifacts, { recursive: true });
      const bottom = await page.locator('table.matrix').evaluate((e) => (e as unknown as El).getBoundingClientRect().bottom + (globalThis as unknown as Win).scrollY);
      await page.screenshot({ path: join(artifacts, 'instructor-report.png'), fullPage: true, clip: { x: 0, y: 0, width: 1920, height: Math.ceil(bottom) + 20 } });
      writeFileSync(join(artifacts, 'instructor-report.html'), html, 'utf8');
    } finally {
      await page.context().close();
    }
  }, 30_000);

  it('stays inert with its Content-Security-Policy removed: the escaping alone holds', async () => {
    const { page, requests, blocked, errors } = await open(fileNoCsp);
    try {
      expect(await page.locator('table.matrix td[data-state]').count()).toBe(30 * 23);
      expect(await page.evaluate(() => (globalThis as unknown as Win).__pwned)).toBeUndefined();
      expect(await page.locator('script, img').count()).toBe(0);
      expect(errors).toEqual([]);
      expect(blocked).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('data:'))).toEqual([REPORT_URL]);
    } finally {
      await page.context().close();
    }
  }, 30_000);
});
