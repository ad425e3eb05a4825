import type { PgArrayElement, Queryable } from '@tollgate/db';
import { namedStatement } from './named-sql.js';
import type { WalletChanges } from './wallet-state.js';

/*
 * Writes what a transaction's commands did, for every wallet in it, in ONE statement:
 * data-modifying CTEs over unnest() arrays (empty arrays insert nothing). Foreign keys between the
 * new rows hold because PostgreSQL checks them at the end of the statement. However many commands
 * a transaction has, this is its one write: that is what group commit saves.
 */

type Column = PgArrayElement[];

type WriteParams = {
  now: Date;
  txId: Column;
  txAccount: Column;
  txType: Column;
  txChannel: Column;
  txDescription: Column;
  txAmount: Column;
  txBalanceAfter: Column;
  txHold: Column;
  txReverses: Column;
  txKey: Column;
  txMetadata: Column;
  lotId: Column;
  lotAccount: Column;
  lotKind: Column;
  lotGranted: Column;
  lotRemaining: Column;
  lotExpires: Column;
  lotTransaction: Column;
  lotClawedBack: Column;
  lotScope: Column;
  changedLotId: Column;
  changedLotRemaining: Column;
  changedLotClawedBack: Column;
  postingTx: Column;
  postingSeq: Column;
  postingBook: Column;
  postingAccount: Column;
  postingLot: Column;
  postingChannel: Column;
  postingAmount: Column;
  holdId: Column;
  holdAccount: Column;
  holdChannel: Column;
  holdDescription: Column;
  holdUnits: Column;
  holdCountry: Column;
  holdUnitPrice: Column;
  holdAmount: Column;
  holdFreeUnits: Column;
  holdAllowanceUnits: Column;
  holdExpires: Column;
  holdUser: Column;
  holdLotHold: Column;
  holdLotLot: Column;
  holdLotAmount: Column;
  changedHoldId: Column;
  changedHoldStatus: Column;
  changedHoldCaptured: Column;
  changedHoldSettled: Column;
  quotaAccount: Column;
  quotaChannel: Column;
  quotaPeriod: Column;
  quotaUsed: Column;
  spendAccount: Column;
  spendPeriod: Column;
  spendKind: Column;
  spendTarget: Column;
  spendAmount: Column;
  allowanceAccount: Column;
  allowanceChannel: Column;
  allowancePeriod: Column;
  allowanceGranted: Column;
  allowanceCarried: Column;
  allowanceUsed: Column;
  keyAccount: Column;
  keyKey: Column;
  keyOperation: Column;
  keyHash: Column;
  keyResponse: Column;
  eventAccount: Column;
  eventType: Column;
  eventPayload: Column;
  walletAccount: Column;
  walletAvailable: Column;
  walletPending: Column;
  walletOwed: Column;
};

