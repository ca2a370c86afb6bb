// Command-line flags the way Kubernetes binaries read them (spf13/pflag): `--name=value`,
// `--name value`, and bare `--name` for booleans. Pure, so the stand-ins' flag errors are tested.

export class FlagError extends Error {}

export interface Flags {
  /** Every flag given, last value wins (as pflag does for scalar flags). */
  values: Map<string, string>;
  positional: string[];
}

export function parseFlags(argv: readonly string[], booleans: ReadonlySet<string> = new Set()): Flags {
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    if (name === '') throw new FlagError(`bad flag syntax: ${arg}`);
    if (eq !== -1) values.set(name, body.slice(eq + 1));
    else if (booleans.has(name)) values.set(name, 'true');
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new FlagError(`flag needs an argument: ${arg}`);
      values.set(name, next);
      i++;
    }
  }
  return { values, positional };
}

/** Flags not in `known`, as pflag reports the first one: `unknown flag: --foo`. */
export function firstUnknown(flags: Flags, known: ReadonlySet<string>): string | undefined {
  for (const name of flags.values.keys()) if (!known.has(name)) return name;
  return undefined;
}
