import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseTargetKey,
  progressFileName,
  progressFilePath,
  stateDir,
  targetKeyOf,
} from '../../src/progress/paths.js';

describe('stateDir', () => {
  it.each<[Record<string, string>, string]>([
    [{ XDG_STATE_HOME: '/x/state' }, '/x/state/kthw-tutor'],
    [{ XDG_STATE_HOME: '/x/state/' }, '/x/state/kthw-tutor'],
    [{}, '/home/a/.local/state/kthw-tutor'],
    [{ XDG_STATE_HOME: '' }, '/home/a/.local/state/kthw-tutor'],
    // the XDG spec: a relative path is invalid and ignored
    [{ XDG_STATE_HOME: 'relative/state' }, '/home/a/.local/state/kthw-tutor'],
  ])('%j -> %s', (env, dir) => {
    expect(stateDir(env, '/home/a')).toBe(dir);
  });

  it('puts one file per target under progress/', () => {
    expect(progressFilePath('/s/kthw-tutor', { user: 'root', host: 'server', port: 22 })).toMatch(
      /^\/s\/kthw-tutor\/progress\/root@server_22-[0-9a-f]{8}\.json$/,
    );
  });
});

describe('target keys', () => {
  it('writes user@host:port, brackets IPv6 and lowercases the host as ssh does', () => {
    expect(targetKeyOf({ user: 'root', host: 'Server.Kubernetes.Local', port: 22 })).toBe('root@server.kubernetes.local:22');
    expect(targetKeyOf({ user: 'root', host: '::1', port: 2222 })).toBe('root@[::1]:2222');
  });

  it('reads keys back, with port 22 when it is left out, and refuses malformed ones', () => {
    expect(parseTargetKey('root@server')).toEqual({ user: 'root', host: 'server', port: 22 });
    expect(parseTargetKey('me@x@server:2200')).toEqual({ user: 'me@x', host: 'server', port: 2200 });
    expect(parseTargetKey('root@[fe80::1]:22')).toEqual({ user: 'root', host: 'fe80::1', port: 22 });
    for (const bad of ['server', '@server', 'root@', 'root@server:0', 'root@server:70000', 'root@a b', 'root@::1:22']) {
      expect(parseTargetKey(bad), bad).toBeUndefined();
    }
  });

  it('round-trips any target through its key', () => {
    const host = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6());
    const user = fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,15}$/);
    fc.assert(
      fc.property(user, host, fc.integer({ min: 1, max: 65535 }), (u, h, port) => {
        const target = { user: u, host: h.toLowerCase(), port };
        expect(parseTargetKey(targetKeyOf(target))).toEqual(target);
      }),
    );
  });
});

describe('progressFileName', () => {
  it('is readable and keeps apart keys that slug alike', () => {
    expect(progressFileName('root@server:22')).toMatch(/^root@server_22-[0-9a-f]{8}\.json$/);
    expect(progressFileName('root@[::1]:22')).not.toBe(progressFileName('root@::1_22'));
    expect(progressFileName('a@b:22')).not.toBe(progressFileName('a@b_22'));
  });

  it('never makes a hidden file, a path, or a name too long for a filesystem', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (key) => {
        const name = progressFileName(key);
        expect(name).toMatch(/^[A-Za-z0-9@_][A-Za-z0-9@._-]*\.json$/);
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(100);
      }),
    );
    expect(progressFileName('../../etc/passwd')).toMatch(/^_/);
  });
});
