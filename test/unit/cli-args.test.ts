import { describe, expect, it } from 'vitest';
import { langInArgv, parseArgs, parseTarget, parseTargetIn, TargetError, UsageError } from '../../src/cli-args.js';
import { createTranslator } from '../../src/i18n/index.js';

describe('parseArgs', () => {
  it('defaults to the interactive tutor', () => {
    expect(parseArgs([])).toEqual({ command: { kind: 'tui' } });
  });
  it('parses check with page and json, and global options in any order', () => {
    expect(parseArgs(['check', '--page', '3', '--json', '--lang=ko', '--target', 'root@server:2222'])).toEqual({
      command: { kind: 'check', page: 3, json: true },
      lang: 'ko',
      target: { typed: 'root@server:2222', spec: { user: 'root', host: 'server', port: 2222 } },
    });
  });
  it('parses reset with a page as argument or flag', () => {
    expect(parseArgs(['reset', '2']).command).toEqual({ kind: 'reset', page: 2, yes: false });
    expect(parseArgs(['reset', '--page=1', '-y']).command).toEqual({ kind: 'reset', page: 1, yes: true });
    expect(parseArgs(['reset']).command).toEqual({ kind: 'reset', yes: false });
  });
  it('parses export with its language and output file', () => {
    expect(parseArgs(['export', '--lang', 'ko'])).toEqual({ command: { kind: 'export', lang: 'ko' }, lang: 'ko' });
    expect(parseArgs(['export', '--lang=en', '--out=/tmp/chapter.md']).command).toEqual({ kind: 'export', lang: 'en', out: '/tmp/chapter.md' });
    expect(parseArgs(['--out', '-', 'export']).command).toEqual({ kind: 'export', out: '-' });
    // Without --lang the command still parses: cli.tsx picks the language as for every command.
    expect(parseArgs(['export']).command).toEqual({ kind: 'export' });
    expect(parseArgs(['export', '--lessons', 'pack', '--lang', 'ko'])).toMatchObject({ lessons: 'pack', command: { kind: 'export', lang: 'ko' } });
  });
  it('help and version win over commands', () => {
    expect(parseArgs(['check', '--help']).command.kind).toBe('help');
    expect(parseArgs(['-v']).command.kind).toBe('version');
  });
  it.each([
    [['--lang', 'jp'], '--lang must be ko or en, not "jp"'],
    [['--lang'], '--lang needs a value'],
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['deploy'], 'unknown command "deploy"'],
    [['check', '--page', '0'], 'a page is a number from 1, not "0"'],
    [['export', '--out'], '--out needs a value'],
    [['export', '--out='], '--out needs a value'],
    [['export', '--lang', 'jp'], '--lang must be ko or en, not "jp"'],
    [['export', 'chapter.md'], 'unexpected argument "chapter.md" after export'],
    [['export', '--page', '2'], 'export writes the whole chapter; leave out --page'],
    [['check', '--out', 'x.md'], '--out goes with export, report and instructor --export'],
    [['--out', 'x.md'], '--out goes with export, report and instructor --export'],
    [['instructor'], 'instructor needs the roster'],
    [['instructor', 'class.yaml', '--export', 'pdf'], '--export must be one of json, csv, md, junit, html, not "pdf"'],
    [['instructor', 'class.yaml', '--timeout', '0'], '--timeout is whole seconds from 1 to 3600, not "0"'],
    [['instructor', 'class.yaml', '--interval', '2.5'], '--interval is whole seconds from 0 to 3600, not "2.5"'],
    [['check', '--reports', 'dir'], '--reports goes with instructor'],
    [['check', '--ansible-results', 'r.json'], '--ansible-results goes with instructor'],
    [['instructor', '--ansible-results'], '--ansible-results needs a value'],
    [['instructor', 'class.yaml', 'extra', '--ansible-results', 'r.json'], 'unexpected argument "extra" after instructor class.yaml'],
    [['instructor', '--emit-script'], '--emit-script goes with check'],
    [['--emit-script'], '--emit-script goes with check'],
    [['check', '--emit-script', '--json'], '--emit-script prints a script; leave out --json'],
  ])('rejects %j with a message that says what is wrong', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('instructor and report commands', () => {
  it('reads the roster, the export format and the limits, with defaults', () => {
    expect(parseArgs(['instructor', 'class.yaml']).command).toEqual({ kind: 'instructor', roster: 'class.yaml', intervalSec: 30, timeoutSec: 20 });
    expect(parseArgs(['instructor', 'inv.ini', '--export', 'csv', '--out', 'c.csv', '--timeout', '5', '--interval', '0', '--reports', 'r']).command).toEqual({
      kind: 'instructor',
      roster: 'inv.ini',
      export: 'csv',
      out: 'c.csv',
      intervalSec: 0,
      timeoutSec: 5,
      reports: 'r',
    });
    expect(parseArgs(['report', '--out', '-']).command).toEqual({ kind: 'report', out: '-' });
  });
  it('--ansible-results: judged from the JSON Ansible wrote, with or without a roster', () => {
    expect(parseArgs(['instructor', '--ansible-results', 'r.json']).command).toEqual({
      kind: 'instructor',
      ansibleResults: 'r.json',
      intervalSec: 30,
      timeoutSec: 20,
    });
    expect(parseArgs(['instructor', 'inv.ini', '--ansible-results=r.json', '--export', 'json']).command).toEqual({
      kind: 'instructor',
      roster: 'inv.ini',
      ansibleResults: 'r.json',
      export: 'json',
      intervalSec: 30,
      timeoutSec: 20,
    });
  });
  it('check --emit-script [--page N]: the batch as a script, nothing checked', () => {
    expect(parseArgs(['check', '--emit-script']).command).toEqual({ kind: 'check', json: false, emitScript: true });
    expect(parseArgs(['check', '--emit-script', '--page', '2']).command).toEqual({ kind: 'check', json: false, page: 2, emitScript: true });
    expect(parseArgs(['check']).command).toEqual({ kind: 'check', json: false });
  });
});

describe('parseTarget: the one parser for --target, the first run, `t` and the saved target', () => {
  it.each([
    ['server', { host: 'server' }],
    ['root@server', { user: 'root', host: 'server' }],
    ['root@127.0.0.1:2222', { user: 'root', host: '127.0.0.1', port: 2222 }],
    ['admin@[::1]:22', { user: 'admin', host: '::1', port: 22 }],
    ['server.kubernetes.local', { host: 'server.kubernetes.local' }],
  ])('%s keeps the text as typed beside what it says', (text, spec) => {
    expect(parseTarget(text)).toEqual({ typed: text, spec });
  });
  it('an alias stays an alias (nothing resolved here), trimmed', () => {
    expect(parseTarget('  root@server ')).toEqual({ typed: 'root@server', spec: { user: 'root', host: 'server' } });
  });
  it.each(['root@', 'root@server:70000', 'root@ser ver', '', '@server'])('rejects %j with a TargetError naming it', (text) => {
    expect(() => parseTarget(text)).toThrow(TargetError);
    try {
      parseTarget(text);
    } catch (err) {
      expect((err as TargetError).value).toBe(text);
    }
  });
  it('--target goes through it: same error type and value', () => {
    expect(() => parseArgs(['--target', 'root@'])).toThrow(TargetError);
    expect(() => parseArgs(['check', '--target=root@x:0'])).toThrow(UsageError);
  });
  it('one message, in the learner\'s language, wherever the target was typed', () => {
    const tr = createTranslator();
    expect(parseTargetIn('root@', tr.forLang('en'))).toEqual({ ok: false, problem: '"root@" is not a target: write [user@]host[:port], e.g. root@server or server.' });
    expect(parseTargetIn('root@', tr.forLang('ko'))).toEqual({
      ok: false,
      problem: '서버 주소로 쓸 수 없는 값입니다: "root@". [user@]host[:port] 형식으로 입력하세요(예: root@server, server).',
    });
    expect(parseTargetIn('server', tr.forLang('ko'))).toEqual({ ok: true, target: { typed: 'server', spec: { host: 'server' } } });
  });
  it('finds --lang in argv for that message even when argv does not parse', () => {
    expect(langInArgv(['--target', 'root@', '--lang', 'ko'])).toBe('ko');
    expect(langInArgv(['--lang=en', '--target=root@'])).toBe('en');
    expect(langInArgv(['--target', 'root@'])).toBeUndefined();
  });
});
