import { z } from 'zod';

/** Where `sandbox-print-mail` listens for manual use (`node tooling/sandbox-print-mail/dist/main.js`, PORT default 4080). */
export const PRINT_MAIL_SANDBOX_BASE_URL = 'http://127.0.0.1:4080';
/** The sandbox's test key and callback secret (tooling/sandbox-print-mail), used on a sandbox host without options. */
export const PRINT_MAIL_SANDBOX_API_KEY = 'pm_test_sandbox';
export const PRINT_MAIL_SANDBOX_WEBHOOK_SECRET = 'pm_whsec_sandbox';

/**
 * Options of a print-and-mail carrier plugin (postal-be, postal-nl): its entry in tollgate.config.json.
 * All three may be left out only on a sandbox host (then: the local sandbox, with a warning).
 */
export const printMailPluginOptions = z.strictObject({
  /** The print service's API origin (the sandbox's in development). */
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** `Authorization: Bearer` key of the platform's account at the print service. */
  apiKey: z.string().min(1).optional(),
  /** The secret the service signs status callbacks with (PrintMail-Signature). */
  webhookSecret: z.string().min(8, 'must be at least 8 characters').optional(),
  /** The client's retries on 429 / 5xx / timeouts before submit throws (the letter channel then retries with the same key). */
  retries: z.number().int().min(0).max(5).default(2),
  /** A Retry-After longer than this is not waited for: submit throws at once and the letter channel retries later. */
  maxRetryAfterSeconds: z.number().int().min(0).max(300).default(10),
  /** Per request, in ms (a letter carries its PDF). */
  timeoutMs: z.number().int().min(1000).max(120_000).default(15_000),
});
export type PrintMailPluginOptions = z.output<typeof printMailPluginOptions>;

export interface PrintMailSettings {
  baseUrl: string;
  apiKey: string;
  webhookSecret: string;
  /** Which values are the sandbox's (to warn about). */
  sandboxDefaults: Array<'baseUrl' | 'apiKey' | 'webhookSecret'>;
}

/** Fills the sandbox defaults (sandbox mode only) and refuses missing values otherwise. */
export function resolvePrintMailSettings(input: { pluginId: string; options: PrintMailPluginOptions; sandbox: boolean }): PrintMailSettings {
  const { options, sandbox, pluginId } = input;
  const missing = (['baseUrl', 'apiKey', 'webhookSecret'] as const).filter((name) => options[name] === undefined);
  if (!sandbox && missing.length > 0)
    throw new Error(`${pluginId}: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required outside sandbox mode`);
  return {
    baseUrl: options.baseUrl ?? PRINT_MAIL_SANDBOX_BASE_URL,
    apiKey: options.apiKey ?? PRINT_MAIL_SANDBOX_API_KEY,
    webhookSecret: options.webhookSecret ?? PRINT_MAIL_SANDBOX_WEBHOOK_SECRET,
    sandboxDefaults: missing,
  };
}
