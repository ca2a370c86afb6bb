// The one program behind all three stand-in binaries: built into a Node single executable and
// copied as kube-apiserver, kube-controller-manager and kube-scheduler; it becomes whichever
// name it was started as (like busybox).
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { runApiServer, StartupError as ApiStartupError } from './apiserver/index.js';
import { stderrLogger } from './common/klog.js';
import { versionLine } from './common/version.js';
import { runController, StartupError } from './controller.js';

const COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
type Component = (typeof COMPONENTS)[number];

export function componentOf(execPath: string, env: NodeJS.ProcessEnv): Component | undefined {
  const name = env.KTHW_STANDIN_AS || basename(execPath);
  return (COMPONENTS as readonly string[]).includes(name) ? (name as Component) : undefined;
}

export async function standinMain(argv: readonly string[], execPath: string, env: NodeJS.ProcessEnv): Promise<void> {
  const component = componentOf(execPath, env);
  if (component === undefined) {
    process.stderr.write(`kthw-tutor stand-in: start me as one of ${COMPONENTS.join(', ')} (was ${basename(execPath)})\n`);
    process.exit(2);
  }
  nameProcess(component);
  if (argv.includes('--version')) {
    process.stdout.write(`${versionLine()}\n`);
    process.exit(0);
  }
  const log = stderrLogger();
  try {
    const handle =
      component === 'kube-apiserver' ? await runApiServer(argv, { log }) : await runController(component, argv, { log });
    const stop = () => {
      log.info('signal.go', 'Received SIGTERM, shutting down');
      // The real components stop within a second or two; never leave systemd waiting for SIGKILL.
      setTimeout(() => process.exit(0), 3000).unref();
      void handle.close().then(() => process.exit(0));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } catch (err) {
    if (err instanceof StartupError || err instanceof ApiStartupError) process.exit(1);
    log.error('run.go:72', `"command failed" err=${JSON.stringify((err as Error).message)}`);
    process.exit(1);
  }
}

/**
 * Node names its main thread `MainThread`, which is what `ss -tlp`, `ps` and `systemctl status` show.
 * The real binaries show their own name (truncated to 15 bytes by the kernel), and the chapter's
 * `ss -tlp | grep kube` relies on it. Writing /proc/self/comm renames the process without touching
 * its command line (which the tutor reads for the flags), unlike process.title.
 */
function nameProcess(component: string): void {
  try {
    writeFileSync('/proc/self/comm', component.slice(0, 15));
  } catch {
    // Not Linux, or /proc not mounted: the name is cosmetic.
  }
}
