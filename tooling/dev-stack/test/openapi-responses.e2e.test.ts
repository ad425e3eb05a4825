import { TEST_NUMBERS } from '@tollgate/sandbox-twilio';
import { ManualClock, testEngines } from '@tollgate/testing';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPOST_DEMO_CREDENTIALS } from '../src/sandbox-stack.js';
import { COMPANY_DATA, EPOST, EXPENSE_SCAN, FIXTURES, fill, LETTER_RECIPIENT, LETTER_SENDER, SMS, startAuditStack, type AuditStack } from './audit-stack.js';

/**
 * The OpenAPI document describes what the API answers, and the answers are what it describes, for
 * every operation of the `pnpm start` stack (core and every bundled plugin):
 *   (a) every operation documents a success answer with a schema (or 204, or a non-JSON type), and
 *       its error answers (4xx) with the one `Error` schema: 401/403 with a key, 400 with input, 413/415
 *       with a body, 404 with an id in the path, 409 with an Idempotency-Key;
 *   (b) a real request to every operation (each GET, and a valid request to each write), whose
 *       answer must have a documented status and validate against that status's schema (JSON
 *       Schema, ajv), so the document cannot drift from the code.
 */

type Schema = Record<string, unknown>;
type Operation = {
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: unknown;
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
};
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

