// Two tutor processes on one server's record: the last writer wins, but the file is always
// whole. Real child processes race on the same file; one is killed mid-stream.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProgressSchema, ProgressStore } from '../../src/progress/store.js';

const TARGET = 'root@server:22';
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = () => mkdtempSync(join(tmpdir(), 'kthw-progress-race-'));

/** A writer process: records `count` attempts (or until killed) on step `name`. */
function writerScript(dir: string): string {
  const script = join(dir, 'writer.ts');
  const store = pathToFileURL(join(repoRoot, 'src', 'progress', 'store.ts')).href;
  writeFileSync(
    script,
    `import { ProgressStore } from ${JSON.stringify(store)};
const [dir, name, count] = process.argv.slice(2);
const store = new ProgressStore(dir!, ${JSON.stringify(TARGET)});
for (let i = 0; count === 'forever' || i < Number(count); i++) store.recordAttempt(name!);
`,
  );
  return script;
}

function startWriter(script: string, dir: string, name: string, count: number | 'forever'): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, dir, name, String(count)], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

/** Reads and validates the file as a fresh tutor would; throws if it were torn. */
const parseOnDisk = (file: string) => ProgressSchema.parse(JSON.parse(readFileSync(file, 'utf8')));

async function waitFor(condition: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('concurrent writers', () => {
  it('several store instances in one process, interleaved: the file is whole and the last write wins', () => {
    const dir = tmp();
    const stores = Array.from({ length: 5 }, () => new ProgressStore(dir, TARGET));
    for (let round = 1; round <= 40; round++) {
      stores.forEach((store, i) => store.recordAttempt(`s${i}`));
    }
    const final = parseOnDisk(stores[0]!.file);
    expect(final.steps).toEqual({ s4: { attempts: 40, hintsUsed: 0 } }); // the last writer's whole state
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('four processes racing: every read sees a whole file, and the end state is one writer\'s', async () => {
    const dir = tmp();
    const script = writerScript(tmp());
    const writes = 150;
    const children = ['p0', 'p1', 'p2', 'p3'].map((name) => startWriter(script, dir, name, writes));
    const done = Promise.all(children.map(exited));
    const file = new ProgressStore(dir, TARGET).file;
    let reads = 0;
    let finished = false;
    void done.then(() => (finished = true));
    // read while they write: a torn or half-renamed file would fail to parse here
    while (!finished) {
      try {
        parseOnDisk(file);
        reads++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      await new Promise((r) => setImmediate(r));
    }
    for (const result of await done) expect(result, result.stderr).toMatchObject({ code: 0 });
    const final = parseOnDisk(file);
    const complete = Object.values(final.steps).filter((s) => s.attempts === writes);
    expect(complete.length).toBeGreaterThanOrEqual(1); // the last writer's own step, whole
    expect(new ProgressStore(dir, TARGET).notice).toBeNull();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(reads).toBeGreaterThan(0);
  }, 60_000);

  it('a writer killed at an arbitrary moment leaves the last whole file', async () => {
    const dir = tmp();
    const script = writerScript(tmp());
    const child = startWriter(script, dir, 'k', 'forever');
    const gone = exited(child);
    const file = new ProgressStore(dir, TARGET).file;
    const attemptsOnDisk = () => {
      try {
        return parseOnDisk(file).steps.k?.attempts ?? 0;
      } catch {
        return 0; // not written yet
      }
    };
    await waitFor(() => attemptsOnDisk() >= 100, 'the writer to record 100 attempts');
    child.kill('SIGKILL');
    expect((await gone).signal).toBe('SIGKILL');
    const store = new ProgressStore(dir, TARGET);
    expect(store.notice).toBeNull();
    expect(store.snapshot.steps.k!.attempts).toBeGreaterThanOrEqual(100);
    store.recordAttempt('k'); // and the record carries on
    expect(parseOnDisk(file).steps.k!.attempts).toBe(store.snapshot.steps.k!.attempts);
  }, 60_000);
});
