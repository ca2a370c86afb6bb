// The chapter's own kubectl for hosts that have none (Debian 12 ships no recent one): fetched once
// from dl.k8s.io, checked against the .sha256 published next to it, kept in the lab's cache folder
// with that checksum, and checked again on every reuse so a damaged copy is fetched anew.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildProgress } from './base-image.js';
import { ToolError } from './tools.js';

export const KUBECTL_URL_BASE = 'https://dl.k8s.io/release';
/** Points the download elsewhere (tests serve it from 127.0.0.1; a mirror for a classroom). */
export const KUBECTL_URL_BASE_ENV = 'KTHW_TUTOR_KUBECTL_URL_BASE';
/** kubectl 1.32 is ~57 MB; anything far larger is not kubectl and must not fill the disk. */
const MAX_BYTES = 256 * 1024 * 1024;
const STALL_MS = 30_000;

export type KubectlArch = 'amd64' | 'arm64';

/** Node's arch name -> the one dl.k8s.io uses; the lab runs only where both exist. */
export function kubectlArch(arch: string = process.arch): KubectlArch {
  if (arch === 'x64') return 'amd64';
  if (arch === 'arm64') return 'arm64';
  throw new ToolError(`no kubectl download for this machine's architecture (${arch}); put a kubectl on PATH`);
}

export function kubectlUrl(version: string, arch: KubectlArch, base: string = KUBECTL_URL_BASE): string {
  return `${base.replace(/\/+$/, '')}/${version}/bin/linux/${arch}/kubectl`;
}

/**
 * The base URL from the environment. Plain http is allowed only to this machine (tests, a local
 * mirror): elsewhere the checksum would come over the same unprotected connection as the binary.
 */
export function kubectlUrlBase(env: NodeJS.ProcessEnv = process.env): string {
  const value = env[KUBECTL_URL_BASE_ENV];
  if (!value) return KUBECTL_URL_BASE;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ToolError(`${KUBECTL_URL_BASE_ENV}=${value} is not a URL (expected e.g. ${KUBECTL_URL_BASE})`);
  }
  const loopback = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ToolError(`${KUBECTL_URL_BASE_ENV}=${value}: use https (plain http only to 127.0.0.1)`);
  }
  return value;
}

/**
 * The hash in a `.sha256` file: dl.k8s.io publishes the bare hash; `sha256sum` writes
 * "HASH  kubectl" (or "HASH *kubectl"). A line naming some other file is not ours.
 */
export function parseSha256(text: string, file = 'kubectl'): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  const m = /^([0-9a-fA-F]{64})(?:\s+\*?(\S+))?$/.exec(line);
  if (!m) throw new ToolError(`not a sha256 checksum: "${line.slice(0, 80)}"`);
  if (m[2] !== undefined && m[2].split('/').pop() !== file) throw new ToolError(`the checksum is for ${m[2]}, not ${file}`);
  return m[1]!.toLowerCase();
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** Pure: progress of a download; without a Content-Length the bar stays at 0 and the label counts. */
export function downloadProgress(name: string, received: number, total: number | undefined): BuildProgress {
  if (total === undefined || total <= 0) return { fraction: 0, label: `${name} ${megabytes(received)} MB` };
  return { fraction: Math.min(1, received / total), label: `${name} ${megabytes(received)} / ${megabytes(total)} MB` };
}

