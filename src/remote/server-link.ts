// The learner's server as the tutor session sees it (it implements ServerLink of
// src/tutor/session.ts structurally: remote sits below tutor and does not import it).
// Connecting here is where trust on first use happens: refused -> asked -> recorded -> again.
import type { Translate } from '../i18n/types.js';
import { ConnectError } from './connect-error.js';
import { trustHostKey } from './connect.js';
import type { Executor } from './executor.js';
import { explainConnectError, type LabOffer } from './explain.js';
import type { ConnectionPool } from './pool.js';
import { targetKey, type ResolvedTarget } from './ssh-config.js';
import { uploadFiles, type UploadFile, type UploadOptions, type UploadResult } from './upload.js';

export interface HostKeyQuestion {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
}

export interface ConnectPrompts {
  confirmHostKey(question: HostKeyQuestion): Promise<boolean>;
  /** `again`: the passphrase typed last time for this key was wrong. */
  askPassphrase(keyPath: string, again?: boolean): Promise<string | undefined>;
}

/**
 * `retry`: the failure may pass by itself (server down or restarting, network cut), so trying
 * again later makes sense; host key and key problems need the learner and are not retried.
 */
export type LinkOutcome = { ok: true } | { ok: false; why: string; todo: string; retry: boolean };

/** Each hop (jump hosts, then the server) may need its key trusted once. */
const MAX_TRUST_ROUNDS = 9;
/** A wrong passphrase is asked again, as ssh asks (NumberOfPasswordPrompts defaults to 3). */
const PASSPHRASE_TRIES = 3;

const PASSING_FAILURES = new Set(['refused', 'timeout', 'unreachable', 'disconnected', 'other']);

export class SshServerLink {
  /** Offer the practice lab when nothing answers (set by the composition root; not on the lab). */
  labOffer: LabOffer | undefined;

  constructor(
    private readonly pool: ConnectionPool,
    readonly target: ResolvedTarget,
  ) {}

  get label(): string {
    return targetKey(this.target);
  }

  async connect(prompts: ConnectPrompts, t: Translate): Promise<LinkOutcome> {
    const wrongPassphrase = new Map<string, number>();
    for (let round = 0; round < MAX_TRUST_ROUNDS + PASSPHRASE_TRIES; round++) {
      try {
        await this.pool.connect(this.target, {
          askPassphrase: (keyPath) => prompts.askPassphrase(keyPath, wrongPassphrase.has(keyPath)),
        });
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
        if (failure.kind === 'passphrase') {
          const tries = (wrongPassphrase.get(failure.keyPath) ?? 0) + 1;
          wrongPassphrase.set(failure.keyPath, tries);
          if (tries < PASSPHRASE_TRIES) continue;
        }
        const retry = PASSING_FAILURES.has(failure.kind);
        return { ok: false, retry, ...explainConnectError(err, t, this.target.alias, this.labOffer) };
      }
    }
    throw new Error(`${this.label}: still asked to trust host keys after ${MAX_TRUST_ROUNDS} rounds`);
  }

  /** Calls `listener` with the reason each time the open connection is ended by the server or network. */
  onDrop(listener: (why: string) => void): () => void {
    return this.pool.subscribe((event) => {
      if (event.key === this.label && event.state === 'closed' && event.reason) listener(event.reason);
    });
  }

  executor(): Executor {
    return this.pool.executor(this.target);
  }

  /** Sends files with the tutor's own verified copy, on the open connection (one channel slot). */
  async upload(files: readonly UploadFile[], options: UploadOptions): Promise<UploadResult> {
    const lease = await this.pool.lease(this.target, options.signal);
    try {
      return await uploadFiles(lease.connection, files, options);
    } finally {
      lease.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.close(this.label);
  }
}
