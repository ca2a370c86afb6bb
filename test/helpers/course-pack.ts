// Writing a lesson pack for a test: course.yaml, then each page's steps.yaml, ko.md and en.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes course.yaml listing `folders`; returns the function that writes one page. */
export function coursePackWriter(courseDir: string, id: string, folders: readonly string[]) {
  mkdirSync(courseDir, { recursive: true });
  writeFileSync(join(courseDir, 'course.yaml'), `id: ${id}\nlanguages: [ko, en]\npages:\n${folders.map((f) => `  - ${f}\n`).join('')}`);
  return (folder: string, steps: string, ko: string, en: string): void => {
    mkdirSync(join(courseDir, folder), { recursive: true });
    writeFileSync(join(courseDir, folder, 'steps.yaml'), steps);
    writeFileSync(join(courseDir, folder, 'ko.md'), ko);
    writeFileSync(join(courseDir, folder, 'en.md'), en);
  };
}
