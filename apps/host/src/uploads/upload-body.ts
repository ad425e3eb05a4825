import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Busboy, type BusboyInstance } from '@fastify/busboy';
import { assertStorableText } from '@tollgate/db';
import type { RouteUpload, UploadedFile } from '@tollgate/plugin-sdk';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SNIFF_BYTES, sniffMediaType } from './media-sniff.js';
import { UnsupportedUploadTypeError, UploadRefusedError, UploadTooLargeError } from './upload-errors.js';

/** Largest `upload.maxBytes` a plugin may declare (checked when it loads). */
export const MAX_UPLOAD_BYTES = 32 * 1024 * 1024;
/**
 * How much past a refused upload (413, 415, a bad part) the host still reads and throws away so
 * the client hears the answer instead of a reset connection; past this the connection is closed.
 */
export const UPLOAD_DRAIN_BYTES = 16 * 1024 * 1024;
/** Text fields of a multipart upload: how many, and how long each. */
const MAX_FIELDS = 50;
const MAX_FIELD_BYTES = 64 * 1024;
const MAX_FILENAME = 255;

/** Fastify route config of an upload route (set by pluginRoutesController). */
export interface UploadRouteConfig {
  upload?: true;
}

/** The body of an upload route as Fastify hands it on: the unread request stream and the client's Content-Type. */
export class DeferredUpload {
  constructor(
    readonly stream: Readable,
    readonly contentType: string | undefined,
  ) {}
}

// A type no client sends: every body of an upload route goes to the parser below, whatever its Content-Type.
const DEFERRED_TYPE = 'application/x-tollgate-deferred-upload';
const ORIGINAL_TYPE = Symbol('tollgate.uploadContentType');
type UploadRequest = FastifyRequest & { [ORIGINAL_TYPE]?: { type: string | undefined } };

const isUploadRoute = (request: FastifyRequest) => (request.routeOptions.config as UploadRouteConfig | undefined)?.upload === true;

/**
 * Keeps the body of upload routes unread until the pipeline has checked the key and its role:
 * Fastify parses bodies before Nest's guards run, so upload routes get a parser that reads
 * nothing and hands the stream on (PluginRouteRunner reads it, with the route's byte limit).
 */
export function installUploadBodies(fastify: FastifyInstance): void {
  fastify.addHook('preParsing', async (request: UploadRequest, _reply, payload) => {
    if (!isUploadRoute(request)) return payload;
    request[ORIGINAL_TYPE] = { type: request.headers['content-type'] };
    request.headers['content-type'] = DEFERRED_TYPE;
    return payload;
  });
  fastify.addContentTypeParser(DEFERRED_TYPE, (request: UploadRequest, payload, done) => {
    const original = request[ORIGINAL_TYPE]?.type;
    // The handler and the guards see what the client sent.
    if (original === undefined) delete request.headers['content-type'];
    else request.headers['content-type'] = original;
    done(null, new DeferredUpload(payload, original));
  });
}

/** `image/png; name=x` → `image/png`. */
const essence = (type: string | undefined) => (type ? type.split(';')[0]!.trim().toLowerCase() || null : null);

/** Collects one file's bytes up to `maxBytes`, hashing as it goes; decides the type from the first bytes. */
class FileCollector {
  readonly #chunks: Buffer[] = [];
  readonly #hash = createHash('sha256');
  #size = 0;
  #type: string | null | undefined;
  constructor(private readonly upload: RouteUpload) {}

