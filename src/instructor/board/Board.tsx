// The instructor's dashboard (Ink): the class as a matrix, refreshed on an interval and on `r`;
// sorted (s), filtered by text (/) and state (f), one page expanded to its steps (e, ←/→), and
// one student drilled into (Enter). It draws board-view.ts's lines and performs no I/O itself:
// refreshing and exporting are the caller's, and their failures become a line on screen.
import { Box, Text, useApp, useInput, useWindowSize } from 'ink';
import Spinner from 'ink-spinner';
import { useEffect, useMemo, useState } from 'react';
import type { Translate } from '../../i18n/types.js';
import { sanitizeTerminal } from '../../text/sanitize.js';
import { filterStudents, sortStudents, STEP_STATES, type ClassSnapshot, type SortKey, type StepState } from '../snapshot.js';
import { boardLines, detailLines } from './board-view.js';
import { cleanLine, takenAtText } from '../export/common.js';

export interface BoardProps {
  initial: ClassSnapshot;
  /** Checks the class again; the board keeps showing the last snapshot meanwhile. */
  refresh: () => Promise<ClassSnapshot>;
  /** Writes the current view; resolves with what to tell the instructor (the file written). */
  exportView: (snapshot: ClassSnapshot) => Promise<string>;
  /** Host keys seen for the first time at the last check, for the instructor to review (`a`). */
  keysToReview?: () => readonly ReviewKey[];
  /** Records the keys the instructor saw in the list as trusted; the board checks again after it. */
  acceptKeys?: (reviewed: readonly ReviewKey[]) => Promise<void>;
  t: Translate;
  /** Seconds between refreshes; 0: only on `r`. */
  intervalSec: number;
  size?: { columns: number; rows: number };
  onExit?: () => void;
}

export interface ReviewKey {
  name: string;
  label: string;
  keyType: string;
  fingerprint: string;
}

const SORTS: readonly SortKey[] = ['stuck', 'name', 'progress'];
/** Header, column titles, status line and footer. */
const CHROME_ROWS = 4;

