// The app chooses what to draw from the session's state and routes keys by priority: an open
// overlay gets them first, then the page. It performs no I/O itself: it calls the session.
import { Box, Text, useApp, useInput, useWindowSize } from 'ink';
import Spinner from 'ink-spinner';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { CheckResult } from '../checks/result.js';
import type { Lang, Translate } from '../i18n/types.js';
import { wrapExplanation } from '../remote/explain.js';
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
  /** L (offered when no server answers): start the practice lab here and switch to it (cli.tsx). */
  startLab?: () => void;
  /** Fixed size for tests; otherwise the terminal's. */
  size?: { columns: number; rows: number };
  /** How long each frame shows while a diagram plays (tests shorten it). */
  frameIntervalMs?: number;
}

/** Long enough to read a caption line, short enough that a five-frame story stays lively. */
const FRAME_INTERVAL_MS = 1500;

/** How often a running command's elapsed time and spinner move (only while one runs). */
const RUN_TICK_MS = 500;

/** A second Ctrl-C within this long quits even while a run is being cancelled. */
const CTRL_C_TWICE_MS = 1000;

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
  // An unreachable server gets more status lines: why, then what to do, wrapped and never cut
  // (they carry fingerprints and the exact `ssh-keygen -R` command; the spinner may take two
  // columns). On a very short terminal the page keeps three rows and the failure gives way.
  const failed = state.connection.kind === 'failed' ? state.connection : null;
  const statusText = statusLine(state, t, !!page && !pageUnlocked(plan, state, state.page));
  const room = Math.max(2, rows - CHROME_ROWS - 2);
  // Messages that stay until dismissed (bad progress file, nothing saved): the oldest, wrapped,
  // above the status line; it gives way before the connection's explanation does.
  const alertAll = state.alerts[0]
    ? wrapExplanation(`! ${state.alerts[0]} ${t('ui:alert.dismiss')}${state.alerts.length > 1 ? ` (+${state.alerts.length - 1})` : ''}`, columns)
    : [];
  const todoAll = failed ? wrapExplanation(failed.todo, columns) : [];
  const statusAll = failed || state.connection.kind === 'lost' ? wrapExplanation(statusText, columns - 2) : [statusText];
  const statusRows = statusAll.slice(0, Math.max(1, room - todoAll.length));
  const todoRows = todoAll.slice(0, Math.max(0, room - statusRows.length));
  const alertRows = alertAll.slice(0, Math.max(0, room - statusRows.length - todoRows.length));
  const bodyRows = Math.max(3, rows - CHROME_ROWS - (statusRows.length - 1) - todoRows.length - alertRows.length);
  const app = useApp();

  // A timer only while a step's commands run: the elapsed time and spinner of its output pane.
  const running = Object.values(state.facts).some((f) => f.busy === 'running');
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), RUN_TICK_MS);
    return () => clearInterval(timer);
  }, [running]);

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
            frames: state.frames,
            playing: state.playing,
            ...(running ? { now } : {}),
          })
        : { lines: [], anchors: [], blocks: {} },
    // statuses derive from state; listing state covers them. `now` only moves while a run is on.
    [page, state, columns, props.color, t, running ? now : 0],
  );
  const maxScroll = Math.max(0, doc.lines.length - bodyRows);

  // Keep the selected step in view when it changes; keep its quiz or diagram in view when the
  // learner answers or steps a frame (the feedback and the next question land below the fold
  // on a short terminal otherwise).
  const selectedView = page?.steps[state.step];
  const quizFacts = selectedView ? state.facts[selectedView.id]?.quiz : null;
  const quizMark = quizFacts ? `${quizFacts.passed.length}/${quizFacts.last?.questionId}/${quizFacts.last?.optionId}` : '';
  const frameMark = selectedView ? (state.frames[selectedView.id] ?? 0) : 0;
  const lastFocus = useRef<{ at: string; quiz: string; frame: number } | null>(null);
  useEffect(() => {
    const at = `${state.page}:${state.step}`;
    const prev = lastFocus.current;
    lastFocus.current = { at, quiz: quizMark, frame: frameMark };
    /** The smallest scroll from `top` that shows [start, end), its start first when it cannot all fit. */
    const within = (top: number, start: number, end: number) => Math.min(start, Math.max(top, end - bodyRows));
    const quiz = selectedView ? doc.blocks[`quiz:${selectedView.id}`] : undefined;
    const frames = selectedView ? doc.blocks[`frames:${selectedView.id}`] : undefined;
    let target = state.scroll;
    if (!prev || prev.at !== at) {
      const anchor = doc.anchors[state.step] ?? 0;
      if (anchor < target || anchor >= target + bodyRows - 2) target = anchor - 1;
      const end = Math.max(quiz?.end ?? 0, frames?.end ?? 0);
      const start = Math.min(frames?.start ?? end, quiz?.start ?? end);
      // From the title when the whole step fits, else from its first interactive part.
      if (end > 0) target = end - (anchor - 1) <= bodyRows ? within(target, anchor - 1, end) : within(target, start, end);
    } else if (prev.quiz !== quizMark && quiz) {
      target = within(target, quiz.start, quiz.end);
    } else if (prev.frame !== frameMark && frames) {
      target = within(target, frames.start, frames.end);
    }
    target = Math.min(maxScroll, Math.max(0, target));
    if (target !== state.scroll) session.dispatch({ type: 'scroll-to', line: target });
  }, [state.step, state.page, quizMark, frameMark]);

  // Autoplay: one timeout per frame shown, so stepping by hand or stopping (a state change)
  // cancels the pending one; the reducer stops at the last frame.
  const playingCount = state.playing ? (page?.steps.find((s) => s.id === state.playing)?.frames.length ?? 0) : 0;
  const playingAt = state.playing ? (state.frames[state.playing] ?? 0) : -1;
  useEffect(() => {
    if (state.playing === null) return;
    const timer = setTimeout(
      () => session.dispatch({ type: 'frame-tick', count: playingCount }),
      props.frameIntervalMs ?? FRAME_INTERVAL_MS,
    );
    return () => clearTimeout(timer);
  }, [state.playing, playingAt, playingCount]);

  const quit = () => {
    props.onExit?.();
    app.exit();
  };
  // Quitting while a step's commands run asks first (q again), then kills them on the server.
  const quitArmed = useRef(false);
  const requestQuit = () => {
    if (!session.running) return quit();
    if (!quitArmed.current) {
      quitArmed.current = true;
      return session.dispatch({ type: 'notice', text: t('ui:notice.quitRunning') });
    }
    session.dispatch({ type: 'notice', text: t('ui:notice.stopping') });
    session.fire(session.stopRuns().finally(quit));
  };

  // Esc and Ctrl-C cancel the run (the selected step's, else every one) and the app stays; Ctrl-C
  // with nothing running, or a second one within a second, quits (stopping what still runs).
  const lastCtrlC = useRef(0);
  const cancelRun = () => {
    const selected = session.selectedStep();
    const which = selected && session.isRunning(selected.id) ? selected.id : undefined;
    session.dispatch({ type: 'notice', text: t('ui:notice.cancelling') });
    session.fire(session.cancelRun(which));
  };
  const interrupt = () => {
    const at = Date.now();
    const twice = at - lastCtrlC.current < CTRL_C_TWICE_MS;
    lastCtrlC.current = at;
    if (!session.running) return quit();
    if (twice) {
      session.dispatch({ type: 'notice', text: t('ui:notice.stopping') });
      session.fire(session.stopRuns().finally(quit));
      return;
    }
    cancelRun();
  };

  const onPageAction = (action: KeyAction, input: string) => {
    const step = session.selectedStep();
    switch (action) {
      case 'quit':
        return requestQuit();
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
        session.fire(session.openPage(target));
        return;
      }
      case 'run':
        return session.requestRun();
      case 'upload':
        return session.requestUpload();
      case 'fix': {
        const fix = step ? session.availableFix(step.id) : null;
        if (!fix) return session.dispatch({ type: 'notice', text: t('ui:notice.noFix') });
        return session.requestRun(fix.diagnostic);
      }
      case 'check':
        session.fire(session.checkSelected());
        return;
      case 'hint':
        return session.hint();
      case 'lang':
        return session.setLang(state.lang === 'ko' ? 'en' : 'ko');
      case 'target':
        return session.dispatch({ type: 'overlay', overlay: { kind: 'target' } });
      case 'reset':
        return session.dispatch({ type: 'overlay', overlay: { kind: 'confirm-reset', scope: 'page' } });
      case 'answer':
        session.answerSelected(Number(input) - 1);
        return;
      case 'dismiss':
        return session.dispatch({ type: 'dismiss-alert' });
      case 'start-lab':
        if (props.startLab && state.connection.kind === 'failed') return props.startLab();
        return session.dispatch({ type: 'notice', text: t('ui:notice.noLabHere') });
      case 'prev-frame':
      case 'next-frame':
      case 'play-frames': {
        const view = page?.steps[state.step];
        const count = view?.frames.length ?? 0;
        if (!view || count === 0) return session.dispatch({ type: 'notice', text: t('ui:frames.none') });
        if (action === 'play-frames') return session.dispatch({ type: 'frame-play', stepId: view.id, count });
        return session.dispatch({ type: 'frame', stepId: view.id, delta: action === 'next-frame' ? 1 : -1, count });
      }
      default:
        return;
    }
  };

  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') {
        quitArmed.current = false;
        return interrupt();
      }
      if (key.escape && session.running) {
        quitArmed.current = false;
        return cancelRun();
      }
      const action = actionFor('page', input, key);
      if (action !== 'quit') quitArmed.current = false;
      if (action) onPageAction(action, input);
    },
    { isActive: state.overlay.kind === 'none' },
  );

  const visible = doc.lines.slice(state.scroll, state.scroll + bodyRows);
  const busy = Object.values(state.facts).some((f) => f.busy);

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
            rows={bodyRows}
            changeTarget={props.changeTarget}
            onQuit={requestQuit}
          />
        )}
      </Box>
      {alertRows.map((line, i) => (
        <Text key={i} color="yellow" wrap="truncate-end">
          {line}
        </Text>
      ))}
      <Box>
        {busy ? (
          <Text color="cyan">
            <Spinner type="dots" />{' '}
          </Text>
        ) : null}
        <Box flexDirection="column">
          {statusRows.map((line, i) => (
            <Text key={i} wrap="truncate-end">
              {line}
            </Text>
          ))}
        </Box>
      </Box>
      {todoRows.map((line, i) => (
        <Text key={i} color="yellow" wrap="truncate-end">
          {line}
        </Text>
      ))}
      <Text dimColor wrap="truncate-end">
        {footerKeys(t, running)}
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
      return `${t('ui:connection.failed', { label: c.label })}: ${c.why}${retryText(c.retryInSec, t)}`;
    case 'lost':
      return `${t('ui:connection.lost', { label: c.label })}: ${c.why}${retryText(c.retryInSec, t)}`;
  }
}

/** When the next try in the background is due, if one is. */
function retryText(seconds: number | undefined, t: Translate): string {
  return seconds === undefined ? '' : ` — ${t('ui:connection.retryIn', { seconds })}`;
}

/**
 * The one-line key summary, generated from the binding table. Help and quit come first so a
 * narrow terminal that cuts the line still shows how to learn the rest and how to leave; while
 * a step runs, how to cancel it comes before them (Ctrl-C then cancels instead of quitting).
 */
export function footerKeys(t: Translate, running = false): string {
  const rank = (b: { action: string }) => (b.action === 'cancel-run' ? 0 : b.action === 'help' || b.action === 'quit' ? 1 : 2);
  return KEY_BINDINGS.filter((b) => (b.action === 'cancel-run' ? running : b.footer))
    .sort((a, b) => rank(a) - rank(b))
    .map((b) => `${b.action === 'quit' && !running ? QUIT_LABEL_IDLE : b.label} ${t(`ui:keys.${b.action}`)}`)
    .join('  ');
}

/** With nothing running Ctrl-C quits, and the footer says so. */
const QUIT_LABEL_IDLE = 'q/Ctrl-C';