  /** Takes a chunk; an error once the file cannot be taken (then nothing more is kept). */
  push(chunk: Buffer, declared: string | null): Error | undefined {
    this.#size += chunk.length;
    if (this.#size > this.upload.maxBytes) return new UploadTooLargeError({ maxBytes: this.upload.maxBytes });
    this.#chunks.push(chunk);
    this.#hash.update(chunk);
    if (this.#type === undefined && this.#size >= SNIFF_BYTES) return this.#sniff(declared);
    return undefined;
  }

  finish(input: { declared: string | null; filename: string | null }): UploadedFile | Error {
    if (this.#size === 0) return new UploadRefusedError({ code: 'empty_file', message: 'The file is empty.' });
    const refused = this.#type === undefined ? this.#sniff(input.declared) : undefined;
    if (refused) return refused;
    return {
      bytes: Buffer.concat(this.#chunks, this.#size),
      contentType: this.#type!,
      declaredType: input.declared,
      filename: input.filename,
      size: this.#size,
      sha256: this.#hash.digest('hex'),
    };
  }

  #sniff(declared: string | null): Error | undefined {
    const head = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    const type = sniffMediaType(head.subarray(0, SNIFF_BYTES));
    this.#type = type;
    if (type === null || !this.upload.types.includes(type)) return new UnsupportedUploadTypeError({ accepted: this.upload.types, declared });
    return undefined;
  }
}

/**
 * A raw upload's `X-Filename` as the client meant it. Headers are ASCII, so a client sends a name
 * like "reçu.pdf" percent-encoded (`encodeURIComponent`), or as its UTF-8 bytes, which Node hands
 * over as latin1 text; both are turned back into the name. Anything that decodes to no valid UTF-8
 * ("100% done.pdf", a real latin1 name) is kept as sent.
 */
function decodeHeaderFilename(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (/%[0-9A-Fa-f]{2}/.test(value)) {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  // eslint-disable-next-line no-control-regex -- any byte above ASCII, as latin1 text
  if (/^[\u0000-\u00ff]*$/.test(value) && /[\u0080-\u00ff]/.test(value)) {
    const bytes = Buffer.from(value, 'latin1');
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    if (!text.includes('\ufffd') && Buffer.from(text, 'utf8').equals(bytes)) return text;
  }
  return value;
}

function checkFilename(name: string | undefined): string | null {
  if (name === undefined || name === '') return null;
  if (name.length > MAX_FILENAME)
    throw new UploadRefusedError({ code: 'invalid_filename', message: `The filename is longer than ${MAX_FILENAME} characters.` });
  assertStorableText(name, ['filename']);
  return name;
}

/**
 * Reads the file of an upload route: the whole body (raw: `Content-Type: application/pdf`, the
 * name in `X-Filename`) or the `file` part of a multipart/form-data body, whose other parts are
 * text fields. Never keeps more than `maxBytes` of file; a refusal (413, 415, 400) is thrown once
 * the rest of the body is drained (up to UPLOAD_DRAIN_BYTES, then the connection is closed).
 */
export async function readUpload(input: {
  body: unknown;
  request: FastifyRequest;
  reply: FastifyReply;
  upload: RouteUpload;
}): Promise<{ file: UploadedFile; fields: Record<string, string> }> {
  const { request, reply, upload } = input;
  if (!(input.body instanceof DeferredUpload)) {
    // No body at all (Fastify parses nothing without one).
    throw new UploadRefusedError({ code: 'empty_file', message: 'The request has no file: send its bytes as the body, or a multipart/form-data "file" part.' });
  }
  const { stream, contentType } = input.body;
  const multipart = essence(contentType) === 'multipart/form-data';
  const raw = new BodyDrain({ stream, reply, allowance: upload.maxBytes + UPLOAD_DRAIN_BYTES });
  if (!multipart) {
    const header = request.headers['x-filename'];
    const filename = checkFilename(decodeHeaderFilename(Array.isArray(header) ? header[0] : header));
    const declared = essence(contentType);
    const collector = new FileCollector(upload);
    await raw.consume((chunk) => collector.push(chunk, declared));
    const file = collector.finish({ declared, filename });
    if (file instanceof Error) throw file;
    return { file, fields: {} };
  }
  return readMultipart({ request, upload, contentType: contentType!, raw });
}

/** Reads a request body to its end, stopping on the first refusal and draining the rest. */
class BodyDrain {
  #received = 0;
  constructor(private readonly input: { stream: Readable; reply: FastifyReply; allowance: number }) {}

  /** Stops the flow until `resume` (the parser is behind): a slow parser never makes the host buffer the body. */
  pause(): () => void {
    this.input.stream.pause();
    return () => this.input.stream.resume();
  }

  /** Feeds every chunk to `take` until it refuses one; resolves at the end of the body, rejects with the refusal then. */
  consume(take: (chunk: Buffer) => Error | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const { stream } = this.input;
      let refusal: Error | undefined;
      const settle = (error: Error | undefined) => {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('error', onError);
        stream.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onData = (chunk: Buffer) => {
        this.#received += chunk.length;
        if (!refusal) refusal = take(chunk);
        else if (this.#received > this.input.allowance) this.#giveUp(settle, refusal);
      };
      const onEnd = () => settle(refusal);
      const onError = () => settle(refusal ?? new UploadRefusedError({ code: 'upload_aborted', message: 'The upload was cut off.' }));
      const onClose = () => {
        if (!stream.readableEnded) onError();
      };
      stream.on('data', onData);
      stream.on('end', onEnd);
      stream.on('error', onError);
      stream.on('close', onClose);
      stream.resume();
    });
  }

  /** Stops reading a body that goes on too long past a refusal: answer, then close the connection. */
  #giveUp(settle: (error: Error) => void, refusal: Error): void {
    void this.input.reply.header('connection', 'close');
    this.input.stream.pause();
    settle(refusal);
  }
}

function readMultipart(input: {
  request: FastifyRequest;
  upload: RouteUpload;
  contentType: string;
  raw: BodyDrain;
}): Promise<{ file: UploadedFile; fields: Record<string, string> }> {
  const { upload } = input;
  const fields: Record<string, string> = {};
  const collector = new FileCollector(upload);
  let part: { declared: string | null; filename: string | null } | undefined;
  let refusal: Error | undefined;
  let parser: BusboyInstance;
  try {
    parser = Busboy({
      headers: { ...input.request.headers, 'content-type': input.contentType },
      // The file's own limit is ours (FileCollector): busboy stops one byte past it.
      limits: { files: 1, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, parts: MAX_FIELDS + 1, fileSize: upload.maxBytes + 1 },
      isPartAFile: (name, _type, filename) => name === 'file' || filename !== undefined,
    });
  } catch (cause) {
    refusal = new UploadRefusedError({ code: 'invalid_multipart', message: `The multipart body cannot be read: ${(cause as Error).message}.` });
    return input.raw.consume(() => refusal).then(() => Promise.reject(refusal!));
  }
  const refuse = (error: Error) => (refusal ??= error);
  let parserError: Error | undefined;
  const unreadable = (cause: unknown) => {
    parserError ??= new UploadRefusedError({ code: 'invalid_multipart', message: `The multipart body cannot be read: ${(cause as Error).message}.` });
  };
  parser.on('file', (name, stream, filename, _encoding, mimeType) => {
    // A part cut short errors on its own stream ("Part terminated early"), besides the parser.
    stream.on('error', unreadable);
    if (name !== 'file' || part) {
      stream.resume();
      refuse(
        new UploadRefusedError({
          code: 'unexpected_file',
          message: `Only one file is taken, in the part named "file"; got one named ${JSON.stringify(name)}.`,
        }),
      );
      return;
    }
    try {
      part = { declared: essence(mimeType), filename: checkFilename(filename) };
    } catch (error) {
      stream.resume();
      refuse(error as Error);
      return;
    }
    stream.on('data', (chunk: Buffer) => {
      const error = collector.push(chunk, part!.declared);
      if (error) refuse(error);
    });
  });
  parser.on('field', (name, value, nameTruncated, valueTruncated) => {
    if (nameTruncated || valueTruncated)
      refuse(new UploadRefusedError({ code: 'invalid_multipart', message: `The field ${JSON.stringify(name)} is longer than ${MAX_FIELD_BYTES} bytes.` }));
    else if (Object.hasOwn(fields, name))
      refuse(new UploadRefusedError({ code: 'invalid_multipart', message: `The field ${JSON.stringify(name)} is sent twice.` }));
    else fields[name] = value;
  });
  parser.on('filesLimit', () => refuse(new UploadRefusedError({ code: 'unexpected_file', message: 'Only one file is taken, in the part named "file".' })));
  parser.on('fieldsLimit', () => refuse(new UploadRefusedError({ code: 'invalid_multipart', message: `At most ${MAX_FIELDS} fields are taken.` })));
  parser.on('partsLimit', () => refuse(new UploadRefusedError({ code: 'invalid_multipart', message: `At most ${MAX_FIELDS + 1} parts are taken.` })));
  parser.on('error', unreadable);
  const finished = new Promise<void>((resolve) => {
    parser.on('finish', resolve);
    parser.on('error', () => resolve());
  });

  // Each raw chunk goes to the parser while nothing is refused; after a refusal the rest is drained unparsed.
  return input.raw
    .consume((chunk) => {
      if (refusal || parserError) return refusal ?? parserError;
      if (!parser.write(chunk)) {
        const resume = input.raw.pause();
        const go = () => {
          parser.off('drain', go);
          parser.off('error', go);
          resume();
        };
        parser.on('drain', go);
        parser.on('error', go);
      }
      return refusal ?? parserError;
    })
    .then(async () => {
      parser.end();
      await finished;
      const error = refusal ?? parserError;
      if (error) throw error;
      if (!part) throw new UploadRefusedError({ code: 'file_required', message: 'The multipart body has no part named "file".' });
      const file = collector.finish(part);
      if (file instanceof Error) throw file;
      return { file, fields };
    });
}
