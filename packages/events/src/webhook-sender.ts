import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import ipaddr from 'ipaddr.js';
import { guardedLookup, refusedAddress, type WebhookUrlPolicy } from './webhook-url.js';

/**
 * Keep-alive agents per endpoint origin: a backlog goes over one connection instead of a handshake
 * per delivery. Every new connection resolves through guardedLookup, so the address check holds.
 */
export class WebhookAgents {
  readonly #agents = new Map<string, HttpAgent>();

  for(url: URL, policy: WebhookUrlPolicy): HttpAgent {
    const key = `${url.protocol}//${url.host}|${policy.sandbox}`;
    let agent = this.#agents.get(key);
    if (!agent) {
      const options = { keepAlive: true, maxSockets: 2, maxFreeSockets: 2, timeout: 30_000, lookup: guardedLookup(policy) as never };
      agent = url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
      this.#agents.set(key, agent);
    }
    return agent;
  }

  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}

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
  /** Reused connections; without it each delivery opens (and closes) its own. */
  agents?: WebhookAgents;
}): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined = undefined; // set below; finish() may run first (a refused URL)
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
    // Checked again here, not only when saved: node skips `lookup` for an IP literal, and the policy may have changed since (sandbox off).
    if (url.protocol !== 'https:' && !(input.policy.sandbox && url.protocol === 'http:')) {
      finish({ status: null, body: null, error: `refused: ${url.protocol} URLs are not allowed outside sandbox mode` });
      return;
    }
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    const refused = ipaddr.isValid(literal) ? refusedAddress(literal, input.policy) : null;
    if (refused) {
      finish({ status: null, body: null, error: `refused: ${literal} is ${refused}` });
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(input.body).toString(), ...input.headers },
        ...(input.agents ? { agent: input.agents.for(url, input.policy) } : { lookup: guardedLookup(input.policy) as never, agent: false }),
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
    timer = setTimeout(() => {
      finish({ status: null, body: null, error: `no answer within ${input.timeoutMs} ms` });
      req.destroy();
    }, input.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({ status: null, body: null, error: error.code === 'WEBHOOK_ADDRESS_REFUSED' ? `refused: ${error.message}` : error.message }),
    );
    req.end(input.body);
  });
}
