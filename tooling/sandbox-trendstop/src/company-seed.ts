import {
  ACTIVITIES,
  CONTACT_ROLES,
  EMPLOYEE_CLASSES,
  FIRST_NAMES,
  JURIDICAL_FORMS,
  MUNICIPALITIES,
  SURNAMES,
  type EmployeesClass,
  type FormKey,
  type Language,
} from './belgian-reference.js';
import { enterpriseNumberFor } from './enterprise-number.js';

/** One company as the sandbox holds it; a null field is data the vendor does not have. */
export interface SandboxCompany {
  enterpriseNumber: string;
  name: string;
  language: Language;
  legalForm: { code: string; label: string } | null;
  nace: { code: string; version: '2025'; label: string } | null;
  address: { street: string; houseNumber: string; box: string | null; postalCode: string; municipality: string; country: 'BE' } | null;
  phone: string | null;
  contactPerson: { name: string; role: string } | null;
  foundedOn: string | null;
  employeesClass: EmployeesClass | null;
}

/** The fields availability reports on, in the order of the protocol. */
export const DATA_FIELDS = ['phone', 'contactPerson', 'nace', 'legalForm', 'address', 'foundedOn', 'employeesClass'] as const;
export type DataField = (typeof DATA_FIELDS)[number];

const SEED_SIZE = 320;

/** mulberry32: a small deterministic PRNG, so every start and every machine gets the same companies. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Number ranges KBO handed out by period (first eight digits): 04… before 2003, 08… 2003-2011,
// 05… 2012-2014, 06… 2015-2017, 07… 2018-2022, 10… from 2023.
const ERAS: Array<{ from: number; to: number; low: number; high: number }> = [
  { from: 1965, to: 2002, low: 4_000_000, high: 4_799_999 },
  { from: 2003, to: 2011, low: 8_600_000, high: 8_999_999 },
  { from: 2012, to: 2014, low: 5_000_000, high: 5_999_999 },
  { from: 2015, to: 2017, low: 6_000_000, high: 6_999_999 },
  { from: 2018, to: 2022, low: 7_000_000, high: 7_999_999 },
  { from: 2023, to: 2025, low: 10_000_000, high: 10_199_999 },
];

/** Which fields a partial company lacks, cycled over the partial ones (about 15 % of the seed). */
const PARTIAL_PATTERNS: DataField[][] = [
  ['phone'],
  ['contactPerson'],
  ['nace'],
  ['phone', 'contactPerson'],
  ['employeesClass'],
  ['foundedOn', 'employeesClass'],
  ['address', 'phone'],
  ['legalForm'],
];

const MOBILE_PREFIXES = [
  '460',
  '468',
  '470',
  '471',
  '472',
  '473',
  '474',
  '475',
  '476',
  '477',
  '478',
  '479',
  '484',
  '485',
  '486',
  '487',
  '488',
  '489',
  '491',
  '492',
  '493',
  '494',
  '495',
  '496',
  '497',
  '498',
  '499',
];

/** The three numbers every Belgian check library uses as valid examples: full data, fixed content. */
const WELL_KNOWN: SandboxCompany[] = [
  {
    enterpriseNumber: '0200065765',
    name: 'Intercommunale Waterwerken Zuid NV',
    language: 'nl',
    legalForm: { code: '014', label: 'Naamloze vennootschap' },
    nace: { code: '36.000', version: '2025', label: 'Winning, behandeling en distributie van water' },
    address: { street: 'Stationsstraat', houseNumber: '110', box: null, postalCode: '2800', municipality: 'Mechelen', country: 'BE' },
    phone: '+3215281010',
    contactPerson: { name: 'Koen Vermeulen', role: 'Gedelegeerd bestuurder' },
    foundedOn: '1971-03-15',
    employeesClass: '200-499',
  },
  {
    enterpriseNumber: '0314595348',
    name: 'Boulangerie Lambert SRL',
    language: 'fr',
    legalForm: { code: '610', label: 'Société à responsabilité limitée' },
    nace: { code: '10.710', version: '2025', label: 'Fabrication de pain et de pâtisserie fraîche' },
    address: { street: 'Rue de la Gare', houseNumber: '12', box: null, postalCode: '5000', municipality: 'Namur', country: 'BE' },
    phone: '+3281223344',
    contactPerson: { name: 'Sophie Lambert', role: 'Administrateur' },
    foundedOn: '1978-09-01',
    employeesClass: '10-19',
  },
  {
    enterpriseNumber: '0465399763',
    name: 'Peeters Software BV',
    language: 'nl',
    legalForm: { code: '610', label: 'Besloten vennootschap' },
    nace: { code: '62.100', version: '2025', label: 'Computerprogrammering' },
    address: { street: 'Kerkstraat', houseNumber: '7', box: '2', postalCode: '9000', municipality: 'Gent', country: 'BE' },
    phone: '+3292345678',
    contactPerson: { name: 'Jan Peeters', role: 'Bestuurder' },
    foundedOn: '1999-04-20',
    employeesClass: '20-49',
  },
];

