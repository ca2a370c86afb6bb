// Messages that stay until dismissed, and a connection that went away, as the learner sees them
// at fixed widths in Korean and English: wrapped (never cut), above the status line, with the
// key that dismisses them; `d` removes the oldest and shows the next.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/loader.js';
import { createTranslator } from '../../src/i18n/index.js';
import type { Lang } from '../../src/i18n/types.js';
import { mountApp } from '../helpers/app.js';
import type { Rendered } from '../helpers/ink.js';
import { writeMiniCourse } from '../helpers/mini-course.js';

const translator = createTranslator();
const dirs: string[] = [];
const mounted: Rendered[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) m.unmount();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function mount(lang: Lang, columns: number) {
  const root = mkdtempSync(join(tmpdir(), 'kthw-alerts-'));
  dirs.push(root);
  writeMiniCourse(join(root, 'course'), join(root, 'server'));
  const { r, session } = mountApp(loadCourse(join(root, 'course')), { lang, columns, rows: 30, root });
  mounted.push(r);
  await session.start();
  return { r, session };
}

const flat = (screen: string) => screen.replace(/\s+/g, '');
const widest = (screen: string) => Math.max(...screen.split('\n').map((l) => stringWidth(l)));
const movedTo = '/home/learner/.local/state/kthw-tutor/progress/root@server.json.corrupt-2026-12-03T13-14-15';

describe.each([
  ['en', 60],
  ['ko', 40],
  ['en', 100],
] as const)('%s at %i columns', (lang, columns) => {
  const t = translator.forLang(lang);

  it('an alert stays through other notices until d, then the next one shows', async () => {
    const { r, session } = await mount(lang, columns);
    const first = t('ui:notice.progressCorrupt', { reason: 'Unexpected token } in JSON at line 3', movedTo });
    const second = t('ui:notice.notSaved', { dir: '/home/learner/.local/state/kthw-tutor', reason: 'EACCES' });
    session.alert(first);
    session.alert(second);
    session.alert(first); // the same message twice is kept once
    let screen = await r.waitFor((s) => flat(s).includes(flat(first)));
    expect(widest(screen)).toBeLessThanOrEqual(columns);
    expect(flat(screen)).toContain(flat(`${t('ui:alert.dismiss')} (+1)`));
    // Checks and their notices come and go; the alert stays.
    await r.type('c');
    screen = await r.waitFor((s) => flat(s).includes(flat(t('ui:notice.failed', { n: 1 }))));
    expect(flat(screen)).toContain(flat(first));
    await r.type('d');
    screen = await r.waitFor((s) => flat(s).includes(flat(second)) && !flat(s).includes(flat(first)));
    expect(flat(screen)).not.toContain('(+1)');
    await r.type('d');
    await r.waitFor((s) => !flat(s).includes(flat(second)));
    expect(session.getState().alerts).toEqual([]);
  });

  it('a lost connection: why, and when the next try is, wrapped within the width', async () => {
    const { r, session } = await mount(lang, columns);
    const why = 'Keepalive timeout after 3 unanswered requests from 10.240.0.10';
    session.dispatch({ type: 'connection', connection: { kind: 'lost', label: 'root@10.240.0.10:22', why, retryInSec: 4 } });
    session.dispatch({ type: 'notice', text: null });
    const screen = await r.waitFor((s) => flat(s).includes(flat(why)));
    expect(widest(screen)).toBeLessThanOrEqual(columns);
    expect(flat(screen)).toContain(flat(t('ui:connection.lost', { label: 'root@10.240.0.10:22' })));
    expect(flat(screen)).toContain(flat(t('ui:connection.retryIn', { seconds: 4 })));
  });
});
