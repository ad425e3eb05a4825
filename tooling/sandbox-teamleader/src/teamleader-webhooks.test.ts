import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@tollgate/clock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTeamleaderSandbox, type TeamleaderSandbox } from './index.js';

/** A local webhook receiver: records what arrives, answers the next queued status (default 200). */
async function startReceiver(): Promise<{ url: string; received: any[]; answers: number[]; close(): Promise<void> }> {
  const received: any[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url, contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(answers.shift() ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, answers, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('teamleader sandbox: webhooks', () => {
  let sandbox: TeamleaderSandbox;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let accessToken: string;

  beforeEach(async () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    sandbox = await startTeamleaderSandbox({ now: () => clock.now() });
    receiver = await startReceiver();
    accessToken = sandbox.control.issueTokens().access_token;
  });
  afterEach(async () => {
    await sandbox.close();
    await receiver.close();
  });

  async function call(path: string, body: unknown = {}): Promise<{ status: number; body: any }> {
    const response = await fetch(`${sandbox.url}/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async function register(path: string, types: string[]): Promise<void> {
    expect((await call('webhooks.register', { url: `${receiver.url}${path}`, types })).status).toBe(204);
  }

  it('register merges types, list is sorted by URL, unregister removes types and then the URL', async () => {
    await register('/b', ['invoice.booked']);
    await register('/a', ['invoice.booked', 'invoice.updated']);
    await register('/a', ['invoice.booked', 'company.updated']);
    expect((await call('webhooks.list')).body.data).toEqual([
      { url: `${receiver.url}/a`, types: ['invoice.booked', 'invoice.updated', 'company.updated'] },
      { url: `${receiver.url}/b`, types: ['invoice.booked'] },
    ]);
    await call('webhooks.unregister', { url: `${receiver.url}/b`, types: ['invoice.booked'] });
    await call('webhooks.unregister', { url: `${receiver.url}/a`, types: ['invoice.updated'] });
    expect((await call('webhooks.list')).body.data).toEqual([{ url: `${receiver.url}/a`, types: ['invoice.booked', 'company.updated'] }]);
    expect((await call('webhooks.register', { url: 'not a url', types: ['invoice.booked'] })).status).toBe(400);
    expect((await call('webhooks.register', { url: `${receiver.url}/a`, types: 'invoice.booked' })).status).toBe(400);
  });

  it('queues webhooks for subscribed URLs until deliverWebhooks, with the documented payload', async () => {
    await register('/hooks/secret', ['invoice.booked', 'creditNote.booked', 'company.updated']);
    const company = sandbox.control.seedCompany({ name: 'Acme NV' }) as any;
    const invoice = sandbox.control.seedInvoice({ customer: { type: 'company', id: company.id }, booked: true }) as any;
    sandbox.control.updateCompany({ id: company.id, changes: { vatNumber: 'BE0123456749' } });
    const note = sandbox.control.seedCreditNote({ invoiceId: invoice.id }) as any;
    expect(receiver.received).toEqual([]);
    expect(sandbox.control.pendingWebhooks().map((p) => p.payload.type)).toEqual(['invoice.booked', 'company.updated', 'creditNote.booked']);

    const report = await sandbox.control.deliverWebhooks();
    expect(report).toEqual({ delivered: 3, statuses: [204, 204, 204], dropped: 0, pending: 0 });
    expect(receiver.received[0]).toEqual({
      path: '/hooks/secret',
      contentType: 'application/json',
      body: {
        type: 'invoice.booked',
        subject: { type: 'invoice', id: invoice.id },
        account: { type: 'account', id: sandbox.control.ids.account },
        user: { type: 'user', id: sandbox.control.ids.user },
      },
    });
    expect(receiver.received.map((r) => r.body.subject)).toEqual([
      { type: 'invoice', id: invoice.id },
      { type: 'company', id: company.id },
      { type: 'creditNote', id: note.id },
    ]);
    expect((await sandbox.control.deliverWebhooks()).delivered).toBe(0);
  });

  it('API changes fire their events: payments, updates, deletes, subscriptions', async () => {
    await register('/all', [
      'invoice.paymentRegistered',
      'invoice.paymentRemoved',
      'invoice.updated',
      'invoice.deleted',
      'subscription.added',
      'subscription.deactivated',
      'contact.updated',
    ]);
    const contact = sandbox.control.seedContact({ lastName: 'Peeters' }) as any;
    const invoice = sandbox.control.seedInvoice({ customer: { type: 'contact', id: contact.id }, booked: true, paid: true }) as any;
    await call('invoices.removePayments', { id: invoice.id });
    await call('invoices.updateBooked', { id: invoice.id, note: 'x' });
    await call('invoices.delete', { id: invoice.id });
    await call('contacts.update', { id: contact.id, first_name: 'Ann' });
    const subscription = sandbox.control.seedSubscription({ customer: { type: 'contact', id: contact.id } }) as any;
    sandbox.control.updateSubscription({ id: subscription.id, status: 'deactivated' });
    await sandbox.control.deliverWebhooks();
    expect(receiver.received.map((r) => r.body.type)).toEqual([
      'invoice.paymentRegistered',
      'invoice.paymentRemoved',
      'invoice.updated',
      'invoice.deleted',
      'contact.updated',
      'subscription.added',
      'subscription.deactivated',
    ]);
  });

  it('drops, delays and repeats deliveries on command; non-2xx answers are retried next round', async () => {
    await register('/h', ['company.added']);
    const seed = (name: string): string => (sandbox.control.seedCompany({ name }) as any).id;
    const [a, b, c] = [seed('A'), seed('B'), seed('C')];

    sandbox.control.dropNextWebhooks(1);
    sandbox.control.delayNextWebhooks(1);
    sandbox.control.repeatNextWebhooks(2);
    const first = await sandbox.control.deliverWebhooks();
    expect(first).toEqual({ delivered: 3, statuses: [204, 204, 204], dropped: 1, pending: 1 });
    expect(receiver.received.map((r) => r.body.subject.id)).toEqual([c, c, c]);
    expect(sandbox.control.pendingWebhooks().map((p) => p.payload.subject.id)).toEqual([b]);

    receiver.answers.push(500);
    const second = await sandbox.control.deliverWebhooks();
    expect(second).toMatchObject({ delivered: 1, statuses: [500], pending: 1 });
    const third = await sandbox.control.deliverWebhooks();
    expect(third).toMatchObject({ delivered: 1, statuses: [204], pending: 0 });
    expect(receiver.received.map((r) => r.body.subject.id)).toEqual([c, c, c, b, b]);
    expect(receiver.received.some((r) => r.body.subject.id === a)).toBe(false);
    expect(sandbox.control.events().filter((e) => e.type === 'company.added')).toHaveLength(3);
  });

  it('only subscribed types are queued, and autoDeliverWebhooks sends them at once', async () => {
    const auto = await startTeamleaderSandbox({ autoDeliverWebhooks: true });
    try {
      const token = auto.control.issueTokens().access_token;
      await fetch(`${auto.url}/webhooks.register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ url: `${receiver.url}/auto`, types: ['company.added'] }),
      });
      auto.control.seedContact({ lastName: 'Nobody' });
      const company = auto.control.seedCompany({ name: 'Auto NV' }) as any;
      await auto.control.deliverWebhooks(); // waits for the round already under way
      expect(receiver.received.map((r) => r.body.subject)).toEqual([{ type: 'company', id: company.id }]);
    } finally {
      await auto.close();
    }
  });
});
