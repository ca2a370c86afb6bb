// Progress of an upload: per-file counters, a smoothed send rate and an ETA, and the one-line
// text the plain (non-Ink) output prints. Pure apart from the clock it is given.

export type UploadPhase = 'hashing' | 'checking' | 'skipped' | 'sending' | 'verifying' | 'done';

export interface UploadProgress {
  /** File index (0-based) and number of files. */
  index: number;
  count: number;
  /** Remote basename. */
  name: string;
  phase: UploadPhase;
  /** Bytes of this file sent so far (acknowledged by the server) / its size. */
  fileBytes: number;
  fileSize: number;
  /** Over all files; skipped files count as done. */
  totalBytes: number;
  totalSize: number;
  /** Smoothed rate of what is being sent. */
  bytesPerSecond: number;
  etaSeconds: number | undefined;
}

/** How often 'sending' events go out at most (phase changes always do). */
export const PROGRESS_INTERVAL_MS = 100;
/** Time constant of the rate's exponential smoothing: steady, yet follows a change in ~2 s. */
const RATE_TAU_MS = 2_000;

export class ProgressTracker {
  private readonly done: number[];
  private total = 0;
  private readonly totalSize: number;
  private rate = 0;
  private sampleAt: number;
  private sampleBytes = 0;
  private sentBytes = 0;
  private lastEmit = -Infinity;

  constructor(
    private readonly names: readonly string[],
    private readonly sizes: readonly number[],
    private readonly listener: ((p: UploadProgress) => void) | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.done = sizes.map(() => 0);
    this.totalSize = sizes.reduce((a, b) => a + b, 0);
    this.sampleAt = now();
  }

  /** Bytes of file `index` acknowledged by the server (call with the increment). */
  sent(index: number, bytes: number): void {
    // Never past the file's size (the file's 'done' may have counted it already).
    const add = Math.min(bytes, this.sizes[index]! - this.done[index]!);
    this.done[index]! += add;
    this.total += add;
    this.sentBytes += bytes;
    const t = this.now();
    if (t - this.lastEmit >= PROGRESS_INTERVAL_MS) this.emit(index, 'sending', t);
  }

  /** A file that needs no sending counts as done. */
  skipped(index: number): void {
    this.complete(index);
    this.emit(index, 'skipped');
  }

  /** Sent and verified: all of it counts, whatever acknowledgements are still on their way. */
  finished(index: number): void {
    this.complete(index);
    this.emit(index, 'done');
  }

  private complete(index: number): void {
    this.total += this.sizes[index]! - this.done[index]!;
    this.done[index] = this.sizes[index]!;
  }

  phase(index: number, phase: UploadPhase): void {
    this.emit(index, phase);
  }

  get bytesSent(): number {
    return this.sentBytes;
  }

  private emit(index: number, phase: UploadPhase, t = this.now()): void {
    this.updateRate(t);
    this.lastEmit = t;
    if (!this.listener) return;
    const remaining = this.totalSize - this.total;
    this.listener({
      index,
      count: this.sizes.length,
      name: this.names[index]!,
      phase,
      fileBytes: this.done[index]!,
      fileSize: this.sizes[index]!,
      totalBytes: this.total,
      totalSize: this.totalSize,
      bytesPerSecond: this.rate,
      etaSeconds: remaining === 0 ? 0 : this.rate > 0 ? remaining / this.rate : undefined,
    });
  }

  private updateRate(t: number): void {
    const dt = t - this.sampleAt;
    if (dt < PROGRESS_INTERVAL_MS / 2) return;
    const bytes = this.sentBytes - this.sampleBytes;
    // Time spent hashing or verifying (nothing sent) does not drag the send rate down.
    if (bytes > 0) {
      const instant = (bytes * 1000) / dt;
      this.rate = this.rate === 0 ? instant : this.rate + (instant - this.rate) * (1 - Math.exp(-dt / RATE_TAU_MS));
    }
    this.sampleAt = t;
    this.sampleBytes = this.sentBytes;
  }
}

/** Decimal units, as scp and most download tools print them. */
function unitFor(bytes: number): { div: number; unit: string } {
  if (bytes >= 1e9) return { div: 1e9, unit: 'GB' };
  if (bytes >= 1e6) return { div: 1e6, unit: 'MB' };
  if (bytes >= 1e3) return { div: 1e3, unit: 'kB' };
  return { div: 1, unit: 'B' };
}

function amount(part: number, whole: number): string {
  const { div, unit } = unitFor(whole);
  const digits = div === 1 ? 0 : 1;
  return `${(part / div).toFixed(digits)}/${(whole / div).toFixed(digits)} ${unit}`;
}

export function formatRate(bytesPerSecond: number): string {
  if (!(bytesPerSecond > 0)) return '-- B/s';
  const { div, unit } = unitFor(bytesPerSecond);
  const v = bytesPerSecond / div;
  return `${v >= 10 || div === 1 ? v.toFixed(0) : v.toFixed(1)} ${unit}/s`;
}

/** m:ss below an hour, h:mm:ss above; `--:--` when not known yet. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.ceil(seconds);
  if (s >= 100 * 3600) return '>99h';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One progress line, e.g. "kube-apiserver  52.1/120.0 MB  43%  181 MB/s  ETA 0:01   (total 1/9 files, 52.1/290.4 MB)". */
export function formatUploadProgress(p: UploadProgress): string {
  const total = `   (total ${Math.min(p.index + 1, p.count)}/${p.count} files, ${amount(p.totalBytes, p.totalSize)})`;
  const name = p.name;
  switch (p.phase) {
    case 'sending': {
      // Floor: 100% only when every byte is there.
      const pct = p.fileSize > 0 ? Math.floor((p.fileBytes * 100) / p.fileSize) : 100;
      return `${name}  ${amount(p.fileBytes, p.fileSize)}  ${pct}%  ${formatRate(p.bytesPerSecond)}  ETA ${formatEta(p.etaSeconds)}${total}`;
    }
    case 'hashing':
      return `${name}  hashing the local file${total}`;
    case 'checking':
      return `${name}  comparing with the server's copy${total}`;
    case 'skipped':
      return `${name}  already on the server, not sent${total}`;
    case 'verifying':
      return `${name}  ${amount(p.fileBytes, p.fileSize)}  verifying on the server${total}`;
    case 'done':
      return `${name}  ${amount(p.fileBytes, p.fileSize)}  done${total}`;
  }
}
