// The app chooses what to draw from the session's state and routes keys by priority: an open
// overlay gets them first, then the page. It performs no I/O itself: it calls the session.
import { Box, Text, useApp, useInput, useWindowSize } from 'ink';
import Spinner from 'ink-spinner';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { CheckResult } from '../checks/result.js';
import type { Lang, Translate } from '../i18n/types.js';
import type { TutorSession } from '../tutor/session.js';
import { pageUnlocked, stepStatus, type TutorState } from '../tutor/state.js';
import { buildPageDocument, type PageView } from './document.js';
import { actionFor, KEY_BINDINGS, type KeyAction } from './keys.js';
import type { MarkdownRenderer } from './markdown.js';
import { Overlays } from './Overlays.js';

export interface AppProps {
  session: TutorSession;
  /** The course's pages in a language (prose resolved). */
  pagesIn: (lang: Lang) => PageView[];
  markdown: MarkdownRenderer;
  color: boolean;
  describe: (result: CheckResult, t: Translate) => string[];
  /** Validates and switches the target; resolves to an error message when it is not usable. */
  changeTarget: (value: string) => Promise<string | null>;
  onExit?: () => void;
  /** Fixed size for tests; otherwise the terminal's. */
  size?: { columns: number; rows: number };
}

/** Rows taken by the header (1), the status line (1) and the footer (1). */
const CHROME_ROWS = 3;

export function App(props: AppProps) {
  const { session } = props;
  const state = useSyncExternalStore(session.subscribe, session.getState);
  const window = useWindowSize();
  const columns = props.size?.columns ?? window.columns ?? 80;
  const rows = props.size?.rows ?? window.rows ?? 24;
  const t = session.t;
  const plan = session.coursePlan;
  const pages = useMemo(() => props.pagesIn(state.lang), [props.pagesIn, state.lang]);
  const page = pages[state.page];
  // An unreachable server gets a second status line: why on the first, what to do on the second.
  const failed = state.connection.kind === 'failed' ? state.connection : null;
  const bodyRows = Math.max(3, rows - CHROME_ROWS - (failed ? 1 : 0));
  const app = useApp();

  const statuses = (page?.steps ?? []).map((_, i) => stepStatus(plan, state, state.page, i));
  const doc = useMemo(
    () =>
      page
        ? buildPageDocument({
            page,
            pageNumber: state.page + 1,
            pageCount: pages.length,
            statuses,
            facts: state.facts,
            selected: state.step,
            width: Math.max(20, columns - 1),
            color: props.color,
            t,
            markdown: props.markdown,
            describe: props.describe,
          })
        : { lines: [], anchors: [] },
    // statuses derive from state; listing state covers them.
    [page, state, columns, props.color, t],
  );
  const maxScroll = Math.max(0, doc.lines.length - bodyRows);

  // Keep the selected step in view when it changes.
  useEffect(() => {
    const anchor = doc.anchors[state.step] ?? 0;
    if (anchor < state.scroll || anchor >= state.scroll + bodyRows - 2) {
      session.dispatch({ type: 'scroll-to', line: Math.min(maxScroll, Math.max(0, anchor - 1)) });
    }
  }, [state.step, state.page]);

  const quit = () => {
    props.onExit?.();
    app.exit();
  };

  const onPageAction = (action: KeyAction) => {
    const step = session.selectedStep();
    switch (action) {
      case 'quit':
        return quit();
      case 'help':
        return session.dispatch({ type: 'overlay', overlay: { kind: 'help' } });
      case 'outline':
        return session.dispatch({ type: 'overlay', overlay: { kind: 'outline', cursor: state.page } });
      case 'next-step':
        return session.dispatch({ type: 'select-step', delta: 1 });
      case 'prev-step':
        return session.dispatch({ type: 'select-step', delta: -1 });
      case 'scroll-down':
        return session.dispatch({ type: 'scroll', delta: 1, max: maxScroll });
      case 'scroll-up':
        return session.dispatch({ type: 'scroll', delta: -1, max: maxScroll });
      case 'page-down':
        return session.dispatch({ type: 'scroll', delta: bodyRows - 1, max: maxScroll });
      case 'page-up':
        return session.dispatch({ type: 'scroll', delta: -(bodyRows - 1), max: maxScroll });
      case 'next-page':
      case 'prev-page': {
        const target = state.page + (action === 'next-page' ? 1 : -1);
        if (target < 0 || target >= pages.length) return;
        if (!pageUnlocked(plan, state, target)) {
          session.dispatch({ type: 'notice', text: t('ui:notice.pageLocked', { page: target + 1 }) });
        }
        void session.openPage(target);
        return;
      }
      case 'run':
        return session.requestRun();
      case 'fix': {
        const fix = step ? session.availableFix(step.id) : null;
        if (!fix) return session.dispatch({ type: 'notice', text: t('ui:notice.noFix') });
        return session.requestRun(fix.diagnostic);
      }
      case 'check':
        void session.checkSelected();
        return;
      case 'hint':
        return session.hint();
      case 'lang':
        return session.setLang(state.lang === 'ko' ? 'en' : 'ko');
      case 'target':
        return session.dispatch({ type: 'overlay', overlay: { kind: 'target' } });
      case 'reset':
        return session.dispatch({ type: 'overlay', overlay: { kind: 'confirm-reset', scope: 'page' } });
      default:
        return;
    }
  };

  useInput(
    (input, key) => {
      const action = actionFor('page', input, key);
      if (action) onPageAction(action);
    },
    { isActive: state.overlay.kind === 'none' },
  );

  const visible = doc.lines.slice(state.scroll, state.scroll + bodyRows);
  const busy = Object.values(state.facts).some((f) => f.busy);
  const locked = !!page && !pageUnlocked(plan, state, state.page);

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Header state={state} t={t} />
      <Box flexDirection="column" height={bodyRows}>
        {state.overlay.kind === 'none' ? (
          <Text>{visible.join('\n')}</Text>
        ) : (
          <Overlays
            session={session}
            state={state}
            pages={pages}
            t={t}
            columns={columns}
            changeTarget={props.changeTarget}
            onQuit={quit}
          />
        )}
      </Box>
      <Box>
        {busy ? (
          <Text color="cyan">
            <Spinner type="dots" />{' '}
          </Text>
        ) : null}
        <Text wrap="truncate-end">{statusLine(state, t, !!locked)}</Text>
      </Box>
      {failed ? (
        <Text color="yellow" wrap="truncate-end">
          {failed.todo}
        </Text>
      ) : null}
      <Text dimColor wrap="truncate-end">
        {footerKeys(t)}
      </Text>
    </Box>
  );
}

