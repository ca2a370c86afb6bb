// Lays out page 1 of a small test pack as the app would (no colour), for views tested at fixed
// widths without mounting Ink; and folds reducer actions into a state to lay out.
import { describeResult } from '../../src/checks/describe.js';
import type { LoadedCourse } from '../../src/course/loader.js';
import { toPageViews } from '../../src/course/view.js';
import { createTranslator } from '../../src/i18n/index.js';
import type { Lang } from '../../src/i18n/types.js';
import { reduce, type Action } from '../../src/tutor/reducer.js';
import { initialState, type CoursePlan, type TutorState } from '../../src/tutor/state.js';
import { buildPageDocument } from '../../src/ui/document.js';
import { createMarkdownRenderer } from '../../src/ui/markdown.js';

const translator = createTranslator();

/** The lines of page 1 with step `selected` selected; `now` (epoch ms) drives elapsed times. */
export function layoutPage(c: LoadedCourse, lang: Lang, state: TutorState, width: number, options: { selected: number; now?: number }): string[] {
  const page = toPageViews(c, lang)[0]!;
  return buildPageDocument({
    page,
    pageNumber: 1,
    pageCount: 1,
    statuses: page.steps.map((s) => (state.facts[s.id]?.busy ? 'running' : 'ready')),
    facts: state.facts,
    selected: options.selected,
    width,
    color: false,
    t: translator.forLang(lang),
    markdown: createMarkdownRenderer(false),
    describe: describeResult,
    ...(options.now !== undefined ? { now: options.now } : {}),
  }).lines;
}

/** The state after `actions`, from the start of the pack's plan. */
export function stateAfter(c: LoadedCourse, actions: Action[], lang: Lang = 'en', from?: TutorState): TutorState {
  const plan: CoursePlan = { pages: c.pages.map((p) => ({ id: p.id, steps: p.steps })) };
  return actions.reduce((s, a) => reduce(plan, s, a), from ?? initialState(plan, lang));
}
