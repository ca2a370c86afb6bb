// ProgressStore on a real filesystem in temp dirs.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { progressFileName } from '../../src/progress/paths.js';
import { EVIDENCE_CAP, ProgressSchema, ProgressStore, STALE_TEMP_MS, SUMMARY_CAP, type CorruptNotice } from '../../src/progress/store.js';

const TARGET = 'root@server:22';
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = pathToFileURL(createRequire(join(repo, 'package.json')).resolve('tsx')).href;
const tmp = () => mkdtempSync(join(tmpdir(), 'kthw-progress-'));
const temps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const onDisk = (file: string) => ProgressSchema.parse(JSON.parse(readFileSync(file, 'utf8')));

/** A clock the test moves by hand. */
function clock(start = '2026-01-01T00:00:00.000Z') {
  let now = new Date(start);
  return { now: () => now, set: (iso: string) => (now = new Date(iso)) };
}

describe('ProgressStore: loading', () => {
  it('starts empty without a file and creates none until something is recorded', () => {
    const dir = join(tmp(), 'state', 'progress');
    const store = new ProgressStore(dir, TARGET);
    expect(store.notice).toBeNull();
    expect(store.snapshot.steps).toEqual({});
    expect(store.snapshot.target).toEqual({ user: 'root', host: 'server', port: 22 });
    expect(existsSync(dir)).toBe(false);
  });

  it('treats the same server written two ways as one record', () => {
    const dir = tmp();
    new ProgressStore(dir, 'root@Server').recordHint('a');
    const again = new ProgressStore(dir, { user: 'root', host: 'server', port: 22 });
    expect(again.target).toBe('root@server:22');
    expect(again.snapshot.steps.a?.hintsUsed).toBe(1);
  });

  it('refuses a target it cannot read', () => {
    expect(() => new ProgressStore(tmp(), 'server')).toThrow('"server" is not a target: expected user@host[:port]');
  });

  it('a directory where the file should be: a notice naming it, an empty record, and nothing saved over it', () => {
    const dir = tmp();
    const file = join(dir, progressFileName(TARGET));
    mkdirSync(file);
    writeFileSync(join(file, 'keep'), 'x');
    const store = new ProgressStore(dir, TARGET);
    const told: unknown[] = [];
    store.onSaveProblem = (p) => told.push(p);
    expect(store.notice).toEqual({ kind: 'unreadable', file, code: 'EISDIR' });
    expect(store.probeSave()).toEqual({ kind: 'not-saved', dir, reason: 'EISDIR' });
    store.recordPass('a', []);
    expect(store.passedSteps()).toEqual(['a']); // the session goes on in memory
    expect(told).toEqual([]); // the notice already said that nothing is saved
    expect(statSync(file).isDirectory()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([progressFileName(TARGET)]);
  });
});

describe('ProgressStore: atomic writes', () => {
  it('creates the directories 0700 and the file 0600, leaving no temp file', () => {
    const root = tmp();
    const dir = join(root, 'state', 'progress');
    const store = new ProgressStore(dir, TARGET);
    store.recordAttempt('copy');
    expect(statSync(join(root, 'state')).mode & 0o777).toBe(0o700);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(temps(dir)).toEqual([]);
    expect(onDisk(store.file).steps.copy?.attempts).toBe(1);
  });

  it('replaces a file that had looser permissions with a 0600 one', () => {
    const dir = tmp();
    const store = new ProgressStore(dir, TARGET);
    store.recordAttempt('a');
    chmodSync(store.file, 0o644);
    store.recordAttempt('a');
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
  });

  it('cannot save: says so once (folder and cause), and keeps the record in memory', () => {
    const parent = join(tmp(), 'state');
    writeFileSync(parent, 'a file where the directory should be'); // fails for root too
    const dir = join(parent, 'progress');
    const store = new ProgressStore(dir, TARGET); // nothing can be there: an empty record, no crash
    const told: unknown[] = [];
    store.onSaveProblem = (p) => told.push(p);
    expect(store.saveProblem).toBeNull();
    store.recordAttempt('a');
    store.recordPass('a', []);
    expect(told).toEqual([{ kind: 'not-saved', dir, reason: 'ENOTDIR' }]);
    expect(store.saveProblem).toEqual(told[0]);
    expect(store.snapshot.steps.a).toMatchObject({ attempts: 1 });
    expect(store.passedSteps()).toEqual(['a']);
  });

  it.skipIf(process.getuid?.() !== 0)('a directory it may not write (EACCES, as another user): said once, no throw', () => {
    const root = tmp();
    chmodSync(root, 0o755); // readable, not writable, for nobody
    const script = join(root, 'probe.mts');
    writeFileSync(script, [
      `import { ProgressStore } from ${JSON.stringify(join(repo, 'src', 'progress', 'store.ts'))};`,
      `const s = new ProgressStore(${JSON.stringify(join(root, 'progress'))}, ${JSON.stringify(TARGET)});`,
      `let told = 0; s.onSaveProblem = () => told++;`,
      `s.probeSave(); s.recordAttempt('a'); s.recordAttempt('a');`,
      `console.log(JSON.stringify({ problem: s.saveProblem, told, attempts: s.snapshot.steps.a?.attempts }));`,
    ].join('\n'));
    chmodSync(script, 0o644);
    const out = execFileSync('setpriv', ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', process.execPath, '--import', tsx, script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ problem: { kind: 'not-saved', dir: join(root, 'progress'), reason: 'EACCES' }, told: 1, attempts: 2 });
    expect(readdirSync(root)).toEqual(['probe.mts']);
  });

  it('probeSave says at start that the directory cannot be written, and leaves a writable one clean', () => {
    const parent = join(tmp(), 'state');
    writeFileSync(parent, 'not a directory');
    const blocked = new ProgressStore(join(parent, 'progress'), TARGET);
    const told: unknown[] = [];
    blocked.onSaveProblem = (p) => told.push(p);
    expect(blocked.probeSave()).toMatchObject({ kind: 'not-saved', reason: 'ENOTDIR' });
    blocked.recordAttempt('a');
    expect(told).toHaveLength(1);
    const dir = join(tmp(), 'progress');
    const fine = new ProgressStore(dir, TARGET);
    expect(fine.probeSave()).toBeNull();
    expect(readdirSync(dir)).toEqual([]); // no record written, no temp left
  });

  it('sweeps a killed save\'s temp file at start once it is a few seconds old, keeping other files', () => {
    const dir = tmp();
    const stale = join(dir, `.${progressFileName(TARGET)}.999999.0badc0de.tmp`);
    const fresh = join(dir, `.${progressFileName(TARGET)}.999998.feedf00d.tmp`);
    const other = join(dir, '.notes.tmp');
    for (const f of [stale, fresh, other]) writeFileSync(f, '{"version":1,"tar');
    const tenSecondsAgo = new Date(Date.now() - 10_000);
    utimesSync(stale, tenSecondsAgo, tenSecondsAgo);
    utimesSync(other, tenSecondsAgo, tenSecondsAgo);
    expect(STALE_TEMP_MS).toBeLessThanOrEqual(10_000);
    new ProgressStore(dir, TARGET);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true); // may still be a live writer's
    expect(existsSync(other)).toBe(true); // not one of ours
  });

  it('ignores a temp file left by a crash mid-write, and cleans it once it is stale', () => {
    const dir = tmp();
    const first = new ProgressStore(dir, TARGET);
    first.recordPass('a', []);
    const leftover = join(dir, `.${progressFileName(TARGET)}.4242.deadbeef.tmp`);
    writeFileSync(leftover, '{"version":1,"tar'); // torn half of a write
    const fresh = new ProgressStore(dir, TARGET);
    expect(fresh.notice).toBeNull();
    expect(fresh.passedSteps()).toEqual(['a']);
    expect(existsSync(leftover)).toBe(true); // could still belong to a live writer
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(leftover, hourAgo, hourAgo);
    const later = new ProgressStore(dir, TARGET);
    expect(existsSync(leftover)).toBe(false);
    expect(later.passedSteps()).toEqual(['a']);
  });
});

describe('ProgressStore: recording', () => {
  it('keeps the first pass time across later passes, refreshing lastCheckedAt and evidence', () => {
    const dir = tmp();
    const c = clock('2026-01-01T00:00:00.000Z');
    const store = new ProgressStore(dir, TARGET, c.now);
    store.recordPass('copy', [{ checkId: 'file-1', summary: 'first' }]);
    c.set('2026-01-02T00:00:00.000Z');
    store.recordPass('copy', [{ checkId: 'file-1', summary: 'again' }]);
    const record = new ProgressStore(dir, TARGET).snapshot.steps.copy!;
    expect(record.firstPassedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(record.lastCheckedAt).toBe('2026-01-02T00:00:00.000Z');
    expect(record.evidence).toEqual([{ checkId: 'file-1', summary: 'again' }]);
    expect(onDisk(store.file).updatedAt).toBe('2026-01-02T00:00:00.000Z');
  });

  it('counts attempts and hints per step, also after a pass', () => {
    const dir = tmp();
    const store = new ProgressStore(dir, TARGET);
    store.recordAttempt('a');
    store.recordAttempt('a');
    store.recordHint('a');
    store.recordPass('a', []);
    store.recordAttempt('a');
    store.recordHint('b');
    const steps = new ProgressStore(dir, TARGET).snapshot.steps;
    expect(steps.a).toMatchObject({ attempts: 3, hintsUsed: 1 });
    expect(steps.b).toMatchObject({ attempts: 0, hintsUsed: 1 });
    expect(steps.b?.firstPassedAt).toBeUndefined();
  });

  it('caps evidence and stores it without terminal control sequences', () => {
    const store = new ProgressStore(tmp(), TARGET);
    const many = Array.from({ length: EVIDENCE_CAP + 5 }, (_, i) => ({ checkId: `c${i}`, summary: 'ok' }));
    many[0] = { checkId: 'c0', summary: `\u001b]0;pwned\u0007\u001b[31mred\u001b[0m ${'가'.repeat(SUMMARY_CAP * 2)}` };
    store.recordPass('a', many);
    const evidence = onDisk(store.file).steps.a!.evidence!;
    expect(evidence).toHaveLength(EVIDENCE_CAP);
    expect(evidence[0]!.summary.startsWith('red 가')).toBe(true);
    expect(Array.from(evidence[0]!.summary)).toHaveLength(SUMMARY_CAP);
    expect(evidence[0]!.summary).not.toMatch(/[\u0000-\u001f]/);
  });

  it('remembers the language', () => {
    const dir = tmp();
    new ProgressStore(dir, TARGET).recordLang('ko');
    expect(new ProgressStore(dir, TARGET).snapshot.lang).toBe('ko');
  });

  it('resetPage forgets only the steps named; resetAll forgets every step but keeps the rest', () => {
    const dir = tmp();
    const store = new ProgressStore(dir, TARGET);
    store.recordLang('ko');
    for (const id of ['a1', 'a2', 'b1']) store.recordPass(id, [{ checkId: 'x', summary: id }]);
    store.recordHint('a1');
    store.resetPage(['a1', 'a2', 'not-recorded']);
    const afterPage = new ProgressStore(dir, TARGET);
    expect(Object.keys(afterPage.snapshot.steps)).toEqual(['b1']);
    expect(afterPage.passedSteps()).toEqual(['b1']);
    afterPage.resetAll();
    const afterAll = new ProgressStore(dir, TARGET);
    expect(afterAll.snapshot.steps).toEqual({});
    expect(afterAll.snapshot.lang).toBe('ko');
    expect(afterAll.snapshot.target).toEqual({ user: 'root', host: 'server', port: 22 });
  });

  it('keeps fields it does not know when it rewrites the file', () => {
    const dir = tmp();
    const store = new ProgressStore(dir, TARGET);
    store.recordAttempt('a');
    const json = JSON.parse(readFileSync(store.file, 'utf8'));
    json.note = 'from a newer tutor';
    json.steps.a.streak = 3;
    writeFileSync(store.file, JSON.stringify(json));
    const again = new ProgressStore(dir, TARGET);
    again.recordAttempt('a');
    const after = JSON.parse(readFileSync(store.file, 'utf8'));
    expect(after.note).toBe('from a newer tutor');
    expect(after.steps.a).toMatchObject({ streak: 3, attempts: 2 });
  });
});

describe('ProgressStore: a file it cannot use is kept aside, never dropped', () => {
  const valid = (over: Record<string, unknown>) =>
    JSON.stringify({ version: 1, target: { user: 'root', host: 'server', port: 22 }, updatedAt: '2026-01-01T00:00:00Z', steps: {}, ...over });

  it.each<[string, Buffer | string, RegExp]>([
    ['garbage bytes', Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x0a, 0x80]), /^not JSON/],
    ['an empty file', '', /^not JSON/],
    ['JSON of the wrong shape', JSON.stringify({ version: 1, steps: [] }), /^not a progress file: target/],
    ['a newer format version', valid({ version: 2 }), /^not a progress file: version/],
    ['steps that are not a record', valid({ steps: [] }), /^not a progress file: steps/],
    ['a target that is not a server', valid({ target: { user: 'root', host: 'server', port: 0 } }), /^not a progress file: target\.port/],
    ['another server\'s record', valid({ target: { user: 'root', host: 'other', port: 22 } }), /another server \(root@other:22\)/],
  ])('%s: moved to <name>.corrupt-<time>.json with a notice; the new state works', (_, content, reason) => {
    const dir = tmp();
    const c = clock('2026-03-04T05:06:07.089Z');
    const file = join(dir, progressFileName(TARGET));
    writeFileSync(file, content);
    const store = new ProgressStore(dir, TARGET, c.now);
    const movedTo = file.replace(/\.json$/, '.corrupt-2026-03-04T05-06-07-089Z.json');
    expect(store.notice).toEqual({ kind: 'corrupt', file, movedTo, reason: expect.stringMatching(reason) });
    expect(readFileSync(movedTo)).toEqual(Buffer.from(content)); // byte for byte
    expect(existsSync(file)).toBe(false);
    expect(store.snapshot.steps).toEqual({});
    store.recordPass('y', []);
    const reloaded = new ProgressStore(dir, TARGET, c.now);
    expect(reloaded.notice).toBeNull();
    expect(reloaded.passedSteps()).toEqual(['y']);
    expect(existsSync(movedTo)).toBe(true);
  });

  it('never overwrites an earlier kept copy, even within the same millisecond', () => {
    const dir = tmp();
    const c = clock();
    const file = join(dir, progressFileName(TARGET));
    writeFileSync(file, 'first bad');
    const one = new ProgressStore(dir, TARGET, c.now).notice as CorruptNotice;
    writeFileSync(file, 'second bad');
    const two = new ProgressStore(dir, TARGET, c.now).notice as CorruptNotice;
    expect(two.movedTo).not.toBe(one.movedTo);
    expect(readFileSync(one.movedTo, 'utf8')).toBe('first bad');
    expect(readFileSync(two.movedTo, 'utf8')).toBe('second bad');
  });

  it('load() re-reads the file and reports a corruption that happened since', () => {
    const dir = tmp();
    const store = new ProgressStore(dir, TARGET);
    store.recordAttempt('a');
    expect(store.load().notice).toBeNull();
    writeFileSync(store.file, '{');
    const result = store.load();
    expect(result.notice?.kind).toBe('corrupt');
    expect(store.notice).toEqual(result.notice);
    expect(store.snapshot.steps).toEqual({});
  });
});

