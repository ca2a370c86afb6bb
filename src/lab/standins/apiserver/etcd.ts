// etcd through its v3 JSON gateway (`POST /v3/kv/...`, keys and values base64), which every etcd
// since 3.4 serves on the client URL. Plain HTTP is all the chapter's `--etcd-servers` uses, and it
// spares the stand-in a gRPC stack. Revisions are etcd's: a stored object's resourceVersion is the
// key's mod_revision, as with the real API server.
import http from 'node:http';

export interface StoredValue {
  key: string;
  value: string;
  modRevision: number;
}

export class EtcdUnavailable extends Error {
  constructor(
    readonly address: string,
    readonly reason: NodeJS.ErrnoException,
  ) {
    super(`dial tcp ${address}: connect: ${reason.code === 'ECONNREFUSED' ? 'connection refused' : reason.message}`);
  }
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

/** The key right after every key starting with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = bytes.subarray(0, i + 1);
      end[i] = end[i]! + 1;
      return end.toString('latin1');
    }
  }
  return '\0';
}

interface RawKv {
  key?: string;
  value?: string;
  mod_revision?: string;
}

export class EtcdClient {
  private readonly url: URL;

  constructor(endpoint: string) {
    this.url = new URL(endpoint);
  }

  get address(): string {
    return `${this.url.hostname}:${this.url.port || '2379'}`;
  }

  private call<T>(path: string, body: unknown, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        new URL(path, this.url),
        { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) return reject(new Error(`etcd ${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
            try {
              resolve(JSON.parse(text) as T);
            } catch {
              reject(new Error(`etcd ${path}: not JSON: ${text.slice(0, 200)}`));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => reject(new EtcdUnavailable(this.address, err)));
      req.end(JSON.stringify(body));
    });
  }

  async status(): Promise<void> {
    await this.call('/v3/maintenance/status', {}, 2000);
  }

  async get(key: string): Promise<StoredValue | undefined> {
    const r = await this.call<{ kvs?: RawKv[] }>('/v3/kv/range', { key: b64(key) });
    const kv = r.kvs?.[0];
    return kv ? toStored(kv) : undefined;
  }

  async list(prefix: string): Promise<{ items: StoredValue[]; revision: number }> {
    const r = await this.call<{ kvs?: RawKv[]; header?: { revision?: string } }>('/v3/kv/range', {
      key: b64(prefix),
      range_end: Buffer.from(prefixEnd(prefix), 'latin1').toString('base64'),
    });
    return { items: (r.kvs ?? []).map(toStored), revision: Number(r.header?.revision ?? 0) };
  }

  /**
   * Writes `value` if the key's mod_revision is still `expected` (0: the key must not exist).
   * Returns the new revision, or undefined when someone else changed the key first.
   */
  async putIf(key: string, value: string, expected: number): Promise<number | undefined> {
    const compare =
      expected === 0
        ? { key: b64(key), target: 'CREATE', create_revision: '0', result: 'EQUAL' }
        : { key: b64(key), target: 'MOD', mod_revision: String(expected), result: 'EQUAL' };
    const r = await this.call<{ succeeded?: boolean; header?: { revision?: string } }>('/v3/kv/txn', {
      compare: [compare],
      success: [{ request_put: { key: b64(key), value: b64(value) } }],
    });
    return r.succeeded ? Number(r.header?.revision ?? 0) : undefined;
  }

  async delete(key: string): Promise<boolean> {
    const r = await this.call<{ deleted?: string }>('/v3/kv/deleterange', { key: b64(key) });
    return Number(r.deleted ?? 0) > 0;
  }
}

function toStored(kv: RawKv): StoredValue {
  return { key: unb64(kv.key), value: unb64(kv.value), modRevision: Number(kv.mod_revision ?? 0) };
}
