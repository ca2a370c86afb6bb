// `--dry-run` on the command line: its own command, with --page and --lang, and alone.
import { describe, expect, it } from 'vitest';
import { HELP_TEXT, parseArgs, UsageError } from '../../src/cli-args.js';

describe('--dry-run', () => {
  it('is a command of its own, with an optional page and the usual options', () => {
    expect(parseArgs(['--dry-run'])).toEqual({ command: { kind: 'dry-run' } });
    expect(parseArgs(['--dry-run', '--page', '3', '--lang', 'ko'])).toEqual({ lang: 'ko', command: { kind: 'dry-run', page: 3 } });
    expect(parseArgs(['--lab', '--dry-run']).command).toEqual({ kind: 'dry-run' });
    expect(parseArgs(['--dry-run', '--target', 'root@192.0.2.1']).target?.typed).toBe('root@192.0.2.1');
  });

  it('goes alone: with another command it is a usage error', () => {
    for (const argv of [['check', '--dry-run'], ['--dry-run', 'reset'], ['--dry-run', 'lab', 'up']]) {
      expect(() => parseArgs(argv)).toThrow(UsageError);
      expect(() => parseArgs(argv)).toThrow(/--dry-run goes alone/);
    }
    expect(() => parseArgs(['--dry-run', '--page', '0'])).toThrow(/a page is a number from 1/);
  });

  it('is listed in --help', () => {
    expect(HELP_TEXT).toMatch(/kthw-tutor --dry-run \[--page N\] +print every command/);
  });
});
