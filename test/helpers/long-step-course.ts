// A one-page pack for runs that must last until something cuts them: step 1 passes, step 2
// (optionally) prints a line, then runs `sleep <marker>` (a unique number the test finds with
// pgrep) and never passes its check. Shared by the cancel, drop and golden-screen tests.
import { coursePackWriter } from './course-pack.js';

export interface LongStepCourse {
  /** The course id (its progress is kept under it). */
  id: string;
  marker: string;
  where?: 'server' | 'jumpbox';
  /** A line the step echoes before it sleeps, to see on screen that it runs. */
  started?: string;
  /** The long step's prose, when a test shows it (golden screens). */
  prose?: { ko: string; en: string };
}

export function writeLongStepCourse(dir: string, c: LongStepCourse): void {
  const prose = c.prose ?? { ko: '오래 걸립니다.', en: 'It takes long.' };
  const run = [...(c.started !== undefined ? [`echo ${c.started}`] : []), `sleep ${c.marker}`];
  coursePackWriter(dir, c.id, ['01-long'])(
    '01-long',
    `page: long
steps:
  - id: first
    where: server
    checks:
      - kind: command
        run: echo ok
        stdout: { equals: ok }
    hints: [h]
  - id: long
    where: ${c.where ?? 'server'}
    run:
${run.map((l) => `      - ${l}\n`).join('')}    checks:
      - kind: command
        run: echo no
        stdout: { equals: yes }
    hints: [h]
`,
    `# 긴 명령\n\n<!-- step: first -->\n## 첫 단계\n\n통과합니다.\n\n<!-- hint: first.h -->\n힌트.\n\n<!-- step: long -->\n## 긴 단계\n\n${prose.ko}\n\n<!-- hint: long.h -->\n힌트.\n`,
    `# Long\n\n<!-- step: first -->\n## First\n\nIt passes.\n\n<!-- hint: first.h -->\nA hint.\n\n<!-- step: long -->\n## Long\n\n${prose.en}\n\n<!-- hint: long.h -->\nA hint.\n`,
  );
}
