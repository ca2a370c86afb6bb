// The Ink app at fixed widths, in Korean and English: what the learner sees and what each key
// does. The "server" here is this machine through the local executor (a real shell), so the
// screens come from real check results.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/loader.js';
import { createTranslator } from '../../src/i18n/index.js';
import type { Lang } from '../../src/i18n/types.js';
import type { ServerLink } from '../../src/tutor/session.js';
import { KEY_BINDINGS } from '../../src/ui/keys.js';
import { localServer, mountApp, type MountOptions } from '../helpers/app.js';
import { KEYS, type Rendered } from '../helpers/ink.js';
import { writeMiniCourse } from '../helpers/mini-course.js';

const dirs: string[] = [];
const mounted: Rendered[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) m.unmount();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** `settle: false` returns before the session's first connect + check is done (for prompts). */
async function mount(
  lang: Lang,
  columns: number,
  rows = 40,
  server: ServerLink = localServer(),
  settle = true,
  extra: Pick<MountOptions, 'targetTyped' | 'changeTarget'> = {},
) {
  const root = mkdtempSync(join(tmpdir(), 'kthw-ui-'));
  dirs.push(root);
  const work = join(root, 'server');
  writeMiniCourse(join(root, 'course'), work);
  const course = loadCourse(join(root, 'course'));
  const { r, session } = mountApp(course, { lang, columns, rows, root, server, ...extra });
  mounted.push(r);
  const started = session.start();
  if (settle) await started;
  return { r, session, work, started };
}

const widest = (screen: string) => Math.max(...screen.split('\n').map((l) => stringWidth(l)));

