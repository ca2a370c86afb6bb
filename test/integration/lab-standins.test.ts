// The lab's stand-ins on this host, against a REAL etcd and the REAL kubectl: every kubectl command
// of the chapter's facts gives the outputs listed there, RBAC and SubjectAccessReview answer from
// what is stored, state survives a restart, and start-up fails the way the real binaries do.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates, makeEncryptionConfig, makeKubeconfigs } from '../../src/lab/pki.js';
import { runApiServer, StartupError, type ApiServerHandle } from '../../src/lab/standins/apiserver/index.js';
import type { Logger } from '../../src/lab/standins/common/klog.js';
import { runController, type ControllerHandle } from '../../src/lab/standins/controller.js';
import { freePort, startEtcd, type Etcd } from '../helpers/etcd.js';

const exec = promisify(execFile);
const UPSTREAM = join(import.meta.dirname, '../../lessons/control-plane/upstream');
const HOST_IP = '10.77.0.10';

let dir: string;
let etcd: Etcd;
let api: ApiServerHandle | undefined;
let port: number;

function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (s, m) => lines.push(`I ${s}] ${m}`),
    warn: (s, m) => lines.push(`W ${s}] ${m}`),
    error: (s, m) => lines.push(`E ${s}] ${m}`),
  };
}

