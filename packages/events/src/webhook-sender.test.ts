import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RESPONSE_BODY_CHARS, postWebhook } from './webhook-sender.js';

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

const servers: Server[] = [];

/** A receiver on 127.0.0.1:0 that records each request and answers with `answer`. */
async function receiver(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      answer(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { received, port, url: `http://127.0.0.1:${port}/hook` };
}

afterEach(async () => {
  const all = servers.splice(0);
  await Promise.all(
    all.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

const sandbox = { sandbox: true };
const post = (url: string, extra: Partial<Parameters<typeof postWebhook>[0]> = {}) =>
  postWebhook({ url, body: '{"id":"evt_1"}', headers: {}, timeoutMs: 5000, policy: sandbox, ...extra });

describe('postWebhook', () => {
  it('returns a 2xx with the start of the answer, at most 1024 characters', async () => {
    const long = 'x'.repeat(10_000);
    const { url, received } = await receiver((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(long));
    const outcome = await post(url);
    expect(outcome.status).toBe(200);
    expect(outcome.error).toBeNull();
    expect(RESPONSE_BODY_CHARS).toBe(1024);
    expect(outcome.body).toBe('x'.repeat(1024));
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    expect(received).toHaveLength(1);
  });

  it('returns a short answer whole', async () => {
    const { url } = await receiver((_req, res) => res.writeHead(201).end('thanks'));
    expect(await post(url)).toMatchObject({ status: 201, body: 'thanks', error: null });
  });

  it('returns a 500 as a status with no error (the deliverer decides it failed)', async () => {
    const { url } = await receiver((_req, res) => res.writeHead(500).end('boom'));
    expect(await post(url)).toMatchObject({ status: 500, body: 'boom', error: null });
  });

  it('does not follow a redirect', async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end('moved here'));
    const { url, received } = await receiver((_req, res) => res.writeHead(302, { location: target.url }).end());
    const outcome = await post(url);
    expect(outcome).toMatchObject({ status: 302, error: null });
    expect(received).toHaveLength(1);
    expect(target.received).toHaveLength(0);
  });

  it('gives up when no answer comes within the timeout', async () => {
    const { url, received } = await receiver(() => undefined); // never answers
    const outcome = await post(url, { timeoutMs: 100 });
    expect(outcome.status).toBeNull();
    expect(outcome.body).toBeNull();
    expect(outcome.error).toBe('no answer within 100 ms');
    expect(outcome.durationMs).toBeGreaterThanOrEqual(90);
    expect(received).toHaveLength(1);
  });

  it('reports a refused connection as an error without a status', async () => {
    const { port } = await receiver(() => undefined);
    const closed = servers.pop()!;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await post(`http://127.0.0.1:${port}/hook`);
    expect(outcome.status).toBeNull();
    expect(outcome.body).toBeNull();
    expect(outcome.error).toMatch(/ECONNREFUSED/);
  });

  it('refuses to connect to a name resolving to loopback outside sandbox mode, and connects in it', async () => {
    const { port, received } = await receiver((_req, res) => res.writeHead(204).end());
    // https outside sandbox mode: the name is resolved, and its loopback address refused before connecting.
    const refused = await post(`https://localhost:${port}/hook`, { policy: { sandbox: false } });
    expect(refused.status).toBeNull();
    expect(refused.error).toMatch(/^refused: localhost is a loopback address/);
    expect(received).toHaveLength(0);
    // node skips `lookup` for an IP literal: it is checked before the request (an endpoint saved in sandbox mode, sandbox off since).
    for (const url of [`https://127.0.0.1:${port}/hook`, `https://[::ffff:127.0.0.1]:${port}/hook`]) {
      const literal = await post(url, { policy: { sandbox: false } });
      expect(literal.error, url).toMatch(/^refused: .* is a loopback address/);
    }
    const plain = await post(`http://127.0.0.1:${port}/hook`, { policy: { sandbox: false } });
    expect(plain.error).toBe('refused: http: URLs are not allowed outside sandbox mode');
    const ftp = await post(`ftp://127.0.0.1:${port}/hook`, { policy: { sandbox: true } });
    expect(ftp).toMatchObject({ status: null, error: expect.stringMatching(/^refused: ftp:/) });
    const invalid = await post('not a url', { policy: { sandbox: true } });
    expect(invalid).toMatchObject({ status: null, error: 'invalid URL' });
    expect(received).toHaveLength(0);
    const allowed = await post(`http://localhost:${port}/hook`, { policy: { sandbox: true } });
    expect(allowed).toMatchObject({ status: 204, error: null });
    expect(received).toHaveLength(1);
  });

  it('sends the body and headers as given, as JSON with its byte length', async () => {
    const { url, received } = await receiver((_req, res) => res.writeHead(200).end());
    const body = JSON.stringify({ id: 'evt_1', data: { note: 'café ✓' } });
    const outcome = await post(url, { body, headers: { 'Tollgate-Signature': 't=1,v1=ab', 'Tollgate-Event-Id': 'evt_1' } });
    expect(outcome.status).toBe(200);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/hook');
    expect(request!.body).toBe(body);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    expect(request!.headers['tollgate-signature']).toBe('t=1,v1=ab');
    expect(request!.headers['tollgate-event-id']).toBe('evt_1');
  });
});
