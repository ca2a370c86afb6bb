// Everything drawn over the page: help, outline, confirmations and prompts. Each overlay takes
// the keys while it is open (the page's input is inactive then).
import { Box, Text, useInput } from 'ink';
import type { Translate } from '../i18n/types.js';
import type { TutorSession } from '../tutor/session.js';
import { pageDone, pageUnlocked, type TutorState } from '../tutor/state.js';
import type { PageView } from './document.js';
import { actionFor, KEY_BINDINGS } from './keys.js';
import { TargetForm } from './TargetForm.js';
import { TextInput } from './TextInput.js';

interface OverlayProps {
  session: TutorSession;
  state: TutorState;
  pages: PageView[];
  t: Translate;
  columns: number;
  /** Rows the overlay may take. */
  rows: number;
  changeTarget: (value: string) => Promise<string | null>;
  onQuit: () => void;
}

export function Overlays(props: OverlayProps) {
  const o = props.state.overlay;
  switch (o.kind) {
    case 'help':
      return <Help {...props} />;
    case 'outline':
      return <Outline {...props} cursor={o.cursor} />;
    case 'confirm-run':
      return <ConfirmRun {...props} stepId={o.stepId} fix={o.fix} />;
    case 'confirm-upload':
      return <ConfirmUpload {...props} stepId={o.stepId} />;
    case 'confirm-reset':
      return <ConfirmReset {...props} scope={o.scope} />;
    case 'target':
      return <TargetPrompt {...props} />;
    case 'host-key':
      return <HostKeyPrompt {...props} host={o.host} port={o.port} keyType={o.keyType} fingerprint={o.fingerprint} />;
    case 'passphrase':
      return <PassphrasePrompt {...props} keyPath={o.keyPath} again={o.again === true} />;
    case 'none':
      return null;
  }
}

const close = (session: TutorSession) => session.dispatch({ type: 'overlay', overlay: { kind: 'none' } });

function Help({ session, state, t, rows }: OverlayProps) {
  // Border, title and closing line take 4 rows; on a short terminal the list scrolls (one row
  // then says which part is shown) rather than overflow the screen.
  const total = KEY_BINDINGS.length;
  const fits = total <= rows - 4;
  const shown = fits ? total : Math.max(1, rows - 5);
  const wanted = state.overlay.kind === 'help' ? (state.overlay.scroll ?? 0) : 0;
  const top = Math.max(0, Math.min(total - shown, wanted));
  useInput((input, key) => {
    const action = actionFor('help', input, key);
    const step = { 'scroll-down': 1, 'scroll-up': -1, 'page-down': shown, 'page-up': -shown }[action as string];
    if (step !== undefined) {
      if (!fits) session.dispatch({ type: 'overlay', overlay: { kind: 'help', scroll: Math.max(0, Math.min(total - shown, top + step)) } });
    } else if (action) {
      close(session);
    }
  });
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>{t('ui:help.title')}</Text>
      {KEY_BINDINGS.slice(top, top + shown).map((b) => (
        <Text key={b.action} wrap="truncate-end">
          <Text color="cyan">{b.label.padEnd(12)}</Text>
          {t(`ui:help.actions.${b.action}`)}
        </Text>
      ))}
      {fits ? null : <Text dimColor>{t('ui:help.more', { from: top + 1, to: top + shown, total })}</Text>}
      <Text dimColor>{t('ui:help.close')}</Text>
    </Box>
  );
}

function Outline({ session, state, pages, t, cursor, onQuit }: OverlayProps & { cursor: number }) {
  const plan = session.coursePlan;
  useInput((input, key) => {
    const action = actionFor('list', input, key);
    if (action === 'scroll-down' || action === 'scroll-up') {
      const next = Math.max(0, Math.min(pages.length - 1, cursor + (action === 'scroll-down' ? 1 : -1)));
      session.dispatch({ type: 'overlay', overlay: { kind: 'outline', cursor: next } });
    } else if (action === 'confirm') {
      session.fire(session.openPage(cursor));
    } else if (action === 'cancel') {
      close(session);
    } else if (action === 'quit') {
      onQuit();
    }
  });
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>{t('ui:outline.title')}</Text>
      {pages.map((p, i) => {
        const done = pageDone(plan, state, i);
        const open = pageUnlocked(plan, state, i);
        const mark = done ? '✔' : open ? '❍' : '✕';
        const label = done ? t('ui:outline.done') : open ? t('ui:outline.open') : t('ui:outline.locked');
        return (
          <Text key={p.title} inverse={i === cursor} wrap="truncate-end">
            {`${mark} ${i + 1}. ${p.title}`} <Text dimColor>({label})</Text>
          </Text>
        );
      })}
      <Text dimColor>{t('ui:outline.footer')}</Text>
    </Box>
  );
}

