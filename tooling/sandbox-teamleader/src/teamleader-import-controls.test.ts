import { ManualClock } from '@tollgate/clock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTeamleaderSandbox, type TeamleaderSandbox } from './index.js';

/** Issue 14 A1 and A7: the switches the import tests need (select values as id or text; Teamleader's clock ahead). */
describe('teamleader sandbox: select value form and clock offset', () => {
  let clock: ManualClock;
  let sandbox: TeamleaderSandbox;
  let accessToken: string;

  beforeEach(async () => {
    clock = new ManualClock('2026-03-02T09:00:00.000Z');
    sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 1000 });
    accessToken = sandbox.control.issueTokens().access_token;
  });
  afterEach(async () => {
    await sandbox.close();
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

  it('answers a single-select value as written, as the option id or as its text, on invoices, subscriptions and parties', async () => {
    const field = sandbox.control.seedCustomField({ context: 'invoice', type: 'single_select', label: 'Twikey invoices', options: ['1001', '1002'] }) as {
      id: string;
      configuration: { options: Array<{ id: string; value: string }> };
    };
    const text = sandbox.control.seedCustomField({ context: 'invoice', type: 'single_line', label: 'Note' }) as { id: string };
    const optionId = field.configuration.options[1]!.id;
    const company = sandbox.control.seedCompany({ name: 'Acme NV' }) as { id: string };
    const invoice = sandbox.control.seedInvoice({
      customer: { type: 'company', id: company.id },
      booked: true,
      customFields: [
        { definitionId: field.id, value: optionId },
        { definitionId: text.id, value: '1002' },
      ],
    }) as { id: string };
    const values = async () => ((await call('invoices.info', { id: invoice.id })).body.data.custom_fields as Array<{ value: unknown }>).map((f) => f.value);

    expect(await values()).toEqual([optionId, '1002']);
    sandbox.control.setSelectValueForm('text');
    expect(await values()).toEqual(['1002', '1002']); // only the select field changes form
    sandbox.control.setSelectValueForm('id');
    expect(await values()).toEqual([optionId, '1002']);
    // Over HTTP too; a bad form is refused.
    const control = (path: string, body: unknown) => fetch(`${sandbox.url}/_sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await control('select-values', { form: 'text' })).status).toBe(200);
    expect(await values()).toEqual(['1002', '1002']);
    expect((await control('select-values', { form: 'label' })).status).toBe(400);
    // reset() brings back as_stored.
    sandbox.control.reset();
    accessToken = sandbox.control.issueTokens().access_token;
    const again = sandbox.control.seedCustomField({ context: 'invoice', type: 'single_select', label: 'F', options: ['x'] }) as {
      id: string;
      configuration: { options: Array<{ id: string; value: string }> };
    };
    const party = sandbox.control.seedCompany({ name: 'Beta BV' }) as { id: string };
    const stored = sandbox.control.seedInvoice({
      customer: { type: 'company', id: party.id },
      booked: true,
      customFields: [{ definitionId: again.id, value: again.configuration.options[0]!.id }],
    }) as { id: string };
    expect((await call('invoices.info', { id: stored.id })).body.data.custom_fields[0].value).toBe(again.configuration.options[0]!.id);
  });

  it('setClockOffset puts Teamleader’s record clock ahead: updated_at and updated_since use it, our clock does not move', async () => {
    const company = sandbox.control.seedCompany({ name: 'Acme NV' }) as { id: string };
    sandbox.control.setClockOffset(60 * 60_000);
    const ahead = sandbox.control.seedInvoice({ customer: { type: 'company', id: company.id }, booked: true }) as { id: string; updated_at: string };
    expect(Date.parse(ahead.updated_at)).toBe(Date.parse('2026-03-02T10:00:00.000Z'));
    const since = (at: string) => call('invoices.list', { filter: { updated_since: at } });
    expect((await since('2026-03-02T09:30:00+00:00')).body.data.map((i: { id: string }) => i.id)).toEqual([ahead.id]);

    sandbox.control.setClockOffset(0);
    clock.advance({ minutes: 10 });
    const later = sandbox.control.seedInvoice({ customer: { type: 'company', id: company.id }, booked: true }) as { id: string; updated_at: string };
    expect(Date.parse(later.updated_at)).toBe(Date.parse('2026-03-02T09:10:00.000Z'));
    // A mark taken from the newest updated_at (10:00) would miss it.
    expect((await since('2026-03-02T09:55:00+00:00')).body.data.map((i: { id: string }) => i.id)).toEqual([ahead.id]);
    const control = await fetch(`${sandbox.url}/_sandbox/clock-offset`, { method: 'POST', body: JSON.stringify({ ms: 1.5 }) });
    expect(control.status).toBe(400);
  });
});
