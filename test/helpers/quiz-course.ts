// A small lesson pack with the two "look and answer" step features: a stepped diagram (frames)
// and a quiz. Written for the tests (no chapter text); the real pages use the same formats.
//
// Page 1: logs-flow (a check that always passes, with 3 frames), webhook-quiz (3 questions),
// after-quiz (a check that always passes). Page 2: final.
import { coursePackWriter } from './course-pack.js';

/** Diagram lines as written in the frames, for asserting they reach the screen intact. */
export const DIAGRAM = {
  en: {
    box: [
      '┌─────────┐  GET /pods/x/log   ┌────────────────┐',
      '│ kubectl │ ─────────────────▶ │ kube-apiserver │',
      '└─────────┘                    └────────────────┘',
    ],
    /** Wider than a 60-column screen leaves for it (55), narrower than an 80-column one (75). */
    wide: 'kube-apiserver ──(client certificate)──▶ kubelet:10250 ──▶ containerd',
    back: 'kubectl ◀── log lines ── kube-apiserver ◀── kubelet',
  },
  ko: {
    box: [
      '┌─────────┐  로그 요청 (GET)   ┌────────────────┐',
      '│ kubectl │ ─────────────────▶ │ kube-apiserver │',
      '└─────────┘                    └────────────────┘',
    ],
    wide: 'kube-apiserver ──(클라이언트 인증서)──▶ kubelet:10250 ──▶ containerd',
    back: 'kubectl ◀── 로그 줄 ── kube-apiserver ◀── kubelet',
  },
} as const;

export const QUIZ_STEPS = `page: learn
steps:
  - id: logs-flow
    where: jumpbox
    checks:
      - kind: command
        run: "true"
    hints: [look]
  - id: webhook-quiz
    where: jumpbox
    quiz:
      - { id: q1, options: [a, b, c], answer: b }
      - { id: q2, options: [a, b, c, d], answer: d }
      - { id: q3, options: [yes, no], answer: "yes" }
    hints: [think]
  - id: after-quiz
    where: jumpbox
    checks:
      - kind: command
        run: "true"
    hints: [done]
`;

const fence = (lines: readonly string[]) => ['```text', ...lines, '```'].join('\n');

export const QUIZ_EN = `# Looking and answering

How a log request travels, then three questions.

<!-- step: logs-flow -->
## Follow a log request

Watch the request one hop at a time.

<!-- frame: logs-flow.1 -->
${fence(DIAGRAM.en.box)}

kubectl asks the API server for the log.

<!-- frame: logs-flow.2 -->
${fence([DIAGRAM.en.wide])}

The API server opens a connection to the kubelet.

<!-- frame: logs-flow.3 -->
${fence([DIAGRAM.en.back])}

The lines flow back the same way.

<!-- hint: logs-flow.look -->
Step through the diagram.

<!-- step: webhook-quiz -->
## Check what you learned

Three short questions.

<!-- quiz: webhook-quiz.q1 -->
Who opens the connection to the kubelet for \`kubectl logs\`?

<!-- option: webhook-quiz.q1.a -->
kubectl itself

<!-- explain: webhook-quiz.q1.a -->
kubectl only ever talks to the API server; it never reaches a kubelet directly.

<!-- option: webhook-quiz.q1.b -->
kube-apiserver

<!-- explain: webhook-quiz.q1.b -->
The API server dials the kubelet on port 10250 with its client certificate.

<!-- option: webhook-quiz.q1.c -->
kube-scheduler

<!-- explain: webhook-quiz.q1.c -->
The scheduler only picks nodes for Pods; it never carries logs.

<!-- quiz: webhook-quiz.q2 -->
Which port does the kubelet serve its API on?

<!-- option: webhook-quiz.q2.a -->
6443

<!-- explain: webhook-quiz.q2.a -->
6443 is the API server's own port.

<!-- option: webhook-quiz.q2.b -->
2379

<!-- explain: webhook-quiz.q2.b -->
2379 is where etcd listens for clients.

<!-- option: webhook-quiz.q2.c -->
10257

<!-- explain: webhook-quiz.q2.c -->
10257 is kube-controller-manager's secure port.

<!-- option: webhook-quiz.q2.d -->
10250

<!-- quiz: webhook-quiz.q3 -->
Does the kubelet check the API server's client certificate?

<!-- option: webhook-quiz.q3.yes -->
Yes

<!-- option: webhook-quiz.q3.no -->
No

<!-- explain: webhook-quiz.q3.no -->
It does: the kubelet trusts only client certificates signed by the cluster CA.

<!-- hint: webhook-quiz.think -->
Think of who holds which certificate.

<!-- step: after-quiz -->
## Carry on

On to the next step.

<!-- hint: after-quiz.done -->
Nothing to do here.
`;

