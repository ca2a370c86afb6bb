import { describe, expect, it } from 'vitest';
import { parseArgs, parseTarget, UsageError } from '../../src/cli-args.js';

describe('parseArgs', () => {
  it('defaults to the interactive tutor', () => {
    expect(parseArgs([])).toEqual({ command: { kind: 'tui' } });
  });
  it('parses check with page and json, and global options in any order', () => {
    expect(parseArgs(['check', '--page', '3', '--json', '--lang=ko', '--target', 'root@server:2222'])).toEqual({
      command: { kind: 'check', page: 3, json: true },
      lang: 'ko',
      target: 'root@server:2222',
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
    [['--target', 'root@'], '"root@" is not a target'],
    [['export', '--out'], '--out needs a value'],
    [['export', '--out='], '--out needs a value'],
    [['export', '--lang', 'jp'], '--lang must be ko or en, not "jp"'],
    [['export', 'chapter.md'], 'unexpected argument "chapter.md" after export'],
    [['export', '--page', '2'], 'export writes the whole chapter; leave out --page'],
    [['check', '--out', 'x.md'], '--out goes with export'],
    [['--out', 'x.md'], '--out goes with export'],
  ])('rejects %j with a message that says what is wrong', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('parseTarget', () => {
  it.each([
    ['server', { host: 'server' }],
    ['root@server', { user: 'root', host: 'server' }],
    ['root@127.0.0.1:2222', { user: 'root', host: '127.0.0.1', port: 2222 }],
    ['admin@[::1]:22', { user: 'admin', host: '::1', port: 22 }],
    ['server.kubernetes.local', { host: 'server.kubernetes.local' }],
  ])('%s', (text, spec) => {
    expect(parseTarget(text)).toEqual(spec);
  });
  it('rejects a port out of range', () => {
    expect(() => parseTarget('root@server:70000')).toThrow('is not a target');
  });
});
