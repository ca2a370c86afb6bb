// The run pane's text while the tutor sends a step's files: one line per file that has started
// (hashing, sending with its share, verifying, verified or skipped) and a total line with rate and
// ETA. Pure: progress events in, text out, in the learner's language.
import type { Translate } from '../i18n/types.js';
import { formatEta, formatRate, type UploadProgress, type UploadResult } from '../remote/upload.js';

/** "52.1 MB": one decimal, decimal megabytes as ls -h --si and scp's own meters count. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

export class UploadBoard {
  private readonly latest: Array<UploadProgress | undefined>;
  private last: UploadProgress | undefined;

  constructor(private readonly names: readonly string[]) {
    this.latest = names.map(() => undefined);
  }

  update(p: UploadProgress): void {
    if (p.index < 0 || p.index >= this.latest.length) return;
    this.latest[p.index] = p;
    // The total line follows the newest event (verifying file k may come after sending k+1 began).
    if (!this.last || p.totalBytes >= this.last.totalBytes) this.last = p;
  }

  /** What the pane shows now; with `result`, the closing summary instead of rate and ETA. */
  text(t: Translate, result?: UploadResult): string {
    const width = Math.max(...this.names.map((n) => n.length));
    const lines: string[] = [];
    this.latest.forEach((p, i) => {
      if (!p) return;
      lines.push(`${this.names[i]!.padEnd(width)}  ${this.fileStatus(p, t)}`);
    });
    if (result) {
      const sent = result.files.filter((f) => f.outcome === 'sent');
      const seconds = result.elapsedMs / 1000;
      lines.push(
        t('ui:upload.summary', {
          sent: sent.length,
          skipped: result.files.length - sent.length,
          bytes: megabytes(result.bytesSent),
          seconds: seconds.toFixed(1),
          rate: formatRate(seconds > 0 ? result.bytesSent / seconds : 0),
        }),
      );
    } else if (this.last) {
      const p = this.last;
      const started = this.latest.filter((x) => x !== undefined).length;
      lines.push(
        t('ui:upload.total', {
          done: megabytes(p.totalBytes),
          size: megabytes(p.totalSize),
          files: `${started}/${p.count}`,
          rate: formatRate(p.bytesPerSecond),
          eta: formatEta(p.etaSeconds),
        }),
      );
    }
    return lines.join('\n');
  }

  private fileStatus(p: UploadProgress, t: Translate): string {
    switch (p.phase) {
      case 'hashing':
        return t('ui:upload.hashing');
      case 'checking':
        return t('ui:upload.checking');
      case 'skipped':
        return t('ui:upload.skipped', { size: megabytes(p.fileSize) });
      case 'sending': {
        // Floor: 100 % only once every byte is there.
        const pct = p.fileSize > 0 ? Math.floor((p.fileBytes * 100) / p.fileSize) : 100;
        return `${megabytes(p.fileBytes)} / ${megabytes(p.fileSize)}  ${String(pct).padStart(3)} %`;
      }
      case 'verifying':
        return t('ui:upload.verifying', { size: megabytes(p.fileSize) });
      case 'done':
        return t('ui:upload.verified', { size: megabytes(p.fileSize) });
    }
  }
}
