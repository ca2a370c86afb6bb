// Splits a batch's output into per-check fields, shared facts and probes, by the nonce markers.
// Text outside frames (a noisy ~/.bashrc, for one) is ignored; a check whose end marker never
// came is reported as incomplete.
export interface Frames {
  checks: Map<number, { fields: Record<string, string>; complete: boolean }>;
  shared: Record<string, string>;
  probes: Map<number, string>;
  /** The script reached its last line. */
  done: boolean;
}

export function parseFrames(output: string, nonce: string): Frames {
  const frames: Frames = { checks: new Map(), shared: {}, probes: new Map(), done: false };
  const marker = new RegExp(`\\n@@kthw:${nonce}:(begin|end|field|shared|probe|done):([^\\n]*)\\n`, 'g');
  let current: { kind: string; arg: string } | null = null;
  let check: number | null = null;
  let last = 0;
  const store = (text: string) => {
    if (!current) return;
    if (current.kind === 'field' && check !== null) {
      const c = frames.checks.get(check);
      if (c) c.fields[current.arg] = text;
    } else if (current.kind === 'shared') frames.shared[current.arg] = text;
    else if (current.kind === 'probe') frames.probes.set(Number(current.arg), text);
  };
  for (const m of output.matchAll(marker)) {
    store(output.slice(last, m.index));
    last = m.index + m[0].length;
    const [, kind = '', arg = ''] = m;
    if (kind === 'begin') {
      check = Number(arg);
      frames.checks.set(check, { fields: {}, complete: false });
      current = null;
    } else if (kind === 'end') {
      const c = frames.checks.get(Number(arg));
      if (c) c.complete = true;
      check = null;
      current = null;
    } else if (kind === 'done') {
      frames.done = true;
      current = null;
    } else {
      current = { kind, arg };
    }
  }
  // Output that stops mid-frame: keep what came (it is evidence), the frame stays incomplete.
  store(output.slice(last).replace(/\n$/, ''));
  return frames;
}
