import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_S3_CREDENTIALS, startS3Sandbox, type S3Sandbox } from './index.js';

// The sandbox against the official client (@aws-sdk/client-s3), with its default settings: flexible
// checksums, aws-chunked streaming with a trailing CRC32, response checksum validation, retries.
describe('S3 sandbox with @aws-sdk/client-s3', () => {
  let s3: S3Sandbox;
  let nowMs = Date.parse('2026-01-15T09:00:00.000Z');
  const clients: S3Client[] = [];
  const client = (config: Partial<S3ClientConfig> = {}) => {
    const c = new S3Client({
      region: 'eu-west-1',
      endpoint: s3.url,
      forcePathStyle: true,
      credentials: SANDBOX_S3_CREDENTIALS,
      // The client signs with the sandbox's clock (the SDK's clock-skew offset is set from it).
      systemClockOffset: nowMs - Date.now(),
      ...config,
    });
    clients.push(c);
    return c;
  };
  const text = async (body: unknown) => Buffer.from(await (body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()).toString();
  const failure = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      const e = error as { name: string; $metadata: { httpStatusCode: number; attempts: number } };
      return { name: e.name, status: e.$metadata?.httpStatusCode, attempts: e.$metadata?.attempts };
    }
    throw new Error('expected the request to fail');
  };

  beforeAll(async () => {
    s3 = await startS3Sandbox({ region: 'eu-west-1', buckets: ['files'], now: () => new Date(nowMs) });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await s3?.close();
  });
  beforeEach(() => {
    nowMs = Date.parse('2026-01-15T09:00:00.000Z');
  });

  it('puts a buffer (payload hash signed) and a stream (aws-chunked, trailing CRC32), and gets them back checked', async () => {
    const c = client();
    await c.send(
      new PutObjectCommand({ Bucket: 'files', Key: 'a/one.pdf', Body: Buffer.from('%PDF one'), ContentType: 'application/pdf', Metadata: { sha256: 'x' } }),
    );
    await c.send(
      new PutObjectCommand({ Bucket: 'files', Key: 'a/two.bin', Body: Readable.from([Buffer.from('two '), Buffer.from('parts')]), ContentLength: 9 }),
    );
    const chunked = s3.requests().filter((r) => r.method === 'PUT');
    expect(chunked.map((r) => [r.status, r.payload])).toEqual([
      [200, createHash('sha256').update('%PDF one').digest('hex')],
      [200, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'],
    ]);
    expect(s3.object('files', 'a/two.bin')).toMatchObject({ contentType: 'application/octet-stream', checksums: { crc32: expect.any(String) } });
    expect(s3.object('files', 'a/one.pdf')).toMatchObject({ contentType: 'application/pdf', metadata: { sha256: 'x' } });

    const got = await c.send(new GetObjectCommand({ Bucket: 'files', Key: 'a/two.bin' }));
    expect(await text(got.Body)).toBe('two parts');
    const ranged = await c.send(new GetObjectCommand({ Bucket: 'files', Key: 'a/one.pdf', Range: 'bytes=1-3' }));
    expect([await text(ranged.Body), ranged.ContentRange]).toEqual(['PDF', 'bytes 1-3/8']);
    const suffix = await c.send(new GetObjectCommand({ Bucket: 'files', Key: 'a/one.pdf', Range: 'bytes=-3' }));
    expect(await text(suffix.Body)).toBe('one');
    expect(await failure(c.send(new GetObjectCommand({ Bucket: 'files', Key: 'a/one.pdf', Range: 'bytes=8-' })))).toMatchObject({
      name: 'InvalidRange',
      status: 416,
    });
    const head = await c.send(new HeadObjectCommand({ Bucket: 'files', Key: 'a/one.pdf' }));
    expect([head.ContentLength, head.ContentType, head.Metadata]).toEqual([8, 'application/pdf', { sha256: 'x' }]);
  });

  it('keeps the ChecksumSHA256 the client sends, refuses a wrong one (BadDigest) and gives it back for validation', async () => {
    const c = client();
    const body = Buffer.from('checked bytes');
    const sha = createHash('sha256').update(body).digest('base64');
    await c.send(new PutObjectCommand({ Bucket: 'files', Key: 'sha.txt', Body: body, ChecksumSHA256: sha }));
    expect(s3.object('files', 'sha.txt')?.checksums).toEqual({ sha256: sha });
    const got = await c.send(new GetObjectCommand({ Bucket: 'files', Key: 'sha.txt', ChecksumMode: 'ENABLED' }));
    expect([got.ChecksumSHA256, await text(got.Body)]).toEqual([sha, 'checked bytes']);

    const wrong = createHash('sha256').update('other bytes').digest('base64');
    expect(await failure(c.send(new PutObjectCommand({ Bucket: 'files', Key: 'bad.txt', Body: body, ChecksumSHA256: wrong })))).toMatchObject({
      name: 'BadDigest',
      status: 400,
    });
    expect(
      await failure(c.send(new PutObjectCommand({ Bucket: 'files', Key: 'bad.txt', Body: body, ContentMD5: Buffer.alloc(16).toString('base64') }))),
    ).toMatchObject({
      name: 'BadDigest',
    });
    expect(s3.object('files', 'bad.txt')).toBeUndefined();
  });

  it('refuses a body that is not the one signed (XAmzContentSHA256Mismatch)', async () => {
    const c = client();
    c.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: unknown };
        request.body = Buffer.from('tampered!');
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'tamperAfterSigning' },
    );
    // Signed over 'original', sent as 'tampered!' (same length).
    const put = c.send(new PutObjectCommand({ Bucket: 'files', Key: 't.txt', Body: Buffer.from('original!') }));
    expect(await failure(put)).toMatchObject({ name: 'XAmzContentSHA256Mismatch', status: 400 });
  });

  it('refuses an unknown key, a wrong secret, a wrong region, and a request without a signature', async () => {
    const wrongKey = client({ credentials: { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x' } });
    expect(await failure(wrongKey.send(new GetObjectCommand({ Bucket: 'files', Key: 'sha.txt' })))).toMatchObject({ name: 'InvalidAccessKeyId', status: 403 });
    const wrongSecret = client({ credentials: { ...SANDBOX_S3_CREDENTIALS, secretAccessKey: 'not the secret' } });
    expect(await failure(wrongSecret.send(new PutObjectCommand({ Bucket: 'files', Key: 'x.txt', Body: 'x' })))).toMatchObject({
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    expect(await failure(wrongSecret.send(new HeadBucketCommand({ Bucket: 'files' })))).toMatchObject({ status: 403 });
    const wrongRegion = client({ region: 'us-west-2' });
    expect(await failure(wrongRegion.send(new GetObjectCommand({ Bucket: 'files', Key: 'sha.txt' })))).toMatchObject({
      name: 'AuthorizationHeaderMalformed',
      status: 400,
    });
    const anonymous = await fetch(`${s3.url}/files/sha.txt`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>');
    expect(s3.object('files', 'x.txt')).toBeUndefined();
  });

  it('refuses a clock 15 minutes off (RequestTimeTooSkewed); the SDK corrects its clock from the Date header and retries', async () => {
    const skewed = client({ systemClockOffset: nowMs - Date.now() - 16 * 60_000, maxAttempts: 1 });
    expect(await failure(skewed.send(new HeadObjectCommand({ Bucket: 'files', Key: 'sha.txt' })))).toMatchObject({ status: 403 });
    expect(s3.requests().at(-1)).toMatchObject({ method: 'HEAD', status: 403, code: 'RequestTimeTooSkewed' });
    const correcting = client({ systemClockOffset: nowMs - Date.now() + 16 * 60_000 });
    const before = s3.requests().length;
    await correcting.send(new GetObjectCommand({ Bucket: 'files', Key: 'sha.txt' }));
    expect(
      s3
        .requests()
        .slice(before)
        .map((r) => r.code ?? r.status),
    ).toEqual(['RequestTimeTooSkewed', 200]);
    // Within the window is fine.
    const close = client({ systemClockOffset: nowMs - Date.now() + 14 * 60_000, maxAttempts: 1 });
    await close.send(new HeadObjectCommand({ Bucket: 'files', Key: 'sha.txt' }));
  });

  it('answers NoSuchBucket, NoSuchKey, 404 on HEAD, and deletes (a missing key is fine)', async () => {
    const c = client();
    expect(await failure(c.send(new GetObjectCommand({ Bucket: 'nobucket', Key: 'x' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
    expect(await failure(c.send(new PutObjectCommand({ Bucket: 'nobucket', Key: 'x', Body: 'x' })))).toMatchObject({ name: 'NoSuchBucket' });
    expect(await failure(c.send(new HeadBucketCommand({ Bucket: 'nobucket' })))).toMatchObject({ name: 'NotFound', status: 404 });
    expect(await failure(c.send(new GetObjectCommand({ Bucket: 'files', Key: 'none' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await failure(c.send(new HeadObjectCommand({ Bucket: 'files', Key: 'none' })))).toMatchObject({ name: 'NotFound', status: 404 });
    await c.send(new PutObjectCommand({ Bucket: 'files', Key: 'gone.txt', Body: 'x' }));
    await c.send(new DeleteObjectCommand({ Bucket: 'files', Key: 'gone.txt' }));
    await c.send(new DeleteObjectCommand({ Bucket: 'files', Key: 'gone.txt' }));
    expect(s3.object('files', 'gone.txt')).toBeUndefined();
  });

  it('creates buckets (checking the name and location) and lists with max-keys capped at 1000 and continuation tokens', async () => {
    const c = client();
    await c.send(new CreateBucketCommand({ Bucket: 'listing', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    expect(await failure(c.send(new CreateBucketCommand({ Bucket: 'listing', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })))).toMatchObject(
      {
        name: 'BucketAlreadyOwnedByYou',
        status: 409,
      },
    );
    expect(
      await failure(c.send(new CreateBucketCommand({ Bucket: 'other', CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' } }))),
    ).toMatchObject({ name: 'IllegalLocationConstraintException' });
    expect(() => s3.createBucket('Bad_Name')).toThrow(/not valid/);
    const bodies = Array.from({ length: 1203 }, (_, i) => `k/${String(i).padStart(5, '0')}`);
    for (const key of bodies) s3.putObject({ bucket: 'listing', key, body: 'x' });
    await c.send(new PutObjectCommand({ Bucket: 'listing', Key: 'top.txt', Body: 'x' }));
    const first = await c.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'k/', MaxKeys: 5000 }));
    expect([first.KeyCount, first.MaxKeys, first.IsTruncated]).toEqual([1000, 1000, true]);
    const second = await c.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'k/', ContinuationToken: first.NextContinuationToken }));
    expect([second.KeyCount, second.IsTruncated, second.Contents?.[0]?.Key, second.Contents?.at(-1)?.Key]).toEqual([203, false, 'k/01000', 'k/01202']);
    const folders = await c.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect([folders.CommonPrefixes?.map((p) => p.Prefix), folders.Contents?.map((o) => o.Key)]).toEqual([['k/'], ['top.txt']]);
    expect(await failure(c.send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: 'garbage' })))).toMatchObject({
      name: 'InvalidArgument',
      status: 400,
    });
  });

  it('fails on command: a 503 SlowDown is retried by the SDK, a dropped connection too; with one try they surface', async () => {
    const c = client({ retryStrategy: undefined, maxAttempts: 3 });
    s3.failNext({ status: 503, code: 'SlowDown' });
    const before = s3.requests().length;
    await c.send(new PutObjectCommand({ Bucket: 'files', Key: 'retried.txt', Body: Buffer.from('after a slow down') }));
    expect(
      s3
        .requests()
        .slice(before)
        .map((r) => r.code ?? r.status),
    ).toEqual(['SlowDown', 200]);
    expect(s3.object('files', 'retried.txt')?.body.toString()).toBe('after a slow down');

    s3.dropNextConnection();
    const got = await c.send(new GetObjectCommand({ Bucket: 'files', Key: 'retried.txt' }));
    expect(await text(got.Body)).toBe('after a slow down');

    const once = client({ maxAttempts: 1 });
    s3.failNext({ status: 503, code: 'SlowDown' });
    expect(await failure(once.send(new HeadBucketCommand({ Bucket: 'files' })))).toMatchObject({ status: 503 });
    s3.failNext({ status: 500, code: 'InternalError', times: 3 });
    expect(await failure(c.send(new GetObjectCommand({ Bucket: 'files', Key: 'retried.txt' })))).toMatchObject({
      name: 'InternalError',
      status: 500,
      attempts: 3,
    });
    s3.dropNextConnection();
    expect(await failure(once.send(new GetObjectCommand({ Bucket: 'files', Key: 'retried.txt' })))).toBeDefined();
  });
});