function ConfirmUpload({ session, t, stepId }: OverlayProps & { stepId: string }) {
  const step = session.selectedStep();
  const files = session.uploadFilesFor(stepId);
  useInput((input, key) => {
    const action = actionFor('confirm', input, key);
    if (action === 'confirm') session.fire(session.upload(stepId));
    else if (action === 'cancel') close(session);
  });
  if (!step?.upload) return null;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="yellow" paddingX={1}>
      <Text bold>{t('ui:upload.confirmTitle', { target: session.targetLabel, to: step.upload.to })}</Text>
      <Text dimColor>{t('ui:upload.confirmHow')}</Text>
      {files.map((f) => (
        <Text key={f.remote} color="yellow" wrap="truncate-middle">
          {`${f.local} → ${f.remote}`}
        </Text>
      ))}
      <Text>{t('ui:confirm.question')}</Text>
    </Box>
  );
}

function ConfirmRun({ session, t, stepId, fix }: OverlayProps & { stepId: string; fix: string | undefined }) {
  const step = session.selectedStep();
  const commands = session.commandsFor(stepId, fix);
  useInput((input, key) => {
    const action = actionFor('confirm', input, key);
    if (action === 'confirm') session.fire(session.run(stepId, fix));
    else if (action === 'cancel') close(session);
  });
  if (!step) return null;
  const where = t(`ui:where.${step.where}`);
  const target = step.where === 'server' ? session.targetLabel : 'localhost';
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="yellow" paddingX={1}>
      <Text bold>{t(fix ? 'ui:confirm.fixTitle' : 'ui:confirm.runTitle', { where, target })}</Text>
      <Text dimColor>{t('ui:confirm.cwd', { cwd: session.cwdFor(step) })}</Text>
      {commands.map((c, i) => (
        <Text key={i} color="yellow">
          {c
            .split('\n')
            .map((l, n) => `${n === 0 ? '$' : ' '} ${l}`)
            .join('\n')}
        </Text>
      ))}
      <Text>{t('ui:confirm.question')}</Text>
    </Box>
  );
}

function ConfirmReset({ session, state, t, scope }: OverlayProps & { scope: 'page' | 'all' }) {
  useInput((input, key) => {
    const action = actionFor('confirm', input, key);
    if (action === 'confirm') session.fire(session.reset(scope));
    else if (action === 'cancel') close(session);
  });
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="yellow" paddingX={1}>
      <Text bold>
        {scope === 'page'
          ? t('ui:confirm.resetPageTitle', { page: state.page + 1 })
          : t('ui:confirm.resetAllTitle', { target: session.targetLabel })}
      </Text>
      <Text>{t('ui:confirm.resetNote')}</Text>
      <Text>{t('ui:confirm.resetQuestion')}</Text>
    </Box>
  );
}

function TargetPrompt({ session, t, changeTarget }: OverlayProps) {
  return <TargetForm t={t} initial={session.targetTyped} submit={changeTarget} onCancel={() => close(session)} />;
}

function HostKeyPrompt(
  props: OverlayProps & { host: string; port: number; keyType: string; fingerprint: string },
) {
  const { session, t } = props;
  useInput((input, key) => {
    const action = actionFor('confirm', input, key);
    // Only an explicit "y" trusts a key: Enter must not accept a fingerprint by reflex.
    if (action === 'confirm' && input === 'y') session.answerPrompt(true);
    else if (action === 'cancel') session.answerPrompt(false);
  });
  const short = props.keyType.replace(/^ssh-/, '').replace(/^ecdsa-sha2-nistp\d+$/, 'ecdsa');
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="yellow" paddingX={1}>
      <Text bold>{t('ui:hostKey.title')}</Text>
      <Text>{t('ui:hostKey.host', { host: props.host, port: props.port })}</Text>
      <Text color="cyan">{t('ui:hostKey.fingerprint', { type: props.keyType, fingerprint: props.fingerprint })}</Text>
      <Text>{t('ui:hostKey.explain', { short })}</Text>
      <Text>{t('ui:hostKey.question')}</Text>
    </Box>
  );
}

function PassphrasePrompt({ session, t, keyPath, again }: OverlayProps & { keyPath: string; again: boolean }) {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>{t('ui:passphrase.title', { key: keyPath })}</Text>
      {again ? <Text color="yellow">{t('ui:passphrase.again')}</Text> : null}
      <TextInput mask onSubmit={(v) => session.answerPrompt(v)} onCancel={() => session.answerPrompt(undefined)} />
      <Text dimColor>{t('ui:passphrase.footer')}</Text>
    </Box>
  );
}
