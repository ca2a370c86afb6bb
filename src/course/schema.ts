// The language-neutral shape of a lesson pack: course.yaml and each page's steps.yaml.
// Prose (titles, explanations, hints, diagnostic texts) lives in <page>/<lang>.md and is tied
// to these ids; see src/course/prose.ts for that format.
import { z } from 'zod';
import { CheckSpec, TextMatch, Where } from '../checks/spec.js';

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case letters, digits and dashes');

/**
 * Evidence gathered when a step is checked, read-only, for diagnostics: a unit's journal (only
 * the lines of its current run), or whether anything listens on a TCP port.
 */
const JournalProbe = z
  .object({
    journal: z.string().regex(/^[A-Za-z0-9@._:-]+$/),
    lines: z.number().int().min(1).max(500).default(40),
    where: Where.default('server'),
  })
  .strict();
const PortProbe = z
  .object({
    port: z.number().int().min(1).max(65535),
    where: Where.default('server'),
  })
  .strict();
export const Probe = z.union([JournalProbe, PortProbe]);
export type Probe = z.infer<typeof Probe>;

/** The id a probe's result is known by: "journal:<unit>" or "port:<n>". */
export function probeId(p: Probe): string {
  return 'journal' in p ? `journal:${p.journal}` : `port:${p.port}`;
}

/**
 * A diagnostic names a cause the learner can act on. It is shown only when ALL of its `when`
 * conditions hold, so each one is triggered by evidence rather than guessed.
 */
export const Diagnostic = z
  .object({
    id: Id,
    when: z
      .object({
        /** A check of this step (by id) failed ... */
        check: Id.optional(),
        /** ... and its found/evidence text matches this. */
        found: TextMatch.optional(),
        /** The step's command exited with this status. */
        exit: z.number().int().optional(),
        /** The step's command output (stdout + stderr) matches this. */
        output: TextMatch.optional(),
        /** A probed journal (unit name) contains a matching line of the unit's current run. */
        journal: z.object({ unit: z.string(), match: TextMatch }).strict().optional(),
        /**
         * A probed port is (or is not) listening, as measured in the same batch: a diagnostic that
         * says "the API server is unreachable" must not fire while 6443 answers.
         */
        port: z.object({ port: z.number().int().min(1).max(65535), listening: z.boolean() }).strict().optional(),
      })
      .strict()
      .refine((w) => Object.values(w).some((v) => v !== undefined), {
        message: 'a diagnostic needs at least one condition in `when`',
      }),
    /**
     * Diagnostics of the same step this one explains better: when this one fires, they are not
     * shown (one error text can match a broader pattern, e.g. a certificate's purpose vs its CA).
     */
    supersedes: z.array(Id).optional(),
    /** Commands that repair the cause; shown and confirmed like any other command. */
    fix: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type Diagnostic = z.infer<typeof Diagnostic>;

/**
 * One multiple-choice question of a quiz step. Option ids are language neutral; their text, the
 * question and the explanations are in each language's markdown (quiz/option/explain markers).
 */
export const QuizQuestion = z
  .object({
    id: Id,
    /** In the order shown; the learner picks one with the keys 1-9, hence at most nine. */
    options: z
      .array(Id)
      .min(2, 'a question needs at least two options')
      .max(9, 'a question has at most 9 options (they are chosen with the keys 1-9)'),
    answer: Id,
  })
  .strict()
  .superRefine((q, ctx) => {
    if (!q.options.includes(q.answer)) {
      ctx.addIssue({ code: 'custom', path: ['answer'], message: `the answer "${q.answer}" is not one of the options (${q.options.join(', ')})` });
    }
  });
export type QuizQuestion = z.infer<typeof QuizQuestion>;

export const Step = z
  .object({
    id: Id,
    where: Where,
    /** Working directory for `run`; defaults: jumpbox = the learner's KTHW folder, server = /root. */
    cwd: z.string().optional(),
    /** Commands shown to the learner and run (after consent) in one shell, stopping at the first failure. */
    run: z.array(z.string().min(1)).default([]),
    timeoutSeconds: z.number().int().min(1).max(3600).default(120),
    /**
     * The commands only look (ss, curl, kubectl get): nothing changes, and the checks verify what
     * earlier steps built, so they may already pass before the step runs. The lab suite instead
     * proves such checks fail on a server where the chapter has not run yet.
     */
    observes: z.boolean().default(false),
    /** How the server proves the step was done. A step has checks or a quiz, never both. */
    checks: z.array(CheckSpec).min(1, 'every step needs at least one check').optional(),
    /** A knowledge gate instead of checks: passed when every question was answered right. */
    quiz: z.array(QuizQuestion).min(1, 'a quiz needs at least one question').optional(),
    probes: z.array(Probe).default([]),
    /**
     * The same files as `run`'s copy, sent by the tutor itself (key u) over SFTP: progress per
     * file, verified by size and sha256, renamed into place. Paths are the jumpbox's, relative to
     * its chapter folder; `to` is the server directory they land in.
     */
    upload: z
      .object({
        to: z.string().regex(/^\//, 'an absolute directory on the server'),
        files: z.array(z.string().min(1).regex(/^[^\n]*[^/\n]$/, 'a file, not a directory')).min(1),
      })
      .strict()
      .optional(),
    /** Ids of hints; their text is in each language's markdown. */
    hints: z.array(Id).min(1, 'every step needs at least one hint'),
    diagnostics: z.array(Diagnostic).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.checks && s.quiz) {
      ctx.addIssue({ code: 'custom', path: ['quiz'], message: 'a step has either checks or a quiz, not both' });
    } else if (!s.checks && !s.quiz) {
      ctx.addIssue({ code: 'custom', path: ['checks'], message: 'every step needs at least one check, or a quiz' });
    }
    if (!s.quiz) return;
    // A quiz is answered in the tutor, never executed: anything that runs or reads the server
    // would be dead text an author might trust.
    const dead = {
      run: s.run.length > 0,
      probes: s.probes.length > 0,
      diagnostics: s.diagnostics.length > 0,
      cwd: s.cwd !== undefined,
      upload: s.upload !== undefined,
    };
    for (const [key, present] of Object.entries(dead)) {
      if (present) ctx.addIssue({ code: 'custom', path: [key], message: `a quiz step has no ${key}: nothing is run or checked for a quiz` });
    }
  })
  // Consumers iterate checks without asking first: a quiz step simply has none.
  .transform(({ checks, ...rest }) => ({ ...rest, checks: checks ?? [] }));
export type Step = z.infer<typeof Step>;

export const PageSteps = z
  .object({
    page: Id,
    steps: z.array(Step).min(1),
  })
  .strict();
export type PageSteps = z.infer<typeof PageSteps>;

export const Course = z
  .object({
    id: Id,
    languages: z.array(z.enum(['ko', 'en'])).min(1),
    /** Page folders in order, e.g. "01-distribute". */
    pages: z.array(z.string().regex(/^\d\d-[a-z0-9-]+$/)).min(1),
  })
  .strict();
export type Course = z.infer<typeof Course>;
