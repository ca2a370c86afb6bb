// Size and sha256 of files on both sides of a copy, for file checks with `sameAs`: the jumpbox's
// file is read here, the server's is hashed by the batch script. Both are remembered by the file's
// stat signature, so a re-check of 300 MB of binaries does not read them again unless they changed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

export type LocalFileFacts =
  | { kind: 'file'; path: string; size: number; sha256: string }
  /** Not a regular file we can read: the copy is not compared (and the check says so). */
  | { kind: 'missing'; path: string; reason: string };

/** The jumpbox's files, relative to its chapter folder (absolute paths are taken as they are). */
export class LocalFileDigests {
  private readonly memo = new Map<string, { signature: string; facts: Promise<LocalFileFacts> }>();

  constructor(private readonly baseDir: string) {}

  pathOf(relative: string): string {
    return isAbsolute(relative) ? relative : join(this.baseDir, relative);
  }

  async facts(relative: string): Promise<LocalFileFacts> {
    const path = this.pathOf(relative);
    let signature: string;
    let size: number;
    try {
      const s = await stat(path, { bigint: true });
      if (!s.isFile()) return { kind: 'missing', path, reason: 'not a regular file' };
      // Any write moves ctime (which a program cannot set back), so this names one content.
      signature = `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      size = Number(s.size);
    } catch (err) {
      return { kind: 'missing', path, reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
    }
    const known = this.memo.get(path);
    if (known?.signature === signature) return known.facts;
    const facts = sha256OfFile(path).then(
      (sha256): LocalFileFacts => ({ kind: 'file', path, size, sha256 }),
      (err: unknown): LocalFileFacts => ({ kind: 'missing', path, reason: (err as NodeJS.ErrnoException).code ?? String(err) }),
    );
    this.memo.set(path, { signature, facts });
    return facts;
  }
}

export function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 1024 * 1024 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** A server file's hash as last measured, valid while its stat signature stays the same. */
export interface KnownDigest {
  signature: string;
  sha256: string;
}

/**
 * Server-side hashes by machine and path. The batch script hashes a file again only when
 * `stat` shows another signature (device, inode, size, mtime, ctime), so a completed copy is
 * read once per session, not on every re-check.
 */
export class ServerDigestMemo {
  private readonly known = new Map<string, KnownDigest>();

  get(machine: string, path: string): KnownDigest | undefined {
    return this.known.get(`${machine}\n${path}`);
  }

  record(machine: string, path: string, digest: KnownDigest): void {
    this.known.set(`${machine}\n${path}`, digest);
  }
}
