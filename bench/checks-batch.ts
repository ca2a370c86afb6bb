// One page's checks as ONE batch (one exec of /bin/sh -s) vs one exec per check, on the same
// open SSH connection to a real local sshd. The baseline (one exec per check) is measured in the
// same run; the table prints medians and the ratio.
// Run: npm run bench:checks   (as root, with OpenSSH's sshd installed)
//
// "clean HOME" gives sessions an empty HOME; "real HOME" keeps root's own, so the machine's
// ~/.bashrc runs for every exec, as it does on a learner's server.
import { runBatch, runEachSeparately } from '../src/checks/run.js';
import { defaultLessonsDir, loadCourse } from '../src/course/loader.js';
import { ConnectionPool } from '../src/remote/pool.js';
import { checkId } from '../src/tutor/session.js';
import { startSshd, targetFor } from '../test/helpers/sshd.js';

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const PAGE = Number(process.env.PAGE ?? 1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const course = loadCourse(defaultLessonsDir());
const page = course.pages[PAGE - 1];
if (!page) throw new Error(`no page ${PAGE}`);
const items = page.steps.flatMap((s) =>
  s.checks.filter((c) => (c.where ?? s.where) === 'server').map((spec, i) => ({ id: `${s.id}/${checkId(spec, i)}`, spec })),
);

const rows: string[][] = [['server HOME', 'checks', 'one batch (ms)', 'one exec per check (ms)', 'ratio']];
for (const realHome of [false, true]) {
  const sshd = await startSshd({ realHome });
  const pool = new ConnectionPool();
  try {
    const target = await targetFor(sshd);
    const executor = pool.executor(target);
    await runBatch(executor, items, []); // warm-up: connect once, outside the timings
    const batch: number[] = [];
    const separate: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      let t0 = performance.now();
      await runBatch(executor, items, []);
      batch.push(performance.now() - t0);
      t0 = performance.now();
      await runEachSeparately(executor, items, []);
      separate.push(performance.now() - t0);
    }
    const b = median(batch);
    const s = median(separate);
    rows.push([realHome ? 'real (~/.bashrc runs)' : 'clean', String(items.length), b.toFixed(1), s.toFixed(1), `${(s / b).toFixed(1)}x`]);
  } finally {
    await pool.closeAll();
    await sshd.stop();
  }
}

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
console.log(`page ${PAGE} (${page.id}), median of ${ROUNDS} rounds each, same connection, local sshd`);
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
