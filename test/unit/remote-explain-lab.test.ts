// An unreachable server's "what to do" offers the practice lab, only where it fits.
import { describe, expect, it } from 'vitest';
import { createTranslator } from '../../src/i18n/index.js';
import type { ConnectFailure } from '../../src/remote/connect-error.js';
import { explainConnectError } from '../../src/remote/explain.js';

const tr = createTranslator();
const where = { host: 'server', port: 22, jump: false };
const noServer: ConnectFailure[] = [
  { ...where, kind: 'dns', code: 'ENOTFOUND' },
  { ...where, kind: 'refused' },
  { ...where, kind: 'unreachable', code: 'EHOSTUNREACH' },
  { ...where, kind: 'timeout', afterSec: 10, phase: 'connect' },
];

describe('the practice lab in a connection failure', () => {
  it('follows the usual advice with the exact commands, or the key, for "no server" failures', () => {
    for (const f of noServer) {
      const plain = explainConnectError(f, tr.forLang('en'));
      const offered = explainConnectError(f, tr.forLang('en'), 'server', 'command');
      expect(offered.why).toBe(plain.why);
      expect(offered.todo).toBe(`${plain.todo} No server yet? Practise on a lab server on this machine: \`sudo kthw-tutor lab up\`, then \`sudo kthw-tutor --lab\`.`);
      expect(explainConnectError(f, tr.forLang('en'), 'server', 'key').todo).toContain('Press L to start a practice lab server');
      const ko = explainConnectError(f, tr.forLang('ko'), 'server', 'command').todo;
      expect(ko).toContain('아직 서버가 없나요?');
      expect(ko).toContain('`sudo kthw-tutor lab up`');
    }
  });

  it('is not offered when the server answered (auth, host keys), behind a jump host, or when not asked', () => {
    const t = tr.forLang('en');
    const auth: ConnectFailure = { ...where, kind: 'auth', user: 'root', tried: [], skipped: [] };
    expect(explainConnectError(auth, t, 'server', 'command').todo).not.toContain('lab');
    expect(explainConnectError({ ...where, kind: 'disconnected', message: 'reset' }, t, 'server', 'command').todo).not.toContain('lab');
    expect(explainConnectError({ ...noServer[1]!, jump: true }, t, 'server', 'command').todo).not.toContain('lab');
    expect(explainConnectError(noServer[0]!, t).todo).not.toContain('lab');
  });
});
