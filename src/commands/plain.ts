// Without a terminal to draw in (a pipe, CI, `| less`), the tutor prints every page as plain
// text instead of starting Ink, so nothing crashes and nothing needs a key press.
import type { CheckResult } from '../checks/result.js';
import type { Translate } from '../i18n/types.js';
import { emptyFacts, type StepFacts } from '../tutor/state.js';
import { buildPageDocument, type PageView } from '../ui/document.js';
import type { MarkdownRenderer } from '../ui/markdown.js';

export function renderPlainCourse(input: {
  pages: PageView[];
  t: Translate;
  width: number;
  markdown: MarkdownRenderer;
  describe: (r: CheckResult, t: Translate) => string[];
}): string {
  const out: string[] = [input.t('ui:app.noTty'), ''];
  input.pages.forEach((page, i) => {
    const facts: Record<string, StepFacts> = {};
    for (const s of page.steps) facts[s.id] = emptyFacts();
    const doc = buildPageDocument({
      page,
      pageNumber: i + 1,
      pageCount: input.pages.length,
      // Not checked here: show each step as not yet known rather than inventing a state.
      statuses: page.steps.map(() => 'ready'),
      facts,
      selected: -1,
      width: input.width,
      color: false,
      t: input.t,
      markdown: input.markdown,
      describe: input.describe,
      plain: true,
    });
    out.push(...doc.lines, '');
  });
  return out.join('\n');
}
