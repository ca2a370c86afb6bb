// Client authentication in OpenSSH's order: ssh-agent first, then the identity files. Key files
// are read only when their turn comes, so a passphrase is asked only if the agent did not work.
import { stat } from 'node:fs/promises';
import { CONFIG_CAP, FileTooBigError, readCapped } from './read-capped.js';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, IdentityCallback, ParsedKey } from 'ssh2';
import type { AuthAttempt, AuthSkip, ConnectFailure } from './connect-error.js';
import type { ResolvedTarget } from './ssh-config.js';

const { OpenSSHAgent, utils } = ssh2;

export type AskPassphrase = (keyPath: string) => Promise<string | undefined>;

/** What authentication did, for the 'auth' failure's "what was tried" list. */
export interface AuthLog {
  tried: AuthAttempt[];
  skipped: AuthSkip[];
  serverMethods?: string[];
  /** Set when authentication must stop with this failure (a wrong passphrase). */
  failure?: ConnectFailure;
}

/** Pauses the connect deadline while the learner types a passphrase. */
export interface PausableClock {
  pause(): void;
  resume(): void;
}

/** An agent that counts what it offered and, with IdentitiesOnly, offers only the configured keys. */
class ObservedAgent extends OpenSSHAgent {
  constructor(
    socket: string,
    private readonly attempt: Extract<AuthAttempt, { method: 'agent' }>,
    private readonly allowed: Buffer[] | undefined,
  ) {
    super(socket);
  }
  override getIdentities(cb: IdentityCallback<ParsedKey>): void {
    super.getIdentities((err, keys) => {
      if (err) {
        this.attempt.error = err.message;
        cb(err);
        return;
      }
      let offered = keys ?? [];
      const allowed = this.allowed;
      if (allowed) {
        offered = offered.filter((k) => {
          const blob = agentKeyBlob(k);
          return blob !== undefined && allowed.some((b) => b.equals(blob));
        });
      }
      this.attempt.keys = offered.length;
      cb(null, offered);
    });
  }
}

/** The public blob of a key listed by the agent (ssh2 hands out parsed keys). */
function agentKeyBlob(key: unknown): Buffer | undefined {
  const k = key as { getPublicSSH?: () => Buffer; pubKey?: unknown };
  if (typeof k.getPublicSSH === 'function') return k.getPublicSSH();
  return k.pubKey ? agentKeyBlob(k.pubKey) : undefined;
}

type Step = { kind: 'agent'; socket: string } | { kind: 'key'; path: string };

export function makeAuthHandler(
  target: ResolvedTarget,
  where: { host: string; port: number; jump: boolean },
  log: AuthLog,
  clock: PausableClock,
  askPassphrase: AskPassphrase | undefined,
): AuthHandlerMiddleware {
  const steps: Step[] = [];
  if (target.identityAgent) steps.push({ kind: 'agent', socket: target.identityAgent });
  for (const path of target.identityFiles) steps.push({ kind: 'key', path });

  const nextMethod = async (): Promise<AnyAuthMethod | false> => {
    for (let step = steps.shift(); step; step = steps.shift()) {
      if (step.kind === 'agent') {
        const attempt: Extract<AuthAttempt, { method: 'agent' }> = { method: 'agent', socket: step.socket, keys: 0 };
        log.tried.push(attempt);
        if (!(await isSocket(step.socket))) {
          attempt.error = 'no agent listening on this socket';
          continue;
        }
        const allowed = target.identitiesOnly ? await publicBlobs(target.identityFiles) : undefined;
        return { type: 'agent', username: target.user, agent: new ObservedAgent(step.socket, attempt, allowed) };
      }
      const key = await loadKey(step.path);
      if (key === 'missing' || key === 'unsupported') {
        log.skipped.push({ path: step.path, reason: key });
        continue;
      }
      if (typeof key === 'object' && 'unreadable' in key) {
        log.skipped.push({ path: step.path, reason: 'unreadable', error: key.unreadable });
        continue;
      }
      let parsed = key;
      if (parsed === 'encrypted') {
        if (!askPassphrase) {
          log.skipped.push({ path: step.path, reason: 'encrypted-no-prompt' });
          continue;
        }
        // The learner may take a while: that time is not the server's fault.
        clock.pause();
        try {
          const passphrase = await askPassphrase(step.path);
          if (passphrase === undefined) {
            log.skipped.push({ path: step.path, reason: 'passphrase-declined' });
            continue;
          }
          const decrypted = utils.parseKey(await readKeyFile(step.path), passphrase);
          if (decrypted instanceof Error) {
            log.failure = { ...where, kind: 'passphrase', keyPath: step.path };
            return false;
          }
          parsed = Array.isArray(decrypted) ? decrypted[0]! : decrypted;
        } finally {
          clock.resume();
        }
      }
      log.tried.push({ method: 'key', path: step.path });
      return { type: 'publickey', username: target.user, key: parsed };
    }
    return false;
  };

  return (methodsLeft, _partialSuccess, next) => {
    // After the first failure the server says what it still accepts; without publickey, stop.
    if (methodsLeft && !methodsLeft.includes('publickey')) {
      log.serverMethods = methodsLeft;
      next(false as unknown as AnyAuthMethod);
      return;
    }
    if (methodsLeft) log.serverMethods = methodsLeft;
    nextMethod().then(
      (method) => next(method as AnyAuthMethod),
      (err: Error) => {
        log.failure = { ...where, kind: 'other', message: err.message };
        next(false as unknown as AnyAuthMethod);
      },
    );
  };
}