describe('App', () => {
  it('asks for a key passphrase with the input masked, and hands it to the connection', async () => {
    let given: string | undefined;
    const server = localServer(async (prompts) => {
      given = await prompts.askPassphrase('/home/learner/.ssh/id_ed25519');
      return given === 'secret' ? { ok: true } : { ok: false, why: 'wrong passphrase', todo: 'try again', retry: false };
    });
    const { r, started } = await mount('en', 80, 40, server, false);
    await r.waitFor((s) => s.includes('Passphrase for /home/learner/.ssh/id_ed25519'));
    await r.type('secret');
    const typed = await r.waitFor((s) => s.includes('••••••'));
    expect(typed).not.toContain('secret');
    await r.type(KEYS.enter);
    await started;
    expect(given).toBe('secret');
    await r.waitFor((s) => s.includes('Preparing files') && s.includes('Checked'));
  });

  it.each([40, 60, 100])('Korean page at %i columns: nothing wider than the terminal, Korean intact', async (columns) => {
    const { r } = await mount('ko', columns);
    const screen = await r.waitFor((s) => s.includes('설정 디렉터리 만들기'));
    expect(widest(screen)).toBeLessThanOrEqual(columns);
    expect(screen).toContain('1/2 · 파일 준비');
    // A wrapped Korean sentence reads the same once its line breaks are removed.
    expect(screen.replace(/\s+/g, '')).toContain('한국어문장이화면너비에맞게줄바꿈되는지도함께확인합니다.');
  });

  it('English page: statuses, the failing check with expected vs found, the footer keys', async () => {
    const { r } = await mount('en', 80);
    const screen = await r.waitFor((s) => s.includes('Create the config directory') && s.includes('✘'));
    expect(screen).toContain('1/2 · Preparing files');
    expect(screen).toMatch(/✘ 1\. Create the config directory/);
    expect(screen).toMatch(/✕ 2\. Write the config file/); // locked
    expect(screen).toContain('r run');
    expect(screen).toContain('q/Ctrl-C quit');
  });

  it('l switches the language live, and back', async () => {
    const { r } = await mount('en', 80);
    await r.waitFor((s) => s.includes('Preparing files'));
    await r.type('l');
    await r.waitFor((s) => s.includes('파일 준비') && s.includes('언어: 한국어'));
    await r.type('l');
    await r.waitFor((s) => s.includes('Preparing files'));
  });

  it.each(['en', 'ko'] as const)('? lists every key binding of the one table, each with its own text (%s); Esc closes it', async (lang) => {
    const t = createTranslator().forLang(lang);
    const { r } = await mount(lang, 100, 50);
    await r.waitFor((s) => s.includes(lang === 'en' ? 'Preparing files' : '파일 준비'));
    await r.type('?');
    const help = await r.waitFor((s) => s.includes(t('ui:help.close')));
    // The rows between the title and the closing line, without the box, must be the table itself:
    // a binding left out of help (or shown with another action's text) changes this list.
    const lines = help.split('\n').map((l) => l.replace(/^\s*│ ?/, '').replace(/ ?│\s*$/, '').trimEnd());
    const from = lines.indexOf(t('ui:help.title'));
    const to = lines.indexOf(t('ui:help.close'));
    expect(from).toBeGreaterThanOrEqual(0);
    const rows = lines.slice(from + 1, to);
    expect(rows).toEqual(KEY_BINDINGS.map((b) => `${b.label.padEnd(12)}${t(`ui:help.actions.${b.action}`)}`));
    await r.type(KEYS.escape);
    await r.waitFor((s) => !s.includes(t('ui:help.close')));
  });

  it('r shows the exact command and asks; n cancels; y runs it and the step passes', async () => {
    const { r, work } = await mount('ko', 100);
    await r.waitFor((s) => s.includes('설정 디렉터리 만들기'));
    await r.type('r');
    const confirm = await r.waitFor((s) => s.includes('실행할까요?'));
    expect(confirm).toContain(`$ mkdir -p ${work}/etc`);
    await r.type('n');
    await r.waitFor((s) => !s.includes('실행할까요?'));
    await r.type('r');
    await r.waitFor((s) => s.includes('실행할까요?'));
    await r.type('y');
    await r.waitFor((s) => s.includes('1단계를 통과했습니다'));
  });

  it('h reveals hints one at a time and says when there are no more', async () => {
    const { r } = await mount('en', 80);
    await r.waitFor((s) => s.includes('Create the config directory'));
    await r.type('h');
    await r.waitFor((s) => s.includes('Hint 1/1'));
    await r.type('h');
    await r.waitFor((s) => s.includes('No more hints'));
  });

  it('t starts from the server as the learner typed it (the alias), not its resolved address, and Enter keeps it', async () => {
    // As on the lab: `server` is an alias whose Host block gives the address, key and known_hosts.
    const lab = { ...localServer(), label: 'root@10.77.0.10:22' };
    const asked: string[] = [];
    const changeTarget = async (value: string) => (asked.push(value), null);
    const { r } = await mount('en', 80, 40, lab, true, { targetTyped: 'server', changeTarget });
    await r.waitFor((s) => s.includes('Preparing files'));
    await r.type('t');
    const form = await r.waitFor((s) => s.includes('Which server should the tutor check?'));
    expect(form).toContain('> server');
    expect(form).not.toContain('10.77.0.10');
    await r.type(KEYS.enter);
    expect(asked).toEqual(['server']);
  });

  it('a locked step cannot be run', async () => {
    const { r } = await mount('en', 80);
    await r.waitFor((s) => s.includes('Write the config file'));
    await r.type('n');
    await r.type('r');
    await r.waitFor((s) => s.includes('This step is locked: finish step 1 first.'));
  });

  it('o opens the outline with each page state', async () => {
    const { r } = await mount('ko', 80);
    await r.waitFor((s) => s.includes('파일 준비'));
    await r.type('o');
    const outline = await r.waitFor((s) => s.includes('페이지 목록'));
    expect(outline).toMatch(/1\. 파일 준비 \(진행 가능\)/);
    expect(outline).toMatch(/2\. 확인 \(잠김\)/);
  });

  it('shows a host key prompt with the fingerprint and the way to compare it', async () => {
    const { r, session } = await mount('ko', 100);
    await r.waitFor((s) => s.includes('파일 준비'));
    session.dispatch({
      type: 'overlay',
      overlay: { kind: 'host-key', host: 'server', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abcDEF123' },
    });
    const screen = await r.waitFor((s) => s.includes('처음 보는 서버 호스트 키입니다'));
    expect(screen).toContain('ssh-ed25519 키 지문: SHA256:abcDEF123');
    expect(screen).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
  });
});
