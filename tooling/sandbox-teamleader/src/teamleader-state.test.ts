import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT, startTeamleaderSandbox, type TeamleaderSandbox, type TeamleaderSandboxState } from './index.js';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const started: TeamleaderSandbox[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function start(onStateChange?: () => void): Promise<TeamleaderSandbox> {
  const sandbox = await startTeamleaderSandbox({ now: () => NOW, ...(onStateChange ? { onStateChange } : {}) });
  started.push(sandbox);
  return sandbox;
}

async function post(sandbox: TeamleaderSandbox, path: string, body: Record<string, unknown>, accessToken?: string) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as any };
}

const refresh = (sandbox: TeamleaderSandbox, refreshToken: string) =>
  post(sandbox, '/oauth2/access_token', {
    client_id: DEFAULT_CLIENT.clientId,
    client_secret: DEFAULT_CLIENT.clientSecret,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
  });

describe('teamleader sandbox state (exportState / importState)', () => {
  it('tokens, records with fixed ids and webhooks survive a JSON round trip: the refresh token still refreshes', async () => {
    let changes = 0;
    const first = await start(() => (changes += 1));
    const field = first.control.seedCustomField({
      id: 'cf-profile',
      context: 'invoice',
      type: 'single_select',
      label: 'Twikey profile',
      options: [
        { id: 'opt-dd', value: 'direct-debit' },
        { id: 'opt-link', value: 'payment-link' },
      ],
    });
    const company = first.control.seedCompany({ id: 'company-acme', name: 'Acme NV' });
    const invoice = first.control.seedInvoice({
      id: 'invoice-1',
      customer: { type: 'company', id: 'company-acme' },
      booked: true,
      customFields: [{ definitionId: 'cf-profile', value: 'opt-link' }],
    });
    expect([field.id, company.id, invoice.id]).toEqual(['cf-profile', 'company-acme', 'invoice-1']);
    const tokens = first.control.issueTokens();
    expect((await post(first, '/webhooks.register', { url: 'http://127.0.0.1:9/hook', types: ['invoice.booked'] }, tokens.access_token)).status).toBe(204);
    expect(changes).toBe(1);

    const snapshot = JSON.parse(JSON.stringify(first.control.exportState())) as TeamleaderSandboxState;
    const second = await start();
    second.control.importState(snapshot);

    // The access token issued by the first process still works, and the data is the same.
    const info = await post(second, '/invoices.info', { id: 'invoice-1' }, tokens.access_token);
    expect(info.status).toBe(200);
    // The same record (web_url names each sandbox's own port).
    const { web_url: _url, ...before } = first.control.invoice({ id: 'invoice-1' });
    expect(info.body.data).toMatchObject(before);
    expect(info.body.data.custom_fields).toEqual([{ definition: { type: 'customFieldDefinition', id: 'cf-profile' }, value: 'opt-link' }]);
    // The single-use refresh token refreshes once in the new process…
    const refreshed = await refresh(second, tokens.refresh_token);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(tokens.refresh_token);
    expect((await refresh(second, tokens.refresh_token)).body.error).toBe('invalid_grant');
    // …and a new webhook-worthy change still goes to the registered URL.
    second.control.seedInvoice({ customer: { type: 'company', id: 'company-acme' }, booked: true });
    expect(second.control.pendingWebhooks().map((w) => [w.url, w.payload.type])).toEqual([['http://127.0.0.1:9/hook', 'invoice.booked']]);
  });

  it('without the state, the refresh token of an earlier process is refused (invalid_grant)', async () => {
    const first = await start();
    const tokens = first.control.issueTokens();
    const second = await start();
    expect((await refresh(second, tokens.refresh_token)).body.error).toBe('invalid_grant');
  });

  it('refuses a fixed id that is taken, and a snapshot of an unknown version', async () => {
    const sandbox = await start();
    sandbox.control.seedCompany({ id: 'company-acme' });
    expect(() => sandbox.control.seedCompany({ id: 'company-acme' })).toThrow(/already taken/);
    expect(() => sandbox.control.importState({ version: 9 } as never)).toThrow(/unknown version 9/);
  });
});
