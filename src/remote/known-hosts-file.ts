// known_hosts on disk: read every configured file, and append a newly trusted key.
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseKnownHosts, type ParsedKnownHosts } from './known-hosts.js';

/** Reads and parses the files in order; missing ones are simply not there yet (as for ssh). */
export async function readKnownHosts(files: readonly string[]): Promise<ParsedKnownHosts> {
  const all: ParsedKnownHosts = { entries: [], problems: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw err;
    }
    const parsed = parseKnownHosts(text, file);
    all.entries.push(...parsed.entries);
    all.problems.push(...parsed.problems);
  }
  return all;
}

/**
 * Appends one line, creating the directory (0700, like ~/.ssh) and the file (0600) if missing.
 * One write on an O_APPEND descriptor, so a concurrent `ssh` appending too cannot interleave
 * inside our line; a missing final newline in the file is supplied first.
 */
export async function appendKnownHostsLine(file: string, line: string): Promise<void> {
  if (line.includes('\n')) throw new Error('a known_hosts line cannot contain a newline');
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const handle = await open(file, 'a+', 0o600);
  try {
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await handle.write(`${prefix}${line}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