export const QUIZ_KO = `# 보고 답하기

로그 요청이 지나가는 길을 본 뒤 세 문제를 풉니다.

<!-- step: logs-flow -->
## 로그 요청 따라가기

요청이 한 구간씩 이동하는 모습을 봅니다.

<!-- frame: logs-flow.1 -->
${fence(DIAGRAM.ko.box)}

kubectl이 API 서버에 로그를 요청합니다.

<!-- frame: logs-flow.2 -->
${fence([DIAGRAM.ko.wide])}

API 서버가 kubelet에 연결합니다.

<!-- frame: logs-flow.3 -->
${fence([DIAGRAM.ko.back])}

로그 줄은 같은 길로 되돌아옵니다.

<!-- hint: logs-flow.look -->
그림을 한 장면씩 넘겨 보세요.

<!-- step: webhook-quiz -->
## 배운 내용 확인하기

짧은 문제 세 개입니다.

<!-- quiz: webhook-quiz.q1 -->
\`kubectl logs\`를 실행하면 kubelet에 연결하는 쪽은 누구일까요?

<!-- option: webhook-quiz.q1.a -->
kubectl 자신

<!-- explain: webhook-quiz.q1.a -->
kubectl은 API 서버하고만 통신하며 kubelet에 직접 연결하지 않습니다.

<!-- option: webhook-quiz.q1.b -->
kube-apiserver

<!-- explain: webhook-quiz.q1.b -->
API 서버가 자신의 클라이언트 인증서로 kubelet의 10250 포트에 연결합니다.

<!-- option: webhook-quiz.q1.c -->
kube-scheduler

<!-- explain: webhook-quiz.q1.c -->
스케줄러는 Pod를 실행할 노드를 고를 뿐, 로그를 전달하지 않습니다.

<!-- quiz: webhook-quiz.q2 -->
kubelet은 어느 포트에서 API를 제공할까요?

<!-- option: webhook-quiz.q2.a -->
6443

<!-- explain: webhook-quiz.q2.a -->
6443은 API 서버의 포트입니다.

<!-- option: webhook-quiz.q2.b -->
2379

<!-- explain: webhook-quiz.q2.b -->
2379는 etcd가 클라이언트 요청을 받는 포트입니다.

<!-- option: webhook-quiz.q2.c -->
10257

<!-- explain: webhook-quiz.q2.c -->
10257은 kube-controller-manager의 보안 포트입니다.

<!-- option: webhook-quiz.q2.d -->
10250

<!-- quiz: webhook-quiz.q3 -->
kubelet은 API 서버의 클라이언트 인증서를 확인할까요?

<!-- option: webhook-quiz.q3.yes -->
예

<!-- option: webhook-quiz.q3.no -->
아니요

<!-- explain: webhook-quiz.q3.no -->
확인합니다. kubelet은 클러스터 CA가 서명한 클라이언트 인증서만 신뢰합니다.

<!-- hint: webhook-quiz.think -->
누가 어떤 인증서를 가지고 있는지 생각해 보세요.

<!-- step: after-quiz -->
## 계속하기

다음 단계로 넘어갑니다.

<!-- hint: after-quiz.done -->
여기서는 할 일이 없습니다.
`;

export function writeQuizCourse(courseDir: string): void {
  const page = coursePackWriter(courseDir, 'quizzes', ['01-learn', '02-after']);
  page('01-learn', QUIZ_STEPS, QUIZ_KO, QUIZ_EN);
  page(
    '02-after',
    `page: after
steps:
  - id: final
    where: jumpbox
    checks:
      - kind: command
        run: "true"
    hints: [end]
`,
    '# 다음\n\n<!-- step: final -->\n## 마무리\n\n끝입니다.\n\n<!-- hint: final.end -->\n더 할 일은 없습니다.\n',
    '# Next\n\n<!-- step: final -->\n## Wrap up\n\nThe end.\n\n<!-- hint: final.end -->\nNothing more to do.\n',
  );
}
