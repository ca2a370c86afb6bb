// How Ansible (ansible-core 2.14, Debian 12) reads the pieces of an inventory, restated for the
// subset the tutor supports: INI values go through Python's ast.literal_eval, INI host lines
// through shlex.split(posix, comments), YAML scalars through PyYAML's YAML 1.1 resolvers, host
// names through parse_address + expand_hostname_range. Where the tutor cannot be sure it reads
// a value the way ansible does, it says "unknown" and the caller refuses it (never guesses).
// Pure; test/integration/instructor-roster-ansible.test.ts compares it with ansible-inventory.

/** A variable's value as ansible ends up holding it. */
export type InvValue =
  | { kind: 'str'; text: string }
  | { kind: 'int'; value: bigint }
  /** float, bool, None, bytes, list, dict, timestamp...: never valid for the variables the tutor maps. */
  | { kind: 'other' }
  /** The tutor cannot tell what ansible makes of it. */
  | { kind: 'unknown' };

const str = (text: string): InvValue => ({ kind: 'str', text });
const OTHER: InvValue = { kind: 'other' };
const UNKNOWN: InvValue = { kind: 'unknown' };

// --- Python literals (INI values) -------------------------------------------------------------

const PY_INT =
  /^(?:[1-9](?:_?[0-9])*|0+(?:_?0)*|0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+)$/;
const DIGITS = '[0-9](?:_?[0-9])*';
const PY_FLOAT = new RegExp(
  `^(?:(?:${DIGITS})?\\.${DIGITS}(?:[eE][+-]?${DIGITS})?|${DIGITS}\\.(?:[eE][+-]?${DIGITS})?|${DIGITS}[eE][+-]?${DIGITS})[jJ]?$|^${DIGITS}[jJ]$`,
);
const PY_COMMENT_TAIL = /[ \t\f]*(?:#.*)?$/;

function pyInt(text: string): bigint {
  const t = text.replace(/_/g, '');
  if (/^0[xX]/.test(t)) return BigInt(t);
  if (/^0[oO]/.test(t)) return BigInt(t);
  if (/^0[bB]/.test(t)) return BigInt(t);
  return BigInt(t);
}

/** One Python string literal at `i` (prefix '', u, r). Returns the decoded text and the end, or null. */
function pyStringAt(s: string, i: number): { text: string; end: number } | null {
  let raw = false;
  const p = s[i];
  if (p === 'r' || p === 'R') {
    raw = true;
    i++;
  } else if (p === 'u' || p === 'U') i++;
  const q = s[i];
  if (q !== "'" && q !== '"') return null;
  if (s.startsWith(q.repeat(3), i)) return null; // triple quotes: not handled, so not claimed
  let out = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j]!;
    if (c === q) return { text: out, end: j + 1 };
    if (c === '\n') return null;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[j + 1];
    if (n === undefined) return null;
    if (raw) {
      out += c + n; // a raw string keeps the backslash, the quote after it does not end the string
      j++;
      continue;
    }
    const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v' };
    if (n in simple) {
      out += simple[n];
      j++;
      continue;
    }
    if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(s.slice(j + 1))![0];
      out += String.fromCodePoint(parseInt(m, 8));
      j += m.length;
      continue;
    }
    const hexLen = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
    if (hexLen) {
      const h = s.slice(j + 2, j + 2 + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(h)) return null;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff) return null;
      out += String.fromCodePoint(cp);
      j += 1 + hexLen;
      continue;
    }
    if (n === 'N' || n === '\n') return null; // \N{name}, line continuation: not handled
    out += c + n; // unknown escapes keep the backslash in Python
    j++;
  }
  return null;
}

/**
 * What `_parse_value` of ansible's INI plugin makes of a value: ast.literal_eval(v), and the text
 * itself when that fails. Only the outcomes the tutor can be sure of are claimed.
 */
