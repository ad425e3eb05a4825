import { z } from 'zod';

/** The sandbox integration (tooling/sandbox-teamleader's DEFAULT_CLIENT), used in sandbox mode without credentials. */
export const SANDBOX_CLIENT = Object.freeze({ clientId: 'tl-sandbox-client', clientSecret: 'tl-sandbox-secret' });
export const SANDBOX_BASE_URL = 'http://127.0.0.1:4040';
/** Only for sandbox mode (a warning is logged): 32 bytes, base64. Never use it with real Teamleader. */
export const SANDBOX_TOKEN_KEY = Buffer.alloc(32, 7).toString('base64');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * Options of the source-teamleader plugin (its entry in tollgate.config.json). Credentials may be
 * left out only when the host runs against the sandboxes.
 */
export const sourceTeamleaderOptions = z.strictObject({
  /** The Marketplace integration's client id and secret. */
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  /** Must be whitelisted on the integration; default `${host.baseUrl}/v1/plugins/source-teamleader/oauth/callback`. */
  redirectUri: httpUrl.optional(),
  /** After consent the callback redirects the browser here with the outcome in the query; absent = it answers JSON. */
  returnUrl: httpUrl.optional(),
  /** Absent = real Teamleader (or the sandbox in sandbox mode without credentials). */
  authBaseUrl: httpUrl.optional(),
  apiBaseUrl: httpUrl.optional(),
  /** AES-256-GCM key sealing the tokens at rest: 32 bytes, base64. */
  tokenKey: z.string().min(1).optional(),
  /** Passed on the consent URL only when given (Teamleader configures scopes on the integration). */
  scopes: z.array(z.string().min(1)).optional(),
  /** Backoff of the API client on 429 / 5xx / timeouts. */
  retry: z
    .strictObject({
      maxAttempts: z.number().int().min(1).max(10).optional(),
      initialDelayMs: z.number().int().min(0).optional(),
      maxDelayMs: z.number().int().min(0).optional(),
    })
    .optional(),
});

export type SourceTeamleaderOptions = z.output<typeof sourceTeamleaderOptions>;

export interface ResolvedTeamleaderSettings {
  clientId: string;
  clientSecret: string;
  authBaseUrl: string | undefined;
  apiBaseUrl: string | undefined;
  tokenKey: string;
  usesSandboxDefaults: { credentials: boolean; tokenKey: boolean };
}

/** Fills the sandbox defaults (sandbox mode only) and refuses missing credentials otherwise. */
export function resolveSettings({ options, sandbox }: { options: SourceTeamleaderOptions; sandbox: boolean }): ResolvedTeamleaderSettings {
  const hasCredentials = options.clientId !== undefined && options.clientSecret !== undefined;
  if (!hasCredentials && !sandbox) throw new Error('source-teamleader: clientId and clientSecret are required outside sandbox mode');
  if (options.tokenKey === undefined && !sandbox) throw new Error('source-teamleader: tokenKey (32 bytes, base64) is required outside sandbox mode');
  const sandboxBase = hasCredentials ? undefined : SANDBOX_BASE_URL;
  return {
    clientId: options.clientId ?? SANDBOX_CLIENT.clientId,
    clientSecret: options.clientSecret ?? SANDBOX_CLIENT.clientSecret,
    authBaseUrl: options.authBaseUrl ?? sandboxBase,
    apiBaseUrl: options.apiBaseUrl ?? sandboxBase,
    tokenKey: options.tokenKey ?? SANDBOX_TOKEN_KEY,
    usesSandboxDefaults: { credentials: !hasCredentials, tokenKey: options.tokenKey === undefined },
  };
}
