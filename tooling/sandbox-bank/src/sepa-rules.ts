import { addTarget2BusinessDays, isTarget2BusinessDay, nextTarget2BusinessDay } from '@tollgate/clock';
import { toCents, type Pain008Batch, type Pain008File, type Pain008Transaction, type SequenceType } from './pain008.reader.js';
import { hasValidIbanChecksum } from './test-ibans.js';

/** An ISO 20022 external status reason code (Rsn/Cd), or a bank's own (Rsn/Prtry). */
export type StatusReason = { code: string } | { proprietary: string };

export interface Failure {
  reason: StatusReason;
  /** Human text, shown in GET /_sandbox/files (the EPC pain.002 has no room for it). */
  message: string;
}

/** What the bank makes of a received file, level by level: the first failing level decides. */
export interface Verdict {
  /** Set: the whole file is refused (GrpSts RJCT, no details). */
  file?: Failure;
  /** Batches refused as a whole (PmtInfSts RJCT), by PmtInfId. */
  batches: Map<string, Failure>;
  /** Single collections refused (TxSts RJCT), by object identity (an EndToEndId may repeat in a bad file). */
  transactions: Map<Pain008Transaction, Failure>;
}

/** What the rules need to know about earlier files. */
export interface RulesContext {
  /** The UTC day the file is received. */
  receivedDay: string;
  /** TARGET2 business days between reception and ReqdColltnDt, at least (SDD Core: 1 since Nov 2016). */
  minLeadDays: number;
  /** true when a collection with this EndToEndId was already taken (and not refused on receipt). */
  knownEndToEndId(endToEndId: string): boolean;
  /** Sequence types of earlier collections on this mandate that were not refused or returned before settlement. */
  mandateHistory(creditorSchemeId: string, mandateId: string): SequenceType[];
}

// SEPA countries outside the EEA (EPC list of SEPA countries): collections from their debtors need the
// debtor agent's BIC and the debtor's address (EPC SDD Core rulebook, since the 2016 and 2019 changes).
// Jersey, Guernsey and the Isle of Man use GB IBANs.
export const NON_EEA_SEPA_COUNTRIES: ReadonlySet<string> = new Set(['AD', 'AL', 'CH', 'GB', 'GI', 'MC', 'MD', 'ME', 'MK', 'RS', 'SM', 'VA']);
// EU 27 + Iceland, Liechtenstein, Norway (French, Portuguese and Spanish territories use their country's IBAN).
export const EEA_COUNTRIES: ReadonlySet<string> = new Set(
  'AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO'.split(' '),
);

const SEPA_MAX_AMOUNT = 99_999_999_999n; // 999 999 999.99 EUR in cents (EPC implementation guidelines)
const SEPA_AMOUNT = /^\d{1,15}(\.\d{1,2})?$/;

/** SEPA creditor identifier: CC + 2 check digits (ISO 7064 MOD 97-10 over the national id + CC00) + 3-character business code + national id. */
export function isValidCreditorId(id: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$/.test(id)) return false;
  const digits = `${id.slice(7)}${id.slice(0, 2)}${id.slice(2, 4)}`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  return rest === 1;
}

/** Exact decimal text -> integer scaled to 17 fraction digits (the XSD's DecimalNumber), to compare sums without floats. */
function scaled(amount: string): bigint | undefined {
  if (!/^\d+(\.\d+)?$/.test(amount)) return undefined;
  const [whole, fraction = ''] = amount.split('.');
  if (fraction.length > 17) return undefined;
  return BigInt(whole!) * 10n ** 17n + BigInt(fraction.padEnd(17, '0'));
}

function sumOf(txs: readonly Pain008Transaction[]): bigint | undefined {
  let total = 0n;
  for (const tx of txs) {
    const value = scaled(tx.amount);
    if (value === undefined) return undefined;
    total += value;
  }
  return total;
}

const fail = (code: string, message: string): Failure => ({ reason: { code }, message });

/** Group-level checks (after the XSD): NbOfTxs (AM18) and CtrlSum (AM10). */
function checkGroup(file: Pain008File): Failure | undefined {
  const all = file.batches.flatMap((b) => b.transactions);
  if (Number(file.nbOfTxs) !== all.length) return fail('AM18', `GrpHdr/NbOfTxs is ${file.nbOfTxs}, the file holds ${all.length} transactions`);
  if (file.ctrlSum !== undefined && scaled(file.ctrlSum) !== sumOf(all)) return fail('AM10', `GrpHdr/CtrlSum ${file.ctrlSum} does not match the transactions`);
  return undefined;
}

