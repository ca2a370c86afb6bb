import { mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { progressFileName, stateDir } from '../../src/progress/paths.js';
import { cleanStaleTemps, ProgressStore } from '../../src/progress/store.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'kthw-progress-'));

describe('paths', () => {
  it('uses XDG_STATE_HOME when set and absolute, else ~/.local/state', () => {
    expect(stateDir({ XDG_STATE_HOME: '/x/state' }, '/home/a')).toBe('/x/state/kthw-tutor');
    expect(stateDir({ XDG_STATE_HOME: 'relative' }, '/home/a')).toBe('/home/a/.local/state/kthw-tutor');
    expect(stateDir({}, '/home/a')).toBe('/home/a/.local/state/kthw-tutor');
  });
  it('gives each target its own safe file name', () => {
    const a = progressFileName('root@server:22');
    expect(a).toMatch(/^root@server_22-[0-9a-f]{8}\.json$/);
    expect(progressFileName('root@[::1]:22')).not.toBe(progressFileName('root@::1:22'));
  });
});

describe('ProgressStore', () => {
  it('writes atomically: 0700 dir, 0600 file, no temp files left', () => {
    const dir = join(tmp(), 'state');
    const store = new ProgressStore(dir, 'root@server:22');
    store.recordAttempt('copy');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const onDisk = JSON.parse(readFileSync(store.file, 'utf8'));
    expect(onDisk.steps.copy.attempts).toBe(1);
  });

  it('keeps the first pass time across later passes and reloads it', () => {
    const dir = tmp();
    let clock = new Date('2026-01-01T00:00:00Z');
    const store = new ProgressStore(dir, 't', () => clock);
    store.recordPass('copy', [{ checkId: 'file-1', summary: '/root/kube-apiserver' }]);
    clock = new Date('2026-01-02T00:00:00Z');
    store.recordPass('copy', [{ checkId: 'file-1', summary: 'again' }]);
    const reloaded = new ProgressStore(dir, 't');
    const rec = reloaded.snapshot.steps.copy!;
    expect(rec.firstPassedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(rec.lastPassedAt).toBe('2026-01-02T00:00:00.000Z');
    expect(rec.evidence).toEqual([{ checkId: 'file-1', summary: 'again' }]);
    expect(reloaded.passedSteps()).toEqual(['copy']);
  });

  it('counts hints and forgets only the steps asked for', () => {
    const dir = tmp();
    const store = new ProgressStore(dir, 't');
    store.recordHint('a');
    store.recordHint('a');
    store.recordPass('a', []);
    store.recordPass('b', []);
    store.forget(['a']);
    const reloaded = new ProgressStore(dir, 't');
    expect(reloaded.snapshot.steps.a).toBeUndefined();
    expect(reloaded.passedSteps()).toEqual(['b']);
  });

  it.each([
    ['garbage bytes', '\u0000\u0001 not json {'],
    ['JSON of the wrong shape', JSON.stringify({ version: 2, steps: [] })],
  ])('moves a corrupt file (%s) aside with a notice and starts afresh', (_, content) => {
    const dir = tmp();
    const first = new ProgressStore(dir, 't');
    first.recordAttempt('x');
    writeFileSync(first.file, content);
    const store = new ProgressStore(dir, 't');
    expect(store.notice).not.toBeNull();
    expect(store.notice!.file).toBe(first.file);
    expect(readFileSync(store.notice!.movedTo, 'utf8')).toBe(content);
    expect(store.snapshot.steps).toEqual({});
    store.recordAttempt('y');
    expect(new ProgressStore(dir, 't').snapshot.steps.y?.attempts).toBe(1);
  });

  it('two stores writing in turn never leave a torn file', () => {
    const dir = tmp();
    const a = new ProgressStore(dir, 't');
    const b = new ProgressStore(dir, 't');
    for (let i = 0; i < 50; i++) {
      a.recordAttempt('a');
      b.recordAttempt('b');
    }
    const final = JSON.parse(readFileSync(a.file, 'utf8'));
    expect(final.steps.b.attempts).toBe(50); // last writer wins, whole
  });

  it('cleans temp files left by a crash, but not fresh ones', () => {
    const dir = tmp();
    const old = join(dir, '.x.json.1.abc.tmp');
    const fresh = join(dir, '.x.json.2.def.tmp');
    writeFileSync(old, '{');
    writeFileSync(fresh, '{');
    const past = new Date(Date.now() - 3600_000);
    utimesSync(old, past, past);
    expect(cleanStaleTemps(dir)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['.x.json.2.def.tmp']);
  });
});
