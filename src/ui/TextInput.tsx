// A one-line text field: printable characters, Backspace, Enter to submit, Esc to cancel.
// `mask` hides what is typed (passphrases).
import { Text, useInput } from 'ink';
import { useState } from 'react';

export interface TextInputProps {
  initial?: string;
  mask?: boolean;
  onSubmit(value: string): void;
  onCancel(): void;
}

export function TextInput({ initial = '', mask = false, onSubmit, onCancel }: TextInputProps) {
  const [value, setValue] = useState(initial);
  useInput((input, key) => {
    if (key.escape) return onCancel();
    if (key.return) return onSubmit(value);
    if (key.backspace || key.delete) return setValue((v) => Array.from(v).slice(0, -1).join(''));
    if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
    // Pasted text may carry a newline: keep the first line only.
    if (input) setValue((v) => v + input.split(/[\r\n]/)[0]);
  });
  return (
    <Text>
      {'> '}
      {mask ? '•'.repeat(Array.from(value).length) : value}
      <Text inverse> </Text>
    </Text>
  );
}
