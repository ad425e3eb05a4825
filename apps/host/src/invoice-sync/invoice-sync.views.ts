import type { CollectionSettings, Connection, Customer, ImportRun, Invitation, Invoice, InvoiceEvent, Profile } from '@tollgate/invoice-sync';

// What the API shows: the domain objects without the account id (the caller's own), dates as ISO strings.
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const connectionView = (c: Connection) => ({
  id: c.id,
  sourceId: c.sourceId,
  sourceAccountId: c.sourceAccountId,
  status: c.status,
  defaultProfileId: c.defaultProfileId,
  autoImport: c.autoImport,
  profileFieldId: c.profileFieldId,
  invoiceProfileFieldId: c.invoiceProfileFieldId,
  subscriptionProfileFieldId: c.subscriptionProfileFieldId,
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

export const profileView = (p: Profile) => ({
  id: p.id,
  name: p.name,
  directDebit: p.directDebit,
  paymentLink: p.paymentLink,
  transfer: p.transfer,
  sourceOptionValue: p.sourceOptionValue,
  isDefault: p.isDefault,
  sendInvitation: p.sendInvitation,
  createdAt: iso(p.createdAt),
  updatedAt: iso(p.updatedAt),
});

export const customerView = (c: Customer) => ({
  id: c.id,
  connectionId: c.connectionId,
  sourceType: c.sourceType,
  sourceId: c.sourceId,
  customerNumber: c.customerNumber,
  name: c.name,
  email: c.email,
  address: c.address,
  vatNumber: c.vatNumber,
  language: c.language,
  profileId: c.profileId,
  localNumberChangedAt: iso(c.localNumberChangedAt),
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

export const invoiceView = (i: Invoice) => ({
  id: i.id,
  connectionId: i.connectionId,
  kind: i.kind,
  sourceId: i.sourceId,
  sourceNumber: i.sourceNumber,
  number: i.number,
  departmentId: i.departmentId,
  customerId: i.customerId,
  currency: i.currency,
  totalExclVat: i.totalExclVat,
  totalInclVat: i.totalInclVat,
  amountDue: i.amountDue,
  issuedOn: i.issuedOn,
  dueOn: i.dueOn,
  paymentTermDays: i.paymentTermDays,
  status: i.status,
  profileId: i.profileId,
  subscriptionId: i.subscriptionId,
  creditedInvoiceId: i.creditedInvoiceId,
  collectable: i.collectable,
  collectionBlockedReason: i.collectionBlockedReason,
  pdfStatus: i.pdfStatus,
  sourceUpdatedAt: iso(i.sourceUpdatedAt),
  createdAt: iso(i.createdAt),
  updatedAt: iso(i.updatedAt),
});

export const invoiceEventView = (e: InvoiceEvent) => ({ at: iso(e.at), type: e.type, detail: e.detail });

export const runView = (r: ImportRun) => ({
  id: r.id,
  connectionId: r.connectionId,
  trigger: r.trigger,
  issuedSince: r.issuedSince,
  updatedSince: iso(r.updatedSince),
  resumedFrom: r.resumedFrom,
  status: r.status,
  counts: r.counts,
  failures: r.failures,
  flags: r.flags,
  highWater: iso(r.highWater),
  error: r.error,
  startedAt: iso(r.startedAt),
  finishedAt: iso(r.finishedAt),
});

export const invitationView = (i: Invitation) => ({
  invoiceId: i.invoiceId,
  status: i.status,
  trigger: i.trigger,
  attempt: i.attempt,
  recipient: i.recipient,
  locale: i.locale,
  reason: i.reason,
  queuedAt: iso(i.queuedAt),
  sentAt: iso(i.sentAt),
  failedAt: iso(i.failedAt),
});

export const collectionSettingsView = (s: CollectionSettings) => ({ iban: s.iban, bic: s.bic, beneficiary: s.beneficiary, updatedAt: iso(s.updatedAt) });