describe('ProgressStore: a partly bad file keeps its valid parts', () => {
  const at = '2026-02-01T10:00:00.000Z';
  const file = (over: Record<string, unknown>) =>
    JSON.stringify({ version: 1, target: { user: 'root', host: 'server', port: 22 }, updatedAt: at, steps: {}, ...over }, null, 2);

  it('keeps every step that validates, drops only the bad fields, keeps the original aside and says what was dropped', () => {
    const dir = tmp();
    const c = clock('2026-03-04T05:06:07.089Z');
    const path = join(dir, progressFileName(TARGET));
    const content = file({
      lang: 'jp',
      futureField: { kept: true },
      steps: {
        good: { firstPassedAt: at, attempts: 2, hintsUsed: 1, evidence: [{ checkId: 'c1', summary: 'ok' }] },
        badCount: { firstPassedAt: at, attempts: -1, hintsUsed: 0 },
        notARecord: 'passed',
        quiz: { attempts: 0, hintsUsed: 0, quiz: { q1: { passedAt: at }, q2: { passedAt: 'tuesday' } } },
        unknownField: { attempts: 1, hintsUsed: 0, note: 'from a newer tutor' },
      },
    });
    writeFileSync(path, content);
    const store = new ProgressStore(dir, TARGET, c.now);
    const movedTo = path.replace(/\.json$/, '.corrupt-2026-03-04T05-06-07-089Z.json');
    expect(store.notice).toEqual({
      kind: 'salvaged',
      file: path,
      movedTo,
      kept: ['good', 'badCount', 'quiz', 'unknownField'],
      dropped: [
        { path: 'lang', reason: expect.any(String) },
        { path: 'steps.badCount.attempts', step: 'badCount', reason: expect.any(String) },
        { path: 'steps.notARecord', step: 'notARecord', reason: 'not a step record' },
        { path: 'steps.quiz.quiz.q2', step: 'quiz', reason: expect.any(String) },
      ],
    });
    expect(readFileSync(movedTo, 'utf8')).toBe(content); // nothing is lost
    expect(store.passedSteps().sort()).toEqual(['badCount', 'good']);
    expect(store.passedQuestions()).toEqual({ quiz: ['q1'] });
    expect(store.snapshot.steps.good).toMatchObject({ attempts: 2, hintsUsed: 1, evidence: [{ checkId: 'c1', summary: 'ok' }] });
    expect(store.snapshot.steps.badCount?.attempts).toBe(0);
    // The kept parts are written back at once, so the next start reads them without a notice.
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(saved.futureField).toEqual({ kept: true });
    expect(saved.lang).toBeUndefined();
    expect((saved.steps as Record<string, unknown>).unknownField).toMatchObject({ note: 'from a newer tutor' });
    const again = new ProgressStore(dir, TARGET, c.now);
    expect(again.notice).toBeNull();
    expect(again.snapshot.steps).toEqual(store.snapshot.steps);
  });

  const badValues: Record<string, unknown> = {
    firstPassedAt: 'yesterday',
    lastCheckedAt: 12,
    attempts: -1,
    hintsUsed: 1.5,
    evidence: [{ checkId: '', summary: 'x' }],
    quiz: 'all of them',
  };
  it.each(Object.keys(badValues))('one bad %s in one step costs only that field; the other step is untouched', (field) => {
    const dir = tmp();
    const other = { firstPassedAt: at, lastCheckedAt: at, attempts: 3, hintsUsed: 2, evidence: [{ checkId: 'k', summary: 's' }], quiz: { q: { passedAt: at } } };
    const hit = { ...other, [field]: badValues[field] };
    writeFileSync(join(dir, progressFileName(TARGET)), file({ steps: { other, hit } }));
    const store = new ProgressStore(dir, TARGET);
    expect(store.notice).toMatchObject({ kind: 'salvaged', kept: ['other', 'hit'], dropped: [{ path: `steps.hit.${field}`, step: 'hit' }] });
    expect(store.snapshot.steps.other).toEqual(other);
    const expected: Record<string, unknown> = { ...other };
    delete expected[field];
    // attempts and hints fall back to 0, as for a step never recorded
    if (field === 'attempts' || field === 'hintsUsed') expected[field] = 0;
    expect(store.snapshot.steps.hit).toEqual(expected);
  });

  it('a bad updatedAt is replaced and said; the steps are kept', () => {
    const dir = tmp();
    writeFileSync(join(dir, progressFileName(TARGET)), file({ updatedAt: 'soon', steps: { a: { firstPassedAt: at, attempts: 0, hintsUsed: 0 } } }));
    const store = new ProgressStore(dir, TARGET);
    expect(store.notice).toMatchObject({ kind: 'salvaged', kept: ['a'], dropped: [{ path: 'updatedAt' }] });
    expect(store.passedSteps()).toEqual(['a']);
  });

  it('a newer format version is not salvaged (its fields may mean something else): moved aside whole', () => {
    const dir = tmp();
    writeFileSync(join(dir, progressFileName(TARGET)), file({ version: 2, steps: { a: { firstPassedAt: at, attempts: 0, hintsUsed: 0 } } }));
    const store = new ProgressStore(dir, TARGET);
    expect(store.notice).toMatchObject({ kind: 'corrupt', reason: expect.stringMatching(/^not a progress file: version/) });
    expect(store.passedSteps()).toEqual([]);
  });

  it('another server\'s record is not salvaged into this one', () => {
    const dir = tmp();
    writeFileSync(
      join(dir, progressFileName(TARGET)),
      file({ target: { user: 'root', host: 'other', port: 22 }, steps: { a: { firstPassedAt: at, attempts: -1, hintsUsed: 0 } } }),
    );
    const store = new ProgressStore(dir, TARGET);
    expect(store.notice).toMatchObject({ kind: 'corrupt' });
    expect(store.passedSteps()).toEqual([]);
  });
});
