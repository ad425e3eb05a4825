import { pgArray, type JobQueue, type Transaction } from '@tollgate/db';
import { Money } from '@tollgate/money';
import type { TxRow, WalletChanges, WalletTransactionHook } from '@tollgate/wallet';
import { validateVatNumber } from './vat-number.js';
import { splitGross, vatTreatment, type VatTreatment } from './vat-rules.js';
import type {
  BuyerSnapshot,
  CreditedInvoice,
  DocumentLine,
  DocumentLocale,
  DocumentType,
  PartySnapshot,
  WalletInvoiceOptions,
} from './wallet-invoices.types.js';

/** The durable job that renders, stores and mails one document after its transaction committed. */
export const BILLING_DOCUMENT_QUEUE = 'wallet-invoices.render';

interface Draft {
  accountId: string;
  type: DocumentType;
  transactionId: string;
  lotId: string | null;
  purchaseId: string | null;
  lines: DocumentLine[];
  credited: CreditedInvoice[];
  buyer: BuyerSnapshot;
  locale: DocumentLocale;
}

/** YYYY-MM-DD of `at` in a time zone. */
export const dayIn = (at: Date, timeZone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

export const sellerSnapshot = (options: WalletInvoiceOptions): PartySnapshot => ({
  name: options.seller.name,
  addressLines: options.seller.addressLines,
  postcode: options.seller.postcode,
  city: options.seller.city,
  country: options.seller.country.toUpperCase(),
  vatNumber: options.seller.vatNumber,
  email: options.seller.email,
});

/** The VAT treatment of a buyer as snapshotted: only a VAT number that still validates counts. */
export const treatmentOf = (input: { sellerCountry: string; buyer: Pick<PartySnapshot, 'country' | 'vatNumber'> }): VatTreatment => {
  const vat = input.buyer.vatNumber ? validateVatNumber({ value: input.buyer.vatNumber }) : null;
  return vatTreatment({ sellerCountry: input.sellerCountry, buyerCountry: input.buyer.country, buyerVatNumber: vat?.valid ? vat.normalised : null });
};

const lineOf = (input: {
  id: string;
  description: string;
  gross: Money;
  treatment: Pick<VatTreatment, 'category' | 'rate' | 'exemptionReason'>;
}): DocumentLine => {
  const { net, vat } = splitGross({ gross: input.gross, rate: input.treatment.rate });
  return {
    id: input.id,
    description: input.description,
    gross: input.gross.toString(),
    net: net.toString(),
    vat: vat.toString(),
    category: input.treatment.category,
    rate: input.treatment.rate,
    exemptionReason: input.treatment.exemptionReason,
  };
};

/**
 * The wallet transaction hook (W-13): for each grant of purchased credit an invoice, for each refund
 * a credit note for the payout, numbered and stored in the wallet's own transaction. A rolled-back
 * batch rolls the number back with it, so the series has no gaps; a replayed purchase is no new grant
 * (the wallet's idempotency key), so it makes no second invoice. Reads the buyer with the same `tx`.
 */
export class DocumentIssuer implements WalletTransactionHook {
  readonly name = 'wallet-invoices';

  constructor(private readonly deps: { options: WalletInvoiceOptions; jobs: JobQueue | null }) {}

  async afterWrite(input: { tx: Transaction; now: Date; changes: readonly WalletChanges[] }): Promise<void> {
    const grants: Array<{ change: WalletChanges; row: TxRow }> = [];
    const refunds: Array<{ change: WalletChanges; row: TxRow }> = [];
    for (const change of input.changes) {
      for (const row of change.transactions) {
        const meta = row.metadata as { kind?: unknown; purchaseId?: unknown };
        if (row.type === 'grant' && meta.kind === 'purchased' && typeof meta.purchaseId === 'string') grants.push({ change, row });
        else if (row.type === 'refund') refunds.push({ change, row });
      }
    }
    if (!grants.length && !refunds.length) return;
    const { tx, now } = input;
    const buyers = new Map<string, { buyer: BuyerSnapshot; locale: DocumentLocale }>();
    const buyerOf = async (accountId: string) => {
      let found = buyers.get(accountId);
      if (!found) buyers.set(accountId, (found = await readBuyer(tx, accountId)));
      return found;
    };
    const sellerCountry = this.deps.options.seller.country.toUpperCase();
    // Invoices first, then credit notes: every transaction takes the series rows in the same order (no deadlock).
    const drafts: Draft[] = [];
    for (const { change, row } of grants) {
      const { buyer, locale } = await buyerOf(change.accountId);
      const lotId = change.newLots.find((l) => l.transactionId === row.id)?.lot.id ?? row.postings.find((p) => p.book === 'wallet' && p.lotId)?.lotId ?? null;
      const treatment = treatmentOf({ sellerCountry, buyer });
      drafts.push({
        accountId: change.accountId,
        type: 'invoice',
        transactionId: row.id,
        lotId,
        purchaseId: (row.metadata as { purchaseId: string }).purchaseId,
        lines: [lineOf({ id: '1', description: purchaseLine(row), gross: row.amount, treatment })],
        credited: [],
        buyer,
        locale,
      });
    }
    for (const { change, row } of refunds) {
      const { buyer, locale } = await buyerOf(change.accountId);
      // What the payout took from each lot; the fee is a separate transaction and stays earned.
      const perLot = new Map<string, Money>();
      for (const p of row.postings) {
        if (p.book !== 'wallet' || !p.lotId || !p.amount.isNegative()) continue;
        perLot.set(p.lotId, (perLot.get(p.lotId) ?? Money.zero()).plus(p.amount.negated()));
      }
      const { rows: invoices } = await tx.query<{ id: string; number: string; issued_on: string; lot_id: string; lines: DocumentLine[] }>(
        `select id, number, issued_on::text as issued_on, lot_id, lines from billing_documents where doc_type = 'invoice' and lot_id = any($1::text[]) order by issued_at, id`,
        [pgArray([...perLot.keys()])],
      );
      const byLot = new Map(invoices.map((i) => [i.lot_id, i]));
      const lines: DocumentLine[] = [];
      const credited: CreditedInvoice[] = [];
      for (const [lotId, amount] of perLot) {
        const invoice = byLot.get(lotId);
        // The credit note takes the VAT treatment of the invoice it corrects; a lot bought before invoices existed takes today's.
        const treatment = invoice ? invoice.lines[0]! : treatmentOf({ sellerCountry, buyer });
        lines.push({
          ...lineOf({
            id: String(lines.length + 1),
            description: invoice ? `Refund of prepaid wallet credit, invoice ${invoice.number}` : 'Refund of prepaid wallet credit',
            gross: amount,
            treatment,
          }),
          creditsDocumentId: invoice?.id ?? null,
        });
        credited.push({
          documentId: invoice?.id ?? null,
          number: invoice?.number ?? null,
          issuedOn: invoice?.issued_on ?? null,
          lotId,
          amount: amount.toString(),
        });
      }
      if (!lines.length) continue;
      drafts.push({ accountId: change.accountId, type: 'credit_note', transactionId: row.id, lotId: null, purchaseId: null, lines, credited, buyer, locale });
    }
    const timeZone = this.deps.options.timeZone ?? 'Europe/Brussels';
    const issuedOn = dayIn(now, timeZone);
    const year = Number(issuedOn.slice(0, 4));
    const seller = sellerSnapshot(this.deps.options);
    for (const draft of drafts) {
      const number = await this.#allocate({ tx, type: draft.type, year });
      const id = `bd_${draft.transactionId}`;
      const sum = (pick: (l: DocumentLine) => string) => Money.sum(draft.lines.map((l) => Money.of(pick(l)))).toString();
      await tx.query(
        `insert into billing_documents (id, account_id, doc_type, issuer, number, issued_at, issued_on, currency, net, vat, gross, seller, buyer, lines, locale,
                                        transaction_id, lot_id, purchase_id, credited)
         values ($1, $2, $3, $4, $5, $6, $7, 'EUR', $8, $9, $10, $11::jsonb, $12::jsonb, $13::jsonb, $14, $15, $16, $17, $18::jsonb)`,
        [
          id,
          draft.accountId,
          draft.type,
          this.deps.options.seller.vatNumber,
          number,
          now,
          issuedOn,
          sum((l) => l.net),
          sum((l) => l.vat),
          sum((l) => l.gross),
          JSON.stringify(seller),
          JSON.stringify(draft.buyer),
          JSON.stringify(draft.lines),
          draft.locale,
          draft.transactionId,
          draft.lotId,
          draft.purchaseId,
          JSON.stringify(draft.credited),
        ],
      );
      // The job commits with the document; without a queue (the CLI) the renderer's sweep finds it.
      if (this.deps.jobs) await this.deps.jobs.send({ name: BILLING_DOCUMENT_QUEUE, data: { documentId: id }, tx });
    }
  }

  /** The next number of the series, taken under the series row's lock: two hosts wait for each other, never share or skip one. */
  async #allocate(input: { tx: Transaction; type: DocumentType; year: number }): Promise<string> {
    const { rows } = await input.tx.query<{ n: string }>(
      `insert into billing_document_series (issuer, doc_type, year, next) values ($1, $2, $3, 2)
       on conflict (issuer, doc_type, year) do update set next = billing_document_series.next + 1
       returning (next - 1)::text as n`,
      [this.deps.options.seller.vatNumber, input.type, input.year],
    );
    const prefixes = this.deps.options.prefixes ?? {};
    const prefix = input.type === 'invoice' ? (prefixes.invoice ?? 'TG') : (prefixes.creditNote ?? 'TGCN');
    return `${prefix}${input.year}-${rows[0]!.n.padStart(6, '0')}`;
  }
}

