/** An S3 error answer: the status and the `<Error>` body S3 sends (HEAD answers carry no body). */
export class S3Error extends Error {
  readonly status: number;
  readonly code: string;
  readonly extra: Record<string, string>;

  constructor(input: { status: number; code: string; message: string; extra?: Record<string, string> }) {
    super(input.message);
    this.status = input.status;
    this.code = input.code;
    this.extra = input.extra ?? {};
  }
}

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function errorXml(error: S3Error, requestId: string): string {
  const extra = Object.entries(error.extra)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>${extra}<RequestId>${requestId}</RequestId><HostId>sandbox-s3</HostId></Error>`
  );
}

// The errors S3 documents, with its own wording (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
export const s3Errors = {
  accessDenied: (message = 'Access Denied') => new S3Error({ status: 403, code: 'AccessDenied', message }),
  invalidAccessKeyId: (accessKeyId: string) =>
    new S3Error({
      status: 403,
      code: 'InvalidAccessKeyId',
      message: 'The AWS Access Key Id you provided does not exist in our records.',
      extra: { AWSAccessKeyId: accessKeyId },
    }),
  signatureDoesNotMatch: (extra: Record<string, string>) =>
    new S3Error({
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      extra,
    }),
  requestTimeTooSkewed: (requestTime: string, serverTime: Date) =>
    new S3Error({
      status: 403,
      code: 'RequestTimeTooSkewed',
      message: 'The difference between the request time and the current time is too large.',
      // ServerTime in ISO 8601 as S3 writes it: the SDK corrects its clock from it.
      extra: { RequestTime: requestTime, ServerTime: serverTime.toISOString().replace(/\.\d{3}Z$/, 'Z'), MaxAllowedSkewMilliseconds: '900000' },
    }),
  authorizationHeaderMalformed: (message: string, extra: Record<string, string> = {}) =>
    new S3Error({ status: 400, code: 'AuthorizationHeaderMalformed', message: `The authorization header is malformed; ${message}`, extra }),
  invalidRequest: (message: string) => new S3Error({ status: 400, code: 'InvalidRequest', message }),
  invalidArgument: (message: string, name: string, value: string) =>
    new S3Error({ status: 400, code: 'InvalidArgument', message, extra: { ArgumentName: name, ArgumentValue: value } }),
  contentSha256Mismatch: (provided: string, computed: string) =>
    new S3Error({
      status: 400,
      code: 'XAmzContentSHA256Mismatch',
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
      extra: { ClientComputedContentSHA256: provided, S3ComputedContentSHA256: computed },
    }),
  badDigest: (algorithm: string) =>
    new S3Error({ status: 400, code: 'BadDigest', message: `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.` }),
  invalidDigest: () => new S3Error({ status: 400, code: 'InvalidDigest', message: 'The Content-MD5 you specified was invalid.' }),
  incompleteBody: () =>
    new S3Error({ status: 400, code: 'IncompleteBody', message: 'You did not provide the number of bytes specified by the Content-Length HTTP header' }),
  missingContentLength: () => new S3Error({ status: 411, code: 'MissingContentLength', message: 'You must provide the Content-Length HTTP header.' }),
  entityTooLarge: (size: number, max: number) =>
    new S3Error({
      status: 400,
      code: 'EntityTooLarge',
      message: 'Your proposed upload exceeds the maximum allowed size',
      extra: { ProposedSize: String(size), MaxSizeAllowed: String(max) },
    }),
  noSuchBucket: (bucket: string) =>
    new S3Error({ status: 404, code: 'NoSuchBucket', message: 'The specified bucket does not exist', extra: { BucketName: bucket } }),
  noSuchKey: (key: string) => new S3Error({ status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.', extra: { Key: key } }),
  invalidRange: (size: number, range: string) =>
    new S3Error({
      status: 416,
      code: 'InvalidRange',
      message: 'The requested range is not satisfiable',
      extra: { RangeRequested: range, ActualObjectSize: String(size) },
    }),
  invalidBucketName: (bucket: string) =>
    new S3Error({ status: 400, code: 'InvalidBucketName', message: 'The specified bucket is not valid.', extra: { BucketName: bucket } }),
  bucketAlreadyOwnedByYou: (bucket: string) =>
    new S3Error({
      status: 409,
      code: 'BucketAlreadyOwnedByYou',
      message: 'Your previous request to create the named bucket succeeded and you already own it.',
      extra: { BucketName: bucket },
    }),
  keyTooLong: () => new S3Error({ status: 400, code: 'KeyTooLongError', message: 'Your key is too long' }),
  methodNotAllowed: (method: string) =>
    new S3Error({ status: 405, code: 'MethodNotAllowed', message: 'The specified method is not allowed against this resource.', extra: { Method: method } }),
  notImplemented: () =>
    new S3Error({ status: 501, code: 'NotImplemented', message: 'A header you provided implies functionality that is not implemented (sandbox-s3).' }),
};
