// The learner-facing line for a progress file that was damaged or could not be read: the same
// text in the app's notice and in `check`'s report. Pure: text comes from locales/*/ui.json.
import { dirname } from 'node:path';
import type { Translate } from '../i18n/types.js';
import type { ProgressNotice } from './store.js';

/** Codes with their own advice; anything else is said as the system said it. */
const UNREADABLE_CODES: Record<string, string> = { EISDIR: 'EISDIR', EACCES: 'EACCES', EPERM: 'EACCES' };

export function progressNoticeText(notice: ProgressNotice, t: Translate): string {
  switch (notice.kind) {
    case 'corrupt':
      return t('ui:notice.progressCorrupt', { reason: notice.reason, movedTo: notice.movedTo });
    case 'salvaged': {
      const dropped = notice.dropped
        .map((d) => (d.step !== undefined && d.path === `steps.${d.step}` ? t('ui:notice.progressDroppedStep', { path: d.path }) : d.path))
        .join(', ');
      return t('ui:notice.progressSalvaged', { dropped, kept: notice.kept.length, movedTo: notice.movedTo });
    }
    case 'unreadable': {
      const params = { file: notice.file, code: notice.code, dir: dirname(notice.file) };
      if (notice.damaged !== undefined) return t('ui:notice.progressStuck', { ...params, reason: notice.damaged });
      return t(`ui:notice.progressUnreadable.${UNREADABLE_CODES[notice.code] ?? 'other'}`, params);
    }
  }
}
