// The kube-apiserver stand-in: starts like the real one (flags, files, etcd), then serves the API
// the chapter uses. See ../README in the lab docs for what it does not do (no watches, no
// admission, no kubelets); it is there so the chapter can be practised and tested without the
// real 90 MB binary.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { networkInterfaces } from 'node:os';
import { FlagError } from '../common/flags.js';
import { closeNow, listenLikeGo, ListenError, trackSockets } from '../common/listen.js';
import type { Logger } from '../common/klog.js';
import { GIT_VERSION } from '../common/version.js';
import { bootstrapObjects } from './bootstrap-policy.js';
import { ConfigError, DEFAULT_SERVICE_CIDR, firstServiceIp, inCidr, ipFromNumber, ipToNumber, readConfig, type ApiServerConfig } from './config.js';
import { EtcdClient, EtcdUnavailable } from './etcd.js';
import { RESOURCES, type KubeObject, type ResourceType } from './resources.js';
import { ApiHandler } from './server.js';
import { ApiError, Storage } from './storage.js';

export class StartupError extends Error {}

export interface ApiServerHandle {
  port: number;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  log: Logger;
  /** The address written into the `kubernetes` endpoints; default: this machine's first external IPv4. */
  hostIp?: string;
  /** How long to wait for etcd at start before giving up, like the real storage health check. */
  etcdTimeoutMs?: number;
  /** How often the `kubernetes` Service is reconciled (the real bootstrap controller: 10 s). */
  reconcileMs?: number;
}

const kindOf = (kind: string): ResourceType => RESOURCES.find((r) => r.kind === kind)!;

function defaultHostIp(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export async function runApiServer(argv: readonly string[], options: ApiServerOptions): Promise<ApiServerHandle> {
  const { log } = options;
  const fail = (message: string): never => {
    log.error('run.go:72', `"command failed" err=${JSON.stringify(message)}`);
    throw new StartupError(message);
  };

  let config: ApiServerConfig;
  try {
    config = readConfig(argv, (path) => readFileSync(path));
  } catch (err) {
    if (err instanceof FlagError || (err instanceof ConfigError && err.message.startsWith('unknown flag'))) {
      log.error('flags.go', `Error: ${err.message}`);
      throw new StartupError(err.message);
    }
    if (err instanceof ConfigError) return fail(err.message);
    throw err;
  }
  const advertise = config.advertiseAddress ?? options.hostIp ?? defaultHostIp();
  log.info('options.go:238', `external host was not specified, using ${advertise}`);
  log.info('server.go:142', `Version: ${GIT_VERSION}`);
  log.info('server.go:144', `"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""`);
  let serviceCidr = config.serviceCidr;
  if (serviceCidr === undefined) {
    serviceCidr = DEFAULT_SERVICE_CIDR;
    log.warn(
      'services.go:37',
      `No CIDR for service cluster IPs specified. Default value which was ${DEFAULT_SERVICE_CIDR} is deprecated and will be removed in future releases. Please specify it using --service-cluster-ip-range on kube-apiserver.`,
    );
  }

  const etcd = new EtcdClient(config.etcdServers[0]!);
  await waitForEtcd(etcd, log, options.etcdTimeoutMs ?? 15_000, fail);

  const storage = new Storage(etcd);
  const handler = new ApiHandler({
    storage,
    etcd,
    advertise,
    port: config.securePort,
    rbacEnabled: config.authorizationModes.includes('RBAC'),
    onCreate: async (r, obj) => {
      if (r.kind === 'Service') await assignClusterIp(storage, serviceCidr!, obj);
    },
  });

  try {
    await bootstrap(storage, log);
    await reconcileKubernetesService(storage, serviceCidr, advertise, config.securePort, log);
  } catch (err) {
    fail(`unable to bootstrap the API: ${(err as Error).message}`);
  }

  const server = https.createServer(
    { cert: config.tlsCert, key: config.tlsKey, ca: config.clientCa, requestCert: true, rejectUnauthorized: false },
    (req, res) => void handler.handle(req, res),
  );
  const sockets = trackSockets(server);
  let port = 0;
  try {
    port = await listenLikeGo(server, config.bindAddress, config.securePort);
  } catch (err) {
    if (err instanceof ListenError) fail(err.message);
    throw err;
  }
  log.info('secure_serving.go:213', `Serving securely on [::]:${port}`);
  log.info('controller.go:615', `quota admission added evaluator for: leases.coordination.k8s.io`);

  // The real bootstrap controller keeps `default/kubernetes` and its endpoints in place.
  const timer = setInterval(() => {
    reconcileKubernetesService(storage, serviceCidr!, advertise, port, log).catch((err: Error) =>
      log.error('controller.go:163', `"Unable to sync kubernetes service" err="${err.message}"`),
    );
  }, options.reconcileMs ?? 10_000);
  timer.unref();

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        void closeNow(server, sockets).then(resolve);
      }),
  };
}

