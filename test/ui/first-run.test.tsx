import { afterEach, describe, expect, it } from 'vitest';
import { parseTargetIn as appParser, type TargetChoice } from '../../src/cli-args.js';
import { createTranslator } from '../../src/i18n/index.js';
import { FirstRun } from '../../src/ui/FirstRun.js';
import { KEYS, renderAt, type Rendered } from '../helpers/ink.js';

const tr = createTranslator();
const mounted: Rendered[] = [];
afterEach(() => mounted.splice(0).forEach((m) => m.unmount()));

// cli.tsx hands the first run the app's one target parser (parseTargetIn), as here.
describe('FirstRun', () => {
  it('asks the language (default from LANG), then the target, refuses a bad one and keeps an alias as typed', async () => {
    let done: { lang: string; target: TargetChoice } | null = null;
    const r = renderAt(
      <FirstRun
        defaultLang="ko"
        defaultTarget="root@server"
        translate={(l) => tr.forLang(l)}
        parseTarget={appParser}
        onDone={(a) => (done = a)}
        onQuit={() => {}}
      />,
      80,
    );
    mounted.push(r);
    expect(await r.waitFor((s) => s.includes('Language / 언어'))).toMatch(/➤ 한국어/);
    await r.type(KEYS.down); // English
    await r.type(KEYS.enter);
    const form = await r.waitFor((s) => s.includes('Which server should the tutor check?'));
    expect(form).toContain('> root@server');
    for (let i = 0; i < 'root@server'.length; i++) await r.type('\x7f');
    await r.type('root@');
    await r.type(KEYS.enter);
    await r.waitFor((s) => s.includes('"root@" is not a target: write [user@]host[:port]'));
    expect(done).toBeNull();
    for (let i = 0; i < 'root@'.length; i++) await r.type('\x7f');
    await r.type('server');
    await r.type(KEYS.enter);
    // The alias stays what was typed: ssh_config's `Host server` block applies when it is resolved.
    expect(done).toEqual({ lang: 'en', target: { typed: 'server', spec: { host: 'server' } } });
  });

  it('says what is wrong with a target in the chosen language', async () => {
    const r = renderAt(
      <FirstRun defaultLang="ko" defaultTarget="root@" translate={(l) => tr.forLang(l)} parseTarget={appParser} onDone={() => {}} onQuit={() => {}} />,
      100,
    );
    mounted.push(r);
    await r.waitFor((s) => s.includes('Language / 언어'));
    await r.type(KEYS.enter); // 한국어
    await r.waitFor((s) => s.includes('어느 서버를 점검할까요?'));
    await r.type(KEYS.enter);
    await r.waitFor((s) => s.includes('서버 주소로 쓸 수 없는 값입니다: "root@"'));
  });
});
