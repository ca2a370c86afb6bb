// The failures the chapter's diagnostics name, each caused for real on the lab server (or in the
// lab's jumpbox folder) and undone afterwards. The lab suite runs each case on the finished
// chapter and asserts that the tutor shows EXACTLY these diagnostics on these steps (an empty list:
// the step fails and nothing may be blamed). Failure A has its own, longer test in chapter.test.ts
// (it also applies the fix the tutor offers).
import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { LabLayout } from '../../src/lab/layout.js';

export interface Expectation {
  step: string;
  /** `check`: re-check the step; `run`: run the step's commands (the failure shows in their output). */
  by: 'check' | 'run';
  /** The whole set shown once the server settled, not just some of it. */
  diagnostics: string[];
}

export interface DiagnosticCase {
  name: string;
  /** Breaks the server: bash as root, in /root. */
  server?: string;
  /** Breaks the host side of the lab (jumpbox folder, ssh_config, known_hosts, wrappers). */
  host?: (layout: LabLayout) => void;
  expect: Expectation[];
  /** Undone even when the case fails, so the next case starts from a finished chapter. */
  undoServer?: string;
  undoHost?: (layout: LabLayout) => void;
}

const UNIT = '/etc/systemd/system/kube-apiserver.service';
const KUBECTL = 'kubectl --kubeconfig /root/admin.kubeconfig';
/** A certificate from a CA the cluster does not know, for "signed by another CA" failures. */
const OTHER_CERT = (cn: string) =>
  `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=${cn} -days 1 -keyout /tmp/other.key -out /tmp/other.crt 2>/dev/null`;
/** e_machine of the other architecture, octal for printf: arm64 (0xb7) on amd64 and vice versa. */
const FOREIGN_MACHINE = process.arch === 'arm64' ? '\\076\\000' : '\\267\\000';

/** Waits (up to 15 s) until the API server listens on 6443 again. */
const UNTIL_6443 = "for i in $(seq 30); do ss -Htln 'sport = :6443' | grep -q . && break; sleep 0.5; done";
/** Another address in the server's /24, for the NAT trap: the lab's own network, never the host's. */
const otherAddress = (l: LabLayout) => l.net.serverIp.replace(/\.\d+$/, '.99');
/** The kubectl steps a learner runs; each must say "no kubeconfig" when kubectl falls back to localhost:8080. */
const KUBECTL_STEPS = ['leader-leases', 'cluster-info', 'kubernetes-service', 'sar-before', 'apply-rbac', 'sar-after', 'bootstrap-roles'];

const moveAside = (path: string) => renameSync(path, `${path}.kthw-away`);
const moveBack = (path: string) => renameSync(`${path}.kthw-away`, path);
let saved = '';

