import type { TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import type { TestHost } from '@tollgate/testing';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';

/** The plugin's options against a sandbox: its test integration, a fresh token key, fast retries. */
export function sandboxPluginOptions({ sandbox, maxAttempts }: { sandbox: TeamleaderSandbox; maxAttempts: number }) {
  return {
    clientId: 'tl-sandbox-client',
    clientSecret: 'tl-sandbox-secret',
    authBaseUrl: sandbox.url,
    apiBaseUrl: sandbox.url,
    tokenKey: randomBytes(32).toString('base64'),
    retry: { maxAttempts, initialDelayMs: 1, maxDelayMs: 2 },
  };
}

/** The OAuth dance as a browser does it: /connect → the sandbox's consent (302) → the callback's answer. */
export async function connectThroughSandbox({ t, key }: { t: TestHost; key: string }) {
  const start = await t.request({ path: '/v1/plugins/source-teamleader/connect', key });
  expect(start.status).toBe(200);
  const consent = await fetch(start.body.authorizeUrl as string, { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const back = new URL(consent.headers.get('location') as string);
  return t.request({ path: `${back.pathname}${back.search}` });
}