export function Board(props: BoardProps) {
  const { t } = props;
  const window = useWindowSize();
  const columns = props.size?.columns ?? window.columns ?? 80;
  const rows = props.size?.rows ?? window.rows ?? 24;
  const app = useApp();
  const [snapshot, setSnapshot] = useState(props.initial);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [sort, setSort] = useState<SortKey>('stuck');
  const [status, setStatus] = useState<StepState | undefined>(undefined);
  const [text, setText] = useState('');
  const [typing, setTyping] = useState(false);
  const [selected, setSelected] = useState(0);
  const [detail, setDetail] = useState(false);
  const [expanded, setExpanded] = useState<number | null>(null);
  const [scroll, setScroll] = useState(0);
  /** The unknown keys on screen for review; null when the list is not open. */
  const [review, setReview] = useState<readonly ReviewKey[] | null>(null);

  const students = useMemo(
    () => filterStudents(snapshot, sortStudents(snapshot, sort), { text, ...(status ? { status } : {}) }),
    [snapshot, sort, text, status],
  );
  const current = students[Math.min(selected, Math.max(0, students.length - 1))];
  const bodyRows = Math.max(3, rows - CHROME_ROWS);

  const refresh = () => {
    if (busy) return;
    setBusy(true);
    props.refresh().then(
      (next) => {
        setSnapshot(next);
        setBusy(false);
      },
      (err: unknown) => {
        setBusy(false);
        setMessage(t('instructor:board.refreshFailed', { reason: oneLine(err) }));
      },
    );
  };

  // One timer per refresh: a refresh that takes long is never started twice.
  useEffect(() => {
    if (props.intervalSec <= 0 || busy) return;
    const timer = setTimeout(refresh, props.intervalSec * 1000);
    return () => clearTimeout(timer);
  }, [snapshot, busy, props.intervalSec]);

  // Keys can arrive faster than renders: every change is a function of the state before it.
  const move = (delta: number) => setSelected((s) => Math.max(0, Math.min(students.length - 1, s + delta)));
  // The list scrolls so the selected row stays in view.
  useEffect(() => {
    if (detail) return;
    setScroll((top) => (selected < top ? selected : selected >= top + bodyRows ? selected - bodyRows + 1 : top));
  }, [selected, bodyRows, detail]);

  useInput((input, key) => {
    if (review) {
      if (input === 'y' && props.acceptKeys) {
        setReview(null);
        setBusy(true);
        props.acceptKeys(review).then(
          () => {
            setBusy(false);
            refresh();
          },
          (err: unknown) => {
            setBusy(false);
            setMessage(t('instructor:board.acceptFailed', { reason: oneLine(err) }));
          },
        );
      } else if (input === 'n' || key.escape || input === 'q') setReview(null);
      return;
    }
    if (typing) {
      if (key.return || key.escape) return setTyping(false);
      if (key.backspace || key.delete) return setText((s) => s.slice(0, -1));
      if (input && !key.ctrl && !key.meta) setText((s) => s + input);
      return;
    }
    if (detail) {
      if (key.return || key.escape || input === 'q') {
        setScroll(Math.max(0, selected - bodyRows + 1));
        return setDetail(false);
      }
      if (key.downArrow || input === 'j') return setScroll((s) => s + 1);
      if (key.upArrow || input === 'k') return setScroll((s) => Math.max(0, s - 1));
      return;
    }
    setMessage(null);
    if (input === 'q' || (key.ctrl && input === 'c')) {
      props.onExit?.();
      return app.exit();
    }
    if (key.downArrow || input === 'j') return move(1);
    if (key.upArrow || input === 'k') return move(-1);
    if (key.return && current) {
      setScroll(0);
      return setDetail(true);
    }
    if (input === 'r') return refresh();
    if (input === 's') return setSort((s) => SORTS[(SORTS.indexOf(s) + 1) % SORTS.length]!);
    if (input === 'f') {
      return setStatus((s) => (s === undefined ? STEP_STATES[0] : STEP_STATES[STEP_STATES.indexOf(s) + 1]));
    }
    if (input === '/') {
      setText('');
      return setTyping(true);
    }
    if (input === 'e') return setExpanded((e) => (e === null ? 0 : null));
    if (input === 'a') {
      const keys = props.keysToReview?.() ?? [];
      if (keys.length === 0) return setMessage(t('instructor:board.noKeys'));
      return setReview(keys);
    }
    if (expanded !== null && (key.rightArrow || key.leftArrow)) {
      const n = snapshot.pages.length;
      return setExpanded((e) => ((e ?? 0) + (key.rightArrow ? 1 : n - 1)) % n);
    }
    if (input === 'x') {
      props.exportView({ ...snapshot, students }).then(
        (said) => setMessage(said),
        (err: unknown) => setMessage(t('instructor:board.exportFailed', { reason: oneLine(err) })),
      );
    }
  });

  const width = Math.max(20, columns - 1);
  const { header, rows: lines } = boardLines(snapshot, students, { width, expandedPage: expanded }, t);
  const title = `${t('instructor:report.title')} · ${t('instructor:report.takenAt', { time: takenAtText(snapshot.takenAt) })}`;
  const filters = [
    t(`instructor:board.sort.${sort}`),
    status ? t('instructor:board.filterState', { state: t(`instructor:report.state.${stateKey(status)}`) }) : '',
    text || typing ? t('instructor:board.filterText', { text }) + (typing ? '▏' : '') : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const reviewLines = review
    ? [
        t('instructor:board.reviewTitle', { count: review.length }),
        '',
        ...review.flatMap((k) => [`${cleanLine(k.name)}  ${cleanLine(k.label)}`, `  ${k.keyType} ${k.fingerprint}`]),
        '',
        t('instructor:board.reviewQuestion'),
      ]
    : null;
  const body = reviewLines ?? (detail && current ? detailLines(snapshot, current, width, t).slice(scroll, scroll + bodyRows + 1) : null);
  const top = Math.min(scroll, Math.max(0, lines.length - bodyRows));

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Text bold wrap="truncate-end">
        {title}
      </Text>
      {body ? (
        <Box flexDirection="column" height={bodyRows + 1}>
          <Text>{body.join('\n')}</Text>
        </Box>
      ) : (
        <>
          <Text dimColor wrap="truncate-end">
            {header}
          </Text>
          <Box flexDirection="column" height={bodyRows}>
            {students.length === 0 ? (
              <Text>{t('instructor:board.nobody')}</Text>
            ) : (
              lines.slice(top, top + bodyRows).map((line, i) => (
                <Text key={i} inverse={top + i === selected} wrap="truncate-end">
                  {line}
                </Text>
              ))
            )}
          </Box>
        </>
      )}
      <Box>
        {busy ? (
          <Text color="cyan">
            <Spinner type="dots" />{' '}
          </Text>
        ) : null}
        <Text wrap="truncate-end">{message ?? filters}</Text>
      </Box>
      <Text dimColor wrap="truncate-end">
        {review ? t('instructor:board.keysReview') : detail ? t('instructor:board.keysDetail') : t('instructor:board.keys')}
      </Text>
    </Box>
  );
}

function stateKey(s: StepState): string {
  return s === 'in-progress' ? 'inProgress' : s === 'not-started' ? 'notStarted' : s;
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return sanitizeTerminal(text).split('\n')[0]!.trim() || 'error';
}
