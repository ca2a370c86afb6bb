// The learner's server as the tutor session sees it (it implements ServerLink of
// src/tutor/session.ts structurally: remote sits below tutor and does not import it).
// Connecting here is where trust on first use happens: refused -> asked -> recorded -> again.
import type { Translate } from '../i18n/types.js';
import { ConnectError } from './connect-error.js';
import { trustHostKey } from './connect.js';
import type { Executor } from './executor.js';
import { explainConnectError } from './explain.js';
import type { ConnectionPool } from './pool.js';
import { targetKey, type ResolvedTarget } from './ssh-config.js';

export interface HostKeyQuestion {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
}

export interface ConnectPrompts {
  confirmHostKey(question: HostKeyQuestion): Promise<boolean>;
  askPassphrase(keyPath: string): Promise<string | undefined>;
}

export type LinkOutcome = { ok: true } | { ok: false; why: string; todo: string };

/** Each hop (jump hosts, then the server) may need its key trusted once. */
const MAX_TRUST_ROUNDS = 9;

export class SshServerLink {
  constructor(
    private readonly pool: ConnectionPool,
    readonly target: ResolvedTarget,
  ) {}

  get label(): string {
    return targetKey(this.target);
  }

  async connect(prompts: ConnectPrompts, t: Translate): Promise<LinkOutcome> {
    for (let round = 0; round < MAX_TRUST_ROUNDS; round++) {
      try {
        await this.pool.connect(this.target, { askPassphrase: (keyPath) => prompts.askPassphrase(keyPath) });
        return { ok: true };
      } catch (err) {
        if (!(err instanceof ConnectError)) throw err;
        const failure = err.failure;
        if (failure.kind === 'host-key-unknown' && !failure.strict) {
          const { host, port, keyType, fingerprint } = failure;
          if (await prompts.confirmHostKey({ host, port, keyType, fingerprint })) {
            await trustHostKey(failure);
            continue;
          }
        }
        return { ok: false, ...explainConnectError(err, t, this.target.alias) };
      }
    }
    throw new Error(`${this.label}: still asked to trust host keys after ${MAX_TRUST_ROUNDS} rounds`);
  }

  executor(): Executor {
    return this.pool.executor(this.target);
  }

  async close(): Promise<void> {
    await this.pool.close(this.label);
  }
}
