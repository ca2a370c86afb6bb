// POSIX single-quote quoting: inside '...' nothing is special, so a value can never turn into
// code. A NUL cannot be passed through sh at all, so it is refused loudly.
export function shq(value: string): string {
  if (value.includes('\0')) throw new Error(`cannot pass a NUL byte to the shell (in ${JSON.stringify(value.slice(0, 40))})`);
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