function generate(): SandboxCompany[] {
  const random = prng(15);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const between = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
  const digits = (n: number): string => Array.from({ length: n }, () => String(between(0, 9))).join('');

  const companies: SandboxCompany[] = WELL_KNOWN.map((company) => structuredClone(company));
  const numbers = new Set(companies.map((company) => company.enterpriseNumber));
  const names = new Set(companies.map((company) => company.name));
  let partialSeen = 0;

  for (let i = 0; companies.length < SEED_SIZE; i++) {
    const municipality = pick(MUNICIPALITIES);
    const language = pick(municipality.languages);
    const activity = pick(ACTIVITIES);
    const formKey: FormKey = pick(activity.forms);
    const form = JURIDICAL_FORMS[formKey];
    const surname = pick(SURNAMES[language]);
    const suffix = form.abbreviation[language];
    const base = activity.names[language](surname);
    let name = suffix ? `${base} ${suffix}` : base;
    // Two "Bakkerij Peeters BV" would be two firms in two towns: KBO would show the town in one of the names.
    if (names.has(name)) name = suffix ? `${base} ${municipality[language]} ${suffix}` : `${base} ${municipality[language]}`;
    if (names.has(name)) continue;

    const year = between(1965, 2025);
    const era = ERAS.find((e) => year >= e.from && year <= e.to)!;
    const enterpriseNumber = enterpriseNumberFor(between(era.low, era.high));
    if (numbers.has(enterpriseNumber)) continue;

    const foundedOn = `${year}-${String(between(1, 12)).padStart(2, '0')}-${String(between(1, 28)).padStart(2, '0')}`;
    const mobile = formKey === 'eenmanszaak' ? random() < 0.6 : random() < 0.2;
    const phone = mobile ? `+32${pick(MOBILE_PREFIXES)}${digits(6)}` : `+32${municipality.zone}${digits(8 - municipality.zone.length)}`;
    const employeesClass: EmployeesClass =
      formKey === 'eenmanszaak'
        ? pick(['0', '1-4'] as const)
        : formKey === 'nv'
          ? pick(EMPLOYEE_CLASSES.slice(2, 9))
          : formKey === 'vzw'
            ? pick(EMPLOYEE_CLASSES.slice(0, 5))
            : pick(EMPLOYEE_CLASSES.slice(0, 6));
    const company: SandboxCompany = {
      enterpriseNumber,
      name,
      language,
      legalForm: { code: form.code, label: form.label[language] },
      nace: { code: activity.code, version: '2025', label: activity.label[language] },
      address: {
        street: pick(municipality.streets)[language],
        houseNumber: String(between(1, 250)),
        box: random() < 0.12 ? String(between(1, 12)) : null,
        postalCode: municipality.postalCode,
        municipality: municipality[language],
        country: 'BE',
      },
      phone,
      contactPerson: { name: `${pick(FIRST_NAMES[language])} ${random() < 0.7 ? surname : pick(SURNAMES[language])}`, role: CONTACT_ROLES[formKey][language] },
      foundedOn,
      employeesClass,
    };

    const position = companies.length;
    if (position % 60 === 30) {
      // A company the vendor knows by name only (struck off, no filings): nothing to export.
      for (const field of DATA_FIELDS) company[field] = null;
    } else if (position % 20 === 3 || position % 20 === 9 || position % 20 === 15) {
      for (const field of PARTIAL_PATTERNS[partialSeen % PARTIAL_PATTERNS.length]!) company[field] = null;
      partialSeen++;
    }
    numbers.add(enterpriseNumber);
    names.add(name);
    companies.push(company);
  }
  return companies;
}

let cached: SandboxCompany[] | undefined;

/** The sandbox's companies: deterministic (same list on every start), ≥ 300, a fresh copy each call. */
export function seedCompanies(): SandboxCompany[] {
  cached ??= generate();
  return structuredClone(cached);
}

/** Which fields a company has, as the availability answer reports them. */
export function availabilityOf(
  company: SandboxCompany,
): Record<'phone' | 'contactPerson' | 'naceCode' | 'legalForm' | 'address' | 'foundedOn' | 'employeesClass', boolean> {
  return {
    phone: company.phone !== null,
    contactPerson: company.contactPerson !== null,
    naceCode: company.nace !== null,
    legalForm: company.legalForm !== null,
    address: company.address !== null,
    foundedOn: company.foundedOn !== null,
    employeesClass: company.employeesClass !== null,
  };
}

export function hasNoData(company: SandboxCompany): boolean {
  return DATA_FIELDS.every((field) => company[field] === null);
}

function firstMissingOnly(fields: DataField[]): string {
  const found = seedCompanies().find((company) => DATA_FIELDS.every((field) => (company[field] === null) === fields.includes(field)));
  if (!found) throw new Error(`seed has no company lacking exactly ${fields.join(', ')}`);
  return found.enterpriseNumber;
}

/** Enterprise numbers for tests, by kind (all 10 digits, no dots). See README.md. */
export const TEST_ENTERPRISE_NUMBERS = {
  /** The well-known valid numbers, full data. */
  wellKnown: ['0200065765', '0314595348', '0465399763'],
  /** Companies with every field. */
  full: [
    '0200065765',
    '0314595348',
    '0465399763',
    ...seedCompanies()
      .filter((c) => DATA_FIELDS.every((f) => c[f] !== null))
      .slice(3, 5)
      .map((c) => c.enterpriseNumber),
  ],
  /** Companies lacking exactly the named fields. */
  partial: {
    noPhone: firstMissingOnly(['phone']),
    noContactPerson: firstMissingOnly(['contactPerson']),
    noNace: firstMissingOnly(['nace']),
    noPhoneNoContact: firstMissingOnly(['phone', 'contactPerson']),
    noLegalForm: firstMissingOnly(['legalForm']),
  },
  /** Known by name, nothing exportable: availability all false, export → 422 no_data (not billed). */
  noData: seedCompanies()
    .filter(hasNoData)
    .map((c) => c.enterpriseNumber),
  /** Valid check digits, not in the seed: 404 company_not_found. */
  notInSeed: ['0123456749', enterpriseNumberFor(9_900_000), enterpriseNumberFor(11_000_000)],
  /** Refused with 400 invalid_enterprise_number. */
  invalid: ['0123456748', '2123456749', '012345674', '01234567490', '0123.456.749', 'BE0123456749'],
};
