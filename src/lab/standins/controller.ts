// Stand-ins for kube-controller-manager and kube-scheduler. What the chapter can see of them:
// they read their flags and files, serve /healthz over HTTPS with a self-signed certificate on
// 10257 / 10259, reach the API server with their kubeconfig and win the leader lease
// (`successfully acquired lease kube-system/<name>`). They do no controlling or scheduling.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { hostname } from 'node:os';
import { parse } from 'yaml';
import { apiRequest } from './common/api-client.js';
import { firstUnknown, FlagError, parseFlags } from './common/flags.js';
import type { Logger } from './common/klog.js';
import { errnoText, KubeconfigError, loadKubeconfig, type ClientConfig } from './common/kubeconfig.js';
import { closeNow, listenLikeGo, ListenError, trackSockets } from './common/listen.js';
import { selfSignedCert } from './common/self-signed.js';

export type ControllerKind = 'kube-controller-manager' | 'kube-scheduler';

export class StartupError extends Error {}

export interface ControllerHandle {
  port: number;
  close(): Promise<void>;
}

const COMMON_FLAGS = ['v', 'bind-address', 'secure-port', 'kubeconfig', 'leader-elect', 'log-flush-frequency', 'tls-cert-file', 'tls-private-key-file'];
const KNOWN: Record<ControllerKind, ReadonlySet<string>> = {
  'kube-controller-manager': new Set([
    ...COMMON_FLAGS, 'cluster-cidr', 'cluster-name', 'cluster-signing-cert-file', 'cluster-signing-key-file', 'root-ca-file',
    'service-account-private-key-file', 'service-cluster-ip-range', 'use-service-account-credentials', 'allocate-node-cidrs', 'controllers',
  ]),
  'kube-scheduler': new Set([...COMMON_FLAGS, 'config']),
};
const DEFAULT_PORT: Record<ControllerKind, number> = { 'kube-controller-manager': 10257, 'kube-scheduler': 10259 };
/** Files each flag names that the real component opens at start. */
const FILE_FLAGS: Record<ControllerKind, string[]> = {
  'kube-controller-manager': ['cluster-signing-cert-file', 'cluster-signing-key-file', 'root-ca-file', 'service-account-private-key-file'],
  'kube-scheduler': [],
};

export interface ControllerOptions {
  log: Logger;
  /** Lease timing; tests shorten it. */
  renewMs?: number;
  /** How long to keep retrying an unreachable API server at start before giving up. */
  startupTimeoutMs?: number;
}

