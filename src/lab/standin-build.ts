// Builds the stand-in binaries: the TypeScript under standins/ bundled into one CommonJS file,
// turned into a Node single-executable blob and injected into a copy of this Node binary. The
// result is a real ELF for this machine's architecture (so the chapter's `--version` and
// architecture checks behave as with the real binaries), cached by the hash of its inputs.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { projectPath } from './assets.js';
import { run } from './exec.js';

export const STANDIN_NAMES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export async function bundleStandins(): Promise<string> {
  const result = await build({
    entryPoints: [projectPath('src/lab/standins/entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    write: false,
    legalComments: 'none',
    banner: { js: '// kthw-tutor lab stand-in (not Kubernetes); source: src/lab/standins/' },
  });
  return result.outputFiles[0]!.text;
}

/**
 * The path of one executable that acts as any of the three components (by the name it is started
 * under). Built once per bundle and Node version; later calls return the cached file.
 */
export async function buildStandinExecutable(cacheDir: string, nodeBinary: string = process.execPath): Promise<string> {
  const code = await bundleStandins();
  const hash = createHash('sha256').update(code).update(process.version).update(process.arch).digest('hex').slice(0, 16);
  const dir = join(cacheDir, 'standins', hash);
  const target = join(dir, 'kube-standin');
  if (existsSync(target)) return target;
  mkdirSync(dir, { recursive: true });
  const work = join(dir, `build-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    writeFileSync(join(work, 'standin.cjs'), code);
    writeFileSync(
      join(work, 'sea.json'),
      JSON.stringify({ main: join(work, 'standin.cjs'), output: join(work, 'standin.blob'), disableExperimentalSEAWarning: true, useCodeCache: false }),
    );
    await run(nodeBinary, ['--experimental-sea-config', join(work, 'sea.json')], { cwd: work });
    const exe = join(work, 'kube-standin');
    copyFileSync(nodeBinary, exe);
    chmodSync(exe, 0o755);
    const postject = createRequire(import.meta.url)('postject') as {
      inject(file: string, name: string, data: Buffer, options: { sentinelFuse: string }): Promise<void>;
    };
    // postject prints warnings about ELF notes it does not know; they are harmless.
    const quiet = console.warn;
    console.warn = () => {};
    try {
      await postject.inject(exe, 'NODE_SEA_BLOB', readFileSync(join(work, 'standin.blob')), { sentinelFuse: SEA_FUSE });
    } finally {
      console.warn = quiet;
    }
    renameSync(exe, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return target;
}
