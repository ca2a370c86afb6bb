// A small lesson pack written into a temp folder, whose steps act on a scratch directory the
// test owns (never on the machine's real /root or /usr/local/bin): it exercises the engine
// end to end while the real chapter's pages are exercised on the lab server.
import { coursePackWriter } from './course-pack.js';

export function writeMiniCourse(courseDir: string, work: string): void {
  const page = coursePackWriter(courseDir, 'mini', ['01-files', '02-verify']);
  page(
    '01-files',
    `page: files
steps:
  - id: make-dir
    where: server
    run:
      - mkdir -p ${work}/etc
    checks:
      - kind: file
        path: ${work}/etc
        type: directory
    hints: [where]
    diagnostics:
      - id: denied
        when: { exit: 1, output: { contains: Permission denied } }
      - id: blocked
        when: { exit: 1, output: { matches: "File exists|Not a directory" } }
  - id: write-config
    where: server
    run:
      - printf 'hello\\n' > ${work}/etc/app.conf
      - chmod 600 ${work}/etc/app.conf
    checks:
      - id: conf
        kind: file
        path: ${work}/etc/app.conf
        mode: "0600"
        contains: hello
    hints: [mode, content]
    diagnostics:
      - id: wrong-mode
        when: { check: conf, found: { matches: "mode.*06[0-7][0-7]" } }
        fix:
          - chmod 600 ${work}/etc/app.conf
`,
    `# 파일 준비

이 페이지에서는 설정 디렉터리와 파일을 서버에 준비합니다. 한국어 문장이 화면 너비에 맞게 줄바꿈되는지도 함께 확인합니다.

<!-- step: make-dir -->
## 설정 디렉터리 만들기

설정 파일을 둘 디렉터리를 먼저 만듭니다.

<!-- hint: make-dir.where -->
\`mkdir -p\`는 이미 있는 디렉터리에도 안전합니다.

<!-- diagnostic: make-dir.denied -->
권한이 없습니다. root로 접속했는지 확인하세요.

<!-- diagnostic: make-dir.blocked -->
같은 이름의 파일이 있어 디렉터리를 만들 수 없습니다.

<!-- step: write-config -->
## 설정 파일 쓰기

비밀 값이 들어 있으므로 소유자만 읽을 수 있게 권한을 0600으로 둡니다.

<!-- hint: write-config.mode -->
\`chmod 600\`으로 권한을 바꿉니다.

<!-- hint: write-config.content -->
파일에는 hello 한 줄이 있어야 합니다.

<!-- diagnostic: write-config.wrong-mode -->
권한이 너무 넓습니다. 다른 사용자가 비밀 값을 읽을 수 있습니다.
`,
    `# Preparing files

On this page you prepare a configuration directory and file on the server.

<!-- step: make-dir -->
## Create the config directory

First create the directory the configuration file lives in.

<!-- hint: make-dir.where -->
\`mkdir -p\` is safe when the directory already exists.

<!-- diagnostic: make-dir.denied -->
Permission denied. Check that you logged in as root.

<!-- diagnostic: make-dir.blocked -->
A file with that name is in the way, so the directory cannot be made.

<!-- step: write-config -->
## Write the config file

It holds a secret, so only its owner may read it: mode 0600.

<!-- hint: write-config.mode -->
Change the mode with \`chmod 600\`.

<!-- hint: write-config.content -->
The file must contain the line hello.

<!-- diagnostic: write-config.wrong-mode -->
The mode is too open: other users could read the secret.
`,
  );
  page(
    '02-verify',
    `page: verify
steps:
  - id: read-back
    where: server
    checks:
      - kind: command
        run: cat ${work}/etc/app.conf
        stdout: { equals: hello }
    hints: [cat]
`,
    `# 확인

<!-- step: read-back -->
## 다시 읽어 보기

파일을 다시 읽어 내용을 확인합니다.

<!-- hint: read-back.cat -->
\`cat\`으로 읽어 보세요.
`,
    `# Verify

<!-- step: read-back -->
## Read it back

Read the file back to confirm its content.

<!-- hint: read-back.cat -->
Read it with \`cat\`.
`,
  );
}
