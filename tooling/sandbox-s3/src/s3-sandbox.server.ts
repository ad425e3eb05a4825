import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { checkPayload, type ChecksumAlgorithm } from './payload.js';
import { errorXml, escapeXml, S3Error, s3Errors } from './s3-error.js';
import { verifyHeaderSignature } from './signature-v4.js';

export interface S3SandboxCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3SandboxObject {
  key: string;
  body: Buffer;
  contentType: string;
  /** x-amz-meta-* without the prefix, names in lower case (as S3 keeps them). */
  metadata: Record<string, string>;
  etag: string;
  lastModified: Date;
  /** The flexible checksums the client sent (base64), given back on GetObject with x-amz-checksum-mode: ENABLED. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface S3SandboxRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  /** x-amz-content-sha256 as sent: a hash, UNSIGNED-PAYLOAD or a STREAMING-… (aws-chunked) mode. */
  payload?: string;
  /** The S3 error code answered, if any. */
  code?: string;
}

export interface S3Sandbox {
  url: string;
  port: number;
  region: string;
  /** The first configured key pair (the default one unless `credentials` were given). */
  credentials: S3SandboxCredentials;
  createBucket(name: string): void;
  /** Stores an object directly, without a request (seeding a test). */
  putObject(input: { bucket: string; key: string; body: Buffer | string; contentType?: string; metadata?: Record<string, string> }): void;
  /** A bucket's objects in key order (copies of the stored state). */
  objects(bucket: string): S3SandboxObject[];
  object(bucket: string, key: string): S3SandboxObject | undefined;
  /** The next `times` (default 1) requests are answered with this error after their body was read, before any other check. */
  failNext(input: { status: number; code: string; message?: string; times?: number }): void;
  /** The next `times` (default 1) requests get their connection destroyed without an answer. */
  dropNextConnection(input?: { times?: number }): void;
  /** Every answer waits this long. */
  setLatency(input: { ms: number }): void;
  /** Requests answered since start, in order. */
  requests(): S3SandboxRequest[];
  close(): Promise<void>;
}

export const SANDBOX_S3_CREDENTIALS: S3SandboxCredentials = {
  accessKeyId: 'AKIASANDBOXS3EXAMPLE',
  secretAccessKey: 'sandbox/S3/secret/key/that/is/40/chars00',
};

const MAX_PUT_BYTES = 5 * 1024 ** 3;
const MAX_METADATA_BYTES = 2048;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// Query parameters that do not name a sub-resource S3 would treat as another operation.
const PLAIN_OBJECT_QUERY = new Set(['x-id', 'versionId', 'response-content-type', 'response-content-disposition', 'response-cache-control']);
const DEFAULT_MESSAGES: Record<string, string> = {
  SlowDown: 'Please reduce your request rate.',
  ServiceUnavailable: 'Service is unable to handle request.',
  InternalError: 'We encountered an internal error. Please try again.',
};

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseQuery(rawQuery: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const at = part.indexOf('=');
    const name = decodeURIComponent(at < 0 ? part : part.slice(0, at));
    out.set(name, at < 0 ? '' : decodeURIComponent(part.slice(at + 1)));
  }
  return out;
}

const copy = (o: S3SandboxObject): S3SandboxObject => ({ ...o, body: Buffer.from(o.body), metadata: { ...o.metadata }, checksums: { ...o.checksums } });

/**
 * An S3 REST endpoint on 127.0.0.1, path-style, objects in memory, that is never kinder than S3:
 * Signature V4 on every request (payload hashes, aws-chunked streaming with chunk signatures and
 * trailing checksums), the 15-minute clock skew, S3's XML errors, and failures on command.
 * Speaks PutObject, GetObject (Range), HeadObject, DeleteObject, HeadBucket, CreateBucket, ListObjectsV2;
 * anything else answers 501 NotImplemented.
 */
