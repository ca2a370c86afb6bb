// A loaded course in one language, shaped as the page document (src/ui/document.ts) needs it.
// The loader has already proven every id has text, so a gap here is a programming error.
import type { Lang } from '../i18n/types.js';
import type { LoadedCourse } from './loader.js';

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
      };
    });
    return { title: prose.title, intro: prose.intro, steps };
  });
}
