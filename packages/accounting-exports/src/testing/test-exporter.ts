import type { AccountingDocumentFilter, AccountingDocumentReader, MissingAccountingDetails } from '@tollgate/invoice-sync';
import type { AccountingDocument, AccountingExporter, ExportFile, ExportRefusal, StandardSchemaV1 } from '@tollgate/plugin-sdk';

/**
 * Test doubles until the real reader and exporters land: an in-memory AccountingDocumentReader that
 * pages like the contract says (oldest issue date first, then id) and a one-file-per-document
 * exporter that refuses a document without a buyer VAT number (rule 'BR-CO-09'-like 'TEST-BUYER-VAT').
 */
export class MemoryDocumentReader implements AccountingDocumentReader {
  readonly documents: AccountingDocument[] = [];
  readonly missing: Array<MissingAccountingDetails & { accountId: string; issuedOn: string }> = [];
  readonly accountOf = new Map<string, string>();

  add(accountId: string, doc: AccountingDocument): void {
    this.documents.push(doc);
    this.accountOf.set(doc.id, accountId);
  }

  async list(filter: AccountingDocumentFilter) {
    const limit = filter.limit ?? 100;
    const offset = filter.cursor ? Number(filter.cursor) : 0;
    const keep = (d: { id: string; issuedOn: string; kind?: string }) =>
      (!filter.ids || filter.ids.includes(d.id)) &&
      (!filter.issuedFrom || d.issuedOn >= filter.issuedFrom) &&
      (!filter.issuedTo || d.issuedOn <= filter.issuedTo) &&
      (!filter.kinds || !d.kind || filter.kinds.includes(d.kind as never));
    const all = [
      ...this.documents.filter((d) => this.accountOf.get(d.id) === filter.accountId && keep(d)).map((d) => ({ d, m: null })),
      ...this.missing.filter((m) => m.accountId === filter.accountId && keep({ id: m.invoiceId, issuedOn: m.issuedOn })).map((m) => ({ d: null, m })),
    ].sort((a, b) => {
      const ka = `${a.d?.issuedOn ?? a.m!.issuedOn}|${a.d?.id ?? a.m!.invoiceId}`;
      const kb = `${b.d?.issuedOn ?? b.m!.issuedOn}|${b.d?.id ?? b.m!.invoiceId}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    const page = all.slice(offset, offset + limit);
    return {
      documents: page.flatMap((p) => (p.d ? [p.d] : [])),
      missing: page.flatMap((p) => (p.m ? [{ invoiceId: p.m.invoiceId, number: p.m.number, reason: p.m.reason }] : [])),
      nextCursor: offset + limit < all.length ? String(offset + limit) : null,
    };
  }

  async backfill() {
    return { filled: 0, failed: 0, remaining: 0 };
  }
}

const journalOption: StandardSchemaV1<unknown, Record<string, unknown>> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => {
      const v = (value ?? {}) as Record<string, unknown>;
      if (v.journal !== undefined && (typeof v.journal !== 'string' || !/^[A-Z]{1,4}$/.test(v.journal)))
        return { issues: [{ message: '1 to 4 capital letters', path: ['journal'] }] };
      return { value: { journal: (v.journal as string | undefined) ?? 'VKP' } };
    },
  },
};

export class TestExporter implements AccountingExporter {
  readonly label = 'Test UBL';
  readonly format = 'Test XML';
  readonly targetOptions = journalOption;
  renders = 0;
  constructor(
    readonly id = 'test-ubl',
    readonly channel = 'export-test',
    readonly layout: 'document' | 'batch' = 'document',
  ) {}

  async render(input: { accountId: string; documents: readonly AccountingDocument[]; options: Readonly<Record<string, unknown>> }) {
    this.renders++;
    const refused: ExportRefusal[] = [];
    const ok: AccountingDocument[] = [];
    for (const doc of input.documents) {
      if (!doc.buyer.vatNumber) refused.push({ documentId: doc.id, rule: 'TEST-BUYER-VAT', message: 'The buyer has no VAT number.' });
      else ok.push(doc);
    }
    const xml = (d: AccountingDocument) =>
      new Uint8Array(Buffer.from(`<Doc journal="${String(input.options.journal)}" number="${d.number}" total="${d.totals.payable}"/>\n`));
    const files: ExportFile[] =
      this.layout === 'document'
        ? ok.map((d) => ({ name: `${d.kind}-${d.number}.xml`, contentType: 'application/xml', body: xml(d), documentIds: [d.id] }))
        : ok.length
          ? [
              {
                name: 'batch.txt',
                contentType: 'text/plain',
                body: new Uint8Array(Buffer.concat(ok.map((d) => Buffer.from(xml(d))))),
                documentIds: ok.map((d) => d.id),
              },
            ]
          : [];
    return { files, refused };
  }
}

/** A small valid-looking invoice; `buyerVat: null` makes the test exporter refuse it. */
export function testDocument(input: {
  id: string;
  number: string;
  issuedOn?: string;
  kind?: 'invoice' | 'credit_note';
  buyerVat?: string | null;
}): AccountingDocument {
  const party = (name: string, vat: string | null) => ({
    name,
    vatNumber: vat,
    address: { line1: 'Kerkstraat 1', postalCode: '1000', city: 'Brussel', country: 'BE' },
  });
  return {
    id: input.id,
    kind: input.kind ?? 'invoice',
    number: input.number,
    issuedOn: input.issuedOn ?? '2026-02-01',
    dueOn: '2026-03-01',
    currency: 'EUR',
    source: { id: 'teamleader', documentId: `tl-${input.id}` },
    seller: party('Seller NV', 'BE0123456749'),
    buyer: party('Buyer BV', input.buyerVat === undefined ? 'BE0987654321' : input.buyerVat),
    lines: [
      {
        id: '1',
        description: 'Consultancy',
        quantity: '1',
        unitCode: 'HUR',
        unitPrice: '100.00',
        discount: '0.00',
        lineTotal: '100.00',
        vatCategory: 'S',
        vatRate: '21',
      },
    ],
    vatBreakdown: [{ vatCategory: 'S', vatRate: '21', taxableAmount: '100.00', taxAmount: '21.00' }],
    totals: { lineExtension: '100.00', allowances: '0.00', taxExclusive: '100.00', tax: '21.00', taxInclusive: '121.00', prepaid: '0.00', payable: '121.00' },
    payment: { meansCode: '30', reference: '+++123/4567/89002+++' },
    references: { buyerReference: 'PO-1' },
  };
}
