// Instructor mode runs only read-only checks on students' servers. The typed kinds read by
// construction; a `command` check must be marked `readOnly` by the lesson pack. This test holds
// the chapter's pack to that: every command check is marked (each was reviewed), and a marked
// command that contains a verb that changes a machine is caught here, not on a student's server.
import { describe, expect, it } from 'vitest';
import { isReadOnly, readOnlyPart } from '../../src/checks/read-only.js';
import { CheckSpec } from '../../src/checks/spec.js';
import { defaultLessonsDir, loadCourse } from '../../src/course/loader.js';

/** Shell that writes: the patterns a reviewer would look for first. */
const WRITES: Array<[string, RegExp]> = [
  ['systemctl changing a unit', /\bsystemctl\s+(?:\S+\s+)*?(start|stop|restart|reload|enable|disable|mask|unmask|daemon-reload|kill|edit)\b/],
  ['kubectl changing an object', /\bkubectl\s+(?:\S+\s+)*?(apply|create|delete|edit|patch|replace|label|annotate|scale|drain|cordon|taint|set)\b/],
  ['a file command that writes', /(^|[;&|(]\s*|\s)(rm|mv|cp|install|tee|chmod|chown|mkdir|rmdir|truncate|dd|ln|touch)\s/],
  ['sed -i', /\bsed\s+(-\S*\s+)*-i/],
  // `>` into anything but /dev/null or another descriptor (2>&1, >&2).
  ['output redirected into a file', />>?\s*(?!&|\/dev\/null\b)[^\s&]/],
];

function writesFound(command: string): string[] {
  // `>` inside quotes (grep patterns, printf text) is not a redirection.
  const unquoted = command.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, "''");
  return WRITES.filter(([, re]) => re.test(unquoted)).map(([what]) => what);
}

describe('the write detector', () => {
  it.each([
    ['systemctl restart kube-apiserver', 'systemctl changing a unit'],
    ['systemctl --now enable etcd', 'systemctl changing a unit'],
    ['kubectl apply -f x.yaml --kubeconfig a', 'kubectl changing an object'],
    ['kubectl --kubeconfig a create -f -', 'kubectl changing an object'],
    ['cd /root && rm -f x', 'a file command that writes'],
    ['echo hi > /etc/motd', 'output redirected into a file'],
    ['grep x y >> log', 'output redirected into a file'],
    ["sed -i 's/a/b/' f", 'sed -i'],
  ])('catches %s', (command, what) => {
    expect(writesFound(command)).toContain(what);
  });

  it.each([
    'systemctl show -p LoadState --value kube-apiserver',
    'kubectl get nodes --kubeconfig /root/admin.kubeconfig >/dev/null && echo listed',
    'kubectl cluster-info --kubeconfig /root/admin.kubeconfig 2>&1',
    "grep -c -- '^  --x=1 \\\\$' /etc/systemd/system/kube-apiserver.service",
    "grep -o '\"allowed\": [a-z]*' /root/sar-before.json",
    "tr '\\0' ' ' < /proc/1/cmdline",
  ])('lets a reading command pass: %s', (command) => {
    expect(writesFound(command)).toEqual([]);
  });
});

describe('isReadOnly', () => {
  it('typed kinds are read-only; a command check only when marked', () => {
    const parse = (o: unknown) => CheckSpec.parse(o);
    expect(isReadOnly(parse({ kind: 'file', path: '/x' }))).toBe(true);
    expect(isReadOnly(parse({ kind: 'service', name: 'etcd' }))).toBe(true);
    expect(isReadOnly(parse({ kind: 'command', run: 'true' }))).toBe(false);
    expect(isReadOnly(parse({ kind: 'command', run: 'true', readOnly: true }))).toBe(true);
    const items = [parse({ kind: 'command', run: 'a' }), parse({ kind: 'port', port: 1 })].map((spec) => ({ spec }));
    const part = readOnlyPart(items);
    expect(part.run.map((i) => i.spec.kind)).toEqual(['port']);
    expect(part.skipped.map((i) => i.spec.kind)).toEqual(['command']);
  });
});

describe("the chapter's lesson pack", () => {
  const course = loadCourse(defaultLessonsDir());
  const commands = course.pages.flatMap((page) =>
    page.steps.flatMap((step) =>
      step.checks.flatMap((spec) => (spec.kind === 'command' ? [{ at: `${page.id}/${step.id}/${spec.id ?? '?'}`, spec }] : [])),
    ),
  );

  it('has command checks to review', () => {
    expect(commands.length).toBeGreaterThan(20);
  });

  it('marks every command check read-only, and none of them writes', () => {
    const unmarked = commands.filter((c) => !c.spec.readOnly).map((c) => c.at);
    expect(unmarked).toEqual([]);
    const writing = commands.flatMap((c) => writesFound(c.spec.run).map((what) => `${c.at}: ${what}`));
    expect(writing).toEqual([]);
  });
});
