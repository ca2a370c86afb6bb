// file: exists, type, mode, owner, group, sha256, contains, sameAs — from `stat`, `sha256sum`,
// `head`. The contents read for `contains` are never evidence (a file may hold a key or a
// `secret:`): what is kept is the path, type, mode, owner, size and hash.
import { shq } from '../../text/shell-quote.js';
import type { LocalFileFacts } from '../file-digests.js';
import type { FileCheck } from '../spec.js';
import { finding, judged, type CheckKindModule, type Evaluation, type Fields, type GatherContext, type SharedFacts } from './types.js';

const TYPE_NAMES: Record<string, 'file' | 'directory' | 'symlink'> = {
  'regular file': 'file',
  'regular empty file': 'file',
  directory: 'directory',
  'symbolic link': 'symlink',
};

/** Files up to this size are hashed for the evidence even when the check does not ask. */
const HASH_EVIDENCE_MAX = 1024 * 1024;

/** What `stat` prints as a file's signature: any change to the file gives another one. */
const SIGNATURE_FORMAT = '%d:%i:%s:%y:%z';

/** "600", "0600" -> "0600". */
export function normalizeMode(mode: string): string {
  return mode.trim().padStart(4, '0');
}

export const fileKind: CheckKindModule<FileCheck> = {
  gather(spec, context: GatherContext) {
    // The first of path, ...or that exists is the one looked at (and named in the result).
    const candidates = [spec.path, ...(spec.or ?? [])].map(shq).join(' ');
    const p = '"$p"';
    const lines = [
      `p=''; for c in ${candidates}; do if [ -e "$c" ] || [ -L "$c" ]; then p=$c; break; fi; done`,
      `if [ -n "$p" ]; then`,
      `  _f path; printf '%s' "$p"`,
      `  s=$(stat -c '%F|%a|%U|%G|%s' -- ${p} 2>&1); _f stat; printf '%s\\n' "$s"`,
    ];
    if (spec.sameAs !== undefined) lines.push(...hashUnlessKnown(spec, context));
    else if (spec.sha256) lines.push(`  _f sha256; sha256sum -- ${p} 2>&1 | cut -d ' ' -f 1`);
    // Otherwise the hash is evidence for a regular file small enough to hash in passing.
    else lines.push(`  if [ -f ${p} ] && [ "\${s##*|}" -le ${HASH_EVIDENCE_MAX} ] 2>/dev/null; then _f sha256; sha256sum -- ${p} 2>/dev/null; fi`);
    if (spec.contains !== undefined) lines.push(`  _f head; head -c 65536 -- ${p} 2>&1`);
    lines.push('else', '  _f absent; echo yes', 'fi');
    return lines.join('\n');
  },

  evaluate(spec, fields: Fields, shared: SharedFacts): Evaluation {
    const exists = fields.absent === undefined;
    const subject = exists && fields.path ? fields.path : [spec.path, ...(spec.or ?? [])].join(' | ');
    const findings = [finding('exists', String(spec.exists), String(exists), exists === spec.exists)];
    if (!exists || !spec.exists) return judged(subject, findings);
    const [typeName = '', mode = '', owner = '', group = ''] = (fields.stat ?? '').trim().split('|');
    if (spec.type) {
      const type = TYPE_NAMES[typeName] ?? typeName;
      findings.push(finding('type', spec.type, type, type === spec.type));
    }
    if (spec.mode) {
      const found = normalizeMode(mode);
      findings.push(finding('mode', normalizeMode(spec.mode), found, found === normalizeMode(spec.mode)));
    }
    if (spec.owner) findings.push(finding('owner', spec.owner, owner, owner === spec.owner));
    if (spec.group) findings.push(finding('group', spec.group, group, group === spec.group));
    if (spec.sha256) {
      const found = (fields.sha256 ?? '').trim();
      findings.push(finding('sha256', spec.sha256, found, found === spec.sha256));
    }
    if (spec.contains !== undefined) {
      const ok = (fields.head ?? '').includes(spec.contains);
      findings.push(finding('contains', spec.contains, ok ? spec.contains : undefined, ok));
    }
    const local = spec.sameAs !== undefined ? shared.jumpbox?.get(spec.sameAs) : undefined;
    if (local?.kind === 'file') findings.push(sameAsFinding(local, fields));
    return judged(subject, findings);
  },

  evidence(spec, fields: Fields, shared: SharedFacts): string {
    if (fields.absent !== undefined) return 'absent';
    const [type = '', mode = '', owner = '', group = '', size = ''] = (fields.stat ?? '').trim().split('|');
    const facts: Array<[string, string | undefined]> = [
      ['path', fields.path],
      ['type', type],
      ['mode', mode && normalizeMode(mode)],
      ['owner', owner && `${owner}:${group}`],
      ['size', size],
      ['sha256', fields.sha256?.trim().split(/\s/)[0]],
    ];
    const local = spec.sameAs !== undefined ? shared.jumpbox?.get(spec.sameAs) : undefined;
    if (local) facts.push(['jumpbox', jumpboxFact(spec.sameAs!, local)], ['copy', copyVerdict(local, fields)]);
    return facts
      .filter((f): f is [string, string] => !!f[1])
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n');
  },
};

