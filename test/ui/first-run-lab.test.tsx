// The first run tells a learner without a server about the practice lab, in the chosen language.
import { afterEach, describe, expect, it } from 'vitest';
import { parseTargetIn } from '../../src/cli-args.js';
import { createTranslator } from '../../src/i18n/index.js';
import { FirstRun } from '../../src/ui/FirstRun.js';
import { KEYS, renderAt, type Rendered } from '../helpers/ink.js';

const tr = createTranslator();
const mounted: Rendered[] = [];
afterEach(() => mounted.splice(0).forEach((m) => m.unmount()));

function firstRun(offerLab: boolean): Rendered {
  const r = renderAt(
    <FirstRun defaultLang="ko" defaultTarget="root@server" translate={(l) => tr.forLang(l)} parseTarget={parseTargetIn} onDone={() => {}} onQuit={() => {}} offerLab={offerLab} />,
    200,
  );
  mounted.push(r);
  return r;
}

describe('FirstRun and the practice lab', () => {
  it('names the exact command under the server question, in Korean and in English', async () => {
    const ko = firstRun(true);
    await ko.waitFor((s) => s.includes('Language / 언어'));
    await ko.type(KEYS.enter);
    const screen = await ko.waitFor((s) => s.includes('어느 서버를 점검할까요?'));
    expect(screen).toContain('아직 서버가 없나요?');
    expect(screen).toContain('`sudo kthw-tutor --lab`');

    const en = firstRun(true);
    await en.waitFor((s) => s.includes('Language / 언어'));
    await en.type(KEYS.down);
    await en.type(KEYS.enter);
    expect(await en.waitFor((s) => s.includes('Which server should the tutor check?'))).toContain('No server yet? Practise on a lab server on this machine');
  });

  it('says nothing about a lab where none can run', async () => {
    const r = firstRun(false);
    await r.waitFor((s) => s.includes('Language / 언어'));
    await r.type(KEYS.enter);
    expect(await r.waitFor((s) => s.includes('어느 서버를 점검할까요?'))).not.toContain('kthw-tutor --lab');
  });
});
