// A loaded course in one language, shaped as the page document (src/ui/document.ts) needs it.
// The loader has already proven every id has text, so a gap here is a programming error.
import type { Lang } from '../i18n/types.js';
import { framesByStep, type LoadedCourse } from './loader.js';

export interface StepView {
  id: string;
  where: 'jumpbox' | 'server';
  title: string;
  body: string;
  run: string[];
  /** Hint texts in the order steps.yaml lists them. */
  hints: string[];
  /** Diagnostic text by id. */
  diagnostics: Record<string, string>;
  /** Repair commands by diagnostic id, for diagnostics that offer one. */
  fixes: Record<string, string[]>;
  /** Quiz steps only: the questions in steps.yaml order. */
  quiz?: QuizQuestionView[];
  /** The frames of the step's stepped diagram, in order (markdown); empty when it has none. */
  frames: string[];
  /** Files the tutor can send itself (key u): how many, and the server directory. */
  upload?: { count: number; to: string };
}

export interface QuizOptionView {
  id: string;
  text: string;
  /** Why it is wrong; for the answer, why it is right (optional there). */
  explain?: string;
}

export interface QuizQuestionView {
  id: string;
  text: string;
  /** In the order shown: option k is chosen with the key k+1. */
  options: QuizOptionView[];
  answer: string;
}

export interface PageView {
  title: string;
  intro: string;
  steps: StepView[];
}

export function toPageViews(course: LoadedCourse, lang: Lang): PageView[] {
  return course.pages.map((page) => {
    const prose = page.prose[lang];
    if (!prose) throw new Error(`page ${page.folder} was not loaded in "${lang}" (loaded: ${course.languages.join(', ')})`);
    const text = (map: Map<string, string>, key: string): string => {
      const value = map.get(key);
      if (value === undefined) throw new Error(`${page.folder}/${lang}.md has no text for ${key}`);
      return value;
    };
    const frameNumbers = framesByStep(prose);
    const steps: StepView[] = page.steps.map((step) => {
      const section = prose.steps.get(step.id);
      if (!section) throw new Error(`${page.folder}/${lang}.md has no section for step ${step.id}`);
      const diagnostics: Record<string, string> = {};
      const fixes: Record<string, string[]> = {};
      for (const d of step.diagnostics) {
        diagnostics[d.id] = text(prose.diagnostics, `${step.id}.${d.id}`);
        if (d.fix) fixes[d.id] = d.fix;
      }
      return {
        id: step.id,
        where: step.where,
        title: section.title,
        body: section.body,
        run: step.run,
        hints: step.hints.map((h) => text(prose.hints, `${step.id}.${h}`)),
        diagnostics,
        fixes,
        ...(step.quiz
          ? {
              quiz: step.quiz.map((q) => ({
                id: q.id,
                text: text(prose.questions, `${step.id}.${q.id}`),
                options: q.options.map((o) => {
                  const explain = prose.explains.get(`${step.id}.${q.id}.${o}`);
                  return { id: o, text: text(prose.options, `${step.id}.${q.id}.${o}`), ...(explain !== undefined ? { explain } : {}) };
                }),
                answer: q.answer,
              })),
            }
          : {}),
        frames: (frameNumbers.get(step.id) ?? []).map(([n]) => text(prose.frames, `${step.id}.${n}`)),
        ...(step.upload ? { upload: { count: step.upload.files.length, to: step.upload.to } } : {}),
      };
    });
    return { title: prose.title, intro: prose.intro, steps };
  });
}
