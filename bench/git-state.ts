// Which code a benchmark measured, for its JSON under bench/results/: the commit, and whether
// tracked files had uncommitted changes.
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

export async function gitState(): Promise<{ commit: string; dirty: boolean }> {
  const commit = await run('git', ['rev-parse', 'HEAD'], { cwd: here })
    .then((r) => r.stdout.trim())
    .catch(() => 'unknown');
  const dirty = await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: here })
    .then((r) => r.stdout.trim() !== '')
    .catch(() => false);
  return { commit, dirty };
}
