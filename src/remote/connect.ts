// Opening one authenticated SSH connection to a resolved target (through its ProxyJump hosts),
// with host keys checked against known_hosts. Every failure becomes a typed ConnectError.
//
// Trust on first use: the host verifier never waits for a person (ssh2's handshake keeps
// running meanwhile). It REJECTS an unknown key; connect fails with 'host-key-unknown' carrying
// the key and fingerprint; the caller asks the learner, calls trustHostKey() and connects again.
// A changed or revoked key is refused and never offered for trust (also with
// StrictHostKeyChecking no, where ssh would warn and go on). "Changed" is OpenSSH's meaning: the
// host has recorded keys and this is none of them, whatever their type.
//
// ProxyCommand runs as ssh runs it (`$SHELL -c "exec CMD"`, %h %k %n %p %r expanded) and its
// stdin/stdout become the transport. HostKeyAlias replaces `[host]:port` in known_hosts with the
// bare alias, for lookup and for recording, as sshconnect.c does.
import { spawn } from 'node:child_process';
import dns from 'node:dns';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { sanitizeTerminal } from '../text/sanitize.js';
import ssh2 from 'ssh2';
import type { Client as SshClient, ServerHostKeyAlgorithm } from 'ssh2';
import { makeAuthHandler, type AskPassphrase, type AuthLog } from './auth.js';
import { ConnectError, classifySocketError, printable, type ConnectFailure, type KnownKey } from './connect-error.js';
import { appendKnownHostsLine, readKnownHosts } from './known-hosts-file.js';
import {
  fingerprintSha256,
  keyTypeOfBlob,
  knownHostsLine,
  lookupHostKey,
  orderHostKeyAlgorithms,
  type KnownHostEntry,
} from './known-hosts.js';
import { targetKey, type ResolvedTarget } from './ssh-config.js';

const { Client } = ssh2;

export interface ConnectOptions {
  /** Asked for an encrypted key's passphrase (the UI prompts); without it such keys are skipped. */
  askPassphrase?: AskPassphrase;
  /** ssh2's debug lines and our own notes (malformed known_hosts lines). */
  debug?: (line: string) => void;
}

export interface SshConnection {
  readonly client: SshClient;
  readonly target: ResolvedTarget;
  readonly label: string;
  /** Resolves once the connection (or a jump host under it) has gone. */
  readonly closed: Promise<void>;
  isOpen(): boolean;
  /** Why it closed, if it was not closed by us. */
  closeReason(): string | undefined;
  close(): void;
}

/** Connects to `target`, first to its ProxyJump hosts. Rejects with ConnectError. */
export async function connectSsh(target: ResolvedTarget, options: ConnectOptions = {}): Promise<SshConnection> {
  return connectHop(target, options, false);
}

async function connectHop(target: ResolvedTarget, options: ConnectOptions, jump: boolean): Promise<SshConnection> {
  const via = target.proxyJump ? await connectHop(target.proxyJump, options, true) : undefined;
  try {
    const known = await readKnownHosts([...target.knownHostsFiles, ...target.globalKnownHostsFiles]);
    for (const p of known.problems) options.debug?.(`known_hosts ${p.file}:${p.line} skipped: ${p.reason}`);
    return await handshake(target, options, jump, known.entries, via);
  } catch (err) {
    via?.close();
    throw err;
  }
}

/** A timer that can stop while the learner is typing a passphrase. */
class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  constructor(
    private remainingMs: number,
    private readonly onExpire: () => void,
  ) {}
  start(): void {
    if (this.remainingMs <= 0) return;
    this.startedAt = Date.now();
    this.timer = setTimeout(this.onExpire, Math.max(this.remainingMs, 1));
  }
  pause(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remainingMs -= Date.now() - this.startedAt;
  }
  resume(): void {
    if (!this.timer) this.start();
  }
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remainingMs = 0;
  }
}

