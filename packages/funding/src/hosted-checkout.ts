import type { PaymentProvider } from '@tollgate/wallet';
import { InvalidReturnPathError } from './funding.errors.js';

/** A provider that takes payments on its hosted page (createOneOffPayment and getOneOffPayment). */
export type HostedPaymentProvider = PaymentProvider & Required<Pick<PaymentProvider, 'createOneOffPayment' | 'getOneOffPayment'>>;

/** What the provider says of a hosted payment (the SDK's OneOffPayment). */
export type HostedPayment = Awaited<ReturnType<HostedPaymentProvider['getOneOffPayment']>>;

export function takesHostedPayments(provider: PaymentProvider): provider is HostedPaymentProvider {
  return typeof provider.createOneOffPayment === 'function' && typeof provider.getOneOffPayment === 'function';
}

/** Where the dashboard's fill screen lives: the payer comes back there unless the checkout says otherwise. */
export const DEFAULT_RETURN_PATH = '/app/fill';

/**
 * The payer's return and the dashboard's polls read a pending checkout at the provider at most this often per
 * purchase (a compare-and-set on checked_at, so across hosts too).
 */
export const CHECKOUT_CHECK_INTERVAL_MS = 5_000;

/** The sweep asks the provider about pending checkouts nobody looked at for this long (abandoned pages expire there). */
export const CHECKOUT_SWEEP_AFTER_MS = 15 * 60_000;

/**
 * A path on this host: starts with one '/', then path characters only. No scheme, no '//' or '\' (which browsers
 * read as another host), no query or fragment (the host adds `?purchase=`), no control characters.
 */
const RETURN_PATH = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

export function checkReturnPath(returnPath: string): string {
  if (returnPath.length > 500 || !RETURN_PATH.test(returnPath) || returnPath.includes('//')) throw new InvalidReturnPathError(returnPath);
  return returnPath;
}

/** The URL the provider sends the payer back to: the host's public URL, the path, and the purchase (never trusted, only shown). */
export function checkoutReturnUrl(input: { baseUrl: string; returnPath: string; purchaseId: string }): string {
  const base = input.baseUrl.replace(/\/+$/, '');
  return `${base}${checkReturnPath(input.returnPath)}?purchase=${encodeURIComponent(input.purchaseId)}`;
}