async function waitForEtcd(etcd: EtcdClient, log: Logger, timeoutMs: number, fail: (m: string) => never): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let attempt = 0;
  for (;;) {
    try {
      await etcd.status();
      return;
    } catch (err) {
      attempt++;
      const detail = err instanceof EtcdUnavailable ? err.message : (err as Error).message;
      log.warn(
        'logging.go:55',
        `[core] [Channel #1 SubChannel #${attempt + 1}]grpc: addrConn.createTransport failed to connect to {Addr: "${etcd.address}", ServerName: "${etcd.address}", }. Err: connection error: desc = "transport: Error while dialing: ${detail}"`,
      );
      if (Date.now() >= deadline) fail('context deadline exceeded');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Create-if-absent in one etcd transaction: an object already there (a later start) is a 409. */
async function createIfAbsent(storage: Storage, r: ResourceType, namespace: string | undefined, obj: KubeObject): Promise<boolean> {
  try {
    await storage.create(r, namespace, obj);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.code === 409) return false;
    throw err;
  }
}

/** Namespaces and default RBAC, created once and kept across restarts (they live in etcd). */
async function bootstrap(storage: Storage, log: Logger): Promise<void> {
  const ensure = (r: ResourceType, namespace: string | undefined, obj: KubeObject) => createIfAbsent(storage, r, namespace, obj);
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    await ensure(kindOf('Namespace'), undefined, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }
  const defaults = bootstrapObjects();
  let created = 0;
  for (const role of defaults.clusterRoles) if (await ensure(kindOf('ClusterRole'), undefined, role as KubeObject)) created++;
  for (const binding of defaults.clusterRoleBindings) if (await ensure(kindOf('ClusterRoleBinding'), undefined, binding as KubeObject)) created++;
  if (created > 0) log.info('storage_rbac.go:236', `created ${created} default RBAC objects`);
}

/** The `kubernetes` Service gets the first address of the range; others the next free one. */
async function assignClusterIp(storage: Storage, cidr: string, obj: KubeObject): Promise<void> {
  const spec = ((obj.spec ??= {}) as Record<string, unknown>);
  if (spec.clusterIP) return;
  const first = ipToNumber(firstServiceIp(cidr));
  if (obj.metadata.name === 'kubernetes' && obj.metadata.namespace === 'default') {
    spec.clusterIP = ipFromNumber(first);
  } else {
    const used = new Set((await storage.list(kindOf('Service'), undefined)).items.map((s) => (s.spec as { clusterIP?: string })?.clusterIP));
    let n = first + 9; // leave the low addresses for the cluster's own (DNS takes .10 in later chapters)
    while (used.has(ipFromNumber(n))) n++;
    spec.clusterIP = ipFromNumber(n);
  }
  spec.clusterIPs = [spec.clusterIP];
  spec.type ??= 'ClusterIP';
}

async function reconcileKubernetesService(storage: Storage, cidr: string, advertise: string, port: number, log: Logger): Promise<void> {
  const svc = kindOf('Service');
  const existing = await storage.find(svc, 'default', 'kubernetes');
  if (!existing) {
    const obj: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: {
        type: 'ClusterIP',
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
        sessionAffinity: 'None',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: 'Cluster',
      },
    };
    await assignClusterIp(storage, cidr, obj);
    await createIfAbsent(storage, svc, 'default', obj);
  } else {
    const ip = (existing.spec as { clusterIP?: string }).clusterIP ?? '';
    if (ip && !inCidr(ip, cidr)) {
      log.error('repair.go:136', `"Unhandled Error" err="the cluster IP ${ip} for service kubernetes/default is not within the service CIDR ${cidr}; please recreate"`);
    }
  }
  const ep = kindOf('Endpoints');
  const subsets = [{ addresses: [{ ip: advertise }], ports: [{ name: 'https', port, protocol: 'TCP' }] }];
  const current = await storage.find(ep, 'default', 'kubernetes');
  if (!current) {
    await createIfAbsent(storage, ep, 'default', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets,
    });
  } else if (JSON.stringify(current.subsets) !== JSON.stringify(subsets)) {
    await storage.update(ep, 'default', 'kubernetes', { ...current, subsets });
  }
}