function handshake(
  target: ResolvedTarget,
  options: ConnectOptions,
  jump: boolean,
  knownEntries: KnownHostEntry[],
  via: SshConnection | undefined,
): Promise<SshConnection> {
  const where = { host: target.hostName, port: target.port, jump, ...(target.hostKeyAlias ? { knownAs: target.hostKeyAlias } : {}) };
  // known_hosts name: the alias on port 22 (so written bare), else [host]:port.
  const khHost = target.hostKeyAlias ?? target.hostName;
  const khPort = target.hostKeyAlias ? 22 : target.port;
  return new Promise<SshConnection>((resolve, reject) => {
    let settled = false;
    let transportUp = false;
    let socket: Duplex | undefined;
    let proxy: ProxyProcess | undefined;
    let client: SshClient | undefined;
    let hostKeyFailure: ConnectFailure | undefined;
    const authLog: AuthLog = { tried: [], skipped: [] };

    const fail = (failure: ConnectFailure) => {
      if (settled) return;
      settled = true;
      deadline.clear();
      client?.removeAllListeners('ready');
      client?.end();
      socket?.destroy();
      proxy?.kill();
      reject(new ConnectError(failure));
    };
    const deadline = new Deadline(target.connectTimeoutSec * 1000, () =>
      fail({ ...where, kind: 'timeout', afterSec: target.connectTimeoutSec, phase: transportUp ? 'handshake' : 'connect' }),
    );
    deadline.start();
    const startedAt = Date.now();

    const hostVerifier = (keyBlob: Buffer, verify: (ok: boolean) => void): void => {
      const keyType = keyTypeOfBlob(keyBlob) ?? 'unknown';
      const fingerprint = fingerprintSha256(keyBlob);
      const found = lookupHostKey(knownEntries, khHost, khPort, keyType, keyBlob);
      switch (found.status) {
        case 'trusted':
          return verify(true);
        case 'revoked':
          hostKeyFailure = { ...where, kind: 'host-key-revoked', keyType, fingerprint, known: knownKey(found.entry) };
          return verify(false);
        case 'changed':
          hostKeyFailure = { ...where, kind: 'host-key-changed', keyType, fingerprint, known: knownKey(found.entry) };
          return verify(false);
        case 'unknown': {
          const knownHostsFile = target.knownHostsFiles[0];
          const mode = target.strictHostKeyChecking;
          // ssh with "no" would go on with a key revoked under the bare host name; we refuse it.
          if (found.revokedWithoutPort && mode === 'no') {
            const known = knownKey(found.revokedWithoutPort);
            hostKeyFailure = { ...where, kind: 'host-key-revoked', keyType, fingerprint, known };
            return verify(false);
          }
          // accept-new (and "no", which we never let weaken a CHANGED key) record new keys themselves.
          if ((mode === 'accept-new' || mode === 'no') && knownHostsFile) {
            const line = knownHostsLine(khHost, khPort, keyBlob, { hashed: target.hashKnownHosts });
            appendKnownHostsLine(knownHostsFile, line).then(
              () => verify(true),
              (err: Error) => {
                const message = `could not record the host key in ${knownHostsFile}: ${err.message}`;
                hostKeyFailure = { ...where, kind: 'other', message };
                verify(false);
              },
            );
            return;
          }
          hostKeyFailure = {
            ...where,
            kind: 'host-key-unknown',
            keyType,
            fingerprint,
            keyBlob,
            knownHostsFile: knownHostsFile ?? '',
            hashKnownHosts: target.hashKnownHosts,
            strict: mode === 'yes' || !knownHostsFile,
            otherKeys: found.otherKeys.map(knownKey),
          };
          return verify(false);
        }
      }
    };

    const startSsh = (sock: Duplex) => {
      transportUp = true;
      const c = new Client();
      client = c;
      c.on('error', (err: Error & { level?: string; code?: string }) => {
        if (err.level === 'agent') return; // noted in the agent attempt; the next method follows
        if (settled) return;
        if (hostKeyFailure) return fail(hostKeyFailure);
        if (authLog.failure) return fail(authLog.failure);
        if (err.level === 'client-authentication') {
          return fail({
            ...where,
            kind: 'auth',
            user: target.user,
            tried: authLog.tried,
            skipped: authLog.skipped,
            ...(authLog.serverMethods ? { serverMethods: authLog.serverMethods } : {}),
          });
        }
        if (proxy && err.level !== 'client-authentication') {
          // The transport is the command: say how it ended, with its own words.
          const p = proxy;
          const report = () => fail({ ...where, kind: 'other', message: p.describeExit(printable(err.message)) });
          p.ended(1000).then(report, report);
          return;
        }
        const socketFailure = classifySocketError(err, where);
        if (socketFailure) return fail(socketFailure);
        if (err.level === 'client-timeout') {
          return fail({ ...where, kind: 'timeout', afterSec: target.connectTimeoutSec, phase: 'handshake' });
        }
        fail({ ...where, kind: 'other', message: printable(err.message) });
      });
      c.on('close', () => {
        if (hostKeyFailure) fail(hostKeyFailure);
        else if (proxy) {
          // Its exit status and last stderr lines arrive a moment after its output ends.
          const p = proxy;
          const report = () => fail({ ...where, kind: 'other', message: p.describeExit() });
          p.ended(1000).then(report, report);
        } else fail({ ...where, kind: 'other', message: 'the server closed the connection during the handshake' });
      });
      c.once('ready', () => {
        if (settled) return;
        settled = true;
        deadline.clear();
        resolve(wrapConnection(c, target, via, proxy));
      });
      c.connect({
        sock: sock as unknown as NonNullable<Parameters<SshClient['connect']>[0]['sock']>,
        username: target.user,
        hostVerifier,
        authHandler: makeAuthHandler(target, where, authLog, deadline, options.askPassphrase),
        // As ssh does: ask first for key types known_hosts has for this host; otherwise a server
        // preferring another type shows a key ssh would never see (a prompt, or "changed").
        algorithms: {
          serverHostKey: orderHostKeyAlgorithms(knownEntries, khHost, khPort) as ServerHostKeyAlgorithm[],
        },
        keepaliveInterval: target.serverAliveIntervalSec * 1000,
        keepaliveCountMax: 3, // ServerAliveCountMax's default
        readyTimeout: 0, // our Deadline instead: it can pause during a passphrase prompt
        ...(options.debug ? { debug: options.debug } : {}),
      });
    };

    if (target.proxyCommand !== undefined && !via) {
      let command: string;
      try {
        command = expandProxyCommand(target);
      } catch (err) {
        return fail({ ...where, kind: 'other', message: (err as Error).message });
      }
      proxy = spawnProxyCommand(command);
      socket = proxy.sock;
      proxy.child.once('error', (err) => fail({ ...where, kind: 'other', message: `ProxyCommand could not start: ${printable(err.message)}` }));
      startSsh(proxy.sock);
    } else if (via) {
      via.client.forwardOut('127.0.0.1', 0, target.hostName, target.port, (err, stream) => {
        if (err) return fail(classifyForwardFailure(err, where, Math.round((Date.now() - startedAt) / 1000)));
        socket = stream;
        startSsh(stream);
      });
    } else {
      // noDelay: SSH sends small packets (channel requests) that Nagle + delayed ACK would hold back.
      const tcp = net.connect({ host: target.hostName, port: target.port, lookup: lookupRefusingReserved, noDelay: true });
      socket = tcp;
      tcp.once('error', (err: NodeJS.ErrnoException) => {
        fail(classifySocketError(err, where) ?? { ...where, kind: 'other', message: printable(err.message) });
      });
      tcp.once('connect', () => startSsh(tcp));
    }
  });
}

