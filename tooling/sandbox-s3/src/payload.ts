import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { crc32 } from 'node:zlib';
import { s3Errors } from './s3-error.js';
import { chunkSignature, sameHex, sha256Hex, trailerSignature, type SignedRequest } from './signature-v4.js';

// What S3 does with a request body: x-amz-content-sha256 (a hash, UNSIGNED-PAYLOAD or an aws-chunked
// streaming mode), then the flexible checksum (x-amz-checksum-* header or trailer) and Content-MD5.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const u32 = (value: number) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
};

/** The base64 checksum S3 would compute for these bytes. */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Buffer): string {
  switch (algorithm) {
    case 'crc32':
      return u32(crc32(data)).toString('base64');
    case 'crc32c':
      return u32(crc32c(data)).toString('base64');
    case 'sha1':
      return createHash('sha1').update(data).digest('base64');
    case 'sha256':
      return createHash('sha256').update(data).digest('base64');
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

interface Decoded {
  body: Buffer;
  trailers: Map<string, string>;
}

function decodeAwsChunked(raw: Buffer, signed: SignedRequest | null): Decoded {
  const parts: Buffer[] = [];
  const trailers = new Map<string, string>();
  let at = 0;
  let previous = signed?.signature ?? '';
  const line = (): string => {
    const end = raw.indexOf('\r\n', at);
    if (end < 0) throw s3Errors.incompleteBody();
    const text = raw.subarray(at, end).toString('latin1');
    at = end + 2;
    return text;
  };
  for (;;) {
    const head = line();
    const [sizeText, ...extensions] = head.split(';');
    if (!/^[0-9a-fA-F]+$/.test(sizeText ?? '')) throw s3Errors.invalidRequest('Malformed aws-chunked encoding: bad chunk size.');
    const size = parseInt(sizeText!, 16);
    const data = raw.subarray(at, at + size);
    if (data.length !== size) throw s3Errors.incompleteBody();
    at += size;
    if (signed) {
      const given = extensions.find((e) => e.startsWith('chunk-signature='))?.slice('chunk-signature='.length);
      const expected = chunkSignature({ signed, previous, data });
      if (!given || !sameHex(expected, given)) {
        throw s3Errors.signatureDoesNotMatch({ AWSAccessKeyId: signed.accessKeyId, Chunk: String(parts.length) });
      }
      previous = expected;
    }
    if (size === 0) break;
    parts.push(data);
    if (raw.subarray(at, at + 2).toString('latin1') !== '\r\n') throw s3Errors.invalidRequest('Malformed aws-chunked encoding: a chunk must end with CRLF.');
    at += 2;
  }
  // Trailing headers, each "name:value\r\n", then an empty line.
  let trailerText = '';
  let trailerSig: string | undefined;
  for (;;) {
    if (at >= raw.length) break;
    const text = line();
    if (text === '') break;
    const colon = text.indexOf(':');
    if (colon < 0) throw s3Errors.invalidRequest('Malformed trailing header.');
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') trailerSig = value;
    else {
      trailers.set(name, value);
      trailerText += `${name}:${value}\n`;
    }
  }
  if (signed && signed.contentSha256 === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER') {
    const expected = trailerSignature({ signed, previous, trailer: trailerText });
    if (!trailerSig || !sameHex(expected, trailerSig))
      throw s3Errors.signatureDoesNotMatch({ AWSAccessKeyId: signed.accessKeyId, Trailer: 'x-amz-trailer-signature' });
  }
  if (at !== raw.length) throw s3Errors.invalidRequest('Malformed aws-chunked encoding: bytes after the last chunk.');
  return { body: Buffer.concat(parts), trailers };
}

/**
 * The object bytes of a request whose signature was verified, checked as S3 checks them: the payload
 * hash, the aws-chunked framing and chunk signatures, the decoded length, the flexible checksum and Content-MD5.
 * Answers the checksums the client sent (algorithm → base64) so GetObject can give them back.
 */
export function checkPayload(input: { raw: Buffer; headers: IncomingHttpHeaders; signed: SignedRequest }): {
  body: Buffer;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
} {
  const { raw, headers, signed } = input;
  const mode = signed.contentSha256;
  let body: Buffer;
  let trailers = new Map<string, string>();
  if (mode.startsWith('STREAMING-')) {
    const known = ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'];
    if (!known.includes(mode))
      throw s3Errors.invalidArgument('x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-… or a valid sha256 value.', 'x-amz-content-sha256', mode);
    const encoding = (header(headers, 'content-encoding') ?? '').split(',').map((e) => e.trim());
    if (!encoding.includes('aws-chunked')) throw s3Errors.invalidRequest('A streaming x-amz-content-sha256 requires Content-Encoding: aws-chunked.');
    const decodedLength = header(headers, 'x-amz-decoded-content-length');
    if (decodedLength === undefined || !/^\d+$/.test(decodedLength)) throw s3Errors.missingContentLength();
    ({ body, trailers } = decodeAwsChunked(raw, mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' ? null : signed));
    if (body.length !== Number(decodedLength)) throw s3Errors.incompleteBody();
    const declared = (header(headers, 'x-amz-trailer') ?? '').toLowerCase().trim();
    if (mode.endsWith('-TRAILER') && (!declared || !trailers.has(declared))) {
      throw s3Errors.invalidRequest(`The trailing header ${declared || '(x-amz-trailer)'} was declared but not sent.`);
    }
  } else if (mode === 'UNSIGNED-PAYLOAD') {
    body = raw;
  } else if (/^[0-9a-f]{64}$/.test(mode)) {
    body = raw;
    const computed = sha256Hex(raw);
    if (computed !== mode) throw s3Errors.contentSha256Mismatch(mode, computed);
  } else {
    throw s3Errors.invalidArgument('x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-… or a valid sha256 value.', 'x-amz-content-sha256', mode);
  }

  const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const given = header(headers, `x-amz-checksum-${algorithm}`) ?? trailers.get(`x-amz-checksum-${algorithm}`);
    if (given === undefined) continue;
    if (checksumOf(algorithm, body) !== given) throw s3Errors.badDigest(algorithm);
    checksums[algorithm] = given;
  }
  const unsupported = [...Object.keys(headers), ...trailers.keys()].find(
    (name) =>
      name.startsWith('x-amz-checksum-') &&
      name !== 'x-amz-checksum-algorithm' &&
      name !== 'x-amz-checksum-type' &&
      !CHECKSUM_ALGORITHMS.some((a) => name === `x-amz-checksum-${a}`),
  );
  if (unsupported) throw s3Errors.notImplemented();
  const md5 = header(headers, 'content-md5');
  if (md5 !== undefined) {
    if (Buffer.from(md5, 'base64').length !== 16) throw s3Errors.invalidDigest();
    if (createHash('md5').update(body).digest('base64') !== md5) throw s3Errors.badDigest('Content-MD5');
  }
  return { body, checksums };
}
