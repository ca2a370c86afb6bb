// Reading the learner's SSH files with a ceiling: a config, key or known_hosts file is small, and
// a path such as /dev/zero or a huge log given by mistake must not eat memory without end.
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** ssh_config files and keys: far below this. */
export const CONFIG_CAP = 1024 * 1024;
/** known_hosts can list many hosts (about 100 bytes a line): room for ~80,000. */
export const KNOWN_HOSTS_CAP = 8 * 1024 * 1024;

export class FileTooBigError extends Error {
  override readonly name = 'FileTooBigError';
  constructor(
    readonly file: string,
    readonly cap: number,
    readonly what: string,
  ) {
    super(
      `${file} is bigger than ${Math.round(cap / 1024)} KiB (or never ends, like a device), so it cannot be ${what}; ` +
        'check that the path names the right file',
    );
  }
}

/**
 * Collects a file's chunks up to `cap`: `room()` is the size of the next read (one byte past the
 * cap, to notice a file that goes on), `add()` throws FileTooBigError once the cap is passed.
 */
function cappedChunks(file: string, cap: number, what: string) {
  const chunks: Buffer[] = [];
  let total = 0;
  return {
    room: () => Buffer.allocUnsafe(Math.min(64 * 1024, cap + 1 - total)),
    add(buf: Buffer, n: number): void {
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > cap) throw new FileTooBigError(file, cap, what);
    },
    bytes: () => Buffer.concat(chunks, total),
  };
}

/** The file's bytes, at most `cap`; more than that throws FileTooBigError (errno errors pass through). */
export function readCappedSync(file: string, cap: number, what: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const c = cappedChunks(file, cap, what);
    for (;;) {
      const buf = c.room();
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return c.bytes();
      c.add(buf, n);
    }
  } finally {
    closeSync(fd);
  }
}

export async function readCapped(file: string, cap: number, what: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const c = cappedChunks(file, cap, what);
    for (;;) {
      const buf = c.room();
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return c.bytes();
      c.add(buf, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
