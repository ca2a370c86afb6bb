// The real lesson pack (lessons/control-plane): it loads cleanly, both languages cover the same
// ids, and the commands it runs are the chapter's own. Expected command texts below are copied
// from the chapter 8 facts (upstream kubernetes-the-hard-way 52eb26d, Apache-2.0).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult, ProbeResult } from '../../src/checks/result.js';
import { defaultLessonsDir, loadCourse } from '../../src/course/loader.js';
import type { Step } from '../../src/course/schema.js';
import { toPageViews } from '../../src/course/view.js';
import { matchDiagnostics } from '../../src/tutor/diagnose.js';

const dir = defaultLessonsDir();
const course = loadCourse(dir);
const step = (id: string): Step => {
  for (const p of course.pages) for (const s of p.steps) if (s.id === id) return s;
  throw new Error(`no step ${id}`);
};
const upstream = (path: string) => readFileSync(join(dir, 'upstream', path), 'utf8');

const CHAPTER_SCP = `scp downloads/controller/kube-apiserver downloads/controller/kube-controller-manager \\
    downloads/controller/kube-scheduler downloads/client/kubectl \\
    units/kube-apiserver.service units/kube-controller-manager.service units/kube-scheduler.service \\
    configs/kube-scheduler.yaml configs/kube-apiserver-to-kubelet.yaml root@server:~/`;

const CHAPTER_SERVER_COMMANDS = [
  'mkdir -p /etc/kubernetes/config',
  'mv kube-apiserver kube-controller-manager kube-scheduler kubectl /usr/local/bin/',
  'mkdir -p /var/lib/kubernetes/',
  `mv ca.crt ca.key kube-api-server.key kube-api-server.crt service-accounts.key service-accounts.crt \\
   encryption-config.yaml /var/lib/kubernetes/`,
  'mv kube-apiserver.service /etc/systemd/system/kube-apiserver.service',
  'mv kube-controller-manager.kubeconfig /var/lib/kubernetes/',
  'mv kube-controller-manager.service /etc/systemd/system/',
  'mv kube-scheduler.kubeconfig /var/lib/kubernetes/',
  'mv kube-scheduler.yaml /etc/kubernetes/config/',
  'mv kube-scheduler.service /etc/systemd/system/',
  'systemctl daemon-reload',
  'systemctl enable kube-apiserver kube-controller-manager kube-scheduler',
  'systemctl start kube-apiserver kube-controller-manager kube-scheduler',
];

