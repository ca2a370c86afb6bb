// Where the lab's data files are: next to this module in the source tree (tsx, tests) and in the
// package (dist/ is a sibling of src/, so the same relative path works for both).
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = join(here, '..', '..');

export function labAsset(relative: string): string {
  return join(projectRoot, 'src', 'lab', 'assets', relative);
}

export function projectPath(relative: string): string {
  return join(projectRoot, relative);
}
