import { Money, type PaymentProvider } from '@tollgate/plugin-sdk';
import { startCardSandbox, type CardSandbox } from '@tollgate/sandbox-card';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { paymentsCardOptions } from './index.js';

describe('payments-card options', () => {
  it('apply defaults and need only the webhook secret next to a sandbox URL', () => {
    expect(paymentsCardOptions.parse({ baseUrl: 'http://127.0.0.1:4010', webhookSecret: 'whsec_x' })).toEqual({
      label: 'Card',
      apiKey: 'sk_test_sandbox',
      baseUrl: 'http://127.0.0.1:4010',
      webhookSecret: 'whsec_x',
      timeoutMs: 10_000,
      maxNetworkRetries: 2,
    });
    expect(paymentsCardOptions.parse({ apiKey: 'sk_live_123', webhookSecret: 'whsec_x' }).baseUrl).toBeUndefined();
  });

  it('are refused at start-up when invalid', async () => {
    const refused = async (options: unknown, pattern: RegExp) => {
      await expect(createTestHost({ plugins: [{ plugin, options }] })).rejects.toThrow(pattern);
    };
    await refused({}, /plugin payments-card .*invalid options: webhookSecret/);
    await refused({ webhookSecret: 'whsec_x' }, /invalid options: apiKey: is required when baseUrl is absent/);
    await refused({ webhookSecret: 'whsec_x', baseUrl: 'ftp://127.0.0.1' }, /invalid options: baseUrl/);
    await refused({ webhookSecret: 'whsec_x', baseUrl: 'http://127.0.0.1:4010/api' }, /invalid options: baseUrl: must not have a path/);
    await refused({ webhookSecret: 'whsec_x', baseUrl: 'http://127.0.0.1:4010', timeoutMs: 0 }, /invalid options: timeoutMs/);
    await refused({ webhookSecret: 'whsec_x', baseUrl: 'http://127.0.0.1:4010', label: '' }, /invalid options: label/);
    await refused({ webhookSecret: 'whsec_x', baseUrl: 'http://127.0.0.1:4010', typo: true }, /invalid options/);
  });
});

for (const engine of testEngines()) {
  describe(`payments-card in a host [${engine.name}]`, () => {
    let t: TestHost;
    let sandbox: CardSandbox;
    beforeAll(async () => {
      sandbox = await startCardSandbox();
      t = await createTestHost({ engine, plugins: [{ plugin, options: { baseUrl: sandbox.url, webhookSecret: 'whsec_host' } }] });
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('is listed on GET /plugins with its payment provider', async () => {
      const res = await t.request({ path: '/plugins' });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([
        expect.objectContaining({
          id: 'payments-card',
          package: expect.any(String),
          compatibility: '^2.0.0',
          paymentProviders: [{ id: 'payments-card', label: 'Card', methods: ['card'] }],
        }),
      ]);
    });

    it('sets up a card and pays through the host database (its migration ran)', async () => {
      const provider = t.host.pluginHost.paymentProviders.get('payments-card') as PaymentProvider;
      expect(provider.settlement).toBe('fast');
      const { accountId } = await t.createAccount();
      const method = await provider.createPaymentMethod({ accountId, kind: 'card', details: { paymentMethod: 'pm_card_visa' }, idempotencyKey: 'setup-1' });
      const paid = await provider.createPayment({
        accountId,
        amount: Money.of('20.00'),
        reference: 'pur_1',
        description: 'Top-up',
        idempotencyKey: 'pay-1',
        providerMethodId: method.providerMethodId,
      });
      expect(paid.status).toBe('succeeded');
      const { rows } = await t
        .pluginDatabase('payments-card')
        .query<{ customer_id: string }>('SELECT customer_id FROM payments_card_customers WHERE account_id = $1', [accountId]);
      expect(rows).toEqual([{ customer_id: method.metadata.customerId }]);
      expect(sandbox.control.paymentIntents()[0]).toMatchObject({ amount: 2000, customer: method.metadata.customerId });
    });
  });
}