/** `unreadable` carries why (EACCES, EISDIR, too big…): the learner is told exactly that. */
type LoadedKey = ParsedKey | 'encrypted' | 'missing' | { unreadable: string } | 'unsupported';

async function loadKey(path: string): Promise<LoadedKey> {
  let data: Buffer;
  try {
    data = await readKeyFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    return { unreadable: code ?? (err instanceof FileTooBigError ? 'too-big' : (err as Error).message) };
  }
  const parsed = utils.parseKey(data);
  if (parsed instanceof Error) return /passphrase|encrypted/i.test(parsed.message) ? 'encrypted' : 'unsupported';
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) return 'unsupported';
  return key;
}

/** A key is a few KiB: a device or a huge file named as one is refused, not read without end. */
function readKeyFile(path: string): Promise<Buffer> {
  return readCapped(path, CONFIG_CAP, 'read as an SSH key');
}

async function isSocket(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isSocket();
  } catch {
    return false;
  }
}

/** Public key blobs of identity files (from `.pub`, else the key file itself), for IdentitiesOnly. */
async function publicBlobs(paths: readonly string[]): Promise<Buffer[]> {
  const blobs: Buffer[] = [];
  for (const path of paths) {
    const pub = await readKeyFile(`${path}.pub`).then((b) => b.toString('utf8'), () => undefined);
    const fromPub = pub?.trim().split(/\s+/)[1];
    if (fromPub) {
      blobs.push(Buffer.from(fromPub, 'base64'));
      continue;
    }
    const text = await readKeyFile(path).then((b) => b.toString('utf8'), () => undefined);
    if (text === undefined) continue;
    const parsed = utils.parseKey(text);
    if (!(parsed instanceof Error)) {
      const key = Array.isArray(parsed) ? parsed[0] : parsed;
      if (key) blobs.push(key.getPublicSSH());
      continue;
    }
    const header = openSshPublicBlob(text);
    if (header) blobs.push(header);
  }
  return blobs;
}

/** The public key stored unencrypted at the head of an `openssh-key-v1` private key file. */
export function openSshPublicBlob(text: string): Buffer | undefined {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m) return undefined;
  const data = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (data.subarray(0, magic.length).toString('latin1') !== magic) return undefined;
  let pos = magic.length;
  const readString = (): Buffer | undefined => {
    if (pos + 4 > data.length) return undefined;
    const len = data.readUInt32BE(pos);
    pos += 4;
    if (pos + len > data.length) return undefined;
    const s = data.subarray(pos, pos + len);
    pos += len;
    return s;
  };
  readString(); // cipher
  readString(); // kdf
  readString(); // kdf options
  if (pos + 4 > data.length) return undefined;
  pos += 4; // number of keys
  return readString();
}