/** The buyer: the account's billing profile, else its name (B2C, in the seller's country), and the account's language. */
export async function readBuyer(tx: Transaction, accountId: string): Promise<{ buyer: BuyerSnapshot; locale: DocumentLocale }> {
  const { rows } = await tx.query<{
    name: string;
    locale: DocumentLocale;
    owner_email: string | null;
    legal_name: string | null;
    address_lines: string[] | null;
    postcode: string | null;
    city: string | null;
    country: string | null;
    vat_number: string | null;
    email: string | null;
  }>(
    `select a.name, a.locale,
            (select u.email from users u where u.account_id = a.id and u.role = 'owner' order by u.created_at limit 1) as owner_email,
            p.legal_name, p.address_lines, p.postcode, p.city, p.country, p.vat_number, p.email
       from accounts a left join billing_profiles p on p.account_id = a.id
      where a.id = $1`,
    [accountId],
  );
  const r = rows[0];
  const locale: DocumentLocale = r && ['nl', 'fr', 'en', 'de'].includes(r.locale) ? r.locale : 'en';
  if (r?.legal_name) {
    return {
      locale,
      buyer: {
        accountId,
        fromProfile: true,
        name: r.legal_name,
        addressLines: r.address_lines ?? [],
        postcode: r.postcode ?? '',
        city: r.city ?? '',
        country: r.country ?? 'BE',
        vatNumber: r.vat_number,
        email: r.email ?? r.owner_email,
      },
    };
  }
  // No profile: a consumer under the account's name; accounts carry no country, so the seller's (Belgium) applies.
  return {
    locale,
    buyer: {
      accountId,
      fromProfile: false,
      name: r?.name ?? accountId,
      addressLines: [],
      postcode: '',
      city: '',
      country: 'BE',
      vatNumber: null,
      email: r?.owner_email ?? null,
    },
  };
}

/** The invoice line of a purchased pack; a scoped pack says what its credit is for (the grant's metadata carries the scope). */
function purchaseLine(row: TxRow): string {
  const scope = (row.metadata as { scope?: unknown }).scope;
  const named = Array.isArray(scope) ? scope.filter((s): s is string => typeof s === 'string') : [];
  return `Prepaid wallet credit (${row.description})${named.length ? ` — for: ${named.join(', ')}` : ''}`;
}