const WRITE = namedStatement<WriteParams>(`
  with
    t as (insert into ledger_transactions (id, account_id, type, channel, description, amount, balance_after, hold_id, reverses_id, idempotency_key, metadata, created_at)
          select id, account_id, type, channel, description, amount, balance_after, hold_id, reverses_id, key, metadata, :now
            from unnest(:txId::bigint[], :txAccount::text[], :txType::text[], :txChannel::text[], :txDescription::text[], :txAmount::numeric[],
                        :txBalanceAfter::numeric[], :txHold::bigint[], :txReverses::bigint[], :txKey::text[], :txMetadata::jsonb[])
              as v(id, account_id, type, channel, description, amount, balance_after, hold_id, reverses_id, key, metadata)),
    nl as (insert into credit_lots (id, account_id, kind, granted, remaining, expires_at, created_at, transaction_id, clawed_back_at, scope)
           select id, account_id, kind, granted, remaining, expires_at, :now, transaction_id, clawed_back_at,
                  -- A scope travels as JSON (arrays of arrays must be rectangular in PostgreSQL): null = general credit.
                  case when scope is null then null else array(select jsonb_array_elements_text(scope)) end
             from unnest(:lotId::bigint[], :lotAccount::text[], :lotKind::text[], :lotGranted::numeric[], :lotRemaining::numeric[],
                         :lotExpires::timestamptz[], :lotTransaction::bigint[], :lotClawedBack::timestamptz[], :lotScope::jsonb[])
               as v(id, account_id, kind, granted, remaining, expires_at, transaction_id, clawed_back_at, scope)),
    cl as (update credit_lots l set remaining = v.remaining, clawed_back_at = v.clawed_back_at
             from unnest(:changedLotId::bigint[], :changedLotRemaining::numeric[], :changedLotClawedBack::timestamptz[]) as v(id, remaining, clawed_back_at)
            where l.id = v.id),
    p as (insert into ledger_postings (transaction_id, seq, book, account_id, lot_id, channel, amount)
          select * from unnest(:postingTx::bigint[], :postingSeq::smallint[], :postingBook::text[], :postingAccount::text[], :postingLot::bigint[],
                               :postingChannel::text[], :postingAmount::numeric[])),
    nh as (insert into holds (id, account_id, channel, description, units, country, unit_price, amount, captured, free_units, allowance_units, status, expires_at, created_at, user_id)
           select id, account_id, channel, description, units, country, unit_price, amount, 0, free_units, allowance_units, 'pending', expires_at, :now, user_id
             from unnest(:holdId::bigint[], :holdAccount::text[], :holdChannel::text[], :holdDescription::text[], :holdUnits::numeric[], :holdCountry::text[],
                         :holdUnitPrice::numeric[], :holdAmount::numeric[], :holdFreeUnits::numeric[], :holdAllowanceUnits::numeric[], :holdExpires::timestamptz[], :holdUser::text[])
               as v(id, account_id, channel, description, units, country, unit_price, amount, free_units, allowance_units, expires_at, user_id)),
    hl as (insert into hold_lots (hold_id, lot_id, amount) select * from unnest(:holdLotHold::bigint[], :holdLotLot::bigint[], :holdLotAmount::numeric[])),
    ch as (update holds h set status = v.status, captured = v.captured, settled_at = v.settled_at
             from unnest(:changedHoldId::bigint[], :changedHoldStatus::text[], :changedHoldCaptured::numeric[], :changedHoldSettled::timestamptz[])
               as v(id, status, captured, settled_at)
            where h.id = v.id),
    qu as (insert into quota_usage (account_id, channel, period, used)
           select * from unnest(:quotaAccount::text[], :quotaChannel::text[], :quotaPeriod::date[], :quotaUsed::numeric[])
           on conflict (account_id, channel, period) do update set used = excluded.used),
    su as (insert into spend_usage (account_id, period, kind, target, amount)
           select * from unnest(:spendAccount::text[], :spendPeriod::date[], :spendKind::text[], :spendTarget::text[], :spendAmount::numeric[])
           on conflict (account_id, period, kind, target) do update set amount = excluded.amount),
    al as (insert into allowance_periods (account_id, channel, period, granted, carried, used)
           select * from unnest(:allowanceAccount::text[], :allowanceChannel::text[], :allowancePeriod::date[], :allowanceGranted::numeric[],
                                :allowanceCarried::jsonb[], :allowanceUsed::numeric[])
           on conflict (account_id, channel, period) do update set used = excluded.used),
    ik as (insert into idempotency_keys (account_id, key, operation, request_hash, response, created_at)
           select account_id, key, operation, hash, response, :now
             from unnest(:keyAccount::text[], :keyKey::text[], :keyOperation::text[], :keyHash::text[], :keyResponse::jsonb[]) as v(account_id, key, operation, hash, response)),
    ev as (insert into wallet_events (account_id, type, payload, created_at)
           select account_id, type, payload, :now from unnest(:eventAccount::text[], :eventType::text[], :eventPayload::jsonb[]) with ordinality as v(account_id, type, payload, n) order by n)
  update wallets w set available = v.available, pending = v.pending, owed = v.owed, updated_at = :now
    from unnest(:walletAccount::text[], :walletAvailable::numeric[], :walletPending::numeric[], :walletOwed::numeric[]) as v(account_id, available, pending, owed)
   where w.account_id = v.account_id`);

