// Evidence is shown on screen and saved in the progress file, so key material in a command's
// output must not reach either. Redacted: private key PEM blocks (certificates are public and
// kept), values of secret-named keys (`secret:`, `token:`, `client-key-data:`, `password=`,
// `--token=`, JSON `"token": "..."`), bearer credentials and JWTs.

export const REDACTED = '[redacted]';

// A PEM private key, to its END line or, when the text was cut, to the end of the text.
const PEM_PRIVATE = /(-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----)[\s\S]*?(?:(-----END \2PRIVATE KEY-----)|$(?![\s\S]))/g;

// A key whose name ENDS in a secret word: `tls-private-key-file` or `secretName` are not secrets.
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:secret|token|password|passwd|passphrase|key[-_]?data|private[-_]?key|api[-_]?key)`;
// name, optional closing quote, `:` or `=`, then a quoted value or the rest of the line (`:`)
// or the next word (`=`).
const SECRET_FIELD = new RegExp(
  String.raw`(?<![A-Za-z0-9_.-])(["']?${SECRET_NAME}["']?)([ \t]*:[ \t]*|[ \t]*=[ \t]*)(?:"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'|([^\s"'][^\n]*))`,
  'gi',
);
// A credential has a digit or a symbol in it: "basic authentication" or "bearer token" is prose.
const BEARER = /\b(Bearer|Basic)([ \t]+)(?=[A-Za-z0-9._~+/-]*[0-9._~+/-])[A-Za-z0-9._~+/-]{8,}=*/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/** The text with key material replaced by `[redacted]`; text without any is returned unchanged. */
export function redactSecrets(text: string): string {
  return redactBlocks(text)
    .replace(PEM_PRIVATE, (_m, begin: string, _type: string, end: string | undefined) =>
      `${begin}\n${REDACTED}${end ? `\n${end}` : ''}`,
    )
    .replace(SECRET_FIELD, (m, name: string, sep: string, dq?: string, sq?: string, bare?: string) => {
      if (dq !== undefined) return `${name}${sep}"${REDACTED}"`;
      if (sq !== undefined) return `${name}${sep}'${REDACTED}'`;
      if (bare === undefined) return m;
      // `name=value rest`: the value is one word; `name: value`: the rest of the line.
      if (sep.includes('=')) {
        const word = /^\S+/.exec(bare)![0];
        return `${name}${sep}${REDACTED}${bare.slice(word.length)}`;
      }
      // YAML block indicators (`secret: |`) carry no value on this line; a trailing `,` or `}`
      // (flow/JSON style) stays.
      if (/^[|>][-+]?\s*$/.test(bare)) return m; // redactBlocks took the lines below
      const tail = /[,}\]]*\s*$/.exec(bare)![0];
      return `${name}${sep}${REDACTED}${tail}`;
    })
    .replace(BEARER, (_m, scheme: string, space: string) => `${scheme}${space}${REDACTED}`)
    .replace(JWT, REDACTED);
}

const BLOCK_KEY = new RegExp(String.raw`^([ \t]*)(?:-[ \t]+)?["']?${SECRET_NAME}["']?[ \t]*:[ \t]*(?:[|>][-+]?)?[ \t]*$`, 'i');

/** `secret: |` or `token:` with the value on the more-indented lines below it (YAML). */
function redactBlocks(text: string): string {
  if (!/:[ \t]*(?:[|>][-+]?)?[ \t]*(?:\n|$)/.test(text)) return text;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = BLOCK_KEY.exec(lines[i]!);
    if (!m) continue;
    const indent = m[1]!.replace(/\t/g, '        ').length;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.trim() === '') continue;
      if (/^[ \t]*/.exec(line)![0].replace(/\t/g, '        ').length <= indent) break;
    }
    while (j > i + 1 && lines[j - 1]!.trim() === '') j--; // blank lines after the block stay
    if (j > i + 1) {
      lines.splice(i + 1, j - i - 1, `${' '.repeat(indent + 2)}${REDACTED}`);
    }
  }
  return lines.join('\n');
}