// ajv-formats is CommonJS: its default export arrives wrapped in an ESM import.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** Valid bodies for the writes without path parameters (those with are in the route audit's FIXTURES). */
const BODIES: Record<string, (ctx: { pack: string; refundable: () => Promise<string>; ids: AuditStack['ids']; owner: string }) => unknown> = {
  // A session acting as A's owner key (e-mail and password sign-ins are in the host's sessions e2e).
  'POST /auth/sessions': ({ owner }) => ({ apiKey: owner }),
  'PUT /v1/users/me/password': () => ({ newPassword: 'the audit owner’s password' }),
  'PATCH /v1/account': () => ({ name: 'Account A' }),
  'POST /v1/users': () => ({ email: 'carol@a.test', name: 'Carol' }),
  'POST /v1/api-keys': () => ({ name: 'docs key', role: 'member' }),
  'POST /admin/accounts': () => ({ name: 'Account C', owner: { email: 'owner@c.test', name: 'Cleo' }, plan: 'classic' }),
  'POST /admin/accounts/:accountId/api-keys': () => ({ name: 'issued key', role: 'member' }),
  // Account A stays on focus (changed: false): on classic its credit card could not top up (W-11).
  'PUT /admin/accounts/:accountId/plan': () => ({ plan: 'focus' }),
  'POST /admin/admin-keys': () => ({ name: 'second admin key' }),
  'POST /v1/wallet/holds': () => ({ channel: 'audit-test', units: '1' }),
  'POST /v1/wallet/charges': () => ({ channel: 'audit-test', units: '1' }),
  'POST /v1/wallet/quote': () => ({ channel: 'audit-test', units: '1' }),
  'POST /v1/wallet/alerts': () => ({ kind: 'days_left', days: 5 }),
  // The channel parameter is the audit's priced channel (the default params below).
  'PUT /v1/wallet/caps/channels/:channel': () => ({ limit: '900.00' }),
  'PUT /admin/catalog/channels/:channel/tags': () => ({ tags: ['audit'] }),
  'POST /admin/catalog/prices': () => ({ channel: 'docs-test', unit: 'unit', unitPrice: '0.02' }),
  'PUT /admin/catalog/quotas/:channel': () => ({ freeUnits: '2' }),
  'POST /admin/accounts/:accountId/wallet/grants': () => ({ kind: 'promo', amount: '5.00' }),
  'POST /v1/funding/payment-methods': () => ({ provider: 'payments-card', kind: 'card', details: { paymentMethod: 'pm_card_visa' } }),
  'POST /v1/funding/purchases': ({ pack, ids }) => ({ amount: pack, paymentMethodId: ids.paymentMethod }),
  'POST /v1/funding/checkouts': ({ pack }) => ({ amount: pack, returnPath: '/app/fill' }),
  'PUT /v1/funding/auto-refill': ({ pack, ids }) => ({ enabled: true, minimum: '10.00', pack, paymentMethodId: ids.paymentMethod }),
  'POST /v1/funding/refunds': async ({ refundable }) => ({ credits: await refundable() }),
  'POST /admin/funding/refunds/:id/paid': () => ({ reference: 'PAYOUT-1' }),
  'POST /v1/invoice-sync/profiles': () => ({ name: 'Second', directDebit: false, paymentLink: true, transfer: false }),
  'POST /v1/invoice-sync/invoices/pdfs/fetch': () => ({}),
  'POST /v1/invoice-sync/accounting-backfill': () => ({ limit: 10 }),
  'POST /v1/invoice-sync/invoices/pdfs/download': ({ ids }) => ({ invoiceIds: [ids.invoice] }),
  'PUT /v1/invoice-sync/collection-settings': () => ({ iban: 'BE68 5390 0754 7034', bic: 'GKCCBEBB', beneficiary: 'Account A' }),
  'POST /v1/invoice-sync/mandates/uploads': () => ({
    csv: 'customerNumber,iban,bic,mandateReference,signatureDate\nnobody,BE68539007547034,GEBABEBB,MNDT-DOCS,2026-01-05\n',
  }),
  'PUT /v1/invoice-sync/direct-debit/creditor': () => ({ name: 'Account A', iban: 'BE68539007547034', bic: 'GEBABEBB', creditorId: 'BE68ZZZ0123456789' }),
  'POST /v1/invoice-sync/direct-debit/collect': () => ({}),
  'POST /v1/invoice-sync/bank-statements': () => ({
    xml: '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>AUDIT-1</MsgId></GrpHdr><Stmt><Id>1</Id></Stmt></BkToCstmrStmt></Document>',
  }),
  [`POST ${SMS}/meetings`]: () => ({
    title: 'Review',
    location: 'Gent',
    timeZone: 'Europe/Brussels',
    startsAt: '2026-03-20T09:00:00.000Z',
    invitees: [{ firstName: 'Bo', phone: '+32470990003', smsReminder: false }],
  }),
  'POST /v1/plugins/voice/calls': () => ({ to: '+32470990004', from: TEST_NUMBERS.serviceSender }),
  'POST /v1/webhook-endpoints': ({ ids }) => ({ url: `${ids.webhookUrl}-docs`, eventTypes: ['*'], description: 'docs' }),
  [`POST ${COMPANY_DATA}/companies`]: () => ({ name: 'Docs NV', country: 'BE', enterpriseNumber: '0465.399.763' }),
  // The sandbox's fixed customer key of the business formula (export rights on focus).
  [`PUT ${COMPANY_DATA}/subscription`]: () => ({ apiKey: 'tt_customer_business' }),
  // Auto-scan stays off: the audit's uploads are scanned by hand.
  [`PUT ${EXPENSE_SCAN}/settings`]: () => ({ autoScan: false }),
  // Letters: a short note to Belgium (a cover page only), a quote for the invoice, the return address.
  'POST /v1/letters': () => ({ recipient: LETTER_RECIPIENT, bodyText: 'Docs letter', subject: 'OpenAPI' }),
  'POST /v1/letters/quote': ({ ids }) => ({ invoiceId: ids.invoice, recipient: LETTER_RECIPIENT }),
  'PUT /v1/letters/settings': () => ({ sender: LETTER_SENDER }),
  'PUT /v1/billing/profile': () => ({
    legalName: 'Account A BV',
    addressLines: ['Markt 1'],
    postcode: '9000',
    city: 'Gent',
    country: 'BE',
    vatNumber: 'BE0444556641',
  }),
  // Accounting exports: a second download target, and a run on the audit's target (its document is exported already: left out).
  'POST /v1/accounting-exports/targets': () => ({ exporterId: 'audit-ubl', name: 'Docs target', delivery: { kind: 'download' } }),
  'POST /v1/accounting-exports/runs': ({ ids }) => ({ targetId: ids.exportTarget }),
  // The E-POST sandbox's demo customer (what pnpm start documents).
  [`PUT ${EPOST}/credentials`]: () => EPOST_DEMO_CREDENTIALS,
};

/**
 * Operations a valid request cannot reach a success on in this stack; their real answer (an error)
 * is still checked against the document. Each with its reason.
 */
const NO_SUCCESS: Record<string, string> = {
  'POST /v1/payments/webhooks/:providerId': 'needs a payload signed by the card sandbox',
  'POST /v1/plugins/payments-sepa/returns': 'needs a pain.002 file from the bank',
  'POST /v1/plugins/payments-sepa/statements': 'needs a camt.054 or camt.053 file from the bank',
  'GET /v1/plugins/payments-sepa/batches/:id': 'no collection file exists (no SEPA purchase is made)',
  'GET /v1/plugins/source-teamleader/oauth/callback': 'the consent was completed by the audit stack',
  'POST /v1/plugins/source-teamleader/webhooks': 'needs the token of the registered webhook URL',
  [`POST ${SMS}/status-callbacks`]: 'needs an X-Twilio-Signature',
  'POST /v1/plugins/voice/status-callbacks': 'needs an X-Twilio-Signature',
  'POST /v1/invoice-sync/invoices/:id/invitation': 'the audit’s profile offers only direct debit and its customer has no mandate (422 invitation_not_possible)',
  'POST /admin/events/parked/:deliveryId/retry': 'no plugin in this stack subscribes to events, so nothing is parked',
  'POST /v1/invoice-sync/writebacks/:id/retry': 'no write-back is parked in this stack (Teamleader answers)',
  'POST /webhooks/postal/:carrierId': 'needs a callback signed by the print service (delivered by hand in the host’s letters e2e)',
  [`POST ${EXPENSE_SCAN}/expenses`]: 'an upload (a multipart file, not JSON): the audit stack uploads its expense through it (t.upload), answered 201',
  'POST /v1/accounting-exports/runs/:id/resume':
    'the audit’s run is completed: nothing to resume (409 export_run_not_resumable); a resume after an SFTP stop is in the host’s accounting-exports e2e',
};

