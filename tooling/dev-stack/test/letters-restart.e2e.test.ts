import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.js';
import { api, expectStatus, startStack, until, type RunningStack } from '../src/newcomer.js';
import { EPOST_DEMO_CREDENTIALS } from '../src/sandbox-stack.js';

/**
 * Letters across a restart of `pnpm start` (issue 17), with real processes and ports as a user runs
 * it: a BE letter submitted to the print service and a DE letter on E-POST before the stop; after the
 * start on the same data folder the print service (its state restored) moves the BE letter on and its
 * signed callbacks reach the host, the E-POST credentials still open, the letters at each sandbox are
 * still one each, and new letters go out. Readiness and statuses are polled, never waited for by a
 * fixed time; the print service's clock is moved with its `/_sandbox/advance` control.
 */

const SENDER = { name: 'Restart BV', street: 'Markt 1', postalCode: '9000', city: 'Gent', country: 'BE' };
const BE = { name: 'Bakkerij Peeters BV', street: 'Kerkstraat 12 bus 3', postalCode: '2000', city: 'Antwerpen', country: 'BE' };
const DE = { name: 'Muster GmbH', street: 'Hauptstraße 5', postalCode: '10115', city: 'Berlin', country: 'DE' };
const DE_SENDER = { name: 'Muster Classic GmbH', street: 'Marktplatz 1', postalCode: '50667', city: 'Köln', country: 'DE' };

type Letter = { id: string; status: string; carrierLetterId: string | null; holds: Array<{ status: string }> };

