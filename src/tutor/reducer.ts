// Pure state transitions of a tutor session. Effects dispatch these actions when work finishes.
import type { CheckResult, ProbeResult } from '../checks/result.js';
import type { Lang } from '../i18n/types.js';
import {
  emptyFacts,
  firstOpenStep,
  planStep,
  type ConnectionState,
  type CoursePlan,
  type Overlay,
  type StepFacts,
  type TutorState,
} from './state.js';

/** Cap on run output kept in memory per step: enough for a screenful and the diagnostics. */
export const RUN_OUTPUT_CAP = 64 * 1024;

export type Action =
  | { type: 'lang'; lang: Lang }
  | { type: 'connection'; connection: ConnectionState }
  | { type: 'open-page'; page: number }
  | { type: 'select-step'; delta: number }
  /** Select the page's first step that is not done (after a check told us more than we knew). */
  | { type: 'select-open-step' }
  | { type: 'scroll'; delta: number; max?: number }
  | { type: 'scroll-to'; line: number }
  | { type: 'overlay'; overlay: Overlay }
  | { type: 'notice'; text: string | null }
  /** A message that stays until the learner dismisses it (the same text is kept once). */
  | { type: 'alert'; text: string }
  | { type: 'dismiss-alert' }
  | { type: 'hint'; stepId: string; available: number }
  | { type: 'check-start'; stepIds: string[] }
  | {
      type: 'check-done';
      results: Record<string, { checks: CheckResult[]; probes: ProbeResult[]; diagnostics: string[] }>;
    }
  | { type: 'run-start'; stepId: string; command: string; startedAt?: number; upload?: boolean }
  | { type: 'run-output'; stepId: string; chunk: string }
  /** An upload's progress board: replaces the text (it redraws, it does not scroll). */
  | { type: 'run-progress'; stepId: string; text: string }
  | { type: 'run-done'; stepId: string; code: number | null; timedOut: boolean; diagnostics: string[]; elapsedMs?: number }
  /** The learner stopped the run: it is over, its output so far is kept, nothing is diagnosed. */
  | { type: 'run-cancelled'; stepId: string; elapsedMs?: number }
  | { type: 'forget'; stepIds: string[] }
  /** A check or run ended in an error (connection lost, save failed): nothing is busy any more. */
  | { type: 'effect-failed'; stepIds: string[] }
  /** The learner chose an option; right or wrong is decided here, from the plan's answer. */
  | { type: 'quiz-answer'; stepId: string; questionId: string; optionId: string }
  /** Show another frame of a step's diagram (`count`: how many it has, like `available` of hints). */
  | { type: 'frame'; stepId: string; delta: number; count: number }
  /** Start or stop playing a step's diagram frame by frame. */
  | { type: 'frame-play'; stepId: string; count: number }
  /** The play timer fired: one frame on, stopping at the last. */
  | { type: 'frame-tick'; count: number };

function withFacts(state: TutorState, stepId: string, change: (f: StepFacts) => StepFacts): TutorState {
  const current = state.facts[stepId];
  if (!current) return state;
  return { ...state, facts: { ...state.facts, [stepId]: change(current) } };
}

