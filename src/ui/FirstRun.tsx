// The first run: choose the language (default from LANG), then the server (default root@server).
// Both answers are handed back; connecting and checking happen afterwards in the app.
import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import type { Lang, Translate } from '../i18n/types.js';
import { actionFor } from './keys.js';
import { TargetForm } from './TargetForm.js';

export interface FirstRunProps {
  defaultLang: Lang;
  defaultTarget: string;
  translate: (lang: Lang) => Translate;
  /** Returns an error message when the target is not valid, else null. */
  validateTarget: (value: string) => string | null;
  onDone: (answer: { lang: Lang; target: string }) => void;
  onQuit: () => void;
}

const CHOICES: Array<{ lang: Lang; label: string }> = [
  { lang: 'ko', label: '한국어' },
  { lang: 'en', label: 'English' },
];

export function FirstRun(props: FirstRunProps) {
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
    <TargetForm
      t={t}
      initial={props.defaultTarget}
      submit={(value) => {
        const problem = props.validateTarget(value);
        if (!problem) props.onDone({ lang, target: value });
        return problem;
      }}
      onCancel={() => setLang(null)}
    />
  );
}
