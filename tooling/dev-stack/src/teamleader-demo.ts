import type { TeamleaderSandbox } from '@tollgate/sandbox-teamleader';

/** Fixed demo ids (UUIDs, as Teamleader's): the same on every fresh data folder, so notes and configs can name them. */
const demoId = (n: number) => `de300000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
export const DEMO_IDS = {
  profileField: demoId(0xf01),
  directDebitOption: demoId(0xf02),
  paymentLinkOption: demoId(0xf03),
  acme: demoId(0xc01),
  bolt: demoId(0xc02),
  ann: demoId(0xc03),
  /** The 12 booked invoices are invoice(0)…invoice(11); the subscription's is invoice(12). */
  invoice: (i: number) => demoId(0x100 + i),
  creditNote: demoId(0x201),
  subscription: demoId(0x301),
} as const;

/**
 * Demo data for `pnpm start`: three customers, a profile custom field ("Twikey profile" with the
 * options "direct-debit" and "payment-link"), 12 booked invoices over the last 40 days (two older
 * than 30, one paid), a credit note, and a subscription with a 0-day payment term and its invoice.
 */
export function seedTeamleaderDemo({ sandbox }: { sandbox: TeamleaderSandbox }): {
  invoices: number;
  profileFieldId: string;
  profileOptions: Array<{ id: string; value: string }>;
} {
  const c = sandbox.control;
  const field = c.seedCustomField({
    id: DEMO_IDS.profileField,
    optionIds: [DEMO_IDS.directDebitOption, DEMO_IDS.paymentLinkOption],
    context: 'invoice',
    type: 'single_select',
    label: 'Twikey profile',
    options: ['direct-debit', 'payment-link'],
  }) as {
    id: string;
    configuration?: { options?: Array<{ id: string; value: string }> };
  };
  const linkOption = field.configuration?.options?.find((o) => o.value === 'payment-link')?.id;
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
    email: 'hello@bolt.test',
    language: 'fr',
    address: { line1: 'Rue Haute 5', postalCode: '1000', city: 'Bruxelles', country: 'BE' },
  }) as { id: string };
  const ann = c.seedContact({ id: DEMO_IDS.ann, firstName: 'Ann', lastName: 'Peeters', email: 'ann@peeters.test', language: 'nl' }) as { id: string };
  const today = new Date();
  const daysAgo = (n: number) => new Date(today.getTime() - n * 86_400_000).toISOString().slice(0, 10);
  const customers = [
    { type: 'company' as const, id: acme.id },
    { type: 'company' as const, id: bolt.id },
    { type: 'contact' as const, id: ann.id },
  ];
  let first: { id: string } | undefined;
  const ages = [38, 33, 27, 21, 18, 14, 11, 9, 6, 4, 2, 1];
  ages.forEach((age, i) => {
    const invoice = c.seedInvoice({
      id: DEMO_IDS.invoice(i),
      customer: customers[i % customers.length]!,
      booked: true,
      bookedOn: daysAgo(age),
      paid: i === 4,
      lines: [{ description: 'Consultancy', quantity: 1 + (i % 3), unitPrice: '95.00', taxRate: '0.21' }],
      // Every third invoice asks for the payment-link profile through the custom field.
      ...(linkOption && i % 3 === 2 && { customFields: [{ definitionId: field.id, value: linkOption }] }),
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

/** What seedTeamleaderDemo reported, for a restart that loads the saved demo instead of seeding it. */
export function teamleaderDemoSummary(): ReturnType<typeof seedTeamleaderDemo> {
  return {
    invoices: 13,
    profileFieldId: DEMO_IDS.profileField,
    profileOptions: [
      { id: DEMO_IDS.directDebitOption, value: 'direct-debit' },
      { id: DEMO_IDS.paymentLinkOption, value: 'payment-link' },
    ],
  };
}
