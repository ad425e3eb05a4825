import type { TeamleaderSandbox } from '@tollgate/sandbox-teamleader';

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
  const field = c.seedCustomField({ context: 'invoice', type: 'single_select', label: 'Twikey profile', options: ['direct-debit', 'payment-link'] }) as {
    id: string;
    configuration?: { options?: Array<{ id: string; value: string }> };
  };
  const linkOption = field.configuration?.options?.find((o) => o.value === 'payment-link')?.id;
  const acme = c.seedCompany({
    name: 'Acme NV',
    vatNumber: 'BE0899623035',
    email: 'info@acme.test',
    invoicingEmail: 'billing@acme.test',
    language: 'nl',
    address: { line1: 'Kerkstraat 1', postalCode: '9000', city: 'Gent', country: 'BE' },
  }) as { id: string };
  const bolt = c.seedCompany({
    name: 'Bolt BV',
    email: 'hello@bolt.test',
    language: 'fr',
    address: { line1: 'Rue Haute 5', postalCode: '1000', city: 'Bruxelles', country: 'BE' },
  }) as { id: string };
  const ann = c.seedContact({ firstName: 'Ann', lastName: 'Peeters', email: 'ann@peeters.test', language: 'nl' }) as { id: string };
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
  if (first) c.seedCreditNote({ invoiceId: first.id, date: daysAgo(3) });
  // Its invoices are due the day they are issued: the import summary flags it (S-8).
  const plan = c.seedSubscription({ customer: customers[0]!, title: 'Support plan', paymentTerm: { type: 'cash' } }) as { id: string };
  c.seedInvoice({
    customer: customers[0]!,
    booked: true,
    bookedOn: daysAgo(5),
    subscriptionId: plan.id,
    paymentTerm: { type: 'cash' },
    lines: [{ description: 'Support plan', unitPrice: '49.00', taxRate: '0.21' }],
  });
  return { invoices: ages.length + 1, profileFieldId: field.id, profileOptions: field.configuration?.options ?? [] };
}
