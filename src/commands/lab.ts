// `kthw-tutor lab ...` on the terminal: runs the lab operations and draws their progress (a bar on
// a terminal, one line per phase otherwise, so CI logs stay readable).
import type { BuildProgress } from '../lab/base-image.js';
import { LabCommandError } from '../lab/exec.js';
import { LabError, labDown, labReset, labStatus, labUp, type LabReporter, type LabStatus } from '../lab/lab.js';
import type { LabLayout } from '../lab/layout.js';

export type LabAction =
  | { action: 'up'; downloads?: string }
  | { action: 'status'; json: boolean }
  | { action: 'reset' }
  | { action: 'down'; purge: boolean };

/** Pure: `[#########...........]  45% unpacking systemd`, fitted to `width` columns. */
export function progressLine(p: BuildProgress, width: number): string {
  const pct = `${Math.round(p.fraction * 100)}%`.padStart(4);
  const barWidth = Math.max(10, Math.min(30, width - 30));
  const filled = Math.round(p.fraction * barWidth);
  const head = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${pct} `;
  const room = Math.max(0, width - head.length - 1);
  return head + (p.label.length > room ? p.label.slice(0, room) : p.label);
}

export function terminalReporter(out: NodeJS.WriteStream): LabReporter & { end(): void } {
  const tty = !!out.isTTY;
  let barShown = false;
  let lastDecile = -1;
  const clearBar = () => {
    if (barShown) out.write('\r\x1b[2K');
    barShown = false;
  };
  return {
    phase(text) {
      clearBar();
      out.write(`lab: ${text}\n`);
    },
    progress(p) {
      if (tty) {
        out.write(`\r\x1b[2K${progressLine(p, out.columns || 80)}`);
        barShown = true;
      } else {
        // Without a terminal, a line every 10% is enough to see it move.
        const decile = Math.floor(p.fraction * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          out.write(`lab: ${Math.round(p.fraction * 100)}% ${p.label}\n`);
        }
      }
    },
    end: clearBar,
  };
}

export function formatStatus(s: LabStatus, layout: LabLayout): string {
  const lines = [`lab server: ${s.running ? `running (systemd-nspawn pid ${s.pid})` : 'not running'}`];
  if (s.info) {
    lines.push(
      `binaries:   ${s.info.binaries === 'stand-in' ? 'STAND-INS (kthw-tutor lab stand-ins, not the real Kubernetes binaries)' : `real, from ${s.info.downloads}`}`,
    );
  } else lines.push('binaries:   none yet (run: kthw-tutor lab up)');
  lines.push(`address:    ${s.serverIp} (server, server.kubernetes.local; network namespace ${layout.net.netns})`);
  for (const [unit, state] of Object.entries(s.units)) lines.push(`  ${unit.padEnd(24)} ${state}`);
  lines.push(`jumpbox:    ${s.jumpbox}`, `ssh:        ssh -F ${s.sshConfig} server`, `tutor:      kthw-tutor --lab`);
  return lines.join('\n') + '\n';
}

export async function runLab(layout: LabLayout, command: LabAction, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const reporter = terminalReporter(out);
  try {
    switch (command.action) {
      case 'up': {
        const started = performance.now();
        const info = await labUp(layout, reporter, command.downloads ? { downloads: command.downloads } : {});
        reporter.end();
        out.write(`lab: up in ${((performance.now() - started) / 1000).toFixed(1)} s (binaries: ${info.binaries})\n`);
        out.write(formatStatus(await labStatus(layout), layout));
        return 0;
      }
      case 'status': {
        const status = await labStatus(layout);
        out.write(command.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status, layout));
        return status.running ? 0 : 3;
      }
      case 'reset': {
        const started = performance.now();
        await labReset(layout, reporter);
        reporter.end();
        out.write(`lab: reset in ${((performance.now() - started) / 1000).toFixed(1)} s; the server is as it was before chapter 8\n`);
        return 0;
      }
      case 'down':
        await labDown(layout, { purge: command.purge });
        out.write(`lab: down${command.purge ? '; its files are deleted' : ''}\n`);
        return 0;
    }
  } catch (err) {
    reporter.end();
    if (err instanceof LabError || err instanceof LabCommandError) {
      process.stderr.write(`kthw-tutor lab ${command.action}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