describe('letters survive a restart of pnpm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-letters-restart-'));
  let stack: RunningStack | undefined;
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('print service and E-POST state restored, callbacks and polls go on, new letters go out', { timeout: 300_000 }, async () => {
    const ports = { printmail: await freePort(), epost: await freePort() };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: '',
      TOLLGATE_ADMIN_KEY: '',
      TOLLGATE_CONFIG: '',
      TOLLGATE_DATA_DIR: join(dir, 'data'),
      PORT: String(await freePort()),
      SANDBOX_CARD_PORT: String(await freePort()),
      SANDBOX_BANK_PORT: String(await freePort()),
      SANDBOX_TWILIO_PORT: String(await freePort()),
      SANDBOX_TEAMLEADER_PORT: String(await freePort()),
      SANDBOX_TRENDSTOP_PORT: String(await freePort()),
      SANDBOX_PRINTMAIL_PORT: String(ports.printmail),
      SANDBOX_EPOST_PORT: String(ports.epost),
      SANDBOX_WEBHOOKS_PORT: String(await freePort()),
      SANDBOX_SFTP_PORT: String(await freePort()),
      LOG_LEVEL: 'info', // the "listening" line is how startStack knows it is ready
    };
    const printmail = `http://127.0.0.1:${ports.printmail}`;
    const epost = `http://127.0.0.1:${ports.epost}`;
    stack = await startStack({ cwd: dir, env, readyTimeoutMs: 120_000 });
    const url = stack.url;
    const adminKey = /first platform admin key .*: (tga_\S+)/.exec(stack.stderr())![1]!;

    const account = async (name: string, plan: 'focus' | 'classic') => {
      const made = expectStatus(
        'account',
        await api({ url, method: 'POST', path: '/admin/accounts', key: adminKey, body: { name, plan, owner: { email: `${plan}@restart.test`, name } } }),
        201,
      ) as { account: { id: string }; apiKey: { key: string } };
      expectStatus(
        'grant',
        await api({
          url,
          method: 'POST',
          path: `/admin/accounts/${made.account.id}/wallet/grants`,
          key: adminKey,
          body: { kind: 'promo', amount: '10.00', idempotencyKey: `promo-${plan}` },
        }),
        201,
      );
      return made.apiKey.key;
    };
    const key = await account('Restart BV', 'focus');
    const classic = await account('Muster Classic GmbH', 'classic');
    const letter = async (k: string, id: string) => (await api({ url, path: `/v1/letters/${id}`, key: k })).body as unknown as Letter;
    const send = async (k: string, body: object, idem: string) =>
      expectStatus(
        'send',
        await api({ url, method: 'POST', path: '/v1/letters', key: k, body, headers: { 'idempotency-key': idem } }),
        201,
      ) as unknown as Letter;
    const sandboxLetters = async () =>
      ((await (await fetch(`${printmail}/_sandbox/letters`)).json()) as { letters: Array<{ id: string; reference: string; status: string }> }).letters;
    const wallet = async (k: string) => (await api({ url, path: '/v1/wallet', key: k })).body as { available: string; pending: string };

    expectStatus('settings', await api({ url, method: 'PUT', path: '/v1/letters/settings', key, body: { sender: SENDER } }), 200);
    expectStatus(
      'E-POST demo credentials',
      await api({ url, method: 'PUT', path: '/v1/plugins/postal-de-epost/credentials', key: classic, body: EPOST_DEMO_CREDENTIALS }),
      200,
    );
    const be = await send(key, { recipient: BE, bodyText: 'Before the restart' }, 'be-before');
    const de = await send(classic, { recipient: DE, sender: DE_SENDER, bodyText: 'Vor dem Neustart' }, 'de-before');
    const submitted = (l: Letter) => l.status !== 'held' && l.status !== 'ready' && l.carrierLetterId !== null;
    const beSubmitted = await until('BE letter submitted', () => letter(key, be.id), submitted);
    await until('DE letter submitted', () => letter(classic, de.id), submitted);
    expect(beSubmitted.holds.map((h) => h.status)).toEqual(['held', 'held']);

    expect(await stack.stop()).toBe(0);
    stack = undefined;
    stack = await startStack({ cwd: dir, env, readyTimeoutMs: 120_000 });

    // The print service came back with its letter; a minute of its time on: accepted and printed, called back, captured.
    expect((await sandboxLetters()).filter((l) => l.reference === be.id)).toHaveLength(1);
    await fetch(`${printmail}/_sandbox/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 45 }) });
    const printed = await until(
      'BE letter printed',
      () => letter(key, be.id),
      (l) => l.status === 'printed' || l.status === 'posted',
    );
    expect(printed.holds.map((h) => h.status)).toEqual(['captured', 'captured']);
    expect(await wallet(key)).toMatchObject({ available: '10.33', pending: '0.00' }); // €2 trial + €10 − €1.67
    // A replay of the request made before the restart answers that letter.
    const replay = await api({
      url,
      method: 'POST',
      path: '/v1/letters',
      key,
      body: { recipient: BE, bodyText: 'Before the restart' },
      headers: { 'idempotency-key': 'be-before' },
    });
    expect([replay.status, replay.body.id]).toEqual([200, be.id]);

    // E-POST: the same letter once, the credentials still open, a new DE letter goes out; the wallet is never touched.
    const epostLetters = ((await (await fetch(`${epost}/_sandbox/letters`)).json()) as { letters: Array<{ custom: string[] }> }).letters;
    expect(epostLetters.map((l) => l.custom[0])).toEqual([de.id]);
    expect((await api({ url, path: '/v1/plugins/postal-de-epost/credentials', key: classic })).body).toMatchObject({ configured: true, ekp: '******5678' });
    const deAfter = await send(classic, { recipient: DE, sender: DE_SENDER, bodyText: 'Nach dem Neustart' }, 'de-after');
    await until('new DE letter submitted', () => letter(classic, deAfter.id), submitted);
    expect(await wallet(classic)).toMatchObject({ available: '12.00', pending: '0.00' });

    // A new BE letter: a new letter at the print service, its counter continued.
    const beAfter = await send(key, { recipient: BE, bodyText: 'After the restart' }, 'be-after');
    const afterSubmitted = await until('new BE letter submitted', () => letter(key, beAfter.id), submitted);
    expect(afterSubmitted.carrierLetterId).not.toBe(beSubmitted.carrierLetterId);
    expect((await sandboxLetters()).map((l) => l.reference)).toEqual([be.id, beAfter.id]);
  });
});
