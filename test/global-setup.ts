// Once per test run. Permission tests run a child as `nobody` (root reads any file), and that
// child must reach the project (its node, tsx and sources). A clone in a 0700 directory (what
// `mktemp -d` makes, or /root) would stop it before the test starts, so the project's ancestors
// that lack it get the traverse bit (o+x: enter, not list) for the run, and it is taken back after.
import { chmodSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const changed: Array<{ dir: string; mode: number }> = [];

export function setup(): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = resolve(fileURLToPath(new URL('..', import.meta.url))); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      changed.push({ dir, mode });
    }
    if (dirname(dir) === dir) break;
  }
}

export function teardown(): void {
  for (const { dir, mode } of changed.splice(0)) chmodSync(dir, mode);
}