/** Writes that end something other writes use: sent after the others. */
const LAST = /\/(cancel|hangup)$|^DELETE /;

for (const engine of testEngines()) {
  describe(`OpenAPI responses: documented for every operation, and what the API answers [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let audit: AuditStack;
    let document: Document;
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    const validators = new Map<Schema, ValidateFunction>();

    beforeAll(async () => {
      audit = await startAuditStack({ engine, clock });
      document = (await audit.t.request<Document>({ path: '/docs/json' })).body;
    });
    afterAll(async () => {
      await audit?.close();
    });

    const operations = () =>
      Object.entries(document.paths)
        .filter(([path]) => !path.startsWith('/docs'))
        .flatMap(([path, ops]) =>
          Object.entries(ops).map(([method, op]) => ({ path, url: path.replace(/\{([^}]+)\}/g, ':$1'), verb: method.toUpperCase(), op })),
        );

    /** The schema with its `#/components/schemas/…` references replaced by what they name. */
    const resolve = (schema: unknown): unknown => {
      if (Array.isArray(schema)) return schema.map(resolve);
      if (!schema || typeof schema !== 'object') return schema;
      const ref = (schema as { $ref?: string }).$ref;
      if (ref?.startsWith('#/components/schemas/')) return resolve(document.components.schemas[ref.slice('#/components/schemas/'.length)]);
      return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolve(v)]));
    };
    const validatorOf = (schema: Schema): ValidateFunction => {
      let validate = validators.get(schema);
      if (!validate) validators.set(schema, (validate = ajv.compile(resolve(schema) as Schema)));
      return validate;
    };

    it('(a) every operation documents its success answer with a schema, and its errors with the Error schema', () => {
      const all = operations();
      expect(all.length).toBeGreaterThan(90);
      expect(document.components.schemas.Error).toMatchObject({ required: ['error'] });
      const problems: string[] = [];
      for (const { path, verb, op } of all) {
        const label = `${verb} ${path}`;
        const responses = op.responses ?? {};
        const successes = Object.entries(responses).filter(([status]) => /^2\d\d$/.test(status));
        const described = successes.some(
          ([status, r]) => status === '204' || Object.values(r.content ?? {}).some((m) => m.schema && Object.keys(m.schema).length > 0),
        );
        if (!described) problems.push(`${label}: no success answer with a schema (${JSON.stringify(responses).slice(0, 120)})`);
        for (const [status, r] of Object.entries(responses).filter(([s]) => /^4\d\d$/.test(s))) {
          if ((r.content?.['application/json']?.schema as { $ref?: string } | undefined)?.$ref !== '#/components/schemas/Error')
            problems.push(`${label}: ${status} without the Error schema`);
          if (!r.description) problems.push(`${label}: ${status} without a description`);
        }
        const params = op.parameters ?? [];
        const keyed = (op.security?.length ?? 0) > 0;
        const expected = [
          ...(keyed ? ['401', '403'] : []),
          ...(params.length > 0 || op.requestBody ? ['400'] : []),
          ...(op.requestBody ? ['413'] : []),
          ...(op.requestBody && keyed ? ['415'] : []),
          ...(keyed && params.some((p) => p.in === 'path' && /id$/i.test(p.name)) ? ['404'] : []),
          ...(params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key') ? ['409'] : []),
        ];
        for (const status of expected) if (!responses[status]) problems.push(`${label}: no ${status}`);
      }
      expect(problems).toEqual([]);
    });

    it('(b) the real answer of every operation has a documented status and matches its schema', { timeout: 300_000 }, async () => {
      const { t, a, ids } = audit;
      const packs = (await t.request<{ packs: string[] }>({ path: '/v1/funding/packs', key: a.owner })).body.packs;
      const pack = [...packs].sort((x, y) => Number(y) - Number(x))[0]!;
      const refundable = async () => (await t.request<{ refundable: string }>({ path: '/v1/wallet', key: a.owner })).body.refundable;
      // Fresh things for the operations that end one: a hold to release (the fixture's is captured), a profile no invoice uses.
      const hold = await t.request<{ id: string }>({
        method: 'POST',
        path: '/v1/wallet/holds',
        key: a.owner,
        body: { channel: 'audit-test', units: '1' },
        headers: { 'idempotency-key': `docs-${engine.name}-release` },
      });
      expect(hold.status).toBe(201);
      const line = await t.request<{ data: Array<{ id: string }> }>({ path: '/v1/wallet/history?limit=1', key: a.owner });
      const overrides: Record<string, Record<string, string>> = {
        'POST /v1/wallet/holds/:holdId/release': { holdId: hold.body.id },
        'GET /v1/wallet/history/:id': { id: line.body.data[0]!.id },
      };
      // The session routes read the cookie: a session of A's owner key, with its CSRF token.
      const signedIn = await t.request<{ csrfToken: string }>({ method: 'POST', path: '/auth/sessions', body: { apiKey: a.owner } });
      expect(signedIn.status).toBe(201);
      const session = { cookie: signedIn.headers.get('set-cookie')!.split(';')[0]!, 'x-csrf-token': signedIn.body.csrfToken };
      const order = (o: { verb: string; url: string }) => (o.verb === 'GET' ? 0 : LAST.test(`${o.verb} ${o.url}`) ? 2 : 1);
      const all = operations().sort((x, y) => order(x) - order(y));

      const problems: string[] = [];
      const succeeded = new Set<string>();
      for (const [index, { url, verb, op }] of all.entries()) {
        const key = `${verb} ${url}`;
        const fixture = FIXTURES[key]?.(ids);
        const params = {
          accountId: a.accountId,
          id: ids.refund,
          providerId: 'payments-card',
          carrierId: 'postal-be',
          channel: 'audit-test',
          ...fixture?.params,
          ...overrides[key],
        };
        const body = fixture?.body ?? (await BODIES[key]?.({ pack, refundable, ids, owner: a.owner }));
        const idempotent = (op.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
        const send = (apiKey: string | undefined) =>
          t.request<unknown>({
            method: verb,
            path: fill(url, params),
            ...(apiKey ? { key: apiKey } : {}),
            ...(body !== undefined ? { body } : {}),
            headers: {
              ...(idempotent ? { 'idempotency-key': `docs-${engine.name}-${index}` } : {}),
              ...(url.startsWith('/auth/session') && verb !== 'POST' ? session : {}),
            },
          });
        let res = await send(op.security?.length ? (url.startsWith('/admin') ? t.adminKey : a.owner) : undefined);
        // A plugin's admin route lives under /v1/plugins: the answer names the key it needs.
        if (res.status === 403 && (res.body as { error?: { code?: string } }).error?.code === 'admin_only') res = await send(t.adminKey);
        const label = `${key}: ${res.status}`;
        const documented = op.responses?.[String(res.status)];
        if (!documented) {
          problems.push(`${label} is not documented (${Object.keys(op.responses ?? {}).join(', ')}): ${JSON.stringify(res.body).slice(0, 200)}`);
          continue;
        }
        const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
        const media = documented.content?.[type] ?? (res.status === 204 || res.status === 302 ? { schema: undefined } : undefined);
        if (!media) {
          problems.push(`${label}: answered ${type || 'no content type'}, documented ${Object.keys(documented.content ?? {}).join(', ') || 'no body'}`);
          continue;
        }
        if (media.schema && type === 'application/json') {
          const validate = validatorOf(media.schema);
          if (!validate(res.body)) {
            problems.push(`${label}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(res.body).slice(0, 300)}`);
            continue;
          }
        }
        if (res.status < 300) succeeded.add(key);
        if (key === 'POST /v1/invoice-sync/profiles' && res.status === 201)
          overrides['DELETE /v1/invoice-sync/profiles/:id'] = { id: (res.body as { id: string }).id };
      }
      expect(problems).toEqual([]);

      // Every operation got its success answer checked, but those that cannot have one here (each with its reason).
      const missing = all.map((o) => `${o.verb} ${o.url}`).filter((k) => !succeeded.has(k) && !NO_SUCCESS[k]);
      expect(missing).toEqual([]);
      // Every controller and plugin (a tag of the document) had at least one success checked.
      const tags = new Set(all.flatMap((o) => o.op.tags ?? []));
      const checkedTags = new Set(all.filter((o) => succeeded.has(`${o.verb} ${o.url}`)).flatMap((o) => o.op.tags ?? []));
      expect([...tags].filter((tag) => !checkedTags.has(tag))).toEqual([]);
      expect(succeeded.size).toBeGreaterThan(85);
    });
  });
}
