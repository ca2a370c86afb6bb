// Live output of a running command, for the screen. A command may print without bound (a cat of
// a binary, a `yes`): only the last `cap` characters are kept, they are decoded and sanitized
// once per flush rather than once per network chunk (bytes that scroll away are never decoded),
// and they are handed on at most every `intervalMs`, so memory and redraws stay bounded.
import { StringDecoder } from 'node:string_decoder';
import { sanitizeTerminal } from './sanitize.js';

export type Stream = 'stdout' | 'stderr';

interface Piece {
  /** Text, or raw bytes of `stream` still to be decoded. */
  data: string | Buffer;
  stream: Stream;
}

export class OutputTail {
  /** Chunks not yet handed on, oldest at `first`; older ones are dropped past `cap` units. */
  private pending: Piece[] = [];
  private first = 0;
  /** Characters held, counting 4 bytes as one (the fewest characters 4 UTF-8 bytes make). */
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  /** One decoder per stream, kept across flushes so a character split between chunks survives. */
  private decoders: Record<Stream, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  /** Bytes of this stream were dropped: its next kept chunk may start inside a character. */
  private cut: Record<Stream, boolean> = { stdout: false, stderr: false };

  constructor(
    private readonly cap: number,
    /** Receives the sanitized new text (at most the last `cap` characters of it). */
    private readonly deliver: (text: string) => void,
    private readonly intervalMs = 50,
  ) {}

  /** Decoded text (from an executor that decodes itself). */
  push(chunk: string, stream: Stream = 'stdout'): void {
    if (chunk !== '') this.add({ data: chunk, stream });
  }

  /** Raw bytes, kept by reference (the executors hand over buffers they do not reuse). */
  pushBytes(chunk: Buffer, stream: Stream = 'stdout'): void {
    if (chunk.length > 0) this.add({ data: chunk, stream });
  }

  private add(piece: Piece): void {
    if (this.ended) return;
    this.pending.push(piece);
    this.size += weight(piece);
    // Whole chunks are dropped (no copying), as long as what is left still covers the cap.
    while (this.pending.length - this.first > 1 && this.size - weight(this.pending[this.first]!) >= this.cap) {
      const old = this.pending[this.first]!;
      this.size -= weight(old);
      if (typeof old.data !== 'string') this.cut[old.stream] = true;
      this.pending[this.first++] = { data: '', stream: old.stream };
    }
    if (this.first > 1024 && this.first * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.first);
      this.first = 0;
    }
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Hands on what is pending now (but an escape sequence still being received). */
  flush(): void {
    this.deliverPending(false);
  }

  private deliverPending(final: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.size === 0) return;
    const parts: string[] = [];
    for (let i = this.first; i < this.pending.length; i++) {
      const { data, stream } = this.pending[i]!;
      if (typeof data === 'string') {
        parts.push(data);
        continue;
      }
      let bytes = data;
      if (this.cut[stream]) {
        this.cut[stream] = false;
        this.decoders[stream] = new StringDecoder('utf8');
        // Skip the continuation bytes of a character whose start was dropped.
        let skip = 0;
        while (skip < 3 && skip < bytes.length && (bytes[skip]! & 0xc0) === 0x80) skip++;
        bytes = bytes.subarray(skip);
      }
      parts.push(this.decoders[stream].write(bytes));
    }
    this.pending = [];
    this.first = 0;
    this.size = 0;
    let raw = parts.join('');
    // A sequence cut by this flush would leave its visible tail (`31m`) on screen: keep it for
    // the next flush, which sanitizes it whole.
    const open = final ? null : UNFINISHED.exec(raw.slice(-256));
    // At the very end nothing will close a string sequence still open: it would swallow the
    // command's last lines (its error message), so only its introducer goes.
    if (final) raw = dropOpenStrings(raw);
    if (open) {
      raw = raw.slice(0, raw.length - open[0].length);
      // No timer for it alone: the next chunk, or end(), brings it out.
      this.pending.push({ data: open[0], stream: 'stdout' });
      this.size += open[0].length;
    }
    if (raw.length > this.cap) {
      raw = raw.slice(-this.cap);
      if (/^[\udc00-\udfff]/.test(raw)) raw = raw.slice(1); // half of a cut surrogate pair
    }
    const text = sanitizeTerminal(raw);
    if (text !== '') this.deliver(text);
  }

  /** The command finished: hand on the rest (with any unfinished character), take nothing more. */
  end(): void {
    if (this.ended) return;
    this.deliverPending(true);
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[stream].end();
      if (rest) this.add({ data: rest, stream });
    }
    this.deliverPending(true);
    this.ended = true;
  }
}

/** An escape sequence at the very end that has not ended yet (CSI, ESC, OSC/DCS strings). */
const UNFINISHED = /(?:(?:\x1b\[|\x9b)[0-?]*[ -/]*|\x1b[ -/]*|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])(?:(?!\x07|\x1b\\|\x9c)[^])*)$/;

const STRING_START = /\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]/g;

/** Removes the introducers of OSC/DCS/SOS/PM/APC strings that no BEL or ST ends. */
function dropOpenStrings(text: string): string {
  const closed = Math.max(text.lastIndexOf('\x07'), text.lastIndexOf('\x1b\\'), text.lastIndexOf('\x9c'));
  STRING_START.lastIndex = closed + 1;
  let out = text;
  for (let m = STRING_START.exec(out); m; m = STRING_START.exec(out)) {
    out = out.slice(0, m.index) + out.slice(m.index + m[0].length);
    STRING_START.lastIndex = m.index;
  }
  return out;
}

function weight(piece: Piece): number {
  return typeof piece.data === 'string' ? piece.data.length : piece.data.length / 4;
}
