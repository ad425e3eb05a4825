import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, type WebhookUrlPolicy } from './webhook-url.js';

/** What one POST to an endpoint came to. */
export interface SendOutcome {
  /** The HTTP status, or null when no response came (refused address, connection error, timeout). */
  status: number | null;
  /** The start of the response body (at most `maxBodyChars`). */
  body: string | null;
  error: string | null;
  durationMs: number;
}

/** Kept of a response body in the attempt log. */
export const RESPONSE_BODY_CHARS = 1024;

/**
 * POSTs one delivery with node's http(s) client: the address is checked on connect (guardedLookup),
 * redirects are not followed (a 3xx is a failure, as with Stripe), and the whole exchange has one
 * deadline. Only the first bytes of the answer are read.
 */
export function postWebhook(input: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  policy: WebhookUrlPolicy;
}): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<SendOutcome, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, durationMs: elapsed() });
    };
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      finish({ status: null, body: null, error: 'invalid URL' });
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(input.body).toString(), ...input.headers },
        lookup: guardedLookup(input.policy) as never,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < RESPONSE_BODY_CHARS) body += chunk;
          if (body.length >= RESPONSE_BODY_CHARS) {
            finish({ status: res.statusCode ?? null, body: body.slice(0, RESPONSE_BODY_CHARS), error: null });
            res.destroy();
          }
        });
        res.on('end', () => finish({ status: res.statusCode ?? null, body, error: null }));
        res.on('error', (error) => finish({ status: res.statusCode ?? null, body, error: error.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ status: null, body: null, error: `no answer within ${input.timeoutMs} ms` });
      req.destroy();
    }, input.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({ status: null, body: null, error: error.code === 'WEBHOOK_ADDRESS_REFUSED' ? `refused: ${error.message}` : error.message }),
    );
    req.end(input.body);
  });
}
