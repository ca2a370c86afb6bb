// `ss -Htlnp` (or `ss -tlp`) listener lines, e.g.
//   LISTEN 0 4096 *:6443 *:* users:(("kube-apiserver",pid=3016,fd=3))
export interface Listener {
  state: string;
  address: string;
  port: number;
  processes: Array<{ name: string; pid: number; fd: number }>;
}

export function parseSsListeners(text: string): Listener[] {
  const out: Listener[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('State') || line.startsWith('Netid')) continue;
    const cols = line.split(/\s+/);
    // With -H there is no header; with a leading Netid column (ss -a) the state is second.
    const offset = cols[0] === 'tcp' || cols[0] === 'udp' ? 1 : 0;
    const state = cols[offset];
    const local = cols[offset + 3];
    if (!state || !local) continue;
    const colon = local.lastIndexOf(':');
    // Decimal digits only: Number() would read "" as 0 and "0x1bb" as 443.
    const portText = local.slice(colon + 1);
    const port = Number(portText);
    if (colon === -1 || !/^\d{1,5}$/.test(portText) || port > 65535) continue;
    const processes = [...line.matchAll(/\("([^"]*)",pid=(\d+),fd=(\d+)\)/g)].map((m) => ({
      name: m[1]!,
      pid: Number(m[2]),
      fd: Number(m[3]),
    }));
    out.push({ state, address: local.slice(0, colon), port, processes });
  }
  return out;
}