function Header(props: { state: TutorState; t: Translate }) {
  const { state, t } = props;
  return (
    <Text bold wrap="truncate-end">
      {t('ui:app.title')} <Text dimColor>· {state.lang === 'ko' ? '한국어' : 'English'}</Text>
    </Text>
  );
}

function statusLine(state: TutorState, t: Translate, pageLocked: boolean): string {
  if (state.notice) return state.notice;
  if (pageLocked) return t('ui:notice.pageLocked', { page: state.page + 1 });
  const c = state.connection;
  switch (c.kind) {
    case 'idle':
      return t('ui:connection.idle');
    case 'connecting':
      return t('ui:connection.connecting', { label: c.label });
    case 'connected':
      return t('ui:connection.connected', { label: c.label });
    case 'failed':
      return `${t('ui:connection.failed', { label: c.label })}: ${c.why}`;
  }
}

/**
 * The one-line key summary, generated from the binding table. Help and quit come first so a
 * narrow terminal that cuts the line still shows how to learn the rest and how to leave.
 */
export function footerKeys(t: Translate): string {
  const first = (b: { action: string }) => (b.action === 'help' || b.action === 'quit' ? 0 : 1);
  return KEY_BINDINGS.filter((b) => b.footer)
    .sort((a, b) => first(a) - first(b))
    .map((b) => `${b.label} ${t(`ui:keys.${b.action}`)}`)
    .join('  ');
}
