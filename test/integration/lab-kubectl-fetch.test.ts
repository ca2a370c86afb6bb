// Fetching the chapter's kubectl into the lab's cache, against a local HTTP server on 127.0.0.1
// that stands in for dl.k8s.io (nothing here talks to any other address): a verified download,
// a checksum mismatch that leaves nothing behind, reuse without a request, and a damaged cached
// copy fetched again.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BuildProgress } from '../../src/lab/base-image.js';
import { ensureKubectl, kubectlCacheFile, kubectlUrlBase, KUBECTL_URL_BASE_ENV } from '../../src/lab/kubectl-fetch.js';
import { ToolError } from '../../src/lab/tools.js';

const VERSION = 'v1.32.3';
const PATH = `/release/${VERSION}/bin/linux/amd64/kubectl`;
// Big enough for several progress steps and several chunks on the wire.
const BINARY = randomBytes(3 * 1024 * 1024 + 17);
const SHA = createHash('sha256').update(BINARY).digest('hex');

let server: Server;
let base: string;
/** What the fake dl.k8s.io serves as the checksum, and whether the binary stalls halfway. */
let sumBody = SHA;
let stall = false;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === `${PATH}.sha256`) {
      res.end(sumBody);
    } else if (req.url === PATH) {
      res.writeHead(200, { 'content-length': BINARY.length, 'content-type': 'application/octet-stream' });
      if (stall) res.write(BINARY.subarray(0, 1000)); // then nothing more: the client must give up
      else res.end(BINARY);
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/release`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let cacheDir: string;
beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'kthw-kubectl-'));
  requests.length = 0;
  sumBody = SHA;
  stall = false;
  return () => rmSync(cacheDir, { recursive: true, force: true });
});

function fetchInto(extra: { onProgress?: (p: BuildProgress) => void; onDownload?: (url: string) => void; stallMs?: number } = {}) {
  return ensureKubectl({ cacheDir, version: VERSION, arch: 'amd64', base: kubectlUrlBase({ [KUBECTL_URL_BASE_ENV]: base }), ...extra });
}

describe('ensureKubectl against a local dl.k8s.io', () => {
  it('downloads, verifies, keeps it executable with its checksum, and reports bytes', async () => {
    const progress: BuildProgress[] = [];
    const announced: string[] = [];
    const file = await fetchInto({ onProgress: (p) => progress.push(p), onDownload: (u) => announced.push(u) });
    expect(file).toBe(kubectlCacheFile(cacheDir, VERSION, 'amd64'));
    expect(readFileSync(file).equals(BINARY)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o755);
    expect(readFileSync(`${file}.sha256`, 'utf8')).toBe(`${SHA}  kubectl\n`);
    expect(announced).toEqual([`${base}${PATH.slice('/release'.length)}`]);
    expect(requests).toEqual([`${PATH}.sha256`, PATH]);
    // Monotonic, one per percent at most, ending at the full size.
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.length).toBeLessThanOrEqual(101);
    expect(progress.map((p) => p.fraction)).toEqual([...progress.map((p) => p.fraction)].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual({ fraction: 1, label: 'kubectl 3.1 / 3.1 MB' });
    expect(readdirSync(dirname(file)).sort()).toEqual(['kubectl', 'kubectl.sha256']);
  });

  it('refuses a binary that does not match the published checksum and keeps nothing', async () => {
    sumBody = `${'0'.repeat(64)}  kubectl\n`;
    const err = await fetchInto().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toContain(`does not match its published checksum (expected sha256 ${'0'.repeat(64)}, got ${SHA})`);
    const file = kubectlCacheFile(cacheDir, VERSION, 'amd64');
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dirname(file))).toEqual([]);
  });

  it('reuses a verified cached copy without any request', async () => {
    await fetchInto();
    requests.length = 0;
    const announced: string[] = [];
    const file = await fetchInto({ onDownload: (u) => announced.push(u) });
    expect(requests).toEqual([]);
    expect(announced).toEqual([]);
    expect(readFileSync(file).equals(BINARY)).toBe(true);
  });

  it('fetches again when the cached copy is damaged', async () => {
    const file = await fetchInto();
    const damaged = Buffer.from(BINARY);
    damaged.writeUInt8(damaged.readUInt8(12345) ^ 0xff, 12345);
    writeFileSync(file, damaged);
    requests.length = 0;
    expect(await fetchInto()).toBe(file);
    expect(requests).toEqual([`${PATH}.sha256`, PATH]);
    expect(readFileSync(file).equals(BINARY)).toBe(true);
  });

  it('says which URL failed: an HTTP error, a page that is not a checksum, a stalled download', async () => {
    await expect(ensureKubectl({ cacheDir, version: 'v0.0.0', arch: 'amd64', base })).rejects.toThrow(
      `could not download ${base}/v0.0.0/bin/linux/amd64/kubectl.sha256: the server answered HTTP 404`,
    );
    sumBody = '<html>moved</html>';
    await expect(fetchInto()).rejects.toThrow(`${base}/${VERSION}/bin/linux/amd64/kubectl.sha256: not a sha256 checksum`);
    sumBody = SHA;
    stall = true;
    await expect(fetchInto({ stallMs: 300 })).rejects.toThrow(/kubectl: no data for 0.3 s; check this machine's internet connection/);
    expect(readdirSync(dirname(kubectlCacheFile(cacheDir, VERSION, 'amd64')))).toEqual([]);
  });
});
