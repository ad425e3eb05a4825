import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';

const PRICE = /^(0|[1-9]\d{0,5})(\.\d{1,6})?$/;
const price = z.string().regex(PRICE, 'must be a decimal string with at most 6 decimals, e.g. "0.05"');
const country = z
  .string()
  .refine((c) => /^[A-Z]{2}$/.test(c) && isSupportedCountry(c), { message: 'must be an ISO 3166 alpha-2 code with a telephone numbering plan, e.g. "BE"' });
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number, e.g. "+3225551234"');

/**
 * Options of the voice plugin: the "options" object of its entry in tollgate.config.json.
 * Credentials absent on a sandbox host = the Twilio sandbox on 127.0.0.1:4030 with its defaults.
 */
export const voiceOptions = z
  .strictObject({
    /** Twilio account SID ('AC' + 32 hex). Keep it and the token out of the repository. */
    accountSid: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC + 32 hex digits)')
      .optional(),
    authToken: z.string().min(1).optional(),
    /** Default caller id (a number the Twilio account owns or verified). */
    from: e164.optional(),
    /** The REST API origin; absent = real Twilio (or the local sandbox on a sandbox host without credentials). */
    baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** Minutes reserved when a call starts; a call's charge never exceeds its hold. */
    holdMinutes: z.number().int().min(1).max(240).default(10),
    /** Euro per started minute, seeded into the price catalog at start. */
    pricePerMinute: price.default('0.05'),
    /** From when `pricePerMinute` (and `countryPrices`) apply; a new price needs a new date. */
    priceEffectiveFrom: z.iso.datetime().default('2025-01-01T00:00:00.000Z'),
    /** Optional per-country prices, e.g. { "US": "0.02" }; other destinations pay `pricePerMinute`. */
    countryPrices: z.record(country, price).optional(),
    /** Country of numbers given without a +prefix. */
    defaultCountry: country.default('BE'),
    /** A call whose hold is still pending this long after it was placed is fetched from the provider (the latest bound). */
    staleAfterMinutes: z.number().int().min(5).max(10_080).default(120),
    /**
     * Earlier bound: a call is fetched once its TimeLimit (held minutes) plus this margin has passed
     * without a final callback (Twilio does not retry a lost callback). Whichever bound comes first applies.
     */
    reconcileMarginMinutes: z.number().int().min(1).max(1440).default(10),
    /**
     * SharedKey secrets by key id, for callbacks signed under a Twilio Webhook Setting
     * (`X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=HMAC_SHA256`). Two ids while rotating.
     */
    webhookSharedKeys: z.record(z.string().min(1).max(100), z.string().min(1)).default({}),
    /** What the callee hears: a TwiML document URL, or inline TwiML. */
    twimlUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    twiml: z.string().min(1).max(4000).default('<Response><Say>This is a call placed through Tollgate.</Say></Response>'),
    /** Per request to the provider. */
    requestTimeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .refine((o) => (o.accountSid === undefined) === (o.authToken === undefined), { message: 'give accountSid and authToken together', path: ['authToken'] });

export type VoiceOptions = z.output<typeof voiceOptions>;
