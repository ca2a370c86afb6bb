// Declarative check specs, as written in a lesson's steps.yaml.
// Every kind is read-only by construction except `command`, whose text comes from the lesson
// pack (trusted content, reviewed like code) and never from the learner or the server.
import { z } from 'zod';

/** Where a check or command runs: the learner's own machine, or the server over SSH. */
export const Where = z.enum(['jumpbox', 'server']);
export type Where = z.infer<typeof Where>;

/** A text expectation: exact match, substring, or regular expression (JavaScript syntax). */
export const TextMatch = z
  .object({
    equals: z.string().optional(),
    contains: z.string().optional(),
    matches: z.string().optional(),
  })
  .strict()
  .refine((m) => m.equals !== undefined || m.contains !== undefined || m.matches !== undefined, {
    message: 'a text match needs one of equals, contains, matches',
  });
export type TextMatch = z.infer<typeof TextMatch>;

const base = {
  /** Stable id inside its step, used in evidence and JSON output. Defaults to kind + index. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/).optional(),
  /** Where it runs; defaults to the step's `where`. */
  where: Where.optional(),
};

export const FileCheck = z
  .object({
    ...base,
    kind: z.literal('file'),
    path: z.string().min(1),
    /**
     * Later places of the same file: the check looks at the first of path, ...or that exists.
     * (Page 1's files are moved on page 2; a re-check of page 1 must still pass then.)
     */
    or: z.array(z.string().min(1)).optional(),
    exists: z.boolean().default(true),
    type: z.enum(['file', 'directory', 'symlink']).optional(),
    /** Octal permission bits as text, e.g. "0600" or "755". */
    mode: z.string().regex(/^0?[0-7]{3,4}$/).optional(),
    owner: z.string().optional(),
    group: z.string().optional(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    /** The file's first 64 KiB must contain this text. */
    contains: z.string().optional(),
    /**
     * A file on the jumpbox (relative to its chapter folder) this one must equal, byte for byte:
     * size and sha256 are compared, so a copy cut short fails as truncated. Read-only on both
     * sides; compared only where the jumpbox's files are at hand (not in instructor mode).
     */
    sameAs: z.string().min(1).optional(),
  })
  .strict();

export const ServiceCheck = z
  .object({
    ...base,
    kind: z.literal('service'),
    name: z.string().regex(/^[A-Za-z0-9@._:-]+$/),
    active: z.boolean().optional(),
    enabled: z.boolean().optional(),
    /** No restarts since the unit started (NRestarts=0): catches crash loops that look "active". */
    stable: z.boolean().optional(),
  })
  .strict();

export const PortCheck = z
  .object({
    ...base,
    kind: z.literal('port'),
    port: z.number().int().min(1).max(65535),
    listening: z.boolean().default(true),
    /** Process name as `ss -p` shows it (15 characters at most, e.g. "kube-controller"). */
    process: z.string().optional(),
  })
  .strict();

export const HttpCheck = z
  .object({
    ...base,
    kind: z.literal('http'),
    url: z.string().regex(/^https?:\/\//),
    status: z.number().int().default(200),
    body: TextMatch.optional(),
    /** A dotted path into a JSON body (e.g. "gitVersion" or "status.allowed") and its expected text. */
    json: z.object({ path: z.string().min(1), equals: z.string() }).strict().optional(),
    cacert: z.string().optional(),
    insecure: z.boolean().default(false),
    timeoutSeconds: z.number().int().min(1).max(60).default(5),
  })
  .strict();

export const CommandCheck = z
  .object({
    ...base,
    kind: z.literal('command'),
    run: z.string().min(1),
    /**
     * Reviewed: the command changes nothing on the machine. Only such commands run in instructor
     * mode, where the tutor checks servers that are not the instructor's own.
     */
    readOnly: z.boolean().default(false),
    exit: z.number().int().default(0),
    stdout: TextMatch.optional(),
    stderr: TextMatch.optional(),
  })
  .strict();

export const KubeCheck = z
  .object({
    ...base,
    kind: z.literal('kube'),
    resource: z.string().regex(/^[a-z0-9.]+$/),
    name: z.string().min(1),
    namespace: z.string().optional(),
    kubeconfig: z.string().default('/root/admin.kubeconfig'),
    exists: z.boolean().default(true),
    /** A dotted path into the object's JSON (e.g. "spec.clusterIP") and its expected text. */
    field: z.object({ path: z.string().min(1), equals: z.string() }).strict().optional(),
  })
  .strict();

export const CheckSpec = z.discriminatedUnion('kind', [
  FileCheck,
  ServiceCheck,
  PortCheck,
  HttpCheck,
  CommandCheck,
  KubeCheck,
]);
export type CheckSpec = z.infer<typeof CheckSpec>;
export type CheckKind = CheckSpec['kind'];
export type FileCheck = z.infer<typeof FileCheck>;
export type ServiceCheck = z.infer<typeof ServiceCheck>;
export type PortCheck = z.infer<typeof PortCheck>;
export type HttpCheck = z.infer<typeof HttpCheck>;
export type CommandCheck = z.infer<typeof CommandCheck>;
export type KubeCheck = z.infer<typeof KubeCheck>;
