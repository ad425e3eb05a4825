import { ManualClock } from '@tollgate/plugin-sdk';
import type { TeamleaderClient } from '@tollgate/teamleader';
import { describe, expect, it } from 'vitest';
import type { TeamleaderConnectionsStore } from './teamleader-connections.store.js';
import { TeamleaderInvoiceSource } from './teamleader.source.js';

/** The source over a scripted client: no HTTP, no database; each test scripts the calls it is about. */
function sourceWith(client: Partial<TeamleaderClient>) {
  const connections = {
    byAccount: async () => ({ id: 'tlc_1', version: 1, teamleaderAccountId: 'tl-account', webhookToken: 'token' }),
  } as unknown as TeamleaderConnectionsStore;
  return new TeamleaderInvoiceSource({
    client: client as TeamleaderClient,
    connections,
    database: { query: async () => ({ rows: [], rowCount: 0 }) } as never,
    clock: new ManualClock('2026-03-02T09:00:00.000Z'),
  });
}
const connection = { id: 'conn_1', accountId: 'acc_1', sourceAccountId: 'tl-account', profileFieldId: null };

describe('TeamleaderInvoiceSource', () => {
  it('listCustomFields: the invoice fields, then the subscription fields, with the options of select fields as { id, label }', async () => {
    const asked: unknown[] = [];
    const source = sourceWith({
      connection: () =>
        ({
          customFieldDefinitions: async (input: unknown) => {
            asked.push(input);
            if ((input as { context: string }).context === 'subscription')
              return [
                {
                  id: 's1',
                  context: 'subscription',
                  type: 'single_select',
                  label: 'Twikey subscriptions',
                  required: false,
                  configuration: { options: [{ id: 'o2', value: '1002' }] },
                },
              ];
            return [
              {
                id: 'f1',
                context: 'invoice',
                type: 'single_select',
                label: 'Profile',
                required: false,
                configuration: { options: [{ id: 'o1', value: 'Direct debit' }] },
              },
              { id: 'f2', context: 'invoice', type: 'multi_select', label: 'Tags', required: false, configuration: null },
              { id: 'f3', context: 'invoice', type: 'single_line', label: 'Reference', required: false },
            ];
          },
        }) as never,
    });
    expect(await source.listCustomFields({ connection })).toEqual([
      { id: 'f1', label: 'Profile', type: 'single_select', context: 'invoice', options: [{ id: 'o1', label: 'Direct debit' }] },
      { id: 'f2', label: 'Tags', type: 'multi_select', context: 'invoice', options: [] },
      { id: 'f3', label: 'Reference', type: 'single_line', context: 'invoice', options: null },
      { id: 's1', label: 'Twikey subscriptions', type: 'single_select', context: 'subscription', options: [{ id: 'o2', label: '1002' }] },
    ]);
    expect(asked).toEqual([{ context: 'invoice' }, { context: 'subscription' }]);
  });

  it('a page whose invoices.info fails ends only after every info call in flight has ended (none left talking to Teamleader)', async () => {
    const items = Array.from({ length: 8 }, (_, i) => ({ id: `inv-${i}` }));
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    let settled = 0;
    const source = sourceWith({
      call: (async () => ({ data: items })) as never,
      connection: () =>
        ({
          invoiceInfo: async ({ id }: { id: string }) => {
            started.push(id);
            try {
              if (id === 'inv-0') throw new Error('invoices.info answered 500');
              await slow; // the other four calls in flight
              throw new Error('still down');
            } finally {
              settled++;
            }
          },
        }) as never,
    });
    let ended = false;
    const listing = source.listDocuments({ connection, issuedSince: '2026-02-01', pageSize: 8 }).finally(() => (ended = true));
    listing.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toBe(false); // inv-0 failed, but four calls are still in flight
    release();
    await expect(listing).rejects.toThrow('invoices.info answered 500');
    // No new call started after the failure, and every started one had ended when the page failed.
    expect(started).toEqual(['inv-0', 'inv-1', 'inv-2', 'inv-3', 'inv-4']);
    expect(settled).toBe(5);
  });
});