function checkBatch(batch: Pain008Batch, context: RulesContext): Failure | undefined {
  const id = batch.pmtInfId;
  if (batch.nbOfTxs !== undefined && Number(batch.nbOfTxs) !== batch.transactions.length)
    return fail('AM18', `PmtInf ${id}: NbOfTxs is ${batch.nbOfTxs}, the batch holds ${batch.transactions.length}`);
  if (batch.ctrlSum !== undefined && scaled(batch.ctrlSum) !== sumOf(batch.transactions))
    return fail('AM10', `PmtInf ${id}: CtrlSum ${batch.ctrlSum} does not match`);
  // The XSD leaves PmtTpInf optional; the SEPA scheme does not (EPC implementation guidelines).
  if (batch.serviceLevel !== 'SEPA') return fail('FF01', `PmtInf ${id}: PmtTpInf/SvcLvl/Cd must be SEPA`);
  if (batch.localInstrument !== 'CORE') return fail('FF01', `PmtInf ${id}: PmtTpInf/LclInstrm/Cd must be CORE (this bank runs SDD Core)`);
  if (!batch.sequenceType) return fail('FF01', `PmtInf ${id}: PmtTpInf/SeqTp is required`);
  if (!isTarget2BusinessDay(batch.collectionDate)) return fail('DT01', `PmtInf ${id}: ReqdColltnDt ${batch.collectionDate} is not a TARGET2 business day`);
  const earliest = addTarget2BusinessDays({ day: nextTarget2BusinessDay(context.receivedDay), count: context.minLeadDays });
  if (batch.collectionDate < earliest)
    return fail(
      'DT01',
      `PmtInf ${id}: ReqdColltnDt ${batch.collectionDate} is too soon; the earliest for a file received ${context.receivedDay} is ${earliest}`,
    );
  if (!isValidCreditorId(batch.creditorSchemeId)) return fail('BE05', `PmtInf ${id}: creditor scheme id ${batch.creditorSchemeId} is invalid`);
  if (!hasValidIbanChecksum(batch.creditorIban)) return fail('AC01', `PmtInf ${id}: creditor IBAN ${batch.creditorIban} is invalid`);
  return undefined;
}

function checkTransaction(tx: Pain008Transaction, seen: Set<string>, context: RulesContext): Failure | undefined {
  const e2e = tx.endToEndId;
  if (seen.has(e2e) || context.knownEndToEndId(e2e)) return fail('AM05', `${e2e}: EndToEndId already received`);
  if (tx.currency !== 'EUR') return fail('AM03', `${e2e}: SEPA direct debits are in EUR, got ${tx.currency}`);
  if (!SEPA_AMOUNT.test(tx.amount)) return fail('AM12', `${e2e}: ${tx.amount} is not a SEPA amount (at most 2 decimals)`);
  const cents = toCents(tx.amount);
  if (cents === 0n) return fail('AM01', `${e2e}: zero amount`);
  if (cents > SEPA_MAX_AMOUNT) return fail('AM12', `${e2e}: above 999999999.99 EUR`);
  if (!hasValidIbanChecksum(tx.debtorIban)) return fail('AC01', `${e2e}: debtor IBAN ${tx.debtorIban} is invalid`);
  const country = tx.debtorIban.slice(0, 2);
  if (!EEA_COUNTRIES.has(country) && !NON_EEA_SEPA_COUNTRIES.has(country)) return fail('DNOR', `${e2e}: ${country} is not a SEPA country`);
  if (NON_EEA_SEPA_COUNTRIES.has(country)) {
    if (!tx.debtorBic) return fail('RC01', `${e2e}: a debtor in ${country} (SEPA, outside the EEA) needs DbtrAgt/FinInstnId/BIC`);
    if (!tx.debtorAddress?.country || !tx.debtorAddress.hasAddress)
      return fail('BE07', `${e2e}: a debtor in ${country} (SEPA, outside the EEA) needs Dbtr/PstlAdr with Ctry and an address`);
  }
  return undefined;
}

/**
 * Sequence rules per mandate (creditor scheme id + mandate id). EPC made FRST optional in Nov 2016:
 * RCUR may open a mandate and FRST/RCUR are otherwise interchangeable. What stays refused (AG01,
 * transaction forbidden): anything after a FNAL, anything after an OOFF, and an OOFF on a mandate
 * already used.
 */
function checkSequence(sequence: string, history: SequenceType[]): string | undefined {
  if (history.includes('FNAL')) return 'the mandate was closed by a FNAL collection';
  if (history.includes('OOFF')) return 'the mandate was a one-off (OOFF) already collected';
  if (sequence === 'OOFF' && history.length > 0) return 'an OOFF collection on a mandate already used';
  return undefined;
}

/** Applies the bank's rules to a file that passed the XSD. */
export function judgeFile(file: Pain008File, context: RulesContext): Verdict {
  const verdict: Verdict = { batches: new Map(), transactions: new Map() };
  const group = checkGroup(file);
  if (group) return { ...verdict, file: group };
  const seen = new Set<string>();
  const used = new Map<string, SequenceType[]>();
  for (const batch of file.batches) {
    const failure = checkBatch(batch, context);
    if (failure) {
      verdict.batches.set(batch.pmtInfId, failure);
      continue;
    }
    for (const tx of batch.transactions) {
      const txFailure = checkTransaction(tx, seen, context);
      seen.add(tx.endToEndId);
      if (txFailure) {
        verdict.transactions.set(tx, txFailure);
        continue;
      }
      const key = `${batch.creditorSchemeId}\u0000${tx.mandateId}`;
      const history = used.get(key) ?? context.mandateHistory(batch.creditorSchemeId, tx.mandateId);
      const sequenceProblem = checkSequence(batch.sequenceType, history);
      if (sequenceProblem) {
        verdict.transactions.set(tx, fail('AG01', `${tx.endToEndId}: ${sequenceProblem} (mandate ${tx.mandateId})`));
        continue;
      }
      used.set(key, [...history, batch.sequenceType as SequenceType]);
    }
  }
  return verdict;
}