describe('the control-plane lesson pack', () => {
  it('loads with no problems and lists its pages in order', () => {
    expect(course.pages.map((p) => p.folder)).toEqual(['01-distribute', '02-install', '03-services', '04-verify', '05-webhook', '06-rbac']);
    expect(course.languages).toEqual(['ko', 'en']);
  });

  it('has the same steps, hints and diagnostics in Korean and English on every page', () => {
    for (const page of course.pages) {
      const ko = page.prose.ko!;
      const en = page.prose.en!;
      const ids = (p: typeof ko) => ({
        steps: [...p.steps.keys()].sort(),
        hints: [...p.hints.keys()].sort(),
        diagnostics: [...p.diagnostics.keys()].sort(),
      });
      expect(ids(ko), `page ${page.folder}: ko.md and en.md differ`).toEqual(ids(en));
      for (const s of page.steps) {
        for (const [lang, prose] of [['ko', ko], ['en', en]] as const) {
          const section = prose.steps.get(s.id);
          expect(section?.title, `page ${page.folder}, step ${s.id}: no ${lang} title`).toBeTruthy();
          expect(section?.body, `page ${page.folder}, step ${s.id}: no ${lang} explanation`).toBeTruthy();
        }
      }
      expect(ko.title && en.title && ko.intro && en.intro, `page ${page.folder}: title and intro in both languages`).toBeTruthy();
    }
  });

  it('builds page views in both languages with every hint and diagnostic text', () => {
    for (const lang of ['ko', 'en'] as const) {
      const views = toPageViews(course, lang);
      views.forEach((view, i) => {
        const page = course.pages[i]!;
        view.steps.forEach((v, j) => {
          const s = page.steps[j]!;
          expect(v.hints.length).toBe(s.hints.length);
          expect(Object.keys(v.diagnostics)).toEqual(s.diagnostics.map((d) => d.id));
          expect(Object.keys(v.fixes)).toEqual(s.diagnostics.filter((d) => d.fix).map((d) => d.id));
        });
      });
    }
  });

  it('gives every step a place, at least one check and hint, and diagnostics that point at real checks', () => {
    for (const page of course.pages) {
      for (const s of page.steps) {
        // A quiz step is a knowledge gate: questions instead of checks (and nothing to diagnose).
        expect((s.checks?.length ?? 0) + (s.quiz?.length ?? 0), `${page.folder}/${s.id}`).toBeGreaterThan(0);
        expect(s.hints.length, `${page.folder}/${s.id}`).toBeGreaterThan(0);
        const checkIds = (s.checks ?? []).map((c) => c.id);
        const journals = s.probes.flatMap((p) => ('journal' in p ? [p.journal] : []));
        for (const d of s.diagnostics) {
          if (d.when.check !== undefined) expect(checkIds, `${page.folder}/${s.id}/${d.id}`).toContain(d.when.check);
          if (d.when.journal !== undefined) expect(journals, `${page.folder}/${s.id}/${d.id}`).toContain(d.when.journal.unit);
        }
      }
    }
  });

  it('copies with exactly the chapter\'s scp, from the jumpbox, checking on the server', () => {
    const copy = step('copy-files');
    expect(copy.where).toBe('jumpbox');
    expect(copy.cwd).toBeUndefined(); // the learner's ~/kubernetes-the-hard-way
    expect(copy.run).toEqual([CHAPTER_SCP]);
    expect(copy.checks.every((c) => c.where === 'server')).toBe(true);
    // The fix for missing execute bits copies again with the very same command.
    expect(copy.diagnostics.find((d) => d.id === 'not-executable')?.fix?.at(-1)).toBe(CHAPTER_SCP);
    // The tutor's own copy (key u) sends exactly the scp's files to the same place (~ is /root).
    const sources = CHAPTER_SCP.replace(/\\\n\s*/g, ' ').split(/\s+/).slice(1, -1);
    expect(copy.upload).toEqual({ to: '/root', files: sources });
    // Each binary is compared with the very file the scp sends.
    const binaries = sources.filter((f) => f.startsWith('downloads/'));
    expect(copy.checks.flatMap((c) => (c.kind === 'file' && c.sameAs ? [c.sameAs] : []))).toEqual(binaries);
    const install = step('install-binaries');
    expect(install.checks.flatMap((c) => (c.kind === 'file' && c.sameAs ? [c.sameAs] : []))).toEqual(binaries);
    const pre = step('prerequisites');
    expect(pre.run).toEqual([]);
    expect(pre.checks.find((c) => c.id === 'etcd')).toMatchObject({ kind: 'service', name: 'etcd', active: true });
  });

  it('runs the chapter\'s server commands in the chapter\'s order', () => {
    const serverSteps = course.pages.slice(1, 3).flatMap((p) => p.steps).filter((s) => s.id !== 'service-cidr');
    expect(serverSteps.every((s) => s.where === 'server' && s.cwd === undefined)).toBe(true);
    expect(serverSteps.flatMap((s) => s.run)).toEqual(CHAPTER_SERVER_COMMANDS);
  });

  it('verifies, applies the RBAC and ends with the chapter\'s own commands, where the chapter runs them', () => {
    const all = course.pages.flatMap((p) => p.steps);
    const runOf = (id: string) => step(id).run;
    expect(runOf('cluster-info')).toContain('kubectl cluster-info --kubeconfig admin.kubeconfig');
    expect(runOf('listeners')).toEqual(['ss -tlp | grep kube']);
    expect(step('apply-rbac')).toMatchObject({ where: 'server', run: ['kubectl apply -f kube-apiserver-to-kubelet.yaml --kubeconfig admin.kubeconfig'] });
    expect(step('version-from-jumpbox')).toMatchObject({ where: 'jumpbox', run: ['curl --cacert ca.crt https://server.kubernetes.local:6443/version'] });
    expect(all.at(-1)!.id).toBe('version-from-jumpbox');
    // Pages 4-6 apply nothing but the RBAC and the two review files: the rest only looks.
    const changing = course.pages.slice(3).flatMap((p) => p.steps).filter((s) => !s.observes && !s.quiz).map((s) => s.id);
    expect(changing).toEqual(['sar-before', 'apply-rbac', 'sar-after']);
  });

  it('asks the same SubjectAccessReview before and after the RBAC page: the one kubectl logs needs', () => {
    const before = step('sar-before').run.join('\n');
    expect(before).toContain('"user": "kubernetes"');
    // The kubelet maps /containerLogs (kubectl logs), /exec, /attach, /portForward to nodes/proxy;
    // nodes/log is the node's own /var/log files.
    expect(before).toContain('cat > sar-nodes-proxy.json');
    expect(before).toContain('"resource": "nodes", "subresource": "proxy"');
    expect(before).not.toContain('"subresource": "log"');
    const create = (file: string) => `kubectl create -f sar-nodes-proxy.json -o json --kubeconfig admin.kubeconfig | tee ${file}`;
    expect(step('sar-before').run.at(-1)).toBe(create('sar-before.json'));
    expect(step('sar-after').run).toEqual([create('sar-after.json')]);
    expect(step('sar-before').checks).toContainEqual(expect.objectContaining({ kind: 'file', path: '/root/sar-nodes-proxy.json', contains: '"subresource": "proxy"' }));
  });

  it('does not put the right quiz answer in the same place in every question', () => {
    const questions = course.pages.flatMap((p) => p.steps).flatMap((s) => s.quiz ?? []);
    expect(questions.length).toBeGreaterThan(3);
    const positions = new Set(questions.map((q) => q.options.indexOf(q.answer)));
    expect(positions.has(-1)).toBe(false);
    expect(positions.size).toBeGreaterThan(2);
  });

  it('asks which subresource kubectl logs needs at the kubelet, and explains every wrong choice', () => {
    for (const lang of ['en', 'ko'] as const) {
      const quiz = toPageViews(course, lang).flatMap((p) => p.steps).find((s) => s.id === 'webhook-quiz')!.quiz!;
      const q = quiz.find((x) => x.id === 'which-subresource')!;
      expect(q.options.find((o) => o.id === q.answer)!.text.trim(), lang).toBe('`nodes/proxy`');
      const log = q.options.find((o) => o.text.trim() === '`nodes/log`');
      expect(log, lang).toBeDefined();
      expect(log!.id).not.toBe(q.answer);
      expect(log!.explain, lang).toContain('/var/log');
    }
  });

  it('checks private keys for mode 0600 and binaries for 0755, owned by root', () => {
    const files = course.pages[1]!.steps.flatMap((s) => s.checks).filter((c) => c.kind === 'file' && c.exists);
    for (const c of files) {
      if (c.kind !== 'file') continue;
      if (c.path.endsWith('.key')) expect(c, c.path).toMatchObject({ mode: '0600', owner: 'root' });
      if (c.path.startsWith('/usr/local/bin/')) expect(c, c.path).toMatchObject({ mode: '0755', owner: 'root' });
    }
  });
});

