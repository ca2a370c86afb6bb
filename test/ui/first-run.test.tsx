import { afterEach, describe, expect, it } from 'vitest';
import { createTranslator } from '../../src/i18n/index.js';
import { FirstRun } from '../../src/ui/FirstRun.js';
import { KEYS, renderAt, type Rendered } from '../helpers/ink.js';

const tr = createTranslator();
const mounted: Rendered[] = [];
afterEach(() => mounted.splice(0).forEach((m) => m.unmount()));

describe('FirstRun', () => {
  it('asks the language (default from LANG), then the target, and refuses a bad one', async () => {
    let done: { lang: string; target: string } | null = null;
    const r = renderAt(
      <FirstRun
        defaultLang="ko"
        defaultTarget="root@server"
        translate={(l) => tr.forLang(l)}
        validateTarget={(v) => (/^[^@\s]+@[^@\s]+$/.test(v) ? null : `"${v}" is not a target`)}
        onDone={(a) => (done = a)}
        onQuit={() => {}}
      />,
      60,
    );
    mounted.push(r);
    expect(await r.waitFor((s) => s.includes('Language / 언어'))).toMatch(/➤ 한국어/);
    await r.type(KEYS.down); // English
    await r.type(KEYS.enter);
    const form = await r.waitFor((s) => s.includes('Which server should the tutor check?'));
    expect(form).toContain('> root@server');
    for (let i = 0; i < 'root@server'.length; i++) await r.type('\x7f');
    await r.type('nonsense');
    await r.type(KEYS.enter);
    await r.waitFor((s) => s.includes('"nonsense" is not a target'));
    expect(done).toBeNull();
    for (let i = 0; i < 'nonsense'.length; i++) await r.type('\x7f');
    await r.type('root@server.kubernetes.local:2222');
    await r.type(KEYS.enter);
    expect(done).toEqual({ lang: 'en', target: 'root@server.kubernetes.local:2222' });
  });
});
