// Asking for the server (user@host[:port]), used by the first run and by the `t` key.
// `submit` resolves to an error message to show, or null when the target was taken.
import { Box, Text } from 'ink';
import { useState } from 'react';
import type { Translate } from '../i18n/types.js';
import { TextInput } from './TextInput.js';

export interface TargetFormProps {
  t: Translate;
  initial: string;
  submit: (value: string) => Promise<string | null> | string | null;
  onCancel: () => void;
}

export function TargetForm({ t, initial, submit, onCancel }: TargetFormProps) {
  const [error, setError] = useState<string | null>(null);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>{t('ui:target.title')}</Text>
      <Text>{t('ui:target.explain')}</Text>
      <TextInput
        initial={initial}
        onSubmit={(value) => {
          // A target that throws (unreadable config, a link that fails to close) is an error to show.
          Promise.resolve()
            .then(() => submit(value.trim()))
            .then(setError, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
        }}
        onCancel={onCancel}
      />
      {error ? <Text color="red">{error}</Text> : null}
      <Text dimColor>{t('ui:target.footer')}</Text>
    </Box>
  );
}