export async function startS3Sandbox(
  input: {
    port?: number;
    host?: string;
    region?: string;
    credentials?: S3SandboxCredentials[];
    buckets?: string[];
    /** The sandbox's clock (skew checks, Last-Modified, the Date header); default the system clock. */
    now?: () => Date;
  } = {},
): Promise<S3Sandbox> {
  const region = input.region ?? 'us-east-1';
  const keys = input.credentials?.length ? input.credentials : [SANDBOX_S3_CREDENTIALS];
  const secrets = new Map(keys.map((k) => [k.accessKeyId, k.secretAccessKey]));
  const now = input.now ?? (() => new Date());
  const buckets = new Map<string, Map<string, S3SandboxObject>>();
  const log: S3SandboxRequest[] = [];
  const failures: Array<{ status: number; code: string; message: string }> = [];
  let drops = 0;
  let latencyMs = 0;
  const sockets = new Set<Socket>();

  const createBucket = (name: string) => {
    if (!BUCKET_NAME.test(name) || name.includes('..')) throw s3Errors.invalidBucketName(name);
    if (!buckets.has(name)) buckets.set(name, new Map());
  };
  for (const name of input.buckets ?? []) createBucket(name);

  const bucketOf = (name: string) => {
    const bucket = buckets.get(name);
    if (!bucket) throw s3Errors.noSuchBucket(name);
    return bucket;
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<Buffer>((ok, bad) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => ok(Buffer.concat(chunks)));
      req.on('error', bad);
    });

  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body?: Buffer | string) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    res.writeHead(status, {
      'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
      'x-amz-id-2': randomBytes(24).toString('base64'),
      date: now().toUTCString(),
      server: 'AmazonS3',
      ...(payload && !('content-length' in headers) ? { 'content-length': String(payload.length) } : {}),
      ...headers,
    });
    res.end(payload);
  };

  const objectHeaders = (o: S3SandboxObject, withChecksums: boolean): Record<string, string> => ({
    'content-type': o.contentType,
    etag: o.etag,
    'last-modified': o.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
    ...Object.fromEntries(Object.entries(o.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value])),
    ...(withChecksums
      ? {
          ...Object.fromEntries(Object.entries(o.checksums).map(([algorithm, value]) => [`x-amz-checksum-${algorithm}`, value])),
          ...(Object.keys(o.checksums).length ? { 'x-amz-checksum-type': 'FULL_OBJECT' } : {}),
        }
      : {}),
  });

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer, rawPath: string, rawQuery: string): Promise<number> {
    const method = req.method ?? 'GET';
    const failure = failures.shift();
    if (failure) throw new S3Error(failure);
    const signed = verifyHeaderSignature({ method, rawPath, rawQuery, headers: req.headers, region, now: now(), secretOf: (id) => secrets.get(id) });
    const query = parseQuery(rawQuery);
    const slash = rawPath.indexOf('/', 1);
    const bucketName = decodeURIComponent(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
    const key = slash < 0 ? '' : decodeURIComponent(rawPath.slice(slash + 1));

    if (!bucketName) {
      if (method !== 'GET') throw s3Errors.methodNotAllowed(method);
      const list = [...buckets.keys()]
        .sort()
        .map((name) => `<Bucket><Name>${escapeXml(name)}</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket>`)
        .join('');
      send(
        res,
        200,
        { 'content-type': 'application/xml' },
        `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult><Buckets>${list}</Buckets></ListAllMyBucketsResult>`,
      );
      return 200;
    }

    if (!key) {
      if (method === 'PUT' && query.size === 0) {
        const location = /<LocationConstraint>([^<]*)<\/LocationConstraint>/.exec(raw.toString('utf8'))?.[1] ?? '';
        if ((location || 'us-east-1') !== region) {
          throw new S3Error({
            status: 400,
            code: 'IllegalLocationConstraintException',
            message: `The ${location || 'unspecified'} location constraint is incompatible for the region specific endpoint this request was sent to.`,
          });
        }
        checkPayload({ raw, headers: req.headers, signed });
        if (buckets.has(bucketName) && region !== 'us-east-1') throw s3Errors.bucketAlreadyOwnedByYou(bucketName);
        createBucket(bucketName);
        send(res, 200, { location: `/${bucketName}` });
        return 200;
      }
      const bucket = bucketOf(bucketName);
      if (method === 'HEAD' && query.size === 0) {
        send(res, 200, { 'x-amz-bucket-region': region });
        return 200;
      }
      if (method === 'GET' && query.get('list-type') === '2') return listObjectsV2(res, bucketName, bucket, query);
      if (['GET', 'PUT', 'POST', 'DELETE'].includes(method)) throw s3Errors.notImplemented();
      throw s3Errors.methodNotAllowed(method);
    }

    if (Buffer.byteLength(key) > 1024) throw s3Errors.keyTooLong();
    if ([...query.keys()].some((name) => !PLAIN_OBJECT_QUERY.has(name))) throw s3Errors.notImplemented();
    const bucket = bucketOf(bucketName);
    switch (method) {
      case 'PUT': {
        if (header(req, 'x-amz-copy-source')) throw s3Errors.notImplemented();
        const streaming = signed.contentSha256.startsWith('STREAMING-');
        if (!streaming && header(req, 'content-length') === undefined) throw s3Errors.missingContentLength();
        const { body, checksums } = checkPayload({ raw, headers: req.headers, signed });
        if (body.length > MAX_PUT_BYTES) throw s3Errors.entityTooLarge(body.length, MAX_PUT_BYTES);
        const metadata: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : (value ?? '');
        }
        const metadataBytes = Object.entries(metadata).reduce((n, [name, value]) => n + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
        if (metadataBytes > MAX_METADATA_BYTES) {
          throw new S3Error({
            status: 400,
            code: 'MetadataTooLarge',
            message: 'Your metadata headers exceed the maximum allowed metadata size.',
            extra: { Size: String(metadataBytes), MaxSizeAllowed: String(MAX_METADATA_BYTES) },
          });
        }
        const object: S3SandboxObject = {
          key,
          body,
          contentType: header(req, 'content-type') ?? 'application/octet-stream',
          metadata,
          etag: `"${createHash('md5').update(body).digest('hex')}"`,
          lastModified: new Date(Math.floor(now().getTime() / 1000) * 1000),
          checksums,
        };
        bucket.set(key, object);
        const echoed = Object.fromEntries(Object.entries(checksums).map(([algorithm, value]) => [`x-amz-checksum-${algorithm}`, value]));
        send(res, 200, { etag: object.etag, ...echoed });
        return 200;
      }
      case 'GET':
      case 'HEAD': {
        const object = bucket.get(key);
        if (!object) throw s3Errors.noSuchKey(key);
        const range = method === 'GET' ? parseRange(header(req, 'range'), object.body.length) : null;
        const checksumMode = header(req, 'x-amz-checksum-mode') === 'ENABLED';
        if (range) {
          const part = object.body.subarray(range.start, range.end + 1);
          send(
            res,
            206,
            {
              ...objectHeaders(object, false),
              'content-range': `bytes ${range.start}-${range.end}/${object.body.length}`,
              'content-length': String(part.length),
            },
            part,
          );
          return 206;
        }
        if (method === 'HEAD') {
          send(res, 200, { ...objectHeaders(object, checksumMode), 'content-length': String(object.body.length) });
        } else send(res, 200, objectHeaders(object, checksumMode), object.body);
        return 200;
      }
      case 'DELETE':
        bucket.delete(key);
        send(res, 204, {});
        return 204;
      default:
        throw s3Errors.methodNotAllowed(method);
    }
  }

  function parseRange(value: string | undefined, size: number): { start: number; end: number } | null {
    // S3 serves one range; a header it cannot parse is ignored (the whole object).
    const m = value ? /^bytes=(\d*)-(\d*)$/.exec(value.trim()) : null;
    if (!m || (m[1] === '' && m[2] === '')) return null;
    if (m[1] === '') {
      const suffix = Number(m[2]);
      if (suffix === 0 || size === 0) throw s3Errors.invalidRange(size, value!);
      return { start: Math.max(0, size - suffix), end: size - 1 };
    }
    const start = Number(m[1]);
    const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null;
    if (start >= size) throw s3Errors.invalidRange(size, value!);
    return { start, end };
  }

  function listObjectsV2(res: ServerResponse, name: string, bucket: Map<string, S3SandboxObject>, query: Map<string, string>): number {
    const maxKeysText = query.get('max-keys') ?? '1000';
    if (!/^\d+$/.test(maxKeysText)) throw s3Errors.invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', maxKeysText);
    const maxKeys = Math.min(Number(maxKeysText), 1000);
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const urlEncoding = query.get('encoding-type');
    if (urlEncoding !== undefined && urlEncoding !== 'url')
      throw s3Errors.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', urlEncoding);
    const token = query.get('continuation-token');
    let after = query.get('start-after') ?? '';
    if (token !== undefined) {
      try {
        const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
        if (typeof parsed.after !== 'string') throw new Error('no position');
        after = parsed.after;
      } catch {
        throw s3Errors.invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
      }
    }
    const enc = (value: string) => escapeXml(urlEncoding ? encodeURIComponent(value).replace(/%2F/g, '/') : value);
    const contents: S3SandboxObject[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let last = '';
    for (const key of [...bucket.keys()].sort()) {
      if (!key.startsWith(prefix) || key <= after) continue;
      const common = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      const commonPrefix = common >= 0 ? key.slice(0, common + delimiter.length) : null;
      if (commonPrefix && (commonPrefix === prefixes.at(-1) || after.startsWith(commonPrefix))) continue;
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (commonPrefix) {
        prefixes.push(commonPrefix);
        last = `${commonPrefix}\u{10FFFF}`;
      } else {
        contents.push(bucket.get(key)!);
        last = key;
      }
    }
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Name>${escapeXml(name)}</Name><Prefix>${enc(prefix)}</Prefix><KeyCount>${contents.length + prefixes.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
      (delimiter ? `<Delimiter>${enc(delimiter)}</Delimiter>` : '') +
      `<IsTruncated>${truncated}</IsTruncated>` +
      (urlEncoding ? '<EncodingType>url</EncodingType>' : '') +
      (token !== undefined ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : '') +
      (truncated ? `<NextContinuationToken>${Buffer.from(JSON.stringify({ after: last })).toString('base64url')}</NextContinuationToken>` : '') +
      (query.has('start-after') ? `<StartAfter>${enc(query.get('start-after')!)}</StartAfter>` : '') +
      contents
        .map(
          (o) =>
            `<Contents><Key>${enc(o.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${escapeXml(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
        )
        .join('') +
      prefixes.map((p) => `<CommonPrefixes><Prefix>${enc(p)}</Prefix></CommonPrefixes>`).join('') +
      '</ListBucketResult>';
    send(res, 200, { 'content-type': 'application/xml' }, body);
    return 200;
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const payload = header(req, 'x-amz-content-sha256');
    const entry: S3SandboxRequest = { method: req.method ?? 'GET', path: rawPath, query: rawQuery, status: 0, ...(payload ? { payload } : {}) };
    log.push(entry);
    if (drops > 0) {
      drops--;
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    void (async () => {
      const raw = await readBody(req);
      if (latencyMs > 0) await new Promise((ok) => setTimeout(ok, latencyMs));
      try {
        entry.status = await handle(req, res, raw, rawPath, rawQuery);
      } catch (error) {
        const s3 = error instanceof S3Error ? error : new S3Error({ status: 500, code: 'InternalError', message: (error as Error).message });
        const requestId = randomBytes(8).toString('hex').toUpperCase();
        entry.status = s3.status;
        entry.code = s3.code;
        // HEAD answers carry no body: clients see only the status.
        if (req.method === 'HEAD') send(res, s3.status, { 'x-amz-request-id': requestId });
        else send(res, s3.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId }, errorXml(s3, requestId));
      }
    })().catch(() => req.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((ok, bad) => {
    server.once('error', bad);
    server.listen(input.port ?? 0, input.host ?? '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${input.host ?? '127.0.0.1'}:${port}`,
    port,
    region,
    credentials: keys[0]!,
    createBucket,
    putObject: ({ bucket, key, body, contentType, metadata }) => {
      const bytes = Buffer.from(body);
      bucketOf(bucket).set(key, {
        key,
        body: bytes,
        contentType: contentType ?? 'application/octet-stream',
        metadata: { ...metadata },
        etag: `"${createHash('md5').update(bytes).digest('hex')}"`,
        lastModified: new Date(Math.floor(now().getTime() / 1000) * 1000),
        checksums: {},
      });
    },
    objects: (bucket) => [...bucketOf(bucket).values()].sort((a, b) => (a.key < b.key ? -1 : 1)).map(copy),
    object: (bucket, key) => {
      const found = buckets.get(bucket)?.get(key);
      return found ? copy(found) : undefined;
    },
    failNext: ({ status, code, message, times = 1 }) => {
      for (let i = 0; i < times; i++) failures.push({ status, code, message: message ?? DEFAULT_MESSAGES[code] ?? code });
    },
    dropNextConnection: ({ times = 1 } = {}) => {
      drops += times;
    },
    setLatency: ({ ms }) => {
      latencyMs = ms;
    },
    requests: () => log.map((r) => ({ ...r })),
    close: () =>
      new Promise<void>((ok) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => ok());
      }),
  };
}