/** Writes every wallet's changes in one statement; nothing when no command changed anything. */
export async function writeChanges(tx: Queryable, now: Date, changes: readonly WalletChanges[]): Promise<void> {
  const p = emptyParams(now);
  let anything = false;
  for (const c of changes) {
    const account = c.accountId;
    for (const t of c.transactions) {
      p.txId.push(t.id);
      p.txAccount.push(account);
      p.txType.push(t.type);
      p.txChannel.push(t.channel);
      p.txDescription.push(t.description);
      p.txAmount.push(t.amount.toString());
      p.txBalanceAfter.push(t.balanceAfter.toString());
      p.txHold.push(t.holdId);
      p.txReverses.push(t.reversesId);
      p.txKey.push(t.idempotencyKey);
      p.txMetadata.push(JSON.stringify(t.metadata));
      for (let seq = 0; seq < t.postings.length; seq++) {
        const posting = t.postings[seq]!;
        p.postingTx.push(t.id);
        p.postingSeq.push(seq);
        p.postingBook.push(posting.book);
        p.postingAccount.push(posting.own ? account : null);
        p.postingLot.push(posting.lotId);
        p.postingChannel.push(posting.channel);
        p.postingAmount.push(posting.amount.toString());
      }
    }
    for (const { lot, transactionId } of c.newLots) {
      p.lotId.push(lot.id);
      p.lotAccount.push(account);
      p.lotKind.push(lot.kind);
      p.lotGranted.push(lot.granted.toString());
      p.lotRemaining.push(lot.remaining.toString());
      p.lotExpires.push(lot.expiresAt);
      p.lotTransaction.push(transactionId);
      p.lotClawedBack.push(lot.clawedBack);
      p.lotScope.push(lot.scope === null ? null : JSON.stringify(lot.scope));
    }
    for (const lot of c.changedLots) {
      p.changedLotId.push(lot.id);
      p.changedLotRemaining.push(lot.remaining.toString());
      p.changedLotClawedBack.push(lot.clawedBack);
    }
    for (const h of c.newHolds) {
      p.holdId.push(h.id);
      p.holdAccount.push(account);
      p.holdChannel.push(h.channel);
      p.holdDescription.push(h.description);
      p.holdUnits.push(h.units);
      p.holdCountry.push(h.country);
      p.holdUnitPrice.push(h.unitPrice.toString());
      p.holdAmount.push(h.amount.toString());
      p.holdFreeUnits.push(h.freeUnits);
      p.holdAllowanceUnits.push(h.allowanceUnits);
      p.holdExpires.push(h.expiresAt);
      p.holdUser.push(h.userId);
      for (const part of h.lots) {
        p.holdLotHold.push(h.id);
        p.holdLotLot.push(part.lotId);
        p.holdLotAmount.push(part.amount.toString());
      }
    }
    for (const h of c.changedHolds) {
      p.changedHoldId.push(h.id);
      p.changedHoldStatus.push(h.status);
      p.changedHoldCaptured.push(h.captured.toString());
      p.changedHoldSettled.push(h.settledAt);
    }
    for (const [channel, used] of c.quota) {
      p.quotaAccount.push(account);
      p.quotaChannel.push(channel);
      p.quotaPeriod.push(c.period);
      p.quotaUsed.push(used.toString());
    }
    for (const u of c.spendUsage) {
      p.spendAccount.push(account);
      p.spendPeriod.push(c.period);
      p.spendKind.push(u.kind);
      p.spendTarget.push(u.target);
      p.spendAmount.push(u.amount.toString());
    }
    for (const [channel, month] of c.allowances) {
      p.allowanceAccount.push(account);
      p.allowanceChannel.push(channel);
      p.allowancePeriod.push(month.period);
      p.allowanceGranted.push(month.granted.toString());
      p.allowanceCarried.push(JSON.stringify(month.carried.map((part) => ({ from: part.from, units: part.units.toString() }))));
      p.allowanceUsed.push(month.used.toString());
    }
    for (const r of c.records) {
      p.keyAccount.push(account);
      p.keyKey.push(r.key);
      p.keyOperation.push(r.operation);
      p.keyHash.push(r.hash);
      p.keyResponse.push(JSON.stringify(r.response));
    }
    for (const e of c.events) {
      p.eventAccount.push(account);
      p.eventType.push(e.type);
      p.eventPayload.push(JSON.stringify(e.payload));
    }
    if (c.transactions.length) {
      p.walletAccount.push(account);
      p.walletAvailable.push(c.available.toString());
      p.walletPending.push(c.pending.toString());
      p.walletOwed.push(c.owed.toString());
    }
    if (c.transactions.length || c.records.length || c.events.length) anything = true;
  }
  if (!anything) return;
  await tx.query(WRITE.text, WRITE.values(p));
}

function emptyParams(now: Date): WriteParams {
  return {
    now,
    txId: [],
    txAccount: [],
    txType: [],
    txChannel: [],
    txDescription: [],
    txAmount: [],
    txBalanceAfter: [],
    txHold: [],
    txReverses: [],
    txKey: [],
    txMetadata: [],
    lotId: [],
    lotAccount: [],
    lotKind: [],
    lotGranted: [],
    lotRemaining: [],
    lotExpires: [],
    lotTransaction: [],
    lotClawedBack: [],
    lotScope: [],
    changedLotId: [],
    changedLotRemaining: [],
    changedLotClawedBack: [],
    postingTx: [],
    postingSeq: [],
    postingBook: [],
    postingAccount: [],
    postingLot: [],
    postingChannel: [],
    postingAmount: [],
    holdId: [],
    holdAccount: [],
    holdChannel: [],
    holdDescription: [],
    holdUnits: [],
    holdCountry: [],
    holdUnitPrice: [],
    holdAmount: [],
    holdFreeUnits: [],
    holdAllowanceUnits: [],
    holdExpires: [],
    holdUser: [],
    holdLotHold: [],
    holdLotLot: [],
    holdLotAmount: [],
    changedHoldId: [],
    changedHoldStatus: [],
    changedHoldCaptured: [],
    changedHoldSettled: [],
    quotaAccount: [],
    quotaChannel: [],
    quotaPeriod: [],
    quotaUsed: [],
    spendAccount: [],
    spendPeriod: [],
    spendKind: [],
    spendTarget: [],
    spendAmount: [],
    allowanceAccount: [],
    allowanceChannel: [],
    allowancePeriod: [],
    allowanceGranted: [],
    allowanceCarried: [],
    allowanceUsed: [],
    keyAccount: [],
    keyKey: [],
    keyOperation: [],
    keyHash: [],
    keyResponse: [],
    eventAccount: [],
    eventType: [],
    eventPayload: [],
    walletAccount: [],
    walletAvailable: [],
    walletPending: [],
    walletOwed: [],
  };
}
