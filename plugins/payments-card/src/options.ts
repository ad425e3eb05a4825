import { z } from 'zod';

/** The sandbox's key; only accepted together with a `baseUrl` (see below). */
export const SANDBOX_API_KEY = 'sk_test_sandbox';

/**
 * Options of the payments-card plugin: the "options" object of its entry in tollgate.config.json.
 * The host validates them before it starts and refuses unknown keys.
 */
export const paymentsCardOptions = z
  .strictObject({
    /** Shown in the history, the dashboard and on GET /plugins. */
    label: z.string().min(1).default('Card'),
    /** The processor's secret key. Keep it out of the repository (config file outside git, or the environment). */
    apiKey: z.string().min(1).default(SANDBOX_API_KEY),
    /** Where the processor's API is, e.g. the card sandbox 'http://127.0.0.1:4010'; absent = the real processor. */
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .refine((url) => new URL(url).pathname === '/', { message: 'must not have a path (the API paths start at /v1)' })
      .optional(),
    /** The signing secret of the webhook endpoint (whsec_…), to verify `Stripe-Signature`. */
    webhookSecret: z.string().min(1),
    /** Per request, before the SDK gives up on an attempt. */
    timeoutMs: z.number().int().positive().default(10_000),
    /** Extra attempts on network errors, 409 and 5xx (always with the same idempotency key). */
    maxNetworkRetries: z.number().int().min(0).max(10).default(2),
  })
  .superRefine((options, ctx) => {
    if (options.baseUrl === undefined && options.apiKey === SANDBOX_API_KEY) {
      ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'is required when baseUrl is absent (the real processor)' });
    }
  });

export type PaymentsCardOptions = z.output<typeof paymentsCardOptions>;
