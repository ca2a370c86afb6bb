// Listening the way a Go server does: a wildcard bind address becomes one dual-stack socket, which
// `ss -tlp` shows as `*:6443` (the chapter's verification page reads exactly that). Errors come
// back in Go's words for the journal.
import type { Server, Socket } from 'node:net';

export class ListenError extends Error {}

export function listenLikeGo(server: Server, bind: string, port: number): Promise<number> {
  const wildcard = bind === '0.0.0.0' || bind === '' || bind === '::';
  const attempt = (host: string) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  return attempt(wildcard ? '::' : bind).catch((err: NodeJS.ErrnoException) => {
    // A machine without IPv6 still gets an IPv4 wildcard listener.
    if (wildcard && (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL')) return attempt('0.0.0.0');
    const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.message;
    throw new ListenError(`failed to create listener: failed to listen on ${bind}:${port}: listen tcp ${bind}:${port}: bind: ${why}`);
  });
}

/**
 * Stops a server now: no new connections, and every open one (keep-alive clients such as the
 * controllers, or a TLS handshake still in flight) destroyed. server.close() alone waits for
 * keep-alive clients to leave, which they never do, and systemd would wait 90 s before SIGKILL.
 */
export function closeNow(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
}

/** The set of open sockets of `server` (TCP level, so connections still in TLS handshake count). */
export function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}