interface ProxyProcess {
  child: ReturnType<typeof spawn>;
  sock: Duplex;
  kill(): void;
  /** Resolves when the command has exited and its stderr is read (or after `ms`). */
  ended(ms: number): Promise<void>;
  /** Why the transport ended, with the command's own (capped, sanitized) stderr. */
  describeExit(otherwise?: string): string;
}

const PROXY_STDERR_CAP = 4096;

/** ssh's expand_proxy_command: %h host, %k alias, %n as typed, %p port, %r user, %%. */
export function expandProxyCommand(target: ResolvedTarget): string {
  const tokens: Record<string, string> = {
    h: target.hostName,
    k: target.hostKeyAlias ?? target.alias,
    n: target.alias,
    p: String(target.port),
    r: target.user,
  };
  return `exec ${target.proxyCommand!.replace(/%(.?)/g, (whole, key: string) => {
    if (key === '%') return '%';
    const value = tokens[key];
    if (value === undefined) throw new Error(`ProxyCommand uses the unknown token ${whole} (ssh allows %h %k %n %p %r %%)`);
    return value;
  })}`;
}

function spawnProxyCommand(command: string): ProxyProcess {
  const shell = process.env.SHELL || '/bin/sh';
  const child = spawn(shell, ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < PROXY_STDERR_CAP) stderr = (stderr + chunk).slice(0, PROXY_STDERR_CAP);
  });
  // Writes after the child died would throw EPIPE at nobody; ssh2 sees the close instead.
  child.stdin.on('error', () => undefined);
  let closed = false;
  const closeWaiters: Array<() => void> = [];
  child.once('close', () => {
    closed = true;
    for (const w of closeWaiters.splice(0)) w();
  });
  const sock = Duplex.from({ readable: child.stdout, writable: child.stdin });
  sock.on('error', () => undefined);
  child.stdout.once('end', () => sock.destroy());
  return {
    child,
    sock,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
    ended: (ms) =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        const timer = setTimeout(resolve, ms);
        closeWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    describeExit: (otherwise) => {
      const said = printable(sanitizeTerminal(stderr).trim().split('\n').slice(-3).join(' / '));
      if (child.exitCode === null && child.signalCode === null && otherwise) return otherwise;
      const how = child.exitCode !== null ? `exited with status ${child.exitCode}` : child.signalCode ? `was killed (${child.signalCode})` : 'closed its output';
      return `the ProxyCommand ${how}${said ? `: ${said}` : ''}`;
    },
  };
}

