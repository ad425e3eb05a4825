import { afterEach, describe, expect, it } from 'vitest';
import { startCardSandbox, type CardSandbox } from './index.js';

const NOW = new Date('2026-01-15T09:00:00.000Z');
const now = () => NOW;
const started: CardSandbox[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function start(): Promise<CardSandbox> {
  const sandbox = await startCardSandbox({ now });
  started.push(sandbox);
  return sandbox;
}

async function post(sandbox: CardSandbox, path: string, form: Record<string, string>, idempotencyKey?: string) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${sandbox.apiKey}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

describe('card sandbox state (exportState / importState)', () => {
  it('a customer with a saved card survives a JSON round trip into a new sandbox and can still be charged', async () => {
    const changes: number[] = [];
    const first = await startCardSandbox({ now, onStateChange: () => changes.push(1) });
    started.push(first);
    const customer = (await post(first, '/v1/customers', { email: 'ann@acme.test' })).body.id as string;
    expect((await post(first, '/v1/payment_methods/pm_card_visa/attach', { customer })).status).toBe(200);
    const paid = await post(
      first,
      '/v1/payment_intents',
      { amount: '1000', currency: 'eur', customer, payment_method: 'pm_card_visa', confirm: 'true', off_session: 'true' },
      'buy-1',
    );
    expect(paid.body.status).toBe('succeeded');
    // Every request told the owner the state may have changed.
    expect(changes.length).toBeGreaterThanOrEqual(3);

    const snapshot = JSON.parse(JSON.stringify(first.control.exportState())) as ReturnType<CardSandbox['control']['exportState']>;
    const second = await start();
    second.control.importState(snapshot);

    expect(second.control.customers().map((c) => c.id)).toEqual([customer]);
    const again = await post(second, '/v1/payment_intents', {
      amount: '2500',
      currency: 'eur',
      customer,
      payment_method: 'pm_card_visa',
      confirm: 'true',
      off_session: 'true',
    });
    expect([again.status, again.body.status]).toEqual([200, 'succeeded']);
    // An idempotent replay after the "restart" still gets the first answer.
    const replay = await post(
      second,
      '/v1/payment_intents',
      { amount: '1000', currency: 'eur', customer, payment_method: 'pm_card_visa', confirm: 'true', off_session: 'true' },
      'buy-1',
    );
    expect([replay.body.id, replay.headers.get('idempotent-replayed')]).toEqual([paid.body.id, 'true']);
    expect(second.control.paymentIntents().map((i) => i.id)).toEqual([paid.body.id, again.body.id]);
  });

  it('without the state a new sandbox does not know the customer (what the dev stack used to hit)', async () => {
    const first = await start();
    const customer = (await post(first, '/v1/customers', { email: 'ann@acme.test' })).body.id as string;
    const second = await start();
    const res = await post(second, '/v1/payment_intents', { amount: '1000', currency: 'eur', customer, payment_method: 'pm_card_visa', confirm: 'true' });
    expect(res.body.error.message).toBe(`No such customer: '${customer}'`);
  });

  it('reads a snapshot saved before cancel existed: its intents can be listed and canceled', async () => {
    const first = await start();
    const open = await post(first, '/v1/payment_intents', { amount: '1000', currency: 'eur', payment_method: 'pm_card_visa' });
    const snapshot = first.control.exportState();
    for (const intent of snapshot.paymentIntents) {
      delete (intent as Partial<typeof intent>).canceled_at;
      delete (intent as Partial<typeof intent>).cancellation_reason;
    }
    const second = await start();
    second.control.importState(snapshot);
    const listed = await fetch(`${second.url}/v1/payment_intents`, { headers: { authorization: `Bearer ${second.apiKey}` } });
    expect(((await listed.json()) as { data: Array<Record<string, unknown>> }).data).toEqual([
      expect.objectContaining({ id: open.body.id, canceled_at: null, cancellation_reason: null }),
    ]);
    const canceled = await post(second, `/v1/payment_intents/${open.body.id as string}/cancel`, { cancellation_reason: 'abandoned' });
    expect(canceled.body).toMatchObject({ status: 'canceled', canceled_at: NOW.getTime() / 1000, cancellation_reason: 'abandoned' });
  });

  it('refuses a snapshot of an unknown version', async () => {
    const sandbox = await start();
    expect(() => sandbox.control.importState({ version: 2 } as never)).toThrow(/unknown version 2/);
  });
});
