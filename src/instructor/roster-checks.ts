// Value checks shared by the YAML roster and the inventory readers. Pure.

/** `SHA256:` + 43 base64 characters as `ssh-keygen -lf` prints it; a trailing `=` is dropped. */
export function checkFingerprint(text: string): string | undefined {
  const m = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(text.trim());
  return m ? `SHA256:${m[1]}` : undefined;
}

/** One hop of ssh -J: [user@]host[:port] or ssh://[user@]host[:port]; IPv6 in brackets. */
function checkHop(hop: string): boolean {
  let rest = hop.startsWith('ssh://') ? hop.slice('ssh://'.length) : hop;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    if (at === 0) return false;
    rest = rest.slice(at + 1);
  }
  let host = rest;
  let port: string | undefined;
  const v6 = /^\[([0-9A-Fa-f:.%\w]+)\](?::(.*))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    port = v6[2];
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      host = rest.slice(0, colon);
      port = rest.slice(colon + 1);
    }
  }
  if (!host || host.includes(':') && !v6) return false;
  if (port !== undefined && !(/^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return false;
  return true;
}

/** ssh -J syntax: hops separated by commas, no spaces or control characters. */
export function checkProxyJump(text: string): boolean {
  if (!text || /[\s\p{Cc}]/u.test(text)) return false;
  return text.split(',').every(checkHop);
}