function knownKey(entry: KnownHostEntry): KnownKey {
  return { keyType: entry.keyType, fingerprint: fingerprintSha256(entry.keyBlob), file: entry.file, line: entry.line };
}

function wrapConnection(
  client: SshClient,
  target: ResolvedTarget,
  via: SshConnection | undefined,
  proxy: ProxyProcess | undefined,
): SshConnection {
  let open = true;
  let reason: string | undefined;
  let closedByUs = false;
  const closed = new Promise<void>((resolve) => {
    client.on('error', (err: Error & { level?: string }) => {
      if (err.level !== 'agent') reason = printable(err.message);
    });
    client.on('close', () => {
      open = false;
      if (!reason && !closedByUs) reason = proxy ? proxy.describeExit() : 'the server closed the connection';
      via?.close();
      proxy?.kill();
      resolve();
    });
  });
  // A jump host going away takes this connection with it.
  void via?.closed.then(() => {
    if (open) {
      reason ??= `the jump host ${via.label} disconnected`;
      client.end();
    }
  });
  return {
    client,
    target,
    label: targetKey(target),
    closed,
    isOpen: () => open,
    closeReason: () => (closedByUs ? undefined : reason),
    close: () => {
      closedByUs = true;
      client.end();
      via?.close();
    },
  };
}

/** Failures reported by a jump host when it cannot reach the next hop (direct-tcpip refused). */
function classifyForwardFailure(
  err: Error & { reason?: number | string },
  base: { host: string; port: number; jump: boolean },
  elapsedSec: number,
): ConnectFailure {
  const text = err.message;
  if (/refused/i.test(text)) return { ...base, kind: 'refused' };
  if (/name|resolv|not known|getaddrinfo/i.test(text)) return { ...base, kind: 'dns', code: 'ENOTFOUND' };
  if (/timed out/i.test(text)) return { ...base, kind: 'timeout', afterSec: elapsedSec, phase: 'connect' };
  if (/unreachable|no route/i.test(text)) return { ...base, kind: 'unreachable', code: 'EHOSTUNREACH' };
  if (err.reason === 1) {
    return { ...base, kind: 'other', message: 'the jump host does not allow forwarding (AllowTcpForwarding)' };
  }
  return { ...base, kind: 'other', message: printable(text) };
}

/**
 * DNS lookup that answers names under `.invalid` (RFC 6761: never resolvable) locally with
 * ENOTFOUND instead of asking a resolver: nothing leaves the machine for them.
 */
type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;
const lookupRefusingReserved = ((hostname: string, opts: dns.LookupOptions, callback: LookupCallback) => {
  if (/(^|\.)invalid\.?$/i.test(hostname)) {
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    process.nextTick(() => callback(err, ''));
    return;
  }
  dns.lookup(hostname, opts, callback);
}) as net.LookupFunction;

/**
 * Records a key the learner accepted (from a 'host-key-unknown' failure) in their known_hosts,
 * hashed unless HashKnownHosts says no. Then connect again.
 */
export async function trustHostKey(failure: Extract<ConnectFailure, { kind: 'host-key-unknown' }>): Promise<string> {
  if (failure.strict) {
    throw new Error('StrictHostKeyChecking is yes for this host: add its key to known_hosts yourself after checking it');
  }
  const line = failure.knownAs
    ? knownHostsLine(failure.knownAs, 22, failure.keyBlob, { hashed: failure.hashKnownHosts })
    : knownHostsLine(failure.host, failure.port, failure.keyBlob, { hashed: failure.hashKnownHosts });
  await appendKnownHostsLine(failure.knownHostsFile, line);
  return line;
}
