import { Decimal } from 'decimal.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * A reader for Twinfield sales transactions XML, written from the published structure, not from the
 * writer (developers.twinfield.com "Sales transactions", php-twinfield/twinfield's request example
 * tests/IntegrationTests/resources/salesTransactionSendRequest.xml and TransactionMapper):
 * <transactions><transaction destiny="temporary|final"><header> office, code, date (yyyymmdd),
 * period (YYYY/PP), currency, invoicenumber, duedate, paymentreference </header><lines><line
 * type="total|detail|vat" id> dim1, dim2, debitcredit (debit|credit), value, vattotal, vatvalue,
 * description, vatcode, performancetype/-country/-vatnumber </line></lines></transaction>.
 * A sales transaction has one total line and at least two lines.
 */
export interface ReadLine {
  type: 'total' | 'detail' | 'vat';
  id: string;
  dim1: string;
  dim2: string | null;
  debitcredit: 'debit' | 'credit';
  value: Decimal;
  vattotal: Decimal | null;
  vatvalue: Decimal | null;
  vatcode: string | null;
  description: string | null;
  performancetype: string | null;
  performancecountry: string | null;
  performancevatnumber: string | null;
  performancedate: string | null;
}

export interface ReadTransaction {
  destiny: 'temporary' | 'final';
  office: string;
  code: string;
  date: string;
  period: string;
  currency: string;
  invoicenumber: string;
  duedate: string | null;
  paymentreference: string | null;
  total: ReadLine;
  details: ReadLine[];
  /** Σ debit − Σ credit over the total and detail lines, the detail lines' VAT counted on their side. */
  balance: Decimal;
}

const AMOUNT = /^\d+\.\d{2}$/;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => name === 'transaction' || name === 'line',
});

function text(node: Record<string, unknown>, name: string, where: string, required = true): string | null {
  const value = node[name];
  if (value === undefined || value === '') {
    if (required) throw new Error(`${where}: <${name}> is required`);
    return null;
  }
  if (typeof value !== 'string') throw new Error(`${where}: <${name}> must be text`);
  return value;
}

function amount(node: Record<string, unknown>, name: string, where: string, required = true): Decimal | null {
  const value = text(node, name, where, required);
  if (value === null) return null;
  if (!AMOUNT.test(value)) throw new Error(`${where}: <${name}> "${value}" is not a positive amount with two decimals`);
  return new Decimal(value);
}

function yyyymmdd(value: string, where: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (!m || new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`).toISOString().slice(0, 10) !== `${m[1]}-${m[2]}-${m[3]}`)
    throw new Error(`${where}: "${value}" is no yyyymmdd date`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** performancedate: yyyymmdd; mandatory on an ICT line whose performancetype is services. */
function performanceDate(line: Record<string, unknown>, at: string): string | null {
  const type = text(line, 'performancetype', at, false);
  if (type !== null && type !== 'services' && type !== 'goods') throw new Error(`${at}: performancetype must be services or goods`);
  const value = text(line, 'performancedate', at, type === 'services');
  return value === null ? null : yyyymmdd(value, `${at} performancedate`);
}

export function readTransactions(xml: string): ReadTransaction[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = parser.parse(xml) as { transactions?: { transaction?: Record<string, unknown>[] } };
  const transactions = doc.transactions?.transaction;
  if (!transactions || transactions.length === 0) throw new Error('the root must be <transactions> holding <transaction> elements');
  return transactions.map((tx, i) => {
    const where = `transaction ${i + 1}`;
    const destiny = tx['@destiny'];
    if (destiny !== 'temporary' && destiny !== 'final') throw new Error(`${where}: destiny must be temporary or final`);
    const header = tx.header as Record<string, unknown> | undefined;
    if (!header) throw new Error(`${where}: <header> is required`);
    const rawLines = (tx.lines as { line?: Record<string, unknown>[] } | undefined)?.line ?? [];
    if (rawLines.length < 2) throw new Error(`${where}: a sales transaction needs at least two lines`);
    const lines = rawLines.map((l, j): ReadLine => {
      const at = `${where} line ${j + 1}`;
      const type = l['@type'];
      if (type !== 'total' && type !== 'detail' && type !== 'vat') throw new Error(`${at}: type must be total, detail or vat`);
      const side = text(l, 'debitcredit', at);
      if (side !== 'debit' && side !== 'credit') throw new Error(`${at}: debitcredit must be debit or credit`);
      return {
        type,
        id: String(l['@id'] ?? ''),
        dim1: text(l, 'dim1', at)!,
        dim2: text(l, 'dim2', at, type === 'total'),
        debitcredit: side,
        value: amount(l, 'value', at)!,
        vattotal: amount(l, 'vattotal', at, false),
        vatvalue: amount(l, 'vatvalue', at, false),
        vatcode: text(l, 'vatcode', at, type !== 'total'),
        description: text(l, 'description', at, false),
        performancetype: text(l, 'performancetype', at, false),
        performancecountry: text(l, 'performancecountry', at, false),
        performancevatnumber: text(l, 'performancevatnumber', at, false),
        performancedate: performanceDate(l, at),
      };
    });
    for (const l of lines)
      if (l.description !== null && l.description.length > 40) throw new Error(`${where} line ${l.id}: description longer than 40 characters`);
    const totals = lines.filter((l) => l.type === 'total');
    if (totals.length !== 1) throw new Error(`${where}: exactly one total line`);
    if (totals[0]!.vatcode !== null) throw new Error(`${where}: the total line carries no vatcode`);
    const signed = (v: Decimal, side: 'debit' | 'credit') => (side === 'debit' ? v : v.neg());
    const balance = lines.reduce(
      (sum, l) => sum.plus(signed(l.value, l.debitcredit)).plus(l.type === 'detail' && l.vatvalue ? signed(l.vatvalue, l.debitcredit) : 0),
      new Decimal(0),
    );
    const period = text(header, 'period', where)!;
    if (!/^\d{4}\/\d{2}$/.test(period)) throw new Error(`${where}: period "${period}" is not YYYY/PP`);
    const currency = text(header, 'currency', where)!;
    if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`${where}: currency is an ISO 4217 code`);
    const due = text(header, 'duedate', where, false);
    return {
      destiny,
      office: text(header, 'office', where)!,
      code: text(header, 'code', where)!,
      date: yyyymmdd(text(header, 'date', where)!, `${where} date`),
      period,
      currency,
      invoicenumber: text(header, 'invoicenumber', where)!,
      duedate: due === null ? null : yyyymmdd(due, `${where} duedate`),
      paymentreference: text(header, 'paymentreference', where, false),
      total: totals[0]!,
      details: lines.filter((l) => l.type === 'detail'),
      balance,
    };
  });
}