/** Where the cached kubectl of one release and architecture lives, with its checksum beside it. */
export function kubectlCacheFile(cacheDir: string, version: string, arch: KubectlArch): string {
  return join(cacheDir, 'kubectl', `${version}-linux-${arch}`, 'kubectl');
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface EnsureKubectlOptions {
  cacheDir: string;
  version: string;
  arch?: KubectlArch;
  base?: string;
  /** Called once, only when a download starts (nothing is said when the cache is used). */
  onDownload?: (url: string) => void;
  onProgress?: (p: BuildProgress) => void;
  /** No bytes for this long ends the download. */
  stallMs?: number;
}

/** The path of a verified kubectl in the cache, downloading it when it is missing or damaged. */
export async function ensureKubectl(options: EnsureKubectlOptions): Promise<string> {
  const arch = options.arch ?? kubectlArch();
  const file = kubectlCacheFile(options.cacheDir, options.version, arch);
  const sumFile = `${file}.sha256`;
  if (existsSync(file) && existsSync(sumFile)) {
    let expected: string | undefined;
    try {
      expected = parseSha256(await readFile(sumFile, 'utf8'));
    } catch {
      expected = undefined; // a damaged checksum file: fetch both again
    }
    if (expected !== undefined && (await sha256OfFile(file)) === expected) {
      await chmod(file, 0o755);
      return file;
    }
  }
  await rm(file, { force: true });
  await rm(sumFile, { force: true });

  const url = kubectlUrl(options.version, arch, options.base);
  options.onDownload?.(url);
  const sumText = await download(`${url}.sha256`, { maxBytes: 4096, stallMs: options.stallMs ?? STALL_MS });
  let expected: string;
  try {
    expected = parseSha256(sumText.toString('utf8'));
  } catch (err) {
    throw new ToolError(`${url}.sha256: ${(err as Error).message}`);
  }

  await mkdir(join(file, '..'), { recursive: true });
  // A name of its own per attempt: two `lab up` at once never write into the same file.
  const partial = `${file}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const actual = await downloadToFile(url, partial, options.onProgress, options.stallMs ?? STALL_MS);
    if (actual !== expected) {
      throw new ToolError(
        `${url} does not match its published checksum (expected sha256 ${expected}, got ${actual}); nothing was kept. ` +
          `Try again; if it persists, put a kubectl ${options.version} on PATH`,
      );
    }
    await chmod(partial, 0o755);
    // The checksum first: a binary without one is never trusted, so a crash in between only refetches.
    await writeFile(`${sumFile}.tmp-${process.pid}`, `${expected}  kubectl\n`);
    await rename(`${sumFile}.tmp-${process.pid}`, sumFile);
    await rename(partial, file);
    return file;
  } finally {
    await rm(partial, { force: true });
  }
}

interface DownloadLimits {
  maxBytes: number;
  stallMs: number;
}

function fetchFailure(url: string, err: unknown): ToolError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (err as Error).message;
  return new ToolError(`could not download ${url}: ${reason}; check this machine's internet connection (or put a kubectl on PATH)`);
}

/** fetch with a stall timer: any chunk restarts it, so a slow but moving download is never cut. */
async function openResponse(
  url: string,
  stallMs: number,
): Promise<{ response: Response; poke: () => void; done: () => void; fail: (err: unknown) => ToolError }> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const poke = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${stallMs / 1000} s`)), stallMs);
  };
  poke();
  // After a stall the stream throws a bare AbortError; the reason says what happened.
  const fail = (err: unknown) => (err instanceof ToolError ? err : fetchFailure(url, controller.signal.aborted ? controller.signal.reason : err));
  let response: Response;
  try {
    response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
  } catch (err) {
    clearTimeout(timer);
    throw fail(err);
  }
  if (!response.ok) {
    clearTimeout(timer);
    await response.body?.cancel().catch(() => {});
    throw new ToolError(`could not download ${url}: the server answered HTTP ${response.status}`);
  }
  return { response, poke, done: () => clearTimeout(timer), fail };
}

async function download(url: string, limits: DownloadLimits): Promise<Buffer> {
  const { response, poke, done, fail } = await openResponse(url, limits.stallMs);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      poke();
      size += chunk.length;
      if (size > limits.maxBytes) throw new ToolError(`${url} is larger than ${limits.maxBytes} bytes: not a checksum file`);
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    throw fail(err);
  } finally {
    done();
  }
  return Buffer.concat(chunks);
}

/** Streams `url` into `file`, hashing on the way; returns the sha256. */
async function downloadToFile(url: string, file: string, onProgress: ((p: BuildProgress) => void) | undefined, stallMs: number): Promise<string> {
  const { response, poke, done, fail } = await openResponse(url, stallMs);
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const hash = createHash('sha256');
  const out = await open(file, 'w', 0o600);
  let received = 0;
  let shown = -1;
  try {
    for await (const chunk of response.body ?? []) {
      poke();
      received += chunk.length;
      if (received > MAX_BYTES) throw new ToolError(`${url} is larger than ${MAX_BYTES / 1024 / 1024} MB: not a kubectl`);
      hash.update(chunk);
      await out.write(chunk);
      // One report per percent (or per MB without a length): a bar, not thousands of redraws.
      const step = total ? Math.floor((received / total) * 100) : Math.floor(received / 1e6);
      if (step !== shown) {
        shown = step;
        onProgress?.(downloadProgress('kubectl', received, total));
      }
    }
  } catch (err) {
    throw fail(err);
  } finally {
    done();
    await out.close();
  }
  if (total !== undefined && received !== total) throw new ToolError(`could not download ${url}: got ${received} of ${total} bytes`);
  return hash.digest('hex');
}
