import type { TrendsTopApi, TrendsTopApiFactory, TrendsTopExport } from '../src/index.js';

/** Errors shaped like @tollgate/trendstop's (the plugin reads them by code). */
const vendorError = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(code), { code, ...extra });

/**
 * An in-memory Trends Top for plugin tests: the companies, the keys and their formulas, billed
 * exports per key (the same Idempotency-Key bills once), switches for an outage and a rate limit.
 */
export class FakeTrendsTop {
  readonly keys = new Map<string, { formula: string; exportRights: boolean }>([['partner', { formula: 'partner', exportRights: true }]]);
  readonly companies = new Map<string, Omit<TrendsTopExport, 'exportId' | 'retrievedAt'>>();
  readonly exports = new Map<string, TrendsTopExport & { apiKey: string }>();
  outage = false;
  rateLimitedFor: number | null = null;

  constructor(private readonly now: () => Date) {}

  billed(apiKey: string): number {
    return [...this.exports.values()].filter((e) => e.apiKey === apiKey).length;
  }

  readonly factory: TrendsTopApiFactory = ({ apiKey }) => this.#client(apiKey);

  #client(apiKey: string): TrendsTopApi {
    const check = () => {
      if (this.outage) throw vendorError('company_data_unavailable');
      if (this.rateLimitedFor !== null) throw vendorError('company_data_rate_limited', { retryAfterSeconds: this.rateLimitedFor });
      if (!this.keys.has(apiKey)) throw vendorError('company_data_auth_failed');
    };
    return {
      subscription: async () => {
        check();
        const key = this.keys.get(apiKey)!;
        return { customerId: `customer-${apiKey}`, formula: key.formula, exportRights: key.exportRights, exportsThisMonth: this.billed(apiKey) };
      },
      availability: async ({ enterpriseNumber }) => {
        check();
        const company = this.companies.get(enterpriseNumber);
        if (!company) return null;
        return {
          enterpriseNumber,
          name: company.name,
          available: {
            phone: company.phone !== null,
            contactPerson: company.contactPerson !== null,
            naceCode: company.nace !== null,
            legalForm: company.legalForm !== null,
            address: company.address !== null,
            foundedOn: company.foundedOn !== null,
            employeesClass: company.employeesClass !== null,
          },
        };
      },
      exportCompany: async ({ enterpriseNumber, idempotencyKey }) => {
        check();
        const id = `${apiKey}|${idempotencyKey}`;
        const known = this.exports.get(id);
        if (known) return known;
        const company = this.companies.get(enterpriseNumber);
        if (!company) return null;
        const exported = { ...company, exportId: `exp_${this.exports.size + 1}`, retrievedAt: this.now().toISOString(), apiKey };
        this.exports.set(id, exported);
        return exported;
      },
    };
  }
}

/** Valid Belgian numbers (mod 97) used by the plugin tests. */
export const NUMBERS = { full: '0200065765', other: '0314595348', empty: '0465399763', unknown: '0123456749' } as const;

export function seedFake(fake: FakeTrendsTop): void {
  fake.companies.set(NUMBERS.full, {
    enterpriseNumber: NUMBERS.full,
    vatNumber: `BE${NUMBERS.full}`,
    name: 'Brouwerij Het Anker NV',
    legalForm: { code: '014', label: 'NV' },
    nace: { code: '11050', version: '2025', label: 'Vervaardiging van bier' },
    address: { street: 'Guido Gezellelaan', houseNumber: '49', box: null, postalCode: '2800', municipality: 'Mechelen', country: 'BE' },
    phone: '+3215287141',
    contactPerson: { name: 'Charles Leclef', role: 'Zaakvoerder' },
    foundedOn: '1904-03-01',
    employeesClass: '50-99',
  });
  fake.companies.set(NUMBERS.other, {
    ...fake.companies.get(NUMBERS.full)!,
    enterpriseNumber: NUMBERS.other,
    vatNumber: `BE${NUMBERS.other}`,
    name: 'Other BV',
    phone: null,
  });
  fake.companies.set(NUMBERS.empty, {
    enterpriseNumber: NUMBERS.empty,
    vatNumber: `BE${NUMBERS.empty}`,
    name: 'Empty VZW',
    legalForm: null,
    nace: null,
    address: null,
    phone: null,
    contactPerson: null,
    foundedOn: null,
    employeesClass: null,
  });
}