export async function runController(kind: ControllerKind, argv: readonly string[], options: ControllerOptions): Promise<ControllerHandle> {
  const { log } = options;
  const fail = (message: string): never => {
    log.error('run.go:72', `"command failed" err=${JSON.stringify(message)}`);
    throw new StartupError(message);
  };
  let flags;
  try {
    flags = parseFlags(argv, new Set(['leader-elect', 'use-service-account-credentials', 'allocate-node-cidrs']));
  } catch (err) {
    if (err instanceof FlagError) {
      log.error('flags.go', `Error: ${err.message}`);
      throw new StartupError(err.message);
    }
    throw err;
  }
  const unknown = firstUnknown(flags, KNOWN[kind]);
  if (unknown !== undefined) {
    log.error('flags.go', `Error: unknown flag: --${unknown}`);
    throw new StartupError(`unknown flag: --${unknown}`);
  }
  const flag = (name: string) => flags.values.get(name);

  for (const name of FILE_FLAGS[kind]) {
    const path = flag(name);
    if (path !== undefined && !existsSync(path)) fail(`open ${path}: no such file or directory`);
  }

  let kubeconfigPath = flag('kubeconfig');
  let leaderElect = flag('leader-elect') !== 'false';
  if (kind === 'kube-scheduler') {
    const configPath = flag('config');
    if (configPath !== undefined) {
      const schedulerConfig = readSchedulerConfig(configPath, fail);
      kubeconfigPath = schedulerConfig.kubeconfig ?? kubeconfigPath;
      leaderElect = schedulerConfig.leaderElect;
    }
  }
  if (kubeconfigPath === undefined) {
    fail('invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable');
  }
  let client: ClientConfig;
  try {
    client = loadKubeconfig(kubeconfigPath!);
  } catch (err) {
    if (err instanceof KubeconfigError) fail(err.message);
    throw err;
  }

  const port = Number(flag('secure-port') ?? DEFAULT_PORT[kind]);
  const bind = flag('bind-address') ?? '0.0.0.0';
  const server = await serveHealth(bind, port, log);
  const sockets = trackSockets(server);
  const stopping = { value: false };
  let renewTimer: NodeJS.Timeout | undefined;
  const close = async () => {
    stopping.value = true;
    if (renewTimer) clearTimeout(renewTimer);
    await closeNow(server, sockets);
  };

  try {
    await waitForApiServer(client, log, options.startupTimeoutMs ?? 60_000, stopping);
  } catch (err) {
    await close();
    throw err;
  }

  if (leaderElect) {
    const identity = `${hostname()}_${randomUUID()}`;
    const lease = new LeaseElector(client, kind, identity, log, options.renewMs ?? 2000);
    log.info('leaderelection.go:257', `attempting to acquire leader lease kube-system/${kind}...`);
    const loop = async () => {
      if (stopping.value) return;
      await lease.tick();
      if (!stopping.value) renewTimer = setTimeout(loop, lease.nextDelay());
    };
    void loop();
  }
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : port, close };
}

function readSchedulerConfig(path: string, fail: (m: string) => never): { kubeconfig?: string; leaderElect: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return fail(`open ${path}: ${errnoText(err)}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = (parse(text) ?? {}) as Record<string, unknown>;
  } catch (err) {
    return fail(`couldn't decode as KubeSchedulerConfiguration: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc.kind !== 'KubeSchedulerConfiguration' || doc.apiVersion !== 'kubescheduler.config.k8s.io/v1') {
    return fail(`no kind "${String(doc.kind)}" is registered for version "${String(doc.apiVersion)}" in scheme "pkg/scheduler/apis/config/scheme/scheme.go:30"`);
  }
  const connection = (doc.clientConnection ?? {}) as Record<string, unknown>;
  const election = (doc.leaderElection ?? {}) as Record<string, unknown>;
  const result: { kubeconfig?: string; leaderElect: boolean } = { leaderElect: election.leaderElect !== false };
  if (typeof connection.kubeconfig === 'string' && connection.kubeconfig !== '') result.kubeconfig = connection.kubeconfig;
  return result;
}

async function serveHealth(bind: string, port: number, log: Logger): Promise<https.Server> {
  const pair = selfSignedCert(`localhost@${Math.floor(Date.now() / 1000)}`);
  const server = https.createServer({ cert: pair.cert, key: pair.key }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
      res.end('ok');
      return;
    }
    // Everything else needs delegated authorization, which an anonymous curl does not pass.
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `forbidden: User "system:anonymous" cannot get path "${path}"`,
        reason: 'Forbidden',
        details: {},
        code: 403,
      }) + '\n',
    );
  });
  let actual: number;
  try {
    actual = await listenLikeGo(server, bind, port);
  } catch (err) {
    if (err instanceof ListenError) {
      log.error('run.go:72', `"command failed" err=${JSON.stringify(err.message)}`);
      throw new StartupError(err.message);
    }
    throw err;
  }
  log.info('tlsconfig.go:243', `"Starting DynamicServingCertificateController"`);
  log.info('secure_serving.go:213', `Serving securely on [::]:${actual}`);
  return server;
}