describe('the --service-cluster-ip-range fix', () => {
  const command = step('service-cidr').run[0]!;
  const unitPath = '/etc/systemd/system/kube-apiserver.service';

  it('inserts the flag once after the node-port line, and changes nothing when run again', () => {
    const work = mkdtempSync(join(tmpdir(), 'kthw-unit-'));
    try {
      const unit = join(work, 'kube-apiserver.service');
      const original = upstream('units/kube-apiserver.service');
      writeFileSync(unit, original);
      const local = command.replaceAll(unitPath, unit);
      expect(local).not.toBe(command);
      execFileSync('/bin/sh', ['-c', local]);
      const once = readFileSync(unit, 'utf8');
      const expected = original.replace(
        '  --service-node-port-range=30000-32767 \\\n',
        '  --service-node-port-range=30000-32767 \\\n  --service-cluster-ip-range=10.32.0.0/24 \\\n',
      );
      expect(expected).not.toBe(original);
      expect(once).toBe(expected);
      execFileSync('/bin/sh', ['-c', local]);
      expect(readFileSync(unit, 'utf8')).toBe(expected);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('is offered as the fix of both service-cidr diagnostics, followed by daemon-reload and a restart', () => {
    const start = step('start');
    for (const id of ['no-service-cidr', 'running-without-cidr']) {
      expect(start.diagnostics.find((d) => d.id === id)?.fix).toEqual([command, 'systemctl daemon-reload', 'systemctl restart kube-apiserver']);
    }
  });

  it('the upstream unit really lacks the flag, and the controller-manager has the same range', () => {
    expect(upstream('units/kube-apiserver.service')).not.toContain('--service-cluster-ip-range');
    expect(upstream('units/kube-controller-manager.service')).toContain('  --service-cluster-ip-range=10.32.0.0/24 \\\n');
  });
});

describe('page 3 prose', () => {
  const ABSENT_FLAGS = ['--audit-policy-file'];

  it('names only flags that the upstream units have (or the one flag the lesson adds)', () => {
    const units = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']
      .map((u) => upstream(`units/${u}.service`))
      .join('\n');
    const page = course.pages[2]!;
    for (const lang of ['ko', 'en'] as const) {
      const text = readFileSync(join(dir, page.folder, `${lang}.md`), 'utf8');
      const flags = [...text.matchAll(/`(--[a-z][a-z0-9-]*[^`]*)`/g)].map((m) => m[1]!.replace(/(\.\.\.|\*| \\)$/, ''));
      expect(flags.length).toBeGreaterThan(20);
      for (const flag of flags) {
        // Named because the units lack it: the page explains what its absence means.
        if (ABSENT_FLAGS.includes(flag)) expect(units, `${lang}.md says ${flag} is missing`).not.toContain(flag);
        else expect(units, `${lang}.md mentions ${flag}`).toContain(flag);
      }
    }
  });
});

describe('start diagnostics fire on journal evidence', () => {
  const start = step('start');
  const failedApiserver: CheckResult = {
    checkId: 'apiserver',
    kind: 'service',
    where: 'server',
    subject: 'kube-apiserver',
    status: 'fail',
    findings: [{ property: 'active', expected: 'active', found: 'activating', ok: false }],
    evidence: '',
  };
  const fired = (unit: string, line: string) => {
    // Nothing listens on 6443 (the API server is down), as the same batch measured it.
    const probes: ProbeResult[] = [
      { probeId: `journal:${unit}`, text: `Jan 09 20:23:48 server ${unit}[3016]: ${line}\n` },
      { probeId: 'port:6443', text: '' },
    ];
    return matchDiagnostics(start.diagnostics, { checks: [failedApiserver], probes, run: null });
  };

  it.each([
    ['encryption-key', 'kube-apiserver', 'E0109 run.go:72] "command failed" err="error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: Invalid value: \\"REDACTED\\": secrets must be base64 encoded"'],
    ['etcd-refused', 'kube-apiserver', 'W0109 logging.go:55] [core] grpc: addrConn.createTransport failed to connect to {Addr: "127.0.0.1:2379"}. Err: connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:2379: connect: connection refused"'],
    ['missing-file', 'kube-apiserver', 'E0109 run.go:72] "command failed" err="open /var/lib/kubernetes/ca.crt: no such file or directory"'],
    ['exec-failed', 'kube-apiserver', 'kube-apiserver.service: Main process exited, code=exited, status=203/EXEC'],
    ['no-service-cidr', 'kube-apiserver', 'W0109 services.go:37] No CIDR for service cluster IPs specified. Default value which was 10.0.0.0/24 is deprecated and will be removed in future releases. Please specify it using --service-cluster-ip-range on kube-apiserver.'],
    ['broken-continuation', 'kube-apiserver', "/etc/systemd/system/kube-apiserver.service:28: Unknown key name '--tls-cert-file' in section 'Service', ignoring."],
    ['apiserver-unreachable', 'kube-controller-manager', 'E0109 leaderelection.go:436] error retrieving resource lock kube-system/kube-controller-manager: Get "https://server.kubernetes.local:6443/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager": dial tcp 10.0.2.15:6443: connect: connection refused'],
    ['unauthorized', 'kube-controller-manager', 'E0109 leaderelection.go:436] error retrieving resource lock kube-system/kube-controller-manager: Unauthorized'],
  ])('%s', (id, unit, line) => {
    expect(fired(unit, line)).toEqual([id]);
  });

  it('stays quiet on a healthy journal', () => {
    expect(fired('kube-scheduler', 'I0109 leaderelection.go:271] successfully acquired lease kube-system/kube-scheduler')).toEqual([]);
  });
});
