import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { s3Errors } from './s3-error.js';

// AWS Signature Version 4 as S3 checks it, written from the published algorithm (not the SDK's signer,
// so a client bug is not mirrored): https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html

export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
const MAX_SKEW_MS = 15 * 60_000;

export interface SignedRequest {
  accessKeyId: string;
  /** yyyymmdd/region/s3/aws4_request */
  scope: string;
  amzDate: string;
  signingKey: Buffer;
  /** The seed signature chunk signatures chain from. */
  signature: string;
  /** x-amz-content-sha256 as sent. */
  contentSha256: string;
}

export const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 unreserved characters stay, everything else is %XX (upper case), as SigV4 wants. */
export function uriEncode(value: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw s3Errors.invalidRequest('The request URI is not valid percent-encoded UTF-8.');
  }
}

export function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const at = part.indexOf('=');
      const name = decode(at < 0 ? part : part.slice(0, at));
      const value = at < 0 ? '' : decode(part.slice(at + 1));
      return [uriEncode(name), uriEncode(value)] as const;
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function amzDateToMs(amzDate: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return null;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Checks the Authorization header of a request: the key is known, the scope names this region and
 * s3, the clock is within 15 minutes, every x-amz-* header is signed, and the signature matches.
 * Throws the S3Error S3 answers; returns what the body checks need (chunk signatures chain on).
 */
export function verifyHeaderSignature(input: {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  region: string;
  now: Date;
  secretOf: (accessKeyId: string) => string | undefined;
}): SignedRequest {
  const { headers } = input;
  const authorization = header(headers, 'authorization');
  if (!authorization) {
    if (/(^|&)X-Amz-(Algorithm|Signature)=/.test(input.rawQuery)) throw s3Errors.notImplemented();
    throw s3Errors.accessDenied();
  }
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) {
    throw s3Errors.invalidRequest('The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeadersField = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeadersField || !signature) {
    throw s3Errors.authorizationHeaderMalformed('a non-empty Credential, SignedHeaders and Signature are required');
  }
  const [accessKeyId, date, region, service, terminator, ...rest] = credential.split('/');
  if (!accessKeyId || !date || !region || service === undefined || terminator === undefined || rest.length) {
    throw s3Errors.authorizationHeaderMalformed(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  const secret = input.secretOf(accessKeyId);
  if (secret === undefined) throw s3Errors.invalidAccessKeyId(accessKeyId);
  if (region !== input.region) {
    throw s3Errors.authorizationHeaderMalformed(`the region '${region}' is wrong; expecting '${input.region}'`, { Region: input.region });
  }
  if (service !== 's3') throw s3Errors.authorizationHeaderMalformed(`incorrect service "${service}". This endpoint belongs to "s3".`);
  if (terminator !== 'aws4_request') throw s3Errors.authorizationHeaderMalformed(`incorrect terminal "${terminator}". This endpoint uses "aws4_request".`);

  const amzDate = header(headers, 'x-amz-date');
  const requestMs = amzDate ? amzDateToMs(amzDate) : null;
  if (!amzDate || requestMs === null) throw s3Errors.accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  if (Math.abs(input.now.getTime() - requestMs) > MAX_SKEW_MS) throw s3Errors.requestTimeTooSkewed(amzDate, input.now);
  if (amzDate.slice(0, 8) !== date) {
    throw s3Errors.authorizationHeaderMalformed(`Invalid credential date "${date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  }

  const contentSha256 = header(headers, 'x-amz-content-sha256');
  if (!contentSha256) throw s3Errors.invalidRequest('Missing required header for this request: x-amz-content-sha256');
  const signedHeaders = signedHeadersField.split(';');
  if (!signedHeaders.includes('host')) throw s3Errors.accessDenied('The host header must be signed.');
  const unsigned = Object.keys(headers).filter((name) => name.startsWith('x-amz-') && !signedHeaders.includes(name));
  if (unsigned.length) throw s3Errors.accessDenied(`There were headers present in the request which were not signed: ${unsigned.join(', ')}`);

  const canonicalHeaders = signedHeaders.map((name) => `${name}:${(header(headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalUri = input.rawPath
    .split('/')
    .map((segment) => uriEncode(decode(segment)))
    .join('/');
  const canonicalRequest = [input.method, canonicalUri, canonicalQuery(input.rawQuery), canonicalHeaders, signedHeadersField, contentSha256].join('\n');
  const scope = `${date}/${region}/${service}/${terminator}`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), terminator);
  const expected = hmac(signingKey, stringToSign).toString('hex');
  if (!sameHex(expected, signature)) {
    throw s3Errors.signatureDoesNotMatch({
      AWSAccessKeyId: accessKeyId,
      StringToSign: stringToSign,
      SignatureProvided: signature,
      CanonicalRequest: canonicalRequest,
    });
  }
  return { accessKeyId, scope, amzDate, signingKey, signature, contentSha256 };
}

/** The signature of one aws-chunked chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD). */
export function chunkSignature(input: { signed: SignedRequest; previous: string; data: Buffer }): string {
  const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', input.signed.amzDate, input.signed.scope, input.previous, EMPTY_SHA256, sha256Hex(input.data)].join('\n');
  return hmac(input.signed.signingKey, stringToSign).toString('hex');
}

/** The signature of the trailing headers (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER). */
export function trailerSignature(input: { signed: SignedRequest; previous: string; trailer: string }): string {
  const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', input.signed.amzDate, input.signed.scope, input.previous, sha256Hex(input.trailer)].join('\n');
  return hmac(input.signed.signingKey, stringToSign).toString('hex');
}

export function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
