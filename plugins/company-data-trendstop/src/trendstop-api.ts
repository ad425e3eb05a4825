/**
 * What the plugin needs from Trends Top: the three calls of `@tollgate/trendstop`'s TrendsTopClient
 * (contract 3 of issue 15). The plugin builds one client per API key: the partner key (the
 * platform's reseller account, billed to the wallet) or an account's own subscription key.
 */
export interface TrendsTopSubscription {
  customerId: string;
  formula: string;
  exportRights: boolean;
  exportsThisMonth: number;
}

export interface TrendsTopAvailability {
  enterpriseNumber: string;
  name: string;
  available: Record<AvailableField, boolean>;
}

export const AVAILABLE_FIELDS = ['phone', 'contactPerson', 'naceCode', 'legalForm', 'address', 'foundedOn', 'employeesClass'] as const;
export type AvailableField = (typeof AVAILABLE_FIELDS)[number];

export interface TrendsTopExport {
  exportId: string;
  enterpriseNumber: string;
  vatNumber: string;
  name: string;
  legalForm: { code: string; label: string } | null;
  nace: { code: string; version: string; label: string } | null;
  address: { street: string; houseNumber: string; box: string | null; postalCode: string; municipality: string; country: string } | null;
  phone: string | null;
  contactPerson: { name: string; role: string } | null;
  foundedOn: string | null;
  employeesClass: string | null;
  retrievedAt: string;
}

export interface TrendsTopApi {
  subscription(): Promise<TrendsTopSubscription>;
  /** null: Trends Top does not know the number (404). Free: not an export. */
  availability(input: { enterpriseNumber: string }): Promise<TrendsTopAvailability | null>;
  /** null: not found. Billable per key; the same idempotencyKey answers the same export once. */
  exportCompany(input: { enterpriseNumber: string; idempotencyKey: string }): Promise<TrendsTopExport | null>;
}

/** A client for one API key. */
export type TrendsTopApiFactory = (input: { apiKey: string }) => TrendsTopApi;

/** The client's typed errors, read by code (they cross a package boundary). */
export function vendorErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function retryAfterOf(error: unknown): number | undefined {
  const seconds = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : undefined;
}
