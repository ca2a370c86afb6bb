// `kthw-tutor --dry-run`: every command of the chapter (or one page) in order, grouped by the
// machine it runs on and the directory it starts in. PURE: it reads the lesson pack only, so it
// can be shown before the learner has a server (nothing resolves or connects a target).
import type { Step } from '../course/schema.js';
import type { Translate } from '../i18n/types.js';
import { wrapExplanation } from '../remote/explain.js';
import { stepCwd } from '../tutor/session.js';
import type { PageView } from '../ui/document.js';

export interface DryRunInput {
  /** Prose of every page in the chosen language (titles). */
  views: PageView[];
  /** The same pages as loaded (where each step runs and its own `cwd`), matched by step id. */
  steps: Array<Array<Pick<Step, 'id' | 'where' | 'cwd'>>>;
  /** 1-based; absent: the whole chapter. */
  page?: number;
  t: Translate;
  /** Default working directories, as the session uses them. */
  dirs: { jumpboxDir: string; serverDir: string };
  /** Titles and headings are wrapped to this; commands never are (they are copied as written). */
  width: number;
}

export function renderDryRun(input: DryRunInput): string {
  const { t } = input;
  const width = Math.max(20, input.width);
  const out: string[] = [...wrapExplanation(t('ui:dryRun.title'), width), ''];
  const numbers = input.page !== undefined ? [input.page] : input.views.map((_, i) => i + 1);
  for (const n of numbers) {
    const view = input.views[n - 1];
    if (!view) throw new Error(`no page ${n}; pages are 1-${input.views.length}`);
    const loaded = new Map((input.steps[n - 1] ?? []).map((s) => [s.id, s]));
    out.push(...wrapExplanation(`${n}/${input.views.length} · ${view.title}`, width));
    let group = '';
    let any = false;
    view.steps.forEach((step, i) => {
      if (step.run.length === 0) return;
      const info = loaded.get(step.id);
      if (!info) throw new Error(`step ${step.id} of page ${n} has no loaded definition`);
      any = true;
      const cwd = stepCwd(info, input.dirs);
      const heading = t('ui:dryRun.group', { where: t(`ui:where.${info.where}`), cwd });
      // A new heading only when the machine or the directory changes: consecutive steps share one.
      if (heading !== group) {
        group = heading;
        out.push(`  ${heading}`);
      }
      wrapExplanation(`${i + 1}. ${step.title}`, width - 4).forEach((l, k) => out.push(`${k === 0 ? '    ' : '       '}${l}`));
      // Only a command's first line gets the prompt: `\` continuation lines belong to it.
      for (const cmd of step.run) cmd.split('\n').forEach((l, k) => out.push(`      ${k === 0 ? '$' : ' '} ${l}`));
    });
    if (!any) out.push(`  ${t('ui:dryRun.none')}`);
    out.push('');
  }
  return out.join('\n');
}
