import { z } from 'zod';

/** Where the E-POST sandbox listens in `pnpm start` by default (tooling/sandbox-epost, PORT 4080). */
export const SANDBOX_BASE_URL = 'http://127.0.0.1:4080';
/** The sandbox's vendor ID (tooling/sandbox-epost), used on a sandbox host without vendorId. */
export const SANDBOX_VENDOR_ID = 'TOLLGATE-SBX';
/** Only for sandbox mode (a warning is logged): 32 bytes, base64. Never use it with real E-POST credentials. */
export const SANDBOX_SEALING_KEY = Buffer.alloc(32, 23).toString('base64');

/**
 * Options of the postal-de-epost plugin (its entry in tollgate.config.json). vendorId, baseUrl and
 * sealingKey may be left out only on a sandbox host (then: the sandbox's, with a warning).
 */
export const epostOptions = z.strictObject({
  /** The E-POSTBUSINESS API origin: https://api.epost.docuguide.com (the sandbox's in development). */
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** Tollgate's DPAG vendor ID (the software maker's, the same for every account). */
  vendorId: z.string().min(1).max(100).optional(),
  /** AES-256-GCM key sealing the accounts' E-POST credentials at rest: 32 bytes, base64 (as company-data-trendstop's sealingKey). */
  sealingKey: z.string().min(1).optional(),
  /** Letters are uploaded with testFlag: checked and e-mailed back by Deutsche Post, never printed (a new integration starts so). */
  testMode: z.boolean().default(false),
  /** What product 'registered' is at Deutsche Post. */
  registeredLetter: z.enum(['Einwurf Einschreiben', 'Einschreiben', 'Einschreiben Rückschein']).default('Einschreiben'),
  /**
   * Registered letters go out with E-POST's own cover sheet (one sheet more): an Einschreiben needs the
   * address 68 mm down for its label, below where a DIN 5008 form B cover (62.7 mm) prints it.
   */
  registeredCoverSheet: z.boolean().default(true),
  /** The client's retries on 5xx / timeouts / network errors before it gives up. */
  retries: z.number().int().min(0).max(5).default(2),
});

export type EPostOptions = z.output<typeof epostOptions>;

export interface ResolvedEPostSettings {
  baseUrl: string;
  vendorId: string;
  sealingKey: string;
  usesSandboxDefaults: { vendorId: boolean; sealingKey: boolean };
}

/** Fills the sandbox defaults (sandbox mode only) and refuses missing settings otherwise. */
export function resolveSettings(input: { options: EPostOptions; sandbox: boolean }): ResolvedEPostSettings {
  const { options, sandbox } = input;
  if (!sandbox && (options.vendorId === undefined || options.baseUrl === undefined))
    throw new Error('postal-de-epost: baseUrl and vendorId are required outside sandbox mode');
  if (!sandbox && options.sealingKey === undefined) throw new Error('postal-de-epost: sealingKey (32 bytes, base64) is required outside sandbox mode');
  return {
    baseUrl: options.baseUrl ?? SANDBOX_BASE_URL,
    vendorId: options.vendorId ?? SANDBOX_VENDOR_ID,
    sealingKey: options.sealingKey ?? SANDBOX_SEALING_KEY,
    usesSandboxDefaults: { vendorId: options.vendorId === undefined, sealingKey: options.sealingKey === undefined },
  };
}
