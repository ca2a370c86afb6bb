// A REAL OpenSSH sshd for integration tests: its own temp dir, host key, client keys and a free
// port on 127.0.0.1, run in the foreground (-D -e) so its log is ours and it dies with us.
// Each test file starts its own, so files can run in parallel.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  memoryConfigSource,
  parseSshConfig,
  resolveTarget,
  type ResolvedTarget,
} from '../../src/remote/ssh-config.js';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

export interface SshdOptions {
  /** Also make a passphrase-protected client key (bcrypt KDF makes this cost ~0.1 s). */
  encryptedKey?: boolean;
  /** Extra sshd_config lines (e.g. `MaxStartups 3:100:3`); they come first, so they win. */
  extraConfig?: string[];
  /**
   * Keep root's real HOME. By default sessions get HOME=<dir>/home, so the machine's own
   * ~/.bashrc (which bash sources for ssh commands) neither slows nor changes the tests.
   */
  realHome?: boolean;
  /**
   * Run sshd inside this network namespace (made by the test), listening on `address` there:
   * the test can then cut its traffic without touching the machine's own network.
   */
  netns?: { name: string; address: string };
}

export interface Sshd {
  host: string;
  port: number;
  dir: string;
  /** `ssh-ed25519 AAAA...` of the current host key. */
  hostKeyPub: string;
  /** `SHA256:...` exactly as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  clientKeyPath: string;
  /** Set when `encryptedKey` was asked for. */
  encryptedKeyPath: string | undefined;
  passphrase: string;
  /** A plain known_hosts line for this server: `[127.0.0.1]:PORT ssh-ed25519 AAAA...`. */
  knownHostsLine: string;
  /** Everything sshd logged so far (it runs with -e). */
  log(): string;
  /** Lines of `Accepted publickey for ...`: one per authenticated connection. */
  acceptedLogins(): number;
  stop(): Promise<void>;
  /** Stops sshd, makes a new host key and starts it again on the same port. */
  restartWithNewHostKey(): Promise<void>;
  /** Stops the listener and its connections (the server is down); `start()` brings it back, same key and port. */
  pause(): Promise<void>;
  start(): Promise<void>;
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  // sshd's privilege separation directory; Debian's package creates it at boot only.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(path.join(tmpdir(), 'kthw-sshd-'));
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  const clientKeyPath = path.join(dir, 'client_ed25519');
  const passphrase = 'correct horse battery staple';
  const encryptedKeyPath = options.encryptedKey ? path.join(dir, 'client_encrypted_ed25519') : undefined;

  await keygen(hostKey, '');
  await keygen(clientKeyPath, '');
  const authorized = [await readFile(`${clientKeyPath}.pub`, 'utf8')];
  if (encryptedKeyPath) {
    await keygen(encryptedKeyPath, passphrase);
    authorized.push(await readFile(`${encryptedKeyPath}.pub`, 'utf8'));
  }
  await writeFile(path.join(dir, 'authorized_keys'), authorized.join(''), { mode: 0o600 });
  await mkdir(path.join(dir, 'home'), { mode: 0o700 });

  const host = options.netns?.address ?? '127.0.0.1';
  let port = 0;
  let child: ChildProcess | undefined;
  let logText = '';
  let hostKeyPub = '';
  let hostKeyFingerprint = '';

