// The first run: choose the language (default from LANG), then the server (default root@server).
// Both answers are handed back; connecting and checking happen afterwards in the app.
import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import type { Lang, Translate } from '../i18n/types.js';
import { actionFor } from './keys.js';
import { TargetForm } from './TargetForm.js';

/** What the app's one target parser made of the typed text: the target, or why not (in `t`'s language). */
export type TargetParse<T> = { ok: true; target: T } | { ok: false; problem: string };

export interface FirstRunProps<T> {
  defaultLang: Lang;
  defaultTarget: string;
  translate: (lang: Lang) => Translate;
  parseTarget: (value: string, t: Translate) => TargetParse<T>;
  onDone: (answer: { lang: Lang; target: T }) => void;
  onQuit: () => void;
  /** Tell a learner without a server about the practice lab (false where no lab can run). */
  offerLab?: boolean;
}

const CHOICES: Array<{ lang: Lang; label: string }> = [
  { lang: 'ko', label: '한국어' },
  { lang: 'en', label: 'English' },
];

export function FirstRun<T>(props: FirstRunProps<T>) {
  const [cursor, setCursor] = useState(CHOICES.findIndex((c) => c.lang === props.defaultLang));
  const [lang, setLang] = useState<Lang | null>(null);

  useInput(
    (input, key) => {
      const action = actionFor('list', input, key);
      if (action === 'scroll-down' || action === 'scroll-up') setCursor((c) => (c + 1) % CHOICES.length);
      else if (action === 'confirm') setLang(CHOICES[cursor]!.lang);
      else if (action === 'quit' || action === 'cancel') props.onQuit();
    },
    { isActive: lang === null },
  );

  const t = props.translate(lang ?? CHOICES[cursor]!.lang);
  if (lang === null) {
    return (
      <Box flexDirection="column" borderStyle="round" paddingX={1}>
        <Text bold>{t('ui:firstRun.langTitle')}</Text>
        {CHOICES.map((c, i) => (
          <Text key={c.lang} inverse={i === cursor}>
            {i === cursor ? '➤ ' : '  '}
            {c.label}
          </Text>
        ))}
        <Text dimColor>{t('ui:firstRun.langFooter')}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <TargetForm
        t={t}
        initial={props.defaultTarget}
        submit={(value) => {
          const parsed = props.parseTarget(value, t);
          if (!parsed.ok) return parsed.problem;
          props.onDone({ lang, target: parsed.target });
          return null;
        }}
        onCancel={() => setLang(null)}
      />
      {props.offerLab ? <Text dimColor>{t('ui:firstRun.lab')}</Text> : null}
    </Box>
  );
}
