// Log lines in klog's header format, so the journal of a stand-in reads like the real component's:
//   I1125 06:02:01.770708    1234 server.go:123] "message"
// Severity letters: I(nfo) W(arning) E(rror) F(atal).

export type Severity = 'I' | 'W' | 'E' | 'F';

export function klogLine(severity: Severity, source: string, message: string, now = new Date(), pid = process.pid): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const micros = String(now.getMilliseconds() * 1000).padStart(6, '0');
  const stamp = `${two(now.getMonth() + 1)}${two(now.getDate())} ${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}.${micros}`;
  return `${severity}${stamp} ${String(pid).padStart(7, ' ')} ${source}] ${message}`;
}

export interface Logger {
  info(source: string, message: string): void;
  warn(source: string, message: string): void;
  error(source: string, message: string): void;
}

/** klog writes to stderr; systemd puts stderr in the journal. */
export function stderrLogger(write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  return {
    info: (s, m) => write(klogLine('I', s, m)),
    warn: (s, m) => write(klogLine('W', s, m)),
    error: (s, m) => write(klogLine('E', s, m)),
  };
}
