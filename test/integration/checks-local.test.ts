// Real batches through the local shell on this machine: real files, a real listening socket, a
// real HTTPS server with its own CA, a real kubectl, and systemctl as this machine has it.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/checks/run.js';
import { CheckSpec } from '../../src/checks/spec.js';
import { LocalExecutor } from '../../src/remote/local-executor.js';

const dir = mkdtempSync(join(tmpdir(), 'kthw-checks-'));
const executor = new LocalExecutor();
const item = (id: string, raw: Record<string, unknown>) => ({ id, spec: CheckSpec.parse(raw) });
let tcp: net.Server;
let tls: https.Server;
let tcpPort = 0;
let tlsPort = 0;

beforeAll(async () => {
  tcp = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => tcp.once('listening', r));
  tcpPort = (tcp.address() as net.AddressInfo).port;
  // A CA and a server certificate for 127.0.0.1, made with openssl as in chapter 4.
  const sh = (cmd: string) => execFileSync('/bin/sh', ['-c', cmd], { cwd: dir, stdio: 'pipe' });
  sh('openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=test-ca 2>/dev/null');
  sh('openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 2>/dev/null');
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
  sh('openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 1 -extfile ext 2>/dev/null');
  tls = https
    .createServer({ key: readFileSync(join(dir, 'srv.key')), cert: readFileSync(join(dir, 'srv.crt')) }, (req, res) => {
      res.writeHead(req.url === '/version' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.3' }));
    })
    .listen(0, '127.0.0.1');
  await new Promise((r) => tls.once('listening', r));
  tlsPort = (tls.address() as net.AddressInfo).port;
});
afterAll(() => {
  tcp?.close();
  tls?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a real batch on this machine', () => {
  it('file: passes, then fails with the mode it found after chmod', async () => {
    const f = join(dir, 'secret.key');
    writeFileSync(f, 'k');
    chmodSync(f, 0o600);
    const check = [item('key', { kind: 'file', path: f, type: 'file', mode: '0600', owner: 'root' })];
    expect((await runBatch(executor, check)).checks[0]!.status).toBe('pass');
    chmodSync(f, 0o644);
    const r = (await runBatch(executor, check)).checks[0]!;
    expect(r.status).toBe('fail');
    expect(r.findings.find((x) => x.property === 'mode')).toMatchObject({ expected: '0600', found: '0644' });
  });

  it('port: sees the test socket and the process that owns it', async () => {
    // ss reports the kernel's name for the process (Node 24 renames its main thread "MainThread").
    const comm = readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim();
    const r = await runBatch(executor, [
      item('open', { kind: 'port', port: tcpPort, process: comm }),
      item('closed', { kind: 'port', port: 1 }),
    ]);
    expect(r.checks.map((c) => c.status)).toEqual(['pass', 'fail']);
  });

  it('http: trusted through the CA file, refused without it, accepted insecurely', async () => {
    const url = `https://127.0.0.1:${tlsPort}/version`;
    const r = await runBatch(executor, [
      item('ca', { kind: 'http', url, cacert: join(dir, 'ca.crt'), json: { path: 'gitVersion', equals: 'v1.32.3' } }),
      item('noca', { kind: 'http', url }),
      item('k', { kind: 'http', url, insecure: true, body: { contains: '"minor":"32"' } }),
    ]);
    expect(r.checks.map((c) => c.status)).toEqual(['pass', 'fail', 'pass']);
    expect(r.checks[1]!.findings[0]!.found).toMatch(/curl: \(60\)/);
  });

  it('command and kube: exit status, output, and kubectl\'s own error when the API is down', async () => {
    const kubeconfig = join(dir, 'admin.kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster: {server: "https://127.0.0.1:1"}\ncontexts:\n- name: k\n  context: {cluster: k, user: u}\ncurrent-context: k\nusers:\n- name: u\n  user: {token: t}\n`,
    );
    const r = await runBatch(executor, [
      item('c', { kind: 'command', run: 'echo one; echo two >&2; exit 3', exit: 3, stdout: { equals: 'one' }, stderr: { contains: 'two' } }),
      item('k', { kind: 'kube', resource: 'services', name: 'kubernetes', namespace: 'default', kubeconfig }),
    ]);
    expect(r.checks[0]!.status).toBe('pass');
    expect(r.checks[1]!.status).toBe('fail');
    expect(r.checks[1]!.findings[0]!.found).toMatch(/127\.0\.0\.1:1.*refused/);
  });

  it('service: an error that says why, where systemd is not PID 1', async () => {
    const pid1 = readFileSync('/proc/1/comm', 'utf8').trim();
    const r = (await runBatch(executor, [item('s', { kind: 'service', name: 'etcd', active: true })])).checks[0]!;
    if (pid1 === 'systemd') {
      expect(['pass', 'fail']).toContain(r.status);
    } else {
      expect(r.status).toBe('error');
      expect(r.error).toMatch(/systemd|bus|missing:systemctl/);
    }
  });

  it('probes read a journal (or say journalctl is absent) in the same exec', async () => {
    const r = await runBatch(executor, [item('f', { kind: 'file', path: dir })], [
      { id: 'journal:etcd', probe: { journal: 'etcd', lines: 5, where: 'server' } },
    ]);
    expect(r.probes).toHaveLength(1);
    expect(r.probes[0]!.probeId).toBe('journal:etcd');
    expect(r.probes[0]!.text.length).toBeGreaterThan(0);
  });
});
