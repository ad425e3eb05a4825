import { ConflictError, ForbiddenError, TollgateError, UnavailableError, UnprocessableError } from '@tollgate/plugin-sdk';

/** Company data is sold for Belgian companies only (Trends Top covers the Belgian register). */
export const belgiumOnly = (country: string) =>
  new UnprocessableError({
    code: 'company_data_belgium_only',
    message: `Company data is available for Belgian companies only (this company is in ${country}). Nothing was charged.`,
  });

export const numberRequired = () =>
  new UnprocessableError({
    code: 'enterprise_number_required',
    message: 'This company has no Belgian enterprise or VAT number: add one to look up its data. Nothing was charged.',
  });

export const companyNotFoundAtVendor = (enterpriseNumber: string) =>
  new UnprocessableError({
    code: 'company_data_not_found',
    message: `Trends Top has no data for enterprise number ${enterpriseNumber}. Nothing was charged.`,
  });

export const companyIgnored = () =>
  new ConflictError({
    code: 'company_data_ignored',
    message: "This company's data was ignored: undo it (DELETE …/data/ignore) before buying. Nothing was charged.",
  });

export const notEnabled = (input: { where: string; reason: 'no_user' | 'not_enabled' }) =>
  new ForbiddenError({
    code: 'company_data_not_enabled',
    message:
      input.reason === 'no_user'
        ? `Company data is enabled per user, and this API key belongs to no user of the account (a key issued by the platform, for example): use a key of a user it is switched on for (${input.where}).`
        : `Company data is not switched on for this user: an admin switches it on in ${input.where}.`,
  });

export const exportRightsRequired = (input: { formulas: readonly string[]; formula?: string; planLabel: string; reason: 'no_subscription' | 'formula' }) =>
  new UnprocessableError({
    code: 'export_rights_required',
    message:
      input.reason === 'formula'
        ? `The Trends Top formula "${input.formula ?? '?'}" has no export rights; on the ${input.planLabel} plan the formulas with export rights are: ${input.formulas.join(', ')}.`
        : `On the ${input.planLabel} plan company data is fetched through the account's own Trends Top subscription with export rights (${input.formulas.join(', ')}): link one with PUT /v1/plugins/company-data-trendstop/subscription. Nothing was charged.`,
    details: { formulas: input.formulas, ...(input.formula ? { formula: input.formula } : {}) },
  });

export const vendorUnavailable = () =>
  new UnavailableError({
    code: 'company_data_unavailable',
    message: 'Trends Top is unavailable right now. The hold was released and nothing was charged; try again later.',
  });

/**
 * 502: Trends Top answered something unreadable (not JSON, not the protocol). It may have billed the
 * export: a retry asks under the same vendor key and gets that export without a second bill.
 */
export const vendorBadResponse = () =>
  new TollgateError({
    status: 502,
    code: 'company_data_bad_response',
    message: "Trends Top's answer could not be read. The hold was released and nothing was charged; try again (the retry is not billed twice).",
  });

/** 502: Trends Top says our request key was used for another company — a bug on our side (logged), not the caller's. */
export const vendorKeyConflict = () =>
  new TollgateError({
    status: 502,
    code: 'company_data_key_conflict',
    message: 'Trends Top refused the export: our request key was already used for another company (an error on our side, reported). Nothing was charged.',
  });

/** 503 with Retry-After (a 5xx: the host keeps no idempotent answer, so the same key may retry). */
export class RateLimitedError extends TollgateError {
  readonly retryAfterSeconds: number;
  constructor(input: { retryAfterSeconds: number }) {
    super({
      status: 503,
      code: 'company_data_rate_limited',
      message: `Trends Top is rate limiting our requests. The hold was released and nothing was charged; retry after ${input.retryAfterSeconds} s.`,
      details: { retryAfterSeconds: input.retryAfterSeconds },
    });
    this.retryAfterSeconds = input.retryAfterSeconds;
  }
}

export const noData = (enterpriseNumber: string) =>
  new UnprocessableError({
    code: 'company_data_no_data',
    message: `Trends Top returned no data for ${enterpriseNumber}. The hold was released and nothing was charged.`,
  });

export const vendorAuthFailed = (whose: 'partner' | 'subscription') =>
  new UnprocessableError({
    code: 'company_data_auth_failed',
    message:
      whose === 'subscription'
        ? "Trends Top refused the account's own API key (revoked or wrong): link the subscription again. Nothing was charged."
        : 'Trends Top refused the platform key. Nothing was charged; the operator has been told.',
  });