/**
 * Hash a regular file for a `sameAs` comparison, unless this very file (same stat signature)
 * was hashed by an earlier batch: then that hash is printed as it was.
 */
function hashUnlessKnown(spec: FileCheck, context: GatherContext): string[] {
  const known = [spec.path, ...(spec.or ?? [])]
    .map((path) => ({ path, digest: context.knownDigest(path) }))
    .filter((k): k is { path: string; digest: NonNullable<typeof k.digest> } => k.digest !== undefined);
  const cases = known.map((k) => `    ${shq(`${k.path}|${k.digest.signature}`)}) echo ${shq(k.digest.sha256)};;`);
  return [
    '  if [ -f "$p" ]; then',
    `    g=$(stat -c ${shq(SIGNATURE_FORMAT)} -- "$p" 2>/dev/null); _f signature; printf '%s\n' "$g"`,
    '    _f sha256; case "$p|$g" in',
    ...cases,
    // openssl hashes with a third of sha256sum's CPU where it is installed (the chapter's servers have it).
    `    *) if command -v openssl >/dev/null 2>&1; then case $p in /*) q=$p;; *) q=./$p;; esac; openssl dgst -sha256 -r "$q" 2>&1 | cut -d ' ' -f 1;`,
    `       else sha256sum -- "$p" 2>&1 | cut -d ' ' -f 1; fi;;`,
    '    esac',
    '  fi',
  ];
}

function sizeOf(fields: Fields): number | undefined {
  const size = Number((fields.stat ?? '').trim().split('|')[4]);
  return Number.isFinite(size) ? size : undefined;
}

/** The server's file against the jumpbox's: same size and same sha256, or why not. */
function sameAsFinding(local: Extract<LocalFileFacts, { kind: 'file' }>, fields: Fields) {
  const expected = `${local.size} bytes, sha256 ${local.sha256.slice(0, 16)}`;
  const size = sizeOf(fields);
  const sha256 = (fields.sha256 ?? '').trim();
  const found = size === local.size ? `${size} bytes, sha256 ${sha256.slice(0, 16) || '?'}` : `${size ?? '?'} bytes`;
  return finding('sameAs', expected, found, size === local.size && sha256 === local.sha256);
}

function jumpboxFact(named: string, local: LocalFileFacts): string {
  return local.kind === 'file'
    ? `${named} (${local.size} bytes, sha256 ${local.sha256})`
    : `${named}: ${local.reason} at ${local.path}, so not compared`;
}

/** One word a diagnostic can match, with the numbers behind it. */
function copyVerdict(local: LocalFileFacts, fields: Fields): string | undefined {
  if (local.kind !== 'file' || fields.absent !== undefined) return undefined;
  const size = sizeOf(fields);
  if (size === undefined) return undefined;
  if (size < local.size) return `truncated (${size} of ${local.size} bytes)`;
  if (size > local.size) return `larger (${size} bytes, the jumpbox's has ${local.size})`;
  return (fields.sha256 ?? '').trim() === local.sha256 ? 'identical' : 'different bytes (same size)';
}