export const DIAGNOSTIC_CASES: DiagnosticCase[] = [
  {
    name: 'certificates, keys, kubeconfig and encryption config are gone',
    server:
      'mkdir -p /tmp/kthw && mv /var/lib/kubernetes/ca.crt /var/lib/kubernetes/kube-api-server.crt /var/lib/kubernetes/service-accounts.key ' +
      '/var/lib/kubernetes/encryption-config.yaml /root/admin.kubeconfig /tmp/kthw/',
    expect: [
      { step: 'prerequisites', by: 'check', diagnostics: ['no-certificates', 'no-service-account-keys', 'no-kubeconfigs', 'no-encryption-config'] },
      { step: 'api-server-cn', by: 'check', diagnostics: ['no-cert'] },
    ],
    undoServer: 'cd /tmp/kthw && mv ca.crt kube-api-server.crt service-accounts.key encryption-config.yaml /var/lib/kubernetes/ && mv admin.kubeconfig /root/',
  },
  {
    name: 'H: kube-apiserver is down and the controller-manager cannot reach it',
    server: 'systemctl stop kube-apiserver',
    expect: [{ step: 'start', by: 'check', diagnostics: ['apiserver-unreachable'] }],
    undoServer: 'systemctl start kube-apiserver',
  },
  {
    name: 'etcd is not running when the API server starts',
    server: 'systemctl stop etcd && systemctl restart kube-apiserver',
    expect: [{ step: 'start', by: 'check', diagnostics: ['etcd-refused'] }],
    undoServer: 'systemctl start etcd && systemctl restart kube-apiserver',
  },
  {
    name: 'F: an unsubstituted ${ENCRYPTION_KEY} makes the API server exit',
    server:
      "cp /var/lib/kubernetes/encryption-config.yaml /tmp/encryption-config.good && sed -i 's/secret: .*/secret: $\\{ENCRYPTION_KEY}/' /var/lib/kubernetes/encryption-config.yaml && " +
      "grep -q 'secret: ${ENCRYPTION_KEY}' /var/lib/kubernetes/encryption-config.yaml && systemctl restart kube-apiserver",
    expect: [{ step: 'start', by: 'check', diagnostics: ['encryption-key'] }],
    undoServer: 'mv /tmp/encryption-config.good /var/lib/kubernetes/encryption-config.yaml && systemctl restart kube-apiserver',
  },
  {
    name: 'etcd is stopped while the API server runs',
    server: 'systemctl stop etcd',
    expect: [
      { step: 'prerequisites', by: 'check', diagnostics: ['etcd-down'] },
      { step: 'health', by: 'check', diagnostics: ['etcd-unhealthy'] },
    ],
    undoServer: 'systemctl start etcd',
  },
  {
    name: 'the jumpbox folder does not exist',
    host: (l) => moveAside(l.jumpbox),
    expect: [{ step: 'copy-files', by: 'run', diagnostics: ['no-workdir'] }],
    undoHost: (l) => moveBack(l.jumpbox),
  },
  {
    name: 'a file to copy is missing in the jumpbox folder',
    host: (l) => moveAside(join(l.jumpbox, 'configs/kube-scheduler.yaml')),
    expect: [{ step: 'copy-files', by: 'run', diagnostics: ['missing-local-file'] }],
    undoHost: (l) => moveBack(join(l.jumpbox, 'configs/kube-scheduler.yaml')),
    // scp copied the other files into /root again; page 2 moved them away.
    undoServer:
      'cd /root && rm -f kube-apiserver kube-controller-manager kube-scheduler kubectl kube-apiserver.service kube-controller-manager.service kube-scheduler.service',
  },
  {
    name: 'the name `server` does not resolve on the jumpbox',
    host: (l) => {
      saved = readFileSync(l.sshConfig, 'utf8');
      writeFileSync(l.sshConfig, saved.replace('Host server server.kubernetes.local', 'Host server.kubernetes.local'));
    },
    expect: [{ step: 'copy-files', by: 'run', diagnostics: ['unknown-host'] }],
    undoHost: (l) => writeFileSync(l.sshConfig, saved),
  },
  {
    name: 'the server no longer accepts the jumpbox key',
    host: (l) => moveAside(join(l.root, 'root/.ssh/authorized_keys')),
    expect: [{ step: 'copy-files', by: 'run', diagnostics: ['publickey'] }],
    undoHost: (l) => moveBack(join(l.root, 'root/.ssh/authorized_keys')),
  },
  {
    name: 'the server presents a host key the jumpbox has not recorded',
    host: (l) => {
      saved = readFileSync(l.knownHosts, 'utf8');
      const dir = join(l.stateDir, 'other-hostkey');
      execFileSync('sh', ['-c', `rm -rf ${dir} && mkdir -p ${dir} && ssh-keygen -q -t ed25519 -N '' -f ${dir}/key`]);
      const pub = readFileSync(join(dir, 'key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
      writeFileSync(l.knownHosts, `${l.net.serverIp},server,server.kubernetes.local ${pub}\n`);
    },
    expect: [{ step: 'copy-files', by: 'run', diagnostics: ['host-key'] }],
    undoHost: (l) => writeFileSync(l.knownHosts, saved),
  },
  {
    name: 'kube-apiserver lost its execute bit',
    server: 'chmod 644 /usr/local/bin/kube-apiserver',
    expect: [{ step: 'copy-files', by: 'check', diagnostics: ['not-executable'] }],
    undoServer: 'chmod 755 /usr/local/bin/kube-apiserver',
  },
  {
    // Downloaded for the wrong architecture on the jumpbox and copied as it was: the jumpbox's
    // file is the same foreign binary, so the copy itself is whole.
    name: 'G: kube-apiserver is built for another architecture',
    server:
      `cp /usr/local/bin/kube-apiserver /tmp/kas.good && cp /usr/local/bin/kube-apiserver /tmp/kas.foreign && ` +
      `printf '${FOREIGN_MACHINE}' | dd of=/tmp/kas.foreign bs=1 seek=18 conv=notrunc 2>/dev/null && ` +
      'mv /tmp/kas.foreign /usr/local/bin/kube-apiserver && systemctl restart kube-apiserver',
    host: (l) => {
      const file = join(l.jumpbox, 'downloads/controller/kube-apiserver');
      copyFileSync(file, `${file}.good`);
      const bytes = readFileSync(file);
      bytes.set(process.arch === 'arm64' ? [0x3e, 0x00] : [0xb7, 0x00], 18);
      writeFileSync(file, bytes);
    },
    expect: [
      { step: 'install-binaries', by: 'check', diagnostics: ['wrong-architecture', 'exec-format'] },
      { step: 'start', by: 'check', diagnostics: ['exec-failed'] },
    ],
    undoServer: 'mv /tmp/kas.good /usr/local/bin/kube-apiserver && systemctl restart kube-apiserver',
    undoHost: (l) => {
      const file = join(l.jumpbox, 'downloads/controller/kube-apiserver');
      renameSync(`${file}.good`, file);
    },
  },
  {
    // Replaced by a file of half its size (renamed over it: the running service keeps the whole one).
    name: 'the copy of kube-apiserver was cut short',
    server:
      'f=/usr/local/bin/kube-apiserver && cp -p $f /tmp/kas.good && head -c $(( $(stat -c %s $f) / 2 )) $f > /tmp/kas.cut && ' +
      'chmod 755 /tmp/kas.cut && mv /tmp/kas.cut $f',
    expect: [
      { step: 'copy-files', by: 'check', diagnostics: ['truncated-copy'] },
      { step: 'install-binaries', by: 'check', diagnostics: ['truncated-binary'] },
    ],
    undoServer: 'mv /tmp/kas.good /usr/local/bin/kube-apiserver',
  },
  {
    // Another build of the same name (one byte more): not what the jumpbox sent.
    name: 'kube-controller-manager on the server is not the jumpbox file',
    server:
      'f=/usr/local/bin/kube-controller-manager && cp -p $f /tmp/kcm.good && cp -p $f /tmp/kcm.other && ' +
      'printf x >> /tmp/kcm.other && mv /tmp/kcm.other $f',
    expect: [
      { step: 'copy-files', by: 'check', diagnostics: ['different-copy'] },
      { step: 'install-binaries', by: 'check', diagnostics: ['different-binary'] },
    ],
    undoServer: 'mv /tmp/kcm.good /usr/local/bin/kube-controller-manager',
  },
  {
    name: 'page 2 is run again: the files already left /root',
    expect: [
      { step: 'install-binaries', by: 'run', diagnostics: ['not-in-root'] },
      { step: 'install-apiserver-files', by: 'run', diagnostics: ['not-in-root'] },
      { step: 'install-controller-manager', by: 'run', diagnostics: ['not-in-root'] },
      { step: 'install-scheduler', by: 'run', diagnostics: ['not-in-root'] },
    ],
  },
  {
    name: 'copies left in /root and a private key readable by all',
    server:
      'cp /var/lib/kubernetes/ca.key /var/lib/kubernetes/kube-controller-manager.kubeconfig /var/lib/kubernetes/kube-scheduler.kubeconfig /root/ && ' +
      'chmod 644 /var/lib/kubernetes/ca.key',
    expect: [
      { step: 'install-apiserver-files', by: 'check', diagnostics: ['left-in-root', 'key-mode'] },
      { step: 'install-controller-manager', by: 'check', diagnostics: ['left-in-root'] },
      { step: 'install-scheduler', by: 'check', diagnostics: ['left-in-root'] },
    ],
    undoServer: 'rm -f /root/ca.key /root/kube-controller-manager.kubeconfig /root/kube-scheduler.kubeconfig && chmod 600 /var/lib/kubernetes/ca.key',
  },
  {
    name: 'the added flag line was re-indented, and systemd was not told',
    server: String.raw`sed -i 's|^  --service-cluster-ip-range=10.32.0.0/24 \\$|    --service-cluster-ip-range=10.32.0.0/24 \\|' ${UNIT}`,
    expect: [
      { step: 'service-cidr', by: 'check', diagnostics: ['unit-edited'] },
      { step: 'start', by: 'check', diagnostics: ['daemon-reload-forgotten'] },
    ],
    undoServer: String.raw`sed -i 's|^    --service-cluster-ip-range=10.32.0.0/24 \\$|  --service-cluster-ip-range=10.32.0.0/24 \\|' ${UNIT} && systemctl daemon-reload`,
  },
  {
    name: 'the kube-apiserver unit file is gone',
    server: `mv ${UNIT} /tmp/kube-apiserver.service && systemctl daemon-reload`,
    expect: [
      { step: 'daemon-reload', by: 'check', diagnostics: ['unit-not-found'] },
      { step: 'enable', by: 'run', diagnostics: ['no-unit-file'] },
    ],
    undoServer: `mv /tmp/kube-apiserver.service ${UNIT} && systemctl daemon-reload && systemctl enable kube-apiserver`,
  },
  {
    name: 'a file the API server opens at start is missing',
    server: 'mv /var/lib/kubernetes/kube-api-server.key /tmp/ && systemctl restart kube-apiserver',
    expect: [{ step: 'start', by: 'check', diagnostics: ['missing-file'] }],
    undoServer: 'mv /tmp/kube-api-server.key /var/lib/kubernetes/ && systemctl restart kube-apiserver',
  },
  {
    name: 'B: a flag line lost its trailing backslash',
    server: String.raw`sed -i 's|^  --bind-address=0.0.0.0 \\$|  --bind-address=0.0.0.0|' ${UNIT} && systemctl daemon-reload && systemctl restart kube-apiserver`,
    expect: [{ step: 'start', by: 'check', diagnostics: ['broken-continuation'] }],
    undoServer: String.raw`sed -i 's|^  --bind-address=0.0.0.0$|  --bind-address=0.0.0.0 \\|' ${UNIT} && systemctl daemon-reload && systemctl restart kube-apiserver`,
  },
  {
    name: 'another program holds port 6443',
    server:
      'systemctl stop kube-apiserver && systemd-run --unit=kthw-squat /usr/local/bin/kube-controller-manager --secure-port=6443 ' +
      '--kubeconfig=/var/lib/kubernetes/kube-controller-manager.kubeconfig && sleep 2 && systemctl start kube-apiserver',
    expect: [{ step: 'listeners', by: 'check', diagnostics: ['apiserver-not-listening', 'port-taken'] }],
    undoServer: 'systemctl stop kthw-squat; systemctl reset-failed kthw-squat 2>/dev/null; systemctl restart kube-apiserver',
  },
  {
    name: 'H: kube-apiserver is stopped',
    server: 'cp /root/sar-before.json /tmp/sar-before.json && systemctl stop kube-apiserver',
    expect: [
      { step: 'listeners', by: 'check', diagnostics: ['apiserver-not-listening'] },
      { step: 'health', by: 'check', diagnostics: ['refused'] },
      { step: 'cluster-info', by: 'check', diagnostics: ['refused'] },
      { step: 'kubelet-client', by: 'check', diagnostics: ['apiserver-down'] },
      { step: 'sar-before', by: 'run', diagnostics: ['refused'] },
      { step: 'apply-rbac', by: 'run', diagnostics: ['refused'] },
      { step: 'version-from-jumpbox', by: 'check', diagnostics: ['refused'] },
    ],
    undoServer: 'mv /tmp/sar-before.json /root/sar-before.json && systemctl start kube-apiserver',
  },
  {
    name: 'the scheduler configuration is missing',
    server: `mv /etc/kubernetes/config/kube-scheduler.yaml /tmp/ && systemctl restart kube-scheduler && ${KUBECTL} delete lease kube-scheduler -n kube-system`,
    expect: [{ step: 'leader-leases', by: 'check', diagnostics: ['scheduler-config'] }],
    undoServer: 'mv /tmp/kube-scheduler.yaml /etc/kubernetes/config/ && systemctl restart kube-scheduler',
  },
  {
    name: 'H: the controller-manager certificate is signed by another CA',
    server:
      `cp /var/lib/kubernetes/kube-controller-manager.kubeconfig /tmp/kcm.kubeconfig && ${OTHER_CERT('system:kube-controller-manager')} && ` +
      'kubectl config set-credentials system:kube-controller-manager --client-certificate=/tmp/other.crt --client-key=/tmp/other.key --embed-certs=true ' +
      `--kubeconfig=/var/lib/kubernetes/kube-controller-manager.kubeconfig >/dev/null && systemctl restart kube-controller-manager && ` +
      `${KUBECTL} delete lease kube-controller-manager -n kube-system`,
    expect: [
      { step: 'start', by: 'check', diagnostics: ['unauthorized'] },
      { step: 'leader-leases', by: 'check', diagnostics: ['unauthorized'] },
    ],
    undoServer: 'mv /tmp/kcm.kubeconfig /var/lib/kubernetes/kube-controller-manager.kubeconfig && systemctl restart kube-controller-manager',
  },
  // Right after the case above: earlier runs of the controller-manager logged Unauthorized, and
  // the API server's restart below leaves refused lines in its current run. Neither is evidence.
  {
    name: 'kube-scheduler is stopped by hand on a healthy control plane',
    server: `systemctl stop kube-apiserver && sleep 5 && systemctl start kube-apiserver && ${UNTIL_6443} && systemctl stop kube-scheduler`,
    expect: [
      { step: 'start', by: 'check', diagnostics: [] },
      { step: 'listeners', by: 'check', diagnostics: [] },
      { step: 'health', by: 'check', diagnostics: [] },
    ],
    undoServer: 'systemctl start kube-scheduler',
  },
  {
    name: 'kube-controller-manager is stopped by hand on a healthy control plane',
    server: 'systemctl stop kube-controller-manager',
    expect: [
      { step: 'start', by: 'check', diagnostics: [] },
      { step: 'listeners', by: 'check', diagnostics: [] },
      { step: 'health', by: 'check', diagnostics: [] },
    ],
    undoServer: 'systemctl start kube-controller-manager',
  },
  {
    name: 'E: admin.kubeconfig has no credentials',
    server: 'cp /root/admin.kubeconfig /tmp/admin.kubeconfig && kubectl config unset users.admin --kubeconfig /root/admin.kubeconfig >/dev/null',
    expect: [{ step: 'cluster-info', by: 'check', diagnostics: ['asks-username'] }],
    undoServer: 'mv /tmp/admin.kubeconfig /root/admin.kubeconfig',
  },
  {
    name: 'H: admin.kubeconfig holds a certificate from another CA',
    server:
      `cp /root/admin.kubeconfig /tmp/admin.kubeconfig && ${OTHER_CERT('admin')} && ` +
      'kubectl config set-credentials admin --client-certificate=/tmp/other.crt --client-key=/tmp/other.key --embed-certs=true --kubeconfig /root/admin.kubeconfig >/dev/null',
    expect: [{ step: 'cluster-info', by: 'check', diagnostics: ['unauthorized'] }],
    undoServer: 'mv /tmp/admin.kubeconfig /root/admin.kubeconfig',
  },
  {
    name: 'the CA file on the server is not the one that signed the API server certificate',
    server: `mv /var/lib/kubernetes/ca.crt /tmp/ca.crt && ${OTHER_CERT('other-ca')} && cp /tmp/other.crt /var/lib/kubernetes/ca.crt`,
    expect: [{ step: 'health', by: 'check', diagnostics: ['wrong-ca'] }],
    undoServer: 'mv /tmp/ca.crt /var/lib/kubernetes/ca.crt',
  },
  {
    name: 'kubectl finds no cluster in its kubeconfig (as without --kubeconfig) and tries localhost:8080',
    server:
      'cp /root/admin.kubeconfig /tmp/admin.kubeconfig && cp /root/sar-before.json /tmp/sar-before.json && cp /root/sar-after.json /tmp/sar-after.json && ' +
      ': > /root/admin.kubeconfig',
    expect: KUBECTL_STEPS.map((step) => ({ step, by: 'run' as const, diagnostics: ['no-kubeconfig'] })),
    undoServer: 'mv /tmp/admin.kubeconfig /root/admin.kubeconfig && mv /tmp/sar-before.json /tmp/sar-after.json /root/',
  },
  {
    // The container may not change its own addresses; the host adds one in the lab's namespace.
    name: 'the API server advertises an address other than server.kubernetes.local (NAT trap)',
    host: (l) => execFileSync('ip', ['-n', l.net.netns, 'addr', 'add', `${otherAddress(l)}/32`, 'dev', l.net.peerIf]),
    server:
      `other=$(ip -o -4 addr show | awk '$4 ~ /\\/32$/ {sub("/32", "", $4); print $4; exit}') && [ -n "$other" ] && ` +
      String.raw`sed -i '/^  --bind-address=0.0.0.0 \\$/a\  --advertise-address='"$other"' \\' ${UNIT} && ` +
      `grep -q -- "--advertise-address=$other" ${UNIT} && systemctl daemon-reload && systemctl restart kube-apiserver && ${UNTIL_6443}`,
    expect: [{ step: 'kubernetes-service', by: 'check', diagnostics: ['advertised-elsewhere'] }],
    // The address goes first (undoHost runs before undoServer): a restarted API server must not
    // pick it up as its default.
    undoHost: (l) => {
      try {
        execFileSync('ip', ['-n', l.net.netns, 'addr', 'del', `${otherAddress(l)}/32`, 'dev', l.net.peerIf], { stdio: 'ignore' });
      } catch {
        // Not added: the case failed before that.
      }
    },
    undoServer: `sed -i '/^  --advertise-address=/d' ${UNIT} && systemctl daemon-reload && systemctl restart kube-apiserver`,
  },
  {
    name: 'the RBAC is already in place when page 5 asks',
    server: 'cp /root/sar-before.json /tmp/sar-before.json',
    expect: [{ step: 'sar-before', by: 'run', diagnostics: ['already-allowed'] }],
    undoServer: 'mv /tmp/sar-before.json /root/sar-before.json',
  },
  {
    name: 'the RBAC manifest is not in /root',
    server: 'mv /root/kube-apiserver-to-kubelet.yaml /tmp/',
    expect: [{ step: 'apply-rbac', by: 'run', diagnostics: ['no-file'] }],
    undoServer: 'mv /tmp/kube-apiserver-to-kubelet.yaml /root/',
  },
  {
    name: 'the binding was deleted before asking again',
    server: `cp /root/sar-after.json /tmp/sar-after.json && ${KUBECTL} delete clusterrolebinding system:kube-apiserver`,
    expect: [{ step: 'sar-after', by: 'run', diagnostics: ['still-denied'] }],
    undoServer: `${KUBECTL} apply -f /root/kube-apiserver-to-kubelet.yaml >/dev/null && mv /tmp/sar-after.json /root/sar-after.json`,
  },
  {
    name: 'the review request of page 5 is missing',
    server: 'cp /root/sar-after.json /tmp/sar-after.json && mv /root/sar-nodes-proxy.json /tmp/',
    expect: [{ step: 'sar-after', by: 'run', diagnostics: ['no-request'] }],
    undoServer: 'mv /tmp/sar-nodes-proxy.json /root/ && mv /tmp/sar-after.json /root/sar-after.json',
  },
  {
    name: 'D: ca.crt is not in the folder the final curl runs in',
    host: (l) => moveAside(join(l.jumpbox, 'ca.crt')),
    expect: [{ step: 'version-from-jumpbox', by: 'check', diagnostics: ['no-ca-here'] }],
    undoHost: (l) => moveBack(join(l.jumpbox, 'ca.crt')),
  },
  {
    name: 'C: the API server certificate is for clients only (old ca.conf)',
    server:
      'cd /var/lib/kubernetes && cp kube-api-server.crt /tmp/kas.crt && openssl req -new -key kube-api-server.key -subj /CN=kubernetes -out /tmp/c.csr && ' +
      String.raw`printf 'extendedKeyUsage=clientAuth\nsubjectAltName=DNS:server.kubernetes.local,IP:127.0.0.1\n' > /tmp/c.ext && ` +
      'openssl x509 -req -in /tmp/c.csr -CA ca.crt -CAkey ca.key -CAcreateserial -CAserial /tmp/c.srl -days 1 -extfile /tmp/c.ext -out kube-api-server.crt 2>/dev/null && ' +
      'systemctl restart kube-apiserver',
    // Named where it first shows (page 4's curl and every kubectl step), alone: never as a wrong CA.
    expect: [
      { step: 'health', by: 'check', diagnostics: ['bad-purpose'] },
      { step: 'leader-leases', by: 'check', diagnostics: ['bad-purpose'] },
      { step: 'cluster-info', by: 'check', diagnostics: ['bad-purpose'] },
      { step: 'kubernetes-service', by: 'check', diagnostics: ['bad-purpose'] },
      { step: 'version-from-jumpbox', by: 'check', diagnostics: ['unsuitable-purpose'] },
    ],
    undoServer: 'cp /tmp/kas.crt /var/lib/kubernetes/kube-api-server.crt && systemctl restart kube-apiserver',
  },
  {
    name: 'the jumpbox cannot resolve server.kubernetes.local',
    host: (l) => {
      const curl = join(l.binDir, 'curl');
      saved = readFileSync(curl, 'utf8');
      writeFileSync(curl, '#!/bin/sh\nexec /usr/bin/curl "$@"\n');
    },
    expect: [{ step: 'version-from-jumpbox', by: 'check', diagnostics: ['no-name'] }],
    undoHost: (l) => writeFileSync(join(l.binDir, 'curl'), saved),
  },
];

/** Diagnostics induced by the longer test of failure A in chapter.test.ts (it also applies the fix). */
export const INDUCED_ELSEWHERE: Record<string, string[]> = {
  start: ['no-service-cidr', 'running-without-cidr'],
  'kubernetes-service': ['default-range'],
};
