// A one-page course whose checks read files under the student's $HOME (each test sshd gives its
// sessions their own HOME), so real servers can be put in different states by touching files;
// and the CLI as a real process over such a course, for the instructor tests.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { coursePackWriter } from './course-pack.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tsx = pathToFileURL(createRequire(join(repo, 'package.json')).resolve('tsx')).href;

/** Writes `<dir>/course` from a steps.yaml; the prose is a minimal section per step, both languages. */
export function writeClassCourse(dir: string, stepsYaml: string): string {
  const ids = [...stepsYaml.matchAll(/^ {2}- id: (\S+)$/gm)].map((m) => m[1]!);
  const md = (lang: string) => ids.map((s) => `<!-- step: ${s} -->\n## ${lang} ${s}\n\n.\n\n<!-- hint: ${s}.h -->\n.\n`).join('\n');
  const course = join(dir, 'course');
  coursePackWriter(course, 'class', ['01-class'])('01-class', stepsYaml, `# 반\n\n${md('ko')}`, `# Class\n\n${md('en')}`);
  return course;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program in `home` with only these variables; never rejects. */
export function runIn(home: string, file: string, args: string[], env: NodeJS.ProcessEnv, timeout = 90_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: home, env, timeout, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** `kthw-tutor ARGS` with `<home>/ssh_config` and `<home>/course`, HOME and state under `home`. */
export function classCli(home: string): (args: string[]) => Promise<CliRun> {
  return (args) =>
    runIn(
      home,
      process.execPath,
      ['--import', tsx, join(repo, 'src', 'cli.tsx'), ...args, '--ssh-config', join(home, 'ssh_config'), '--lessons', join(home, 'course')],
      { PATH: process.env.PATH ?? '', HOME: home, XDG_STATE_HOME: join(home, 'state'), LANG: 'C.UTF-8' },
    );
}
