// A vitest fixture over the sshd helper (kept apart from sshd.ts, which benchmarks import too).
import { afterAll, beforeAll } from 'vitest';
import { connectSsh, type SshConnection } from '../../src/remote/connect.js';
import { SshExecutor } from '../../src/remote/ssh-executor.js';
import { startSshd, targetFor, type Sshd } from './sshd.js';

/**
 * For a test file: one sshd and one open connection with an executor on it, started before the
 * file's tests and stopped after them. Read the fields inside tests (they are set in beforeAll).
 */
export function sshExecutorFixture(): { sshd: Sshd; connection: SshConnection; executor: SshExecutor } {
  const f = {} as { sshd: Sshd; connection: SshConnection; executor: SshExecutor };
  beforeAll(async () => {
    f.sshd = await startSshd();
    f.connection = await connectSsh(await targetFor(f.sshd));
    f.executor = SshExecutor.forConnection(f.connection);
  });
  afterAll(async () => {
    f.connection?.close();
    await f.sshd?.stop();
  });
  return f;
}