/** The ExecStart flags of upstream's unit, with paths moved into `dir` and etcd on its test port. */
function unitFlags(unit: string, etcdUrl: string): string[] {
  const text = readFileSync(join(UPSTREAM, 'units', unit), 'utf8');
  const execStart = text.split('ExecStart=')[1]!.split('\nRestart')[0]!.replace(/\\\n/g, ' ');
  return execStart
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((a) => a.replaceAll('/var/lib/kubernetes/', `${dir}/`).replaceAll('/etc/kubernetes/config/', `${dir}/`).replace(/'/g, ''))
    .map((a) => (a.startsWith('--etcd-servers=') ? `--etcd-servers=${etcdUrl}` : a));
}

async function startApi(extra: string[], log = memoryLog(), etcdUrl = etcd.url, drop: string[] = []): Promise<ApiServerHandle> {
  const flags = unitFlags('kube-apiserver.service', etcdUrl).filter((f) => !drop.some((d) => f.startsWith(d)));
  return runApiServer([...flags, `--secure-port=${port}`, ...extra], { log, hostIp: HOST_IP, etcdTimeoutMs: 2500, reconcileMs: 200 });
}

async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await exec('kubectl', ['--kubeconfig', join(dir, 'admin.kubeconfig'), '--server', `https://127.0.0.1:${port}`, ...args], {
      cwd: dir,
      env: { ...process.env, HOME: join(dir, 'home'), KUBECONFIG: '' },
    });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

function get(path: string, client: { cert?: Buffer; key?: Buffer } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path, ca: readFileSync(join(dir, 'ca.crt')), ...client }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

// The kubelet's question for `kubectl logs` (/containerLogs maps to nodes/proxy), as on page 5.
const sar = (user: string, subresource = 'proxy') =>
  JSON.stringify({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user, resourceAttributes: { verb: 'get', resource: 'nodes', subresource, name: 'node-0' } },
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kthw-standins-'));
  await makeCertificates(dir, { bits: 2048 });
  await makeKubeconfigs(dir);
  makeEncryptionConfig(dir);
  copyFileSync(join(UPSTREAM, 'configs/kube-apiserver-to-kubelet.yaml'), join(dir, 'kube-apiserver-to-kubelet.yaml'));
  writeFileSync(join(dir, 'sar-kubernetes.json'), sar('kubernetes'));
  writeFileSync(join(dir, 'sar-kubernetes-exec.json'), sar('kubernetes', 'exec'));
  etcd = await startEtcd();
  port = await freePort();
  api = await startApi(['--service-cluster-ip-range=10.32.0.0/24']);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await etcd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kube-apiserver stand-in with the real kubectl', () => {
  it('answers cluster-info, empty nodes and pods, and the kubernetes Service on 10.32.0.1', async () => {
    const info = await kubectl('cluster-info');
    expect(info.stdout).toBe(
      `Kubernetes control plane is running at https://127.0.0.1:${port}\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n`,
    );
    expect(await kubectl('get', 'node')).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found\n' });
    expect(await kubectl('get', 'pod', '-A')).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found\n' });
    const svc = await kubectl('get', 'service,endpoints');
    expect(svc.stdout).toMatch(/^service\/kubernetes\s+ClusterIP\s+10\.32\.0\.1\s+<none>\s+443\/TCP\s+\d+s$/m);
    expect(svc.stdout).toMatch(new RegExp(`^endpoints/kubernetes\\s+${HOST_IP.replaceAll('.', '\\.')}:${port}\\s+\\d+s$`, 'm'));
  });

  it('serves /version, /livez, /readyz without a client certificate, and ?verbose', async () => {
    const version = await get('/version');
    expect(version.status).toBe(200);
    expect(version.body).toContain('"gitVersion": "v1.32.3"');
    expect(JSON.parse(version.body)).toMatchObject({ major: '1', minor: '32', platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}` });
    for (const endpoint of ['livez', 'readyz', 'healthz']) expect(await get(`/${endpoint}`)).toEqual({ status: 200, body: 'ok' });
    const verbose = await get('/readyz?verbose');
    expect(verbose.body).toContain('[+]etcd ok\n');
    expect(verbose.body.trimEnd().split('\n').at(-1)).toBe('readyz check passed');
  });

  it('names the anonymous user in a 403 and rejects a certificate from another CA with 401', async () => {
    const anonymous = await get('/api/v1/nodes');
    expect(anonymous.status).toBe(403);
    expect(JSON.parse(anonymous.body).message).toBe('nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "" at the cluster scope');
    const other = mkdtempSync(join(tmpdir(), 'kthw-otherca-'));
    await exec('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=admin/O=system:masters', '-keyout', join(other, 'k'), '-out', join(other, 'c')]);
    const forged = await get('/api/v1/nodes', { cert: readFileSync(join(other, 'c')), key: readFileSync(join(other, 'k')) });
    rmSync(other, { recursive: true });
    expect(forged.status).toBe(401);
    // The API server's own certificate (CN kubernetes, no groups) authenticates but may not list nodes.
    const asKubernetes = await get('/api/v1/nodes', { cert: readFileSync(join(dir, 'kube-api-server.crt')), key: readFileSync(join(dir, 'kube-api-server.key')) });
    expect(JSON.parse(asKubernetes.body).message).toContain('User "kubernetes" cannot list resource "nodes"');
  });

  it('applies the chapter RBAC (created, then unchanged) and SubjectAccessReview follows it', async () => {
    const before = await kubectl('create', '-f', 'sar-kubernetes.json', '-o', 'json');
    expect(before.stderr).toBe('');
    expect(JSON.parse(before.stdout).status).toEqual({ allowed: false });

    const first = await kubectl('apply', '-f', 'kube-apiserver-to-kubelet.yaml');
    expect(first.stdout).toBe(
      'clusterrole.rbac.authorization.k8s.io/system:kube-apiserver-to-kubelet created\nclusterrolebinding.rbac.authorization.k8s.io/system:kube-apiserver created\n',
    );
    const again = await kubectl('apply', '-f', 'kube-apiserver-to-kubelet.yaml');
    expect(again.stdout).toBe(
      'clusterrole.rbac.authorization.k8s.io/system:kube-apiserver-to-kubelet unchanged\nclusterrolebinding.rbac.authorization.k8s.io/system:kube-apiserver unchanged\n',
    );

    const after = JSON.parse((await kubectl('create', '-f', 'sar-kubernetes.json', '-o', 'json')).stdout);
    expect(after.spec.resourceAttributes.subresource).toBe('proxy');
    expect(after.status).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "system:kube-apiserver" of ClusterRole "system:kube-apiserver-to-kubelet" to User "kubernetes"',
    });
    // The answer follows the role's rules, not the user: a subresource the role lacks stays denied.
    const other = JSON.parse((await kubectl('create', '-f', 'sar-kubernetes-exec.json', '-o', 'json')).stdout);
    expect(other.status).toEqual({ allowed: false });
    const role = await kubectl('get', 'clusterroles', 'system:kube-apiserver-to-kubelet');
    expect(role.stdout).toMatch(/^NAME\s+CREATED AT\nsystem:kube-apiserver-to-kubelet\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    const binding = await kubectl('get', 'clusterrolebindings', 'system:kube-apiserver');
    expect(binding.stdout).toMatch(/^NAME\s+ROLE\s+AGE\nsystem:kube-apiserver\s+ClusterRole\/system:kube-apiserver-to-kubelet\s+\d+s\n$/);
  });

  it('lists the bootstrap roles with their rbac-defaults label and autoupdate annotation', async () => {
    const names = (await kubectl('get', 'clusterroles', '-o', 'name')).stdout.split('\n');
    for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:kube-scheduler']) expect(names).toContain(`clusterrole.rbac.authorization.k8s.io/${n}`);
    const defaults = await kubectl('get', 'clusterroles', '-l', 'kubernetes.io/bootstrapping=rbac-defaults', '-o', 'json');
    const items = JSON.parse(defaults.stdout).items as { metadata: { name: string; annotations: Record<string, string> } }[];
    expect(items.length).toBeGreaterThan(20);
    expect(items.every((i) => i.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate'] === 'true')).toBe(true);
    const admin = JSON.parse((await kubectl('get', 'clusterrolebinding', 'cluster-admin', '-o', 'json')).stdout);
    expect(admin.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }]);
  });

  it('keeps its state in etcd across a restart, and recreates a deleted kubernetes Service', async () => {
    // A client caught between connect and TLS handshake (a controller reconnecting at that moment)
    // must not hold the shutdown up: systemd would wait 90 s, then SIGKILL, and `systemctl restart`
    // would hang as long.
    const stuck = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => stuck.once('connect', resolve));
    await api!.close();
    stuck.destroy();
    api = await startApi(['--service-cluster-ip-range=10.32.0.0/24']);
    expect((await kubectl('apply', '-f', 'kube-apiserver-to-kubelet.yaml')).stdout).toContain('system:kube-apiserver-to-kubelet unchanged');
    expect((await kubectl('delete', 'service', 'kubernetes')).stdout).toBe('service "kubernetes" deleted\n');
    let ip = '';
    for (let i = 0; i < 50 && !ip; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ip = (await kubectl('get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}')).stdout;
    }
    expect(ip).toBe('10.32.0.1');
  });
});

describe('kube-controller-manager and kube-scheduler stand-ins', () => {
  let controllers: ControllerHandle[] = [];
  afterAll(async () => {
    await Promise.all(controllers.map((c) => c.close()));
  });

  /** The component's kubeconfig pointed at this test's port (the real one names server.kubernetes.local:6443). */
  async function localKubeconfig(name: string): Promise<void> {
    await exec('kubectl', ['config', 'set-cluster', 'kubernetes-the-hard-way', `--server=https://127.0.0.1:${port}`, `--kubeconfig=${join(dir, `${name}.kubeconfig`)}`]);
  }

  it('win their leases through the API server and serve /healthz with a self-signed certificate', async () => {
    await localKubeconfig('kube-controller-manager');
    await localKubeconfig('kube-scheduler');
    copyFileSync(join(UPSTREAM, 'configs/kube-scheduler.yaml'), join(dir, 'kube-scheduler.yaml'));
    writeFileSync(join(dir, 'kube-scheduler.yaml'), readFileSync(join(dir, 'kube-scheduler.yaml'), 'utf8').replace('/var/lib/kubernetes/', `${dir}/`));
    const logs = { cm: memoryLog(), sched: memoryLog() };
    const flags = (unit: string) => [...unitFlags(unit, etcd.url).map((f) => f.replace('/etc/kubernetes/config/', `${dir}/`)), '--secure-port=0'];
    controllers = [
      await runController('kube-controller-manager', flags('kube-controller-manager.service'), { log: logs.cm, renewMs: 200 }),
      await runController('kube-scheduler', flags('kube-scheduler.service'), { log: logs.sched, renewMs: 200 }),
    ];
    for (let i = 0; i < 50 && !logs.sched.lines.some((l) => l.includes('successfully acquired')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(logs.cm.lines).toContain('I leaderelection.go:271] successfully acquired lease kube-system/kube-controller-manager');
    expect(logs.sched.lines).toContain('I leaderelection.go:271] successfully acquired lease kube-system/kube-scheduler');
    const leases = await kubectl('get', 'lease', '-n', 'kube-system', '-o', 'jsonpath={.items[*].metadata.name}');
    expect(leases.stdout.split(' ').sort()).toEqual(['kube-controller-manager', 'kube-scheduler']);
    const health = await new Promise<string>((resolve, reject) =>
      https.get({ host: '127.0.0.1', port: controllers[1]!.port, path: '/healthz', rejectUnauthorized: false }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${b}`));
      }).on('error', reject),
    );
    expect(health).toBe('200 ok');
  });

  it('exit with an error when the scheduler config or kubeconfig is missing', async () => {
    const log = memoryLog();
    await expect(runController('kube-scheduler', [`--config=${dir}/nope.yaml`], { log })).rejects.toThrow();
    expect(log.lines.at(-1)).toBe(`E run.go:72] "command failed" err="open ${dir}/nope.yaml: no such file or directory"`);
    const log2 = memoryLog();
    await expect(runController('kube-controller-manager', [`--kubeconfig=${dir}/nope.kubeconfig`, '--secure-port=0'], { log: log2 })).rejects.toThrow();
    expect(log2.lines.at(-1)).toContain(`stat ${dir}/nope.kubeconfig: no such file or directory`);
  });

  it('exit with Unauthorized when the API server rejects their certificate', async () => {
    const other = mkdtempSync(join(tmpdir(), 'kthw-otherca-'));
    await exec('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=system:kube-scheduler', '-keyout', join(other, 'k'), '-out', join(other, 'c')]);
    const kc = join(other, 'sched.kubeconfig');
    copyFileSync(join(dir, 'kube-scheduler.kubeconfig'), kc);
    await exec('kubectl', ['config', 'set-credentials', 'system:kube-scheduler', `--client-certificate=${join(other, 'c')}`, `--client-key=${join(other, 'k')}`, '--embed-certs=true', `--kubeconfig=${kc}`]);
    const log = memoryLog();
    await expect(runController('kube-controller-manager', [`--kubeconfig=${kc}`, '--secure-port=0'], { log, startupTimeoutMs: 5000 })).rejects.toThrow(/Unauthorized/);
    expect(log.lines.at(-1)).toContain('Unauthorized');
    rmSync(other, { recursive: true });
  });
});

describe('kube-apiserver stand-in start-up failures, as the journal shows them', () => {
  it('missing file: "command failed" with the open error', async () => {
    const log = memoryLog();
    rmSync(join(dir, 'moved-away'), { force: true });
    await expect(startApi([`--client-ca-file=${dir}/moved-away`], log)).rejects.toBeInstanceOf(StartupError);
    expect(log.lines.at(-1)).toBe(`E run.go:72] "command failed" err="open ${dir}/moved-away: no such file or directory"`);
  });

  it('F: an unsubstituted ${ENCRYPTION_KEY} makes it exit with "secrets must be base64 encoded"', async () => {
    const bad = join(dir, 'bad-encryption.yaml');
    writeFileSync(bad, readFileSync(join(import.meta.dirname, '../../src/lab/assets/upstream/encryption-config.yaml'), 'utf8'));
    const log = memoryLog();
    await expect(startApi([`--encryption-provider-config=${bad}`], log)).rejects.toBeInstanceOf(StartupError);
    expect(log.lines.at(-1)).toContain('secrets must be base64 encoded');
  });

  it('etcd unreachable: grpc connection-refused lines, then it gives up', async () => {
    const log = memoryLog();
    const closed = await freePort();
    await expect(startApi([], log, `http://127.0.0.1:${closed}`)).rejects.toBeInstanceOf(StartupError);
    expect(log.lines.filter((l) => l.includes(`dial tcp 127.0.0.1:${closed}: connect: connection refused`)).length).toBeGreaterThanOrEqual(2);
    expect(log.lines.at(-1)).toBe('E run.go:72] "command failed" err="context deadline exceeded"');
  });

  it('A: without --service-cluster-ip-range it warns and gives the kubernetes Service 10.0.0.1', async () => {
    const fresh = await startEtcd();
    const log = memoryLog();
    await api!.close();
    api = await startApi([], log, fresh.url);
    try {
      expect(log.lines).toContain(
        'W services.go:37] No CIDR for service cluster IPs specified. Default value which was 10.0.0.0/24 is deprecated and will be removed in future releases. Please specify it using --service-cluster-ip-range on kube-apiserver.',
      );
      expect((await kubectl('get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}')).stdout).toBe('10.0.0.1');
    } finally {
      await api.close();
      api = undefined;
      await fresh.stop();
    }
  });
});