export function reduce(plan: CoursePlan, state: TutorState, action: Action): TutorState {
  switch (action.type) {
    case 'lang':
      return { ...state, lang: action.lang };
    case 'connection':
      return { ...state, connection: action.connection };
    case 'open-page': {
      // Locked pages can be read (the learner may study ahead); gating applies to running steps.
      const page = Math.max(0, Math.min(plan.pages.length - 1, action.page));
      return { ...state, page, step: firstOpenStep(plan, state, page), scroll: 0, overlay: { kind: 'none' }, playing: null };
    }
    case 'select-step': {
      const count = plan.pages[state.page]?.steps.length ?? 0;
      const step = Math.max(0, Math.min(count - 1, state.step + action.delta));
      // A diagram plays for the step being read; moving on stops it.
      return { ...state, step, playing: step === state.step ? state.playing : null };
    }
    case 'select-open-step': {
      const step = firstOpenStep(plan, state, state.page);
      return step === state.step ? state : { ...state, step, playing: null };
    }
    case 'scroll': {
      const max = action.max ?? Number.MAX_SAFE_INTEGER;
      return { ...state, scroll: Math.max(0, Math.min(max, state.scroll + action.delta)) };
    }
    case 'scroll-to':
      return { ...state, scroll: Math.max(0, action.line) };
    case 'overlay':
      return { ...state, overlay: action.overlay };
    case 'notice':
      return { ...state, notice: action.text };
    case 'alert':
      return state.alerts.includes(action.text) ? state : { ...state, alerts: [...state.alerts, action.text] };
    case 'dismiss-alert':
      return { ...state, alerts: state.alerts.slice(1) };
    case 'hint':
      return withFacts(state, action.stepId, (f) => ({
        ...f,
        hintsShown: Math.min(action.available, f.hintsShown + 1),
      }));
    case 'check-start': {
      let next = state;
      for (const id of action.stepIds) next = withFacts(next, id, (f) => ({ ...f, busy: f.busy ?? 'checking' }));
      return next;
    }
    case 'check-done': {
      let next = state;
      for (const [id, r] of Object.entries(action.results)) {
        next = withFacts(next, id, (f) => ({
          ...f,
          busy: f.busy === 'checking' ? null : f.busy,
          checks: r.checks,
          probes: r.probes,
          // Evidence from the run (exit status, output) stays relevant until the next run.
          diagnostics: unique([...r.diagnostics, ...f.runDiagnostics]),
        }));
      }
      return next;
    }
    case 'run-start':
      return withFacts(state, action.stepId, (f) => ({
        ...f,
        busy: 'running',
        diagnostics: [],
        runDiagnostics: [],
        run: {
          command: action.command,
          text: '',
          code: null,
          timedOut: false,
          done: false,
          ...(action.startedAt !== undefined ? { startedAt: action.startedAt } : {}),
          ...(action.upload ? { upload: true } : {}),
        },
      }));
    case 'run-progress':
      return withFacts(state, action.stepId, (f) => (f.run ? { ...f, run: { ...f.run, text: capTail(action.text, RUN_OUTPUT_CAP) } } : f));
    case 'run-output':
      return withFacts(state, action.stepId, (f) =>
        f.run ? { ...f, run: { ...f.run, text: capTail(f.run.text + action.chunk, RUN_OUTPUT_CAP) } } : f,
      );
    case 'run-done':
      return withFacts(state, action.stepId, (f) => ({
        ...f,
        busy: null,
        run: f.run
          ? {
              ...f.run,
              code: action.code,
              timedOut: action.timedOut,
              done: true,
              ...(action.elapsedMs !== undefined ? { elapsedMs: action.elapsedMs } : {}),
            }
          : f.run,
        runDiagnostics: action.diagnostics,
        diagnostics: unique(action.diagnostics),
      }));
    case 'run-cancelled':
      return withFacts(state, action.stepId, (f) => ({
        ...f,
        busy: f.busy === 'running' ? null : f.busy,
        run: f.run
          ? { ...f.run, done: true, cancelled: true, ...(action.elapsedMs !== undefined ? { elapsedMs: action.elapsedMs } : {}) }
          : f.run,
      }));
    case 'effect-failed': {
      let next = state;
      for (const id of action.stepIds) {
        next = withFacts(next, id, (f) => ({
          ...f,
          busy: null,
          run: f.run && !f.run.done ? { ...f.run, done: true } : f.run,
        }));
      }
      return next;
    }
    case 'forget': {
      let next = state;
      const passedBefore = new Set(state.passedBefore);
      for (const id of action.stepIds) {
        // A quiz forgets its answers too: the learner answers it again.
        next = withFacts(next, id, () => emptyFacts(planStep(plan, id)));
        passedBefore.delete(id);
      }
      return { ...next, passedBefore };
    }
    case 'quiz-answer': {
      const question = planStep(plan, action.stepId)?.quiz?.find((q) => q.id === action.questionId);
      if (!question || !question.options.includes(action.optionId)) return state;
      const correct = action.optionId === question.answer;
      return withFacts(state, action.stepId, (f) => {
        if (!f.quiz) return f;
        // A wrong answer records nothing as passed (and never takes back an earlier right one).
        const passed = correct && !f.quiz.passed.includes(question.id) ? [...f.quiz.passed, question.id] : f.quiz.passed;
        return { ...f, quiz: { ...f.quiz, passed, last: { questionId: question.id, optionId: action.optionId, correct } } };
      });
    }
    case 'frame': {
      const shown = clampFrame((state.frames[action.stepId] ?? 0) + action.delta, action.count);
      // Stepping by hand takes over from the player.
      return { ...state, frames: { ...state.frames, [action.stepId]: shown }, playing: null };
    }
    case 'frame-play': {
      if (state.playing === action.stepId) return { ...state, playing: null };
      if (action.count < 2) return state;
      const shown = state.frames[action.stepId] ?? 0;
      // From the last frame, play starts over from the first.
      const from = shown >= action.count - 1 ? 0 : shown;
      return { ...state, frames: { ...state.frames, [action.stepId]: from }, playing: action.stepId };
    }
    case 'frame-tick': {
      const id = state.playing;
      if (id === null) return state;
      const shown = clampFrame((state.frames[id] ?? 0) + 1, action.count);
      return { ...state, frames: { ...state.frames, [id]: shown }, playing: shown >= action.count - 1 ? null : id };
    }
  }
}

function clampFrame(index: number, count: number): number {
  return Math.max(0, Math.min(count - 1, index));
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

/** Keep the end of a growing log: the latest output is what the learner needs to see. */
function capTail(text: string, cap: number): string {
  return text.length <= cap ? text : text.slice(text.length - cap);
}
