import { ManualClock, testEngines } from '@tollgate/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, fill, startAuditStack, type AuditStack } from './audit-stack.js';
import { brokenBody, HOSTILE_PATH_IDS, HOSTILE_QUERY_VALUES, type OpenApiDocument, type OpenApiOperation } from './openapi-inputs.js';

/**
 * The bad-input sweep of issue 13, driven by the host's own OpenAPI document: for EVERY operation of
 * the `pnpm start` stack (core and every bundled plugin), with the strongest key that may call it:
 *   - bodies of the declared shape with one thing wrong (property-generated, seeded per operation),
 *     other content types, malformed and empty JSON, a body over the size limit;
 *   - hostile path ids (NUL, lone surrogates, undecodable escapes, huge numbers, long ids) beside
 *     the fixture's real ids, hostile query values, hostile Idempotency-Key headers.
 * Every answer must be below 500 and, if it refuses, in the one error shape; and a refusal must
 * leave the ledger exactly as it was (transactions, lots, balances).
 */

const BODIES_PER_OPERATION = 24;
const SEED = 1305;
/** A body just over the 1 MiB limit: the client must read a 413, not a reset connection. */
const OVERSIZED = JSON.stringify({ description: 'x'.repeat(1_100_000) });

type Case = { what: string; method: string; path: string; key?: string; body?: unknown; headers?: Record<string, string> };

for (const engine of testEngines()) {
  describe(`bad-input sweep: every operation of the OpenAPI document [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let audit: AuditStack;
    let document: OpenApiDocument;

    beforeAll(async () => {
      audit = await startAuditStack({ engine, clock });
      document = (await audit.t.request<OpenApiDocument>({ path: '/docs/json' })).body;
    });
    afterAll(async () => {
      await audit?.close();
    });

    /** What must not move on a refusal. */
    const ledger = async (): Promise<string> => {
      const { rows } = await audit.t.db.query<{ state: string }>(
        `select (select count(*) from ledger_transactions)::text || '/' || (select count(*) from credit_lots)::text || '/' ||
                (select coalesce(sum(remaining), 0) from credit_lots)::text || '/' || (select coalesce(sum(available), 0) || ':' || coalesce(sum(pending), 0) from wallets)::text as state`,
      );
      return rows[0]!.state;
    };

    /** Real ids for the operation's path parameters: the route audit's fixtures, or ids any route can take. */
    const realParams = (method: string, url: string): Record<string, string> => {
      const { a, ids } = audit;
      const fixture = FIXTURES[`${method} ${url}`]?.(ids).params ?? {};
      // carrierId: a carrier that takes callbacks, so a bad callback reaches its signature check.
      return { accountId: a.accountId, id: ids.refund, providerId: 'payments-card', carrierId: 'postal-be', channel: 'audit-test', ...fixture };
    };

    const casesFor = (openApiPath: string, method: string, op: OpenApiOperation, index: number): Case[] => {
      const url = openApiPath.replace(/\{([^}]+)\}/g, ':$1');
      const verb = method.toUpperCase();
      const key = url.startsWith('/admin') ? audit.t.adminKey : audit.a.owner;
      const params = realParams(verb, url);
      const path = fill(url, params);
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
      const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
      const idempotent = (op.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const headers = (n: number): Record<string, string> => (idempotent ? { 'idempotency-key': `sweep-${engine.name}-${index}-${n}` } : {});
      const cases: Case[] = [];
      let n = 0;

      for (const p of pathParams)
        for (const bad of HOSTILE_PATH_IDS) {
          const raw = url.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => (name === p.name ? bad : encodeURIComponent(params[name] ?? 'x')));
          cases.push({ what: `path ${p.name}=${bad.slice(0, 40)}`, method: verb, path: raw, key, headers: headers(n++), ...(schema ? { body: {} } : {}) });
        }
      for (const q of queryParams)
        for (const bad of HOSTILE_QUERY_VALUES)
          cases.push({ what: `query ${q.name}=${bad.slice(0, 40)}`, method: verb, path: `${path}?${q.name}=${bad}&${q.name}=2`, key, headers: headers(n++) });
      if (idempotent)
        for (const bad of [' ', 'x'.repeat(300), 'é', ''])
          cases.push({ what: `Idempotency-Key ${JSON.stringify(bad.slice(0, 20))}`, method: verb, path, key, body: {}, headers: { 'idempotency-key': bad } });
      if (verb === 'GET' || verb === 'DELETE') return cases;

      const bodies = fc.sample(brokenBody(schema), { seed: SEED + index, numRuns: BODIES_PER_OPERATION });
      for (const body of bodies)
        cases.push({ what: `body ${JSON.stringify(body).slice(0, 120)}`, method: verb, path, key, body: JSON.stringify(body), headers: headers(n++) });
      const raw = (what: string, body: string, type?: string) =>
        cases.push({ what, method: verb, path, key, body, headers: { ...headers(n++), ...(type ? { 'content-type': type } : {}) } });
      raw('text/plain body', 'hello', 'text/plain');
      raw('form body', 'amount=5&name=x', 'application/x-www-form-urlencoded');
      raw('xml body', '<a>1</a>', 'application/xml');
      raw('malformed JSON', '{"a":', 'application/json');
      raw('empty JSON body', '', 'application/json');
      raw('JSON with a duplicate key', '{"a":1,"a":2}', 'application/json');
      raw('over the size limit', OVERSIZED, 'application/json');
      return cases;
    };

    it('no operation answers 5xx to bad input, every refusal has the error shape and leaves the ledger as it was', { timeout: 300_000 }, async () => {
      const operations = Object.entries(document.paths)
        .filter(([path]) => !path.startsWith('/docs'))
        .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })))
        // Deletions last, so every fixture id still exists when the other operations use it.
        .sort((x, y) => Number(x.method === 'delete') - Number(y.method === 'delete'));
      expect(operations.length).toBeGreaterThan(90);

      const problems: string[] = [];
      let sent = 0;
      const statuses = new Map<number, number>();
      for (const [index, { path, method, op }] of operations.entries()) {
        for (const c of casesFor(path, method, op, index)) {
          const before = await ledger();
          let status: number;
          let body: unknown;
          try {
            const res = await audit.t.request<unknown>({
              method: c.method,
              path: c.path,
              ...(c.key ? { key: c.key } : {}),
              body: c.body,
              headers: c.headers ?? {},
            });
            ({ status, body } = res);
          } catch (error) {
            problems.push(
              `${method.toUpperCase()} ${path} ${c.what}: no answer (${(error as Error & { cause?: { code?: string } }).cause?.code ?? String(error)})`,
            );
            continue;
          }
          sent++;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          const label = `${method.toUpperCase()} ${path} ${c.what}: ${status}`;
          if (status >= 500) problems.push(`${label} ${JSON.stringify(body).slice(0, 200)}`);
          if (status >= 400) {
            const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
            if (typeof error?.code !== 'string' || typeof error.message !== 'string')
              problems.push(`${label}: not the error shape: ${JSON.stringify(body).slice(0, 200)}`);
            const after = await ledger();
            if (after !== before) problems.push(`${label}: refused, yet the ledger moved (${before} → ${after})`);
          }
        }
      }
      // The sweep reached handlers, not only the router: most answers are validation refusals.
      expect(sent).toBeGreaterThan(2000);
      expect(statuses.get(400) ?? 0).toBeGreaterThan(1000);
      expect(problems).toEqual([]);
    });
  });
}