export function pythonLiteral(v: string): InvValue {
  const s = v.replace(/^[ \t]+/, '');
  if (s === '') return str(v);
  const first = s[0]!;
  // String literals, possibly several (Python concatenates them), possibly with a comment after.
  if (/^[uUrR]?['"]/.test(s) || /^[bBfF]{1,2}['"]|^[rR][bBfF]['"]|^[bBfF][rR]['"]/.test(s)) {
    let i = 0;
    let text = '';
    for (;;) {
      const lit = pyStringAt(s, i);
      if (!lit) return UNKNOWN;
      text += lit.text;
      i = lit.end;
      const rest = s.slice(i);
      if (PY_COMMENT_TAIL.exec(rest)?.[0] === rest) return str(text);
      const ws = /^[ \t\f]*/.exec(rest)![0];
      i += ws.length;
      if (!/^[uUrR]?['"]/.test(s.slice(i))) return UNKNOWN;
    }
  }
  if ('([{'.includes(first)) return UNKNOWN;
  if (/^\.\.\.[ \t]*(?:#.*)?$/.test(s)) return OTHER; // Ellipsis
  // Numbers, signed or not; a trailing comment is ignored by Python.
  const numMatch = /^([+-]?)([ \t]*)([0-9.][^ \t#]*)([ \t]*(?:#.*)?)$/.exec(s);
  if (numMatch) {
    const [, sign, gap, body] = numMatch as unknown as [string, string, string, string];
    if (PY_INT.test(body)) return gap && sign ? UNKNOWN : { kind: 'int', value: (sign === '-' ? -1n : 1n) * pyInt(body) };
    if (PY_FLOAT.test(body)) return OTHER;
    if (/^[0-9.][0-9a-zA-Z_.]*$/.test(body) && !sign && !/[eEjJ]/.test(body)) return str(v); // 10.0.0.5, 1.2.3, 0022: SyntaxError
    return UNKNOWN;
  }
  if (/^[0-9]/.test(first)) return UNKNOWN; // a number in an expression: not worth guessing
  if (first === '+' || first === '-') {
    const rest = s.slice(1).replace(/^[ \t]+/, '');
    if (rest !== s.slice(1)) return UNKNOWN;
    // -J, -o Proxy..., even -True (only int/float/complex take a sign) are not literals: they stay text.
    if (/^[+\-.0-9(\[{'"]/.test(rest)) return UNKNOWN;
    return str(v);
  }
  const ident = /^([\p{L}\p{Nl}_][\p{L}\p{N}\p{Mn}\p{Mc}_]*)[ \t]*(?:#.*)?$/u.exec(s);
  if (ident) {
    const name = ident[1]!.normalize('NFKC');
    return name === 'True' || name === 'False' || name === 'None' ? OTHER : str(v);
  }
  if (/^set[ \t]*\([ \t]*\)/.test(s.normalize('NFKC'))) return UNKNOWN;
  return str(v);
}

// --- shlex.split(line, comments=True) in posix mode (INI host lines) ---------------------------

/** Tokens, or 'unclosed' for an unterminated quote / trailing backslash (shlex raises). */
export function shlexSplit(line: string, comments: boolean): string[] | 'unclosed' {
  const tokens: string[] = [];
  let i = 0;
  const ws = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  while (i < line.length) {
    while (i < line.length && ws(line[i]!)) i++;
    if (i >= line.length) break;
    if (comments && line[i] === '#') break;
    let token = '';
    let quoted = false;
    let ended = false;
    while (i < line.length) {
      const c = line[i]!;
      if (ws(c)) break;
      if (comments && c === '#') {
        ended = true; // the rest of the line is a comment, even in the middle of a word
        break;
      }
      if (c === "'") {
        const close = line.indexOf("'", i + 1);
        if (close < 0) return 'unclosed';
        token += line.slice(i + 1, close);
        quoted = true;
        i = close + 1;
        continue;
      }
      if (c === '"') {
        quoted = true;
        i++;
        let closed = false;
        while (i < line.length) {
          const d = line[i]!;
          if (d === '"') {
            closed = true;
            i++;
            break;
          }
          if (d === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
            token += line[i + 1];
            i += 2;
            continue;
          }
          token += d;
          i++;
        }
        if (!closed) return 'unclosed';
        continue;
      }
      if (c === '\\') {
        if (i + 1 >= line.length) return 'unclosed';
        token += line[i + 1];
        i += 2;
        continue;
      }
      token += c;
      i++;
    }
    if (token !== '' || quoted) tokens.push(token);
    if (ended) break;
  }
  return tokens;
}

// --- PyYAML's YAML 1.1 implicit resolvers (plain scalars in YAML inventories) ------------------

const Y_NULL = /^(?:~|null|Null|NULL|)$/;
const Y_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const Y_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const Y_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const Y_TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;

function yamlInt(text: string): bigint {
  let t = text.replace(/_/g, '');
  let sign = 1n;
  if (t[0] === '-' || t[0] === '+') {
    if (t[0] === '-') sign = -1n;
    t = t.slice(1);
  }
  if (t === '0') return 0n;
  if (t.startsWith('0b')) return sign * BigInt(t);
  if (t.startsWith('0x')) return sign * BigInt(t);
  if (t.startsWith('0')) return sign * BigInt(`0o${t.slice(1)}`);
  if (t.includes(':')) {
    let v = 0n;
    for (const part of t.split(':')) v = v * 60n + BigInt(part);
    return sign * v;
  }
  return sign * BigInt(t);
}

/** A plain (unquoted, untagged) YAML scalar as PyYAML resolves it; `text` is its folded value. */
export function pyyamlPlain(text: string): InvValue {
  if (Y_NULL.test(text) || Y_BOOL.test(text) || Y_FLOAT.test(text) || Y_TIMESTAMP.test(text)) return OTHER;
  if (Y_INT.test(text)) return { kind: 'int', value: yamlInt(text) };
  if (text === '<<' || text === '=') return UNKNOWN; // merge and value keys
  return str(text);
}

// --- host patterns: parse_address(allow_ranges=True) + expand_hostname_range -------------------

const RANGE_NUM = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const RANGE_ALNUM = String.raw`\[(?:[a-zA-Z]:[a-zA-Z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${RANGE_NUM})`;
const IPV4 = new RegExp(String.raw`^(?:${IPV4_PART}\.){3}${IPV4_PART}$`);
// Python's \w in a str pattern: letters, digits of every script, and _ (no combining marks).
const W = String.raw`[\p{L}\p{N}_]`;
const LABEL = String.raw`(?:${W}|${RANGE_ALNUM})(?:${W}|-|${RANGE_ALNUM})*(?<![_-])`;
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'u');
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;

export const MAX_RANGE_HOSTS = 10_000;

export type HostPatternResult =
  | { ok: true; hosts: string[]; port?: number }
  | { ok: false; code: 'host-pattern' | 'host-colon' | 'range-bad' | 'range-empty' | 'range-large'; count?: number };

const ASCII_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function expandRange(name: string, out: string[]): true | 'range-bad' | 'range-large' {
  const open = name.indexOf('[');
  if (open < 0) {
    out.push(name);
    return out.length > MAX_RANGE_HOSTS ? 'range-large' : true;
  }
  const close = name.indexOf(']', open);
  const head = name.slice(0, open);
  const bounds = name.slice(open + 1, close).split(':');
  const tail = name.slice(close + 1);
  const [beg, end, stepText] = bounds as [string, string, string | undefined];
  const step = stepText === undefined ? 1 : Number(stepText);
  if (!end || step === 0) return 'range-bad';
  let seq: string[];
  const ib = ASCII_LETTERS.indexOf(beg);
  const ie = ASCII_LETTERS.indexOf(end);
  if (ib >= 0 && ie >= 0 && beg.length === 1 && end.length === 1) {
    if (ib > ie) return 'range-bad';
    seq = [];
    for (let k = ib; k <= ie; k += step) seq.push(ASCII_LETTERS[k]!);
  } else {
    if (!/^[0-9]+$/.test(beg) || !/^[0-9]+$/.test(end)) return 'range-bad';
    const padded = beg[0] === '0' && beg.length > 1;
    if (padded && beg.length !== end.length) return 'range-bad';
    const b = Number(beg);
    const e = Number(end);
    if ((e - b) / step > MAX_RANGE_HOSTS) return 'range-large';
    seq = [];
    for (let k = b; k <= e; k += step) seq.push(padded ? String(k).padStart(beg.length, '0') : String(k));
  }
  for (const part of seq) {
    const r = expandRange(head + part + tail, out);
    if (r !== true) return r;
  }
  return true;
}

/**
 * A host key of an inventory: `name`, `name:port`, ranges. IPv6 and names ansible would only take
 * as opaque text (parse_address fails) are refused: ansible keeps those whole, port included.
 */
export function parseHostPattern(pattern: string, ini: boolean): HostPatternResult {
  if (BRACKETED_HOSTPORT.test(pattern)) return { ok: false, code: 'host-pattern' };
  let name = pattern;
  let port: number | undefined;
  const hp = HOSTPORT.exec(pattern);
  if (hp) {
    name = hp[1]!;
    port = Number(hp[2]);
  }
  if (!IPV4.test(name) && !HOSTNAME.test(name)) {
    if (ini && pattern.trim().endsWith(':')) return { ok: false, code: 'host-colon' };
    return { ok: false, code: 'host-pattern' };
  }
  if (ini && name.trim() === '---') return { ok: false, code: 'host-pattern' };
  const hosts: string[] = [];
  const r = expandRange(name, hosts);
  if (r !== true) return { ok: false, code: r, ...(r === 'range-large' ? { count: hosts.length } : {}) };
  if (hosts.length === 0) return { ok: false, code: 'range-empty' };
  return port === undefined ? { ok: true, hosts } : { ok: true, hosts, port };
}
