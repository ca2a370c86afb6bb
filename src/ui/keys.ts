// Every key binding of the app, in one table. Views look actions up here; the help overlay and
// the footer are generated from it, so what is shown is always what works.
import type { Key } from 'ink';

export type KeyAction =
  | 'quit'
  | 'help'
  | 'outline'
  | 'next-step'
  | 'prev-step'
  | 'scroll-down'
  | 'scroll-up'
  | 'page-down'
  | 'page-up'
  | 'next-page'
  | 'prev-page'
  | 'run'
  | 'upload'
  | 'check'
  | 'hint'
  | 'fix'
  | 'lang'
  | 'target'
  | 'reset'
  | 'answer'
  | 'prev-frame'
  | 'next-frame'
  | 'play-frames'
  | 'dismiss'
  | 'start-lab'
  | 'confirm'
  | 'cancel'
  | 'cancel-run';

export interface KeyBinding {
  action: KeyAction;
  /** Printable characters that trigger it. */
  chars?: string[];
  /** Named keys (Ink's Key flags) that trigger it. */
  keys?: Array<keyof Key>;
  /** Shown in help and footer, e.g. "r" or "↑/k". */
  label: string;
  /** Listed in the one-line footer (the rest only in the help overlay). */
  footer?: boolean;
}

export const KEY_BINDINGS: readonly KeyBinding[] = [
  { action: 'run', chars: ['r'], label: 'r', footer: true },
  // Steps that copy files: the tutor sends them itself (the step says so when it can).
  { action: 'upload', chars: ['u'], label: 'u' },
  { action: 'check', chars: ['c'], label: 'c', footer: true },
  { action: 'hint', chars: ['h'], label: 'h', footer: true },
  { action: 'fix', chars: ['f'], label: 'f' },
  { action: 'next-step', chars: ['n'], keys: ['tab'], label: 'n/Tab', footer: true },
  { action: 'prev-step', chars: ['p'], label: 'p' },
  { action: 'scroll-down', chars: ['j'], keys: ['downArrow'], label: '↓/j' },
  { action: 'scroll-up', chars: ['k'], keys: ['upArrow'], label: '↑/k' },
  { action: 'page-down', chars: [' '], keys: ['pageDown'], label: 'Space/PgDn' },
  { action: 'page-up', chars: ['b'], keys: ['pageUp'], label: 'b/PgUp' },
  { action: 'next-page', chars: [']'], keys: ['rightArrow'], label: ']/→', footer: true },
  { action: 'prev-page', chars: ['['], keys: ['leftArrow'], label: '[/←' },
  { action: 'outline', chars: ['o'], label: 'o', footer: true },
  { action: 'lang', chars: ['l'], label: 'l', footer: true },
  { action: 'target', chars: ['t'], label: 't' },
  { action: 'reset', chars: ['x'], label: 'x' },
  // Quiz steps: the option's number. Which digit was pressed is read from the input.
  { action: 'answer', chars: ['1', '2', '3', '4', '5', '6', '7', '8', '9'], label: '1-9' },
  // Stepped diagrams: ←/→ and Space are taken by pages and scrolling, so , . and a.
  { action: 'prev-frame', chars: [','], label: ',' },
  { action: 'next-frame', chars: ['.'], label: '.' },
  { action: 'play-frames', chars: ['a'], label: 'a' },
  { action: 'dismiss', chars: ['d'], label: 'd' },
  // Offered on the status line when no server answers (as root on Linux).
  { action: 'start-lab', chars: ['L'], label: 'L' },
  { action: 'help', chars: ['?'], label: '?', footer: true },
  { action: 'quit', chars: ['q'], label: 'q', footer: true },
  // Only while a step runs (the app routes Esc and Ctrl-C itself; the footer shows it then).
  { action: 'cancel-run', label: 'Esc/Ctrl-C' },
  { action: 'confirm', chars: ['y'], keys: ['return'], label: 'y/Enter' },
  { action: 'cancel', chars: ['n'], keys: ['escape'], label: 'n/Esc' },
];

/** Actions valid in a context; the first binding that matches wins, in this order. */
const CONTEXT_ACTIONS = {
  page: [
    'quit', 'help', 'outline', 'next-step', 'prev-step', 'scroll-down', 'scroll-up', 'page-down', 'page-up',
    'next-page', 'prev-page', 'run', 'upload', 'check', 'hint', 'fix', 'lang', 'target', 'reset',
    'answer', 'prev-frame', 'next-frame', 'play-frames', 'dismiss', 'start-lab',
  ],
  confirm: ['confirm', 'cancel'],
  list: ['confirm', 'cancel', 'scroll-down', 'scroll-up', 'quit', 'help', 'lang'],
  dismiss: ['cancel', 'confirm', 'help', 'quit'],
  /** The help overlay: scrolls when the key list is taller than the screen, any other key closes. */
  help: ['scroll-down', 'scroll-up', 'page-down', 'page-up', 'cancel', 'confirm', 'help', 'quit'],
} as const satisfies Record<string, readonly KeyAction[]>;

export type KeyContext = keyof typeof CONTEXT_ACTIONS;

export function actionFor(context: KeyContext, input: string, key: Key): KeyAction | undefined {
  for (const action of CONTEXT_ACTIONS[context]) {
    const binding = KEY_BINDINGS.find((b) => b.action === action);
    if (!binding) continue;
    if (binding.keys?.some((k) => key[k] === true)) return action;
    // Ctrl/Meta chords are not plain characters (Ctrl-C is handled by quit below; on the page,
    // the app takes it first: it cancels a run when one is on).
    if (!key.ctrl && !key.meta && binding.chars?.includes(input)) return action;
  }
  if (key.ctrl && input === 'c') return 'quit';
  return undefined;
}

export function bindingFor(action: KeyAction): KeyBinding {
  const b = KEY_BINDINGS.find((x) => x.action === action);
  if (!b) throw new Error(`no key binding for ${action}`);
  return b;
}
