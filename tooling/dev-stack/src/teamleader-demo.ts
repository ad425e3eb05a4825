import { isTollgateError } from '@tollgate/errors';
import type { TollgateHost } from '@tollgate/host';
import { SANDBOX_IDS, type SeedLineInput, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';

/** Fixed demo ids (UUIDs, as Teamleader's): the same on every fresh data folder, so notes and configs can name them. */
const demoId = (n: number) => `de300000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
export const DEMO_IDS = {
  acme: demoId(0xc01),
  bolt: demoId(0xc02),
  ann: demoId(0xc03),
  /** The 12 booked invoices are invoice(0)…invoice(11); the subscription's is invoice(12). */
  invoice: (i: number) => demoId(0x100 + i),
  creditNote: demoId(0x201),
  subscription: demoId(0x301),
} as const;

/**
 * The demo's profile custom field and its options. Fixed ids, so they stay the same across
 * restarts and can be written in docs and curl examples (GET …/connections/:id/custom-fields lists
 * them too).
 */
export const TEAMLEADER_DEMO = {
  profileField: { id: '7d1e6c2a-5b0f-4c1e-9a3d-2f6b8e4c0a11', label: 'Twikey profile' },
  options: {
    directDebit: { id: '7d1e6c2a-5b0f-4c1e-9a3d-2f6b8e4c0a21', label: 'Direct debit' },
    paymentLink: { id: '7d1e6c2a-5b0f-4c1e-9a3d-2f6b8e4c0a22', label: 'Payment link' },
  },
} as const;

/**
 * The lines of demo invoice i: consultancy at 21 % and, in turn, travel at 0 %, a handbook at 6 % with
 * a discount, catering at 12 %, hosting at 21 % with a discount, so an accounting export shows a VAT
 * breakdown with several rates (docs/accounting-exports/stack.md).
 */
function demoLines(i: number): SeedLineInput[] {
  const consultancy: SeedLineInput = { section: 'Services', description: 'Consultancy', quantity: 1 + (i % 3), unitPrice: '95.00', taxRate: '0.21' };
  const extra: SeedLineInput[] = [
    { section: 'Costs', description: 'Travel (train tickets)', quantity: 2, unitPrice: '18.40', taxRate: '0' },
    { section: 'Goods', description: 'Handbook', quantity: 1, unitPrice: '39.95', taxRate: '0.06', discountPercent: '10' },
    { section: 'Costs', description: 'Catering', quantity: 4, unitPrice: '12.50', taxRate: '0.12' },
    { section: 'Services', description: 'Hosting (month)', quantity: 1, unitPrice: '29.00', taxRate: '0.21', discountPercent: '5' },
  ];
  return [consultancy, extra[i % extra.length]!];
}

/**
 * Demo data for `pnpm start`: three customers (Acme NV and Bolt BV with VAT numbers, Ann Peeters a
 * private person), the profile custom field ("Twikey profile" with the
 * options "Direct debit" and "Payment link", fixed ids), 12 booked invoices over the last 40 days
 * (two older than 30, one paid) of which every third names "Direct debit" and every third
 * "Payment link" in the field, a credit note, and a subscription with a 0-day payment term and its
 * invoice. Like Teamleader, an invoice's select field holds the option's id.
 */
export function seedTeamleaderDemo({ sandbox, now = new Date() }: { sandbox: TeamleaderSandbox; now?: Date }): {
  invoices: number;
  profileFieldId: string;
  profileOptions: Array<{ id: string; value: string }>;
} {
  const c = sandbox.control;
  const { profileField, options } = TEAMLEADER_DEMO;
  const field = c.seedCustomField({
    id: profileField.id,
    context: 'invoice',
    type: 'single_select',
    label: profileField.label,
    options: [
      { id: options.directDebit.id, value: options.directDebit.label },
      { id: options.paymentLink.id, value: options.paymentLink.label },
    ],
  }) as { id: string; configuration?: { options?: Array<{ id: string; value: string }> } };
  const acme = c.seedCompany({
    id: DEMO_IDS.acme,
    name: 'Acme NV',
    vatNumber: 'BE0899623035',
    email: 'info@acme.test',
    invoicingEmail: 'billing@acme.test',
    language: 'nl',
    address: { line1: 'Kerkstraat 1', postalCode: '9000', city: 'Gent', country: 'BE' },
  }) as { id: string };
  const bolt = c.seedCompany({
    id: DEMO_IDS.bolt,
    name: 'Bolt BV',
    vatNumber: 'BE0403170701',
    email: 'hello@bolt.test',
    language: 'fr',
    address: { line1: 'Rue Haute 5', postalCode: '1000', city: 'Bruxelles', country: 'BE' },
  }) as { id: string };
  const ann = c.seedContact({ id: DEMO_IDS.ann, firstName: 'Ann', lastName: 'Peeters', email: 'ann@peeters.test', language: 'nl' }) as { id: string };
  const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000).toISOString().slice(0, 10);
  const customers = [
    { type: 'company' as const, id: acme.id },
    { type: 'company' as const, id: bolt.id },
    { type: 'contact' as const, id: ann.id },
  ];
  // Index 1, 4 (paid), 7, 10 name "Direct debit"; 2, 5, 8, 11 "Payment link"; the others nothing (the default profile).
  const fieldOption = [null, options.directDebit.id, options.paymentLink.id] as const;
  let first: { id: string } | undefined;
  const ages = [38, 33, 27, 21, 18, 14, 11, 9, 6, 4, 2, 1];
  ages.forEach((age, i) => {
    const option = fieldOption[i % 3];
    const invoice = c.seedInvoice({
      id: DEMO_IDS.invoice(i),
      customer: customers[i % customers.length]!,
      booked: true,
      bookedOn: daysAgo(age),
      paid: i === 4,
      lines: demoLines(i),
      ...(option && { customFields: [{ definitionId: field.id, value: option }] }),
    }) as { id: string };
    first ??= age < 30 ? invoice : undefined;
  });
  if (first) c.seedCreditNote({ id: DEMO_IDS.creditNote, invoiceId: first.id, date: daysAgo(3) });
  // Its invoices are due the day they are issued: the import summary flags it (S-8).
  const plan = c.seedSubscription({ id: DEMO_IDS.subscription, customer: customers[0]!, title: 'Support plan', paymentTerm: { type: 'cash' } }) as {
    id: string;
  };
  c.seedInvoice({
    id: DEMO_IDS.invoice(ages.length),
    customer: customers[0]!,
    booked: true,
    bookedOn: daysAgo(5),
    subscriptionId: plan.id,
    paymentTerm: { type: 'cash' },
    lines: [{ description: 'Support plan', unitPrice: '49.00', taxRate: '0.21' }],
  });
  return { invoices: ages.length + 1, profileFieldId: field.id, profileOptions: field.configuration?.options ?? [] };
}

/** The demo's profiles: the default (no option), one named by the option's label, one by the option's id. */
const DEMO_PROFILES = [
  { name: 'Transfer', directDebit: false, paymentLink: false, transfer: true, sourceOptionValue: null },
  { name: 'Direct debit', directDebit: true, paymentLink: false, transfer: false, sourceOptionValue: TEAMLEADER_DEMO.options.directDebit.label },
  { name: 'Payment link', directDebit: false, paymentLink: true, transfer: false, sourceOptionValue: TEAMLEADER_DEMO.options.paymentLink.id },
] as const;

/**
 * Dev stack only: once an account connects the sandbox's Teamleader account, gives it the demo
 * profiles (those it lacks) and sets the connection's profileFieldId to the demo field (unless one
 * is set), so an import routes invoices by the field at once. The same two steps by hand are in
 * docs/invoice-sync.md. `idle()` waits for set-ups in flight (tests).
 */
export function watchTeamleaderDemo({ host }: { host: Pick<TollgateHost, 'invoiceSync' | 'logger'> }): { idle(): Promise<void>; stop(): void } {
  const inflight = new Set<Promise<void>>();
  const listener = (connection: { id: string; accountId: string; sourceId: string; sourceAccountId: string; profileFieldId: string | null }) => {
    if (connection.sourceId !== 'teamleader' || connection.sourceAccountId !== SANDBOX_IDS.account) return;
    const job = setUpTeamleaderDemo({ host, accountId: connection.accountId, connectionId: connection.id })
      .then((done) => host.logger.info({ connectionId: connection.id, ...done }, 'Teamleader demo: profiles and the profile field set up'))
      .catch((err: unknown) => host.logger.error({ err, connectionId: connection.id }, 'Teamleader demo set-up failed'))
      .finally(() => inflight.delete(job));
    inflight.add(job);
  };
  host.invoiceSync.importer.events.on('connected', listener);
  return {
    async idle() {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
    stop() {
      host.invoiceSync.importer.events.off('connected', listener);
    },
  };
}

/** The demo profiles the account lacks, and the profile field on the connection when it has none. */
export async function setUpTeamleaderDemo({
  host,
  accountId,
  connectionId,
}: {
  host: Pick<TollgateHost, 'invoiceSync'>;
  accountId: string;
  connectionId: string;
}): Promise<{ profilesCreated: string[]; profileFieldId: string | null }> {
  const { profiles, connections } = host.invoiceSync;
  const existing = await profiles.list({ accountId });
  const created: string[] = [];
  for (const profile of DEMO_PROFILES) {
    const taken = existing.some((p) => p.name === profile.name || (profile.sourceOptionValue !== null && p.sourceOptionValue === profile.sourceOptionValue));
    if (taken) continue;
    try {
      await profiles.create({ accountId, ...profile });
    } catch (error) {
      // The user made the account's first profile at the same moment (both wanted to be the default): once more, as a second one.
      if (!isTollgateError(error) || error.code !== 'profile_option_taken') throw error;
      await profiles.create({ accountId, ...profile });
    }
    created.push(profile.name);
  }
  const connection = await connections.get({ accountId, id: connectionId });
  const profileFieldId = connection.profileFieldId ?? TEAMLEADER_DEMO.profileField.id;
  if (!connection.profileFieldId) await connections.updateSettings({ accountId, id: connectionId, profileFieldId });
  return { profilesCreated: created, profileFieldId };
}

/** What seedTeamleaderDemo reported, for a restart that loads the saved demo instead of seeding it. */
export function teamleaderDemoSummary(): ReturnType<typeof seedTeamleaderDemo> {
  return {
    invoices: 13,
    profileFieldId: TEAMLEADER_DEMO.profileField.id,
    profileOptions: Object.values(TEAMLEADER_DEMO.options).map((o) => ({ id: o.id, value: o.label })),
  };
}
