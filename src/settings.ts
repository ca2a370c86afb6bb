// The learner's choices from the first run (language, target), kept beside the progress files.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const Settings = z.object({
  lang: z.enum(['ko', 'en']).optional(),
  target: z.string().optional(),
});
export type Settings = z.infer<typeof Settings>;

export function settingsFile(stateDir: string): string {
  return join(stateDir, 'settings.json');
}

/** null when there is none yet (the first run); a broken file counts as none, and says so. */
export function readSettings(stateDir: string, warn: (message: string) => void): Settings | null {
  const file = settingsFile(stateDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return Settings.parse(JSON.parse(text));
  } catch (err) {
    warn(`${file}: ignored, it is not valid (${(err as Error).message.split('\n')[0]}); the first-run questions will be asked again`);
    return null;
  }
}

export function writeSettings(stateDir: string, settings: Settings): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = settingsFile(stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}
