// What a fresh SSH connection costs compared with one more exec on an open connection, against
// a real local sshd (so: no network latency, only handshake, auth and session start-up).
// Run: npx tsx bench/ssh-exec-cost.ts   (as root, with OpenSSH's sshd installed)
//
// "clean HOME" gives sessions an empty HOME; "real HOME" keeps root's own, so the machine's
// ~/.bashrc runs for every exec (bash sources it for ssh commands), as on a learner's server.
import { connectSsh } from '../src/remote/connect.js';
import { SshExecutor } from '../src/remote/ssh-executor.js';
import { startSshd, targetFor } from '../test/helpers/sshd.js';

const ROUNDS = 11;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

for (const realHome of [false, true]) {
  const sshd = await startSshd({ realHome });
  try {
    const target = await targetFor(sshd);
    const connects: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      connects.push(await time(async () => (await connectSsh(target)).close()));
    }
    const connection = await connectSsh(target);
    const executor = SshExecutor.forConnection(connection);
    await executor.exec('true'); // warm-up
    const execs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) execs.push(await time(() => executor.exec('true')));
    connection.close();
    const label = realHome ? 'real HOME' : 'clean HOME';
    const connect = median(connects).toFixed(1);
    const exec = median(execs).toFixed(1);
    console.log(`${label.padEnd(10)}  connect: median ${connect} ms   exec on an open connection: median ${exec} ms   (${ROUNDS} each)`);
  } finally {
    await sshd.stop();
  }
}