  const writeConfig = async () => {
    const config = [
      // First: for most keywords sshd keeps the first value it reads, so these win.
      ...(options.extraConfig ?? []),
      `Port ${port}`,
      `ListenAddress ${host}`,
      `HostKey ${hostKey}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'AllowTcpForwarding yes',
      'PidFile none',
      'MaxStartups 200:30:400',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'LogLevel VERBOSE',
      ...(options.realHome ? [] : [`SetEnv HOME=${path.join(dir, 'home')}`]),
    ];
    const file = path.join(dir, 'sshd_config');
    await writeFile(file, config.join('\n') + '\n', { mode: 0o600 });
    return file;
  };

  const readHostKey = async () => {
    hostKeyPub = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
    const { stdout } = await run('ssh-keygen', ['-lf', `${hostKey}.pub`]);
    hostKeyFingerprint = stdout.split(/\s+/)[1]!;
  };

  const launch = async (): Promise<void> => {
    const config = await writeConfig();
    const argv = [SSHD, '-D', '-e', '-f', config];
    // `ip netns exec` execs sshd itself, so the child's pid is sshd's.
    const [cmd, ...args] = options.netns ? ['ip', 'netns', 'exec', options.netns.name, ...argv] : argv;
    const proc = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let exited: string | undefined;
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      logText += chunk;
    });
    proc.on('exit', (code, signal) => {
      exited = `sshd exited (code ${code}, signal ${signal})`;
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`${exited}:\n${logText}`);
      // Ours, not another test's sshd that got the same free port a moment earlier: our sshd
      // says it listens (a second one failing to bind would otherwise look ready by its banner).
      if (logText.includes(`Server listening on ${host} port ${port}.`) && (await answersWithBanner(host, port))) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    proc.kill('SIGKILL');
    throw new Error(`sshd on ${host}:${port} did not answer within 10 s:\n${logText}`);
  };

  const stopChild = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    // Connection processes run in their own sessions and outlive the listener: end them first,
    // while the listener is still there to reap them (no orphans left behind by a test file).
    await endConnections(proc.pid!);
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2_000);
    await gone;
    clearTimeout(timer);
  };

  // A free port can be taken between probing and binding when files run in parallel: retry.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await readHostKey();
      await launch();
      break;
    } catch (err) {
      await stopChild();
      if (attempt >= 3 || !/Address already in use|Bind to port/.test(logText)) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
      logText = '';
    }
  }

  return {
    host,
    port,
    dir,
    get hostKeyPub() {
      return hostKeyPub;
    },
    get hostKeyFingerprint() {
      return hostKeyFingerprint;
    },
    get knownHostsLine() {
      return `[${host}]:${port} ${hostKeyPub}`;
    },
    clientKeyPath,
    encryptedKeyPath,
    passphrase,
    log: () => logText,
    acceptedLogins: () => logText.split('\n').filter((l) => l.includes('Accepted publickey for')).length,
    stop: async () => {
      await stopChild();
      await rm(dir, { recursive: true, force: true });
    },
    restartWithNewHostKey: async () => {
      await stopChild();
      await rm(hostKey, { force: true });
      await rm(`${hostKey}.pub`, { force: true });
      await keygen(hostKey, '');
      await readHostKey();
      await launch();
    },
    pause: stopChild,
    start: launch,
  };
}

/** Makes an ed25519 key pair with ssh-keygen (empty passphrase = unencrypted). */
export async function keygen(file: string, passphrase: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', path.basename(file), '-f', file]);
  await chmod(file, 0o600);
}

async function childPids(pid: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number);
}

async function endConnections(listenerPid: number): Promise<void> {
  const pids = await childPids(listenerPid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 100 && (await childPids(listenerPid)).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True once something on the port greets with an SSH banner. */
function answersWithBanner(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let data = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\n')) done(data.startsWith('SSH-2.0-'));
    });
    socket.on('end', () => done(false));
  });
}

export interface TargetOptions {
  /** The Host alias the config block is written for (and what we resolve). */
  alias?: string;
  /** known_hosts to use; by default `<sshd dir>/known_hosts`, pre-filled with the host key. */
  knownHostsFile?: string;
  /** Leave known_hosts as it is (do not add this server's key). */
  untrusted?: boolean;
  identityFile?: string;
  /** Config lines for the Host block (they win over the defaults), and more blocks after it. */
  extra?: string[];
  after?: string[];
}

/**
 * Resolves a target for this sshd through the REAL config parser, from a config such as a
 * learner would write: no agent, no global known_hosts, only the files we name.
 */
export async function targetFor(sshd: Sshd, options: TargetOptions = {}): Promise<ResolvedTarget> {
  const alias = options.alias ?? 'testhost';
  const knownHostsFile = options.knownHostsFile ?? path.join(sshd.dir, 'known_hosts');
  if (!options.untrusted && !options.knownHostsFile) await writeFile(knownHostsFile, sshd.knownHostsLine + '\n');
  const text = [
    `Host ${alias}`,
    // First value wins in ssh_config: the caller's lines go before the defaults below.
    ...(options.extra ?? []).map((l) => `  ${l}`),
    `  HostName ${sshd.host}`,
    `  Port ${sshd.port}`,
    '  User root',
    `  IdentityFile ${options.identityFile ?? sshd.clientKeyPath}`,
    `  UserKnownHostsFile ${knownHostsFile}`,
    '  GlobalKnownHostsFile none',
    '  IdentityAgent none',
    '  ConnectTimeout 5',
    ...(options.after ?? []),
  ].join('\n');
  const file = path.join(sshd.dir, 'ssh_config');
  const parsed = parseSshConfig(text, file, { source: memoryConfigSource({}), includeBase: sshd.dir, home: sshd.dir });
  return resolveTarget({ files: [parsed] }, alias, {
    home: sshd.dir,
    localUser: 'root',
    uid: 0,
    localHostName: 'jumpbox',
    env: {},
  });
}