/** Like the real components: wait for the API server's /healthz, failing fast when it rejects us. */
async function waitForApiServer(client: ClientConfig, log: Logger, timeoutMs: number, stopping: { value: boolean }): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (stopping.value) return;
    try {
      const res = await apiRequest(client, 'GET', '/healthz?timeout=32s');
      if (res.status === 200) return;
      if (res.status === 401 || res.status === 403) {
        const reason = res.status === 401 ? 'Unauthorized' : 'forbidden';
        log.error('run.go:72', `"command failed" err="failed to wait for apiserver being healthy: timed out waiting for the condition: failed to get apiserver /healthz status: ${reason}"`);
        throw new StartupError(`API server rejected ${client.user}: ${reason}`);
      }
      log.error('controllermanager.go:230', `"Error getting server healthz" err="an error on the server (\\"${res.body.slice(0, 120)}\\") has prevented the request from succeeding"`);
    } catch (err) {
      if (err instanceof StartupError) throw err;
      log.error('reflector.go:158', `"Unhandled Error" err="${(err as Error).message.replace(/"/g, '\\"')}"`);
    }
    if (Date.now() > deadline) {
      log.error('run.go:72', `"command failed" err="failed to wait for apiserver being healthy: timed out waiting for the condition"`);
      throw new StartupError('API server not reachable');
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

interface LeaseObject {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** client-go's leader election reduced to what shows: acquire, renew, and the log lines. */
class LeaseElector {
  private leading = false;
  private readonly path: string;

  constructor(
    private readonly client: ClientConfig,
    private readonly name: ControllerKind,
    private readonly identity: string,
    private readonly log: Logger,
    private readonly renewMs: number,
  ) {
    this.path = `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`;
  }

  nextDelay(): number {
    return this.renewMs;
  }

  async tick(): Promise<void> {
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    try {
      const got = await apiRequest(this.client, 'GET', `${this.path}?timeout=5s`);
      if (got.status === 404) {
        const created = await apiRequest(this.client, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases?timeout=5s', {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.name, namespace: 'kube-system' },
          spec: { holderIdentity: this.identity, leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 0 },
        });
        this.settle(created.status, created.body);
        return;
      }
      if (got.status !== 200) {
        this.log.error('leaderelection.go:436', `error retrieving resource lock kube-system/${this.name}: ${statusText(got)}`);
        return;
      }
      const lease = JSON.parse(got.body) as LeaseObject;
      const spec = lease.spec ?? {};
      const expired = !spec.renewTime || Date.parse(spec.renewTime) + (spec.leaseDurationSeconds ?? 15) * 1000 < Date.now();
      if (spec.holderIdentity !== this.identity && !expired) return; // someone else leads; keep trying
      const takeover = spec.holderIdentity !== this.identity;
      const updated = await apiRequest(this.client, 'PUT', `${this.path}?timeout=5s`, {
        ...lease,
        spec: {
          ...spec,
          holderIdentity: this.identity,
          leaseDurationSeconds: 15,
          renewTime: now,
          ...(takeover ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
        },
      });
      this.settle(updated.status, updated.body);
    } catch (err) {
      this.log.error('leaderelection.go:436', `error retrieving resource lock kube-system/${this.name}: ${(err as Error).message}`);
    }
  }

  private settle(status: number, body: string): void {
    if (status === 200 || status === 201) {
      if (!this.leading) {
        this.leading = true;
        this.log.info('leaderelection.go:271', `successfully acquired lease kube-system/${this.name}`);
      }
      return;
    }
    if (status !== 409) this.log.error('leaderelection.go:436', `error initially creating leader election record: ${statusText({ status, body })}`);
  }
}

function statusText(res: { status: number; body: string }): string {
  try {
    const status = JSON.parse(res.body) as { message?: string; reason?: string };
    if (res.status === 401) return 'Unauthorized';
    return status.message ?? status.reason ?? `status ${res.status}`;
  } catch {
    return res.status === 401 ? 'Unauthorized' : `the server responded with the status code ${res.status}`;
  }
}

