// The language-neutral shape of a lesson pack: course.yaml and each page's steps.yaml.
// Prose (titles, explanations, hints, diagnostic texts) lives in <page>/<lang>.md and is tied
// to these ids; see src/course/prose.ts for that format.
import { z } from 'zod';
import { CheckSpec, TextMatch, Where } from '../checks/spec.js';

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case letters, digits and dashes');

/** Evidence gathered when a step is checked, read-only, for diagnostics (e.g. a unit's journal). */
export const Probe = z
  .object({
    journal: z.string().regex(/^[A-Za-z0-9@._:-]+$/),
    lines: z.number().int().min(1).max(500).default(40),
    where: Where.default('server'),
  })
  .strict();
export type Probe = z.infer<typeof Probe>;

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
        /** A probed journal (unit name) contains a matching line. */
        journal: z.object({ unit: z.string(), match: TextMatch }).strict().optional(),
      })
      .strict()
      .refine((w) => Object.values(w).some((v) => v !== undefined), {
        message: 'a diagnostic needs at least one condition in `when`',
      }),
    /** Commands that repair the cause; shown and confirmed like any other command. */
    fix: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type Diagnostic = z.infer<typeof Diagnostic>;

export const Step = z
  .object({
    id: Id,
    where: Where,
    /** Working directory for `run`; defaults: jumpbox = the learner's KTHW folder, server = /root. */
    cwd: z.string().optional(),
    /** Commands shown to the learner and run (after consent) in one shell, stopping at the first failure. */
    run: z.array(z.string().min(1)).default([]),
    timeoutSeconds: z.number().int().min(1).max(3600).default(120),
    checks: z.array(CheckSpec).min(1, 'every step needs at least one check'),
    probes: z.array(Probe).default([]),
    /** Ids of hints; their text is in each language's markdown. */
    hints: z.array(Id).min(1, 'every step needs at least one hint'),
    diagnostics: z.array(Diagnostic).default([]),
  })
  .strict();
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
