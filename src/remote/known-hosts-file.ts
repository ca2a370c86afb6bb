// known_hosts on disk: read every configured file, and append a newly trusted key.
import { mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseKnownHosts, type ParsedKnownHosts } from './known-hosts.js';
import { FileTooBigError, KNOWN_HOSTS_CAP, readCapped } from './read-capped.js';

export type KnownHostsProblem = 'is-directory' | 'unreadable' | 'unwritable' | 'no-directory' | 'too-big' | 'other';

/**
 * A known_hosts file that cannot be read or written, said with the file and what to do (the UI
 * has it in the learner's language from `problem`, `file` and `dir`).
 */
export class KnownHostsFileError extends Error {
  override readonly name = 'KnownHostsFileError';
  constructor(
    readonly problem: KnownHostsProblem,
    readonly file: string,
    /** For 'no-directory': the directory that could not be made. */
    readonly dir: string,
    readonly reason: string,
  ) {
    super(knownHostsMessage(problem, file, dir, reason));
  }
}

function knownHostsMessage(problem: KnownHostsProblem, file: string, dir: string, reason: string): string {
  switch (problem) {
    case 'is-directory':
      return `known_hosts file ${file} is a directory: move it away (for example: mv ${file} ${file}.old) and connect again`;
    case 'unreadable':
      return `cannot read known_hosts file ${file} (permission denied): make it yours and readable (chmod 600 ${file})`;
    case 'unwritable':
      return `cannot write the host key to ${file} (permission denied): make the file and ${dir} yours and writable, or set UserKnownHostsFile to a file you can write`;
    case 'no-directory':
      return `cannot create the directory ${dir} for known_hosts file ${file}: part of that path is a file, not a directory; move it away or set UserKnownHostsFile to another file`;
    case 'too-big':
      return `known_hosts file ${file} is too big to be a known_hosts file (${reason}); check that UserKnownHostsFile names the right file`;
    case 'other':
      return `known_hosts file ${file}: ${reason}`;
  }
}

function knownHostsError(err: unknown, file: string, writing: boolean): KnownHostsFileError {
  const dir = path.dirname(file);
  if (err instanceof FileTooBigError) return new KnownHostsFileError('too-big', file, dir, `more than ${Math.round(err.cap / 1024 / 1024)} MiB`);
  const code = (err as NodeJS.ErrnoException).code;
  const message = (err as Error).message;
  if (code === 'EISDIR') return new KnownHostsFileError('is-directory', file, dir, message);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new KnownHostsFileError(writing ? 'unwritable' : 'unreadable', file, dir, message);
  }
  if (code === 'ENOTDIR' || code === 'EEXIST') return new KnownHostsFileError('no-directory', file, dir, message);
  return new KnownHostsFileError('other', file, dir, message);
}

/**
 * Parsed files by path, with the identity of the version parsed (inode, size, mtime in ns): a
 * class of students shares one known_hosts, and parsing it again for every connection grows
 * with the square of the class. Any change to the file (ssh or we append) gives a new identity.
 */
const parsedCache = new Map<string, { version: string; parsed: ParsedKnownHosts }>();

/** Reads and parses the files in order; missing ones are simply not there yet (as for ssh). */
export async function readKnownHosts(files: readonly string[]): Promise<ParsedKnownHosts> {
  const all: ParsedKnownHosts = { entries: [], problems: [] };
  for (const file of files) {
    let parsed: ParsedKnownHosts;
    try {
      const st = await stat(file, { bigint: true });
      const version = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      const cached = parsedCache.get(file);
      if (cached?.version === version) {
        parsed = cached.parsed;
      } else {
        const text = (await readCapped(file, KNOWN_HOSTS_CAP, 'read as known_hosts')).toString('utf8');
        parsed = parseKnownHosts(text, file);
        parsedCache.set(file, { version, parsed });
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw knownHostsError(err, file, false);
    }
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
  try {
    await appendLine(file, line);
  } catch (err) {
    throw knownHostsError(err, file, true);
  }
}

async function appendLine(file: string, line: string): Promise<void> {
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
