import { ManualClock } from '@tollgate/clock';
import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BY_IDS_MAX } from './teamleader-api.js';
import { TeamleaderClient } from './teamleader.client.js';

/* Issue 14 A8: companies / contacts by id in one `.list` + `filter.ids` call, and a server that caps pages lower than asked. */

let sandbox: TeamleaderSandbox;
const clock = new ManualClock('2026-03-02T09:00:00.000Z');

beforeAll(async () => {
  sandbox = await startTeamleaderSandbox({ now: () => clock.now(), maxPageSize: 50 });
});
afterAll(async () => {
  await sandbox?.close();
});

function api() {
  const { access_token } = sandbox.control.issueTokens();
  const client = new TeamleaderClient({
    tokens: { accessToken: async () => access_token, refreshAfterRejection: async () => access_token },
    apiBaseUrl: sandbox.url,
    clock,
    retry: { maxAttempts: 1 },
    sleep: async () => {},
  });
  return client.connection({ connectionId: 'conn_batch' });
}

describe('TeamleaderApi batch reads', () => {
  it('reads up to 100 companies by id with custom fields, paging on when Teamleader serves fewer (cap 50); unknown ids are absent', async () => {
    const field = sandbox.control.seedCustomField({ context: 'company', type: 'single_line', label: 'Profile' }) as { id: string };
    const ids = Array.from(
      { length: 70 },
      (_, i) => (sandbox.control.seedCompany({ name: `Company ${i}`, customFields: [{ definitionId: field.id, value: `P-${i}` }] }) as { id: string }).id,
    );
    const before = sandbox.control.requests().length;
    const companies = await api().companies({ ids: [...ids, ids[0]!, '00000000-0000-4000-8000-000000000000'] });
    expect(companies.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(companies[0]!.custom_fields?.[0]).toMatchObject({ definition: { id: field.id }, value: expect.stringMatching(/^P-/) });
    const calls = sandbox.control.requests().slice(before);
    // 50 + 20 answered, then an empty page: the unknown id is not there.
    expect(calls.map((r) => [r.path, (r.body as { page: { number: number } }).page.number])).toEqual([
      ['/companies.list', 1],
      ['/companies.list', 2],
      ['/companies.list', 3],
    ]);
    expect(calls[0]!.body).toMatchObject({ includes: 'custom_fields', page: { size: BY_IDS_MAX } });
    await expect(api().contacts({ ids: Array.from({ length: BY_IDS_MAX + 1 }, (_, i) => `id-${i}`) })).rejects.toThrow(RangeError);
    expect(await api().contacts({ ids: [] })).toEqual([]);
  });
});
