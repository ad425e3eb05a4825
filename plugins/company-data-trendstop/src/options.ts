import type { ChannelPrice } from '@tollgate/plugin-sdk';
import { z } from 'zod';

/** Where `tollgate-trendstop-sandbox` listens in `pnpm start` by default (SANDBOX_TRENDSTOP_PORT). */
export const SANDBOX_BASE_URL = 'http://127.0.0.1:4070';
/** The sandbox's partner key (tooling/sandbox-trendstop), used on a sandbox host without partnerApiKey. */
export const SANDBOX_PARTNER_KEY = 'tt_partner_sandbox';
/** Only for sandbox mode (a warning is logged): 32 bytes, base64. Never use it with real Trends Top keys. */
export const SANDBOX_SEALING_KEY = Buffer.alloc(32, 11).toString('base64');

const PRICE = /^(0|[1-9]\d{0,5})(\.\d{1,6})?$/;
const price = z.string().regex(PRICE, 'must be a decimal string with at most 6 decimals, e.g. "1.50"');
const planId = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be a plan id such as "classic"');

/**
 * Options of the company-data-trendstop plugin (its entry in tollgate.config.json). The partner key
 * and the sealing key may be left out only on a sandbox host (then: the sandbox's partner key and a
 * fixed sealing key, with a warning).
 */
export const companyDataOptions = z.strictObject({
  /** Trends Top's API origin (the sandbox's in development). */
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** The platform's reseller (partner) key: exports through it are billed to the platform and charged to the wallet. */
  partnerApiKey: z.string().min(1).optional(),
  /** AES-256-GCM key sealing the accounts' own Trends Top keys at rest: 32 bytes, base64 (as source-teamleader's tokenKey). */
  sealingKey: z.string().min(1).optional(),
  /** Buying the same company's data again within this many days of the charged purchase is free. */
  freeRefreshDays: z.number().int().min(0).max(3650).default(365),
  /** Euro per company (the default list). Trends Top's reseller price is not public: €1.50 is our estimate. */
  unitPrice: price.default('1.50'),
  /** A price per plan, replacing the default for that plan: { "classic": "1.25" }. */
  planPrices: z.record(planId, price).default({}),
  /** From when the prices apply; a new price needs a new date. */
  priceEffectiveFrom: z.iso.datetime().default('2026-01-01T00:00:00.000Z'),
  /** The client's retries on 429 / 5xx / network errors before it gives up (the hold is then released). */
  retries: z.number().int().min(0).max(5).default(2),
});

export type CompanyDataOptions = z.output<typeof companyDataOptions>;

export interface ResolvedCompanyDataSettings {
  baseUrl: string;
  partnerApiKey: string;
  sealingKey: string;
  usesSandboxDefaults: { partnerApiKey: boolean; sealingKey: boolean };
}

/** Fills the sandbox defaults (sandbox mode only) and refuses missing secrets otherwise. */
export function resolveSettings(input: { options: CompanyDataOptions; sandbox: boolean }): ResolvedCompanyDataSettings {
  const { options, sandbox } = input;
  if (!sandbox && (options.partnerApiKey === undefined || options.baseUrl === undefined))
    throw new Error('company-data-trendstop: baseUrl and partnerApiKey are required outside sandbox mode');
  if (!sandbox && options.sealingKey === undefined) throw new Error('company-data-trendstop: sealingKey (32 bytes, base64) is required outside sandbox mode');
  return {
    baseUrl: options.baseUrl ?? SANDBOX_BASE_URL,
    partnerApiKey: options.partnerApiKey ?? SANDBOX_PARTNER_KEY,
    sealingKey: options.sealingKey ?? SANDBOX_SEALING_KEY,
    usesSandboxDefaults: { partnerApiKey: options.partnerApiKey === undefined, sealingKey: options.sealingKey === undefined },
  };
}

/** The catalog rows the channel declares: the default list, and one row per plan in planPrices. */
export function channelPrices(options: CompanyDataOptions): ChannelPrice[] {
  return [
    { unitPrice: options.unitPrice, effectiveFrom: options.priceEffectiveFrom },
    ...Object.entries(options.planPrices).map(([plan, unitPrice]) => ({ unitPrice, effectiveFrom: options.priceEffectiveFrom, plan })),
  ];
}
