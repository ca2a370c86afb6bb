// A tiny HTTPS client for the API server, authenticating with the kubeconfig's client certificate,
// and Go-style error text so the journal reads like client-go's (the tutor's diagnostics match it).
import https from 'node:https';
import type { ClientConfig } from './kubeconfig.js';

export interface ApiResponse {
  status: number;
  body: string;
}

export function apiRequest(config: ClientConfig, method: string, path: string, body?: unknown, timeoutMs = 5000): Promise<ApiResponse> {
  const url = new URL(path, config.server);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: config.ca,
        cert: config.cert,
        key: config.key,
        headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => reject(new Error(goStyleError(method, url, err))));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** `Get "https://...": dial tcp 10.77.0.10:6443: connect: connection refused` and friends. */
export function goStyleError(method: string, url: URL, err: NodeJS.ErrnoException & { host?: string; cert?: { subjectaltname?: string } }): string {
  const verb = method[0]! + method.slice(1).toLowerCase();
  const prefix = `${verb} "${url.href}"`;
  const address = (err as { address?: string }).address;
  const port = (err as { port?: number }).port ?? url.port;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `${prefix}: dial tcp ${address ?? url.hostname}:${port}: connect: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${prefix}: dial tcp: lookup ${url.hostname}: no such host`;
    case 'ETIMEDOUT':
      return `${prefix}: net/http: request canceled (Client.Timeout exceeded while awaiting headers)`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const names = (err.cert?.subjectaltname ?? '')
        .split(', ')
        .map((n) => n.replace(/^(DNS|IP Address):/, ''))
        .filter(Boolean)
        .join(', ');
      return `${prefix}: tls: failed to verify certificate: x509: certificate is valid for ${names}, not ${url.hostname}`;
    }
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `${prefix}: tls: failed to verify certificate: x509: certificate signed by unknown authority`;
    default:
      return `${prefix}: ${err.message}`;
  }
}
