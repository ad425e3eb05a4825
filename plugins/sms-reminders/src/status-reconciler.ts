import type { Clock, Logger, PluginDatabase } from '@tollgate/plugin-sdk';
import type { DeliveryReports } from './delivery-reports.js';
import type { SmsProvider } from './twilio-sms.client.js';

const BATCH = 50;
/** At most this many fetches per run: a backlog is spread over runs instead of bursting at Twilio's rate limit. */
const MAX_PER_RUN = 500;
/** The longest wait between two fetches of one text. */
const MAX_BACKOFF_MINUTES = 12 * 60;
const FINAL = new Set(['delivered', 'undelivered', 'failed']);

export interface ReconcileResult {
  checked: number;
  applied: number;
  stillPending: number;
  gaveUp: number;
  errors: number;
  /** Failed texts whose refund had not been made (a crash between the status and the refund), refunded now. */
  refunded: number;
}

interface Due {
  id: string;
  message_sid: string;
  checks: number;
}

/**
 * The `reconcile-statuses` job. Twilio does not retry a status callback that was lost, so a text
 * still `sent` `reconcileAfterMinutes` after it went out is fetched (`messages(sid).fetch()`) and a
 * final status goes through `DeliveryReports.apply`, the callback's own path: the same
 * (MessageSid, status) row dedupes a late callback, and the same refund key pays back once.
 * A text Twilio still calls queued/sent is asked again later (the wait doubles, at most 12 h), up to
 * `maxChecks` times; then it stays `sent` (charged: the carrier never reported) and a warning is logged.
 */
export class StatusReconciler {
  constructor(
    private readonly deps: {
      db: Pick<PluginDatabase, 'query'>;
      clock: Clock;
      provider: () => SmsProvider;
      reports: Pick<DeliveryReports, 'apply' | 'settle'>;
      logger: Logger;
      reconcileAfterMinutes: number;
      maxChecks: number;
    },
  ) {}

  async reconcile(): Promise<ReconcileResult> {
    const result: ReconcileResult = { checked: 0, applied: 0, stillPending: 0, gaveUp: 0, errors: 0, refunded: 0 };
    while (result.checked < MAX_PER_RUN) {
      const batch = await this.#claim();
      for (const row of batch) await this.#check(row, result);
      if (batch.length < BATCH) break;
    }
    await this.#refundMissed(result);
    if (result.checked > 0 || result.refunded > 0) this.deps.logger.info({ ...result }, 'sms-reminders: reconciled overdue message statuses');
    return result;
  }

  /**
   * A text marked undelivered/failed whose refund never happened (the host stopped between the two
   * writes; the callback's retry is then a duplicate) is refunded here. `settle` is idempotent: the
   * wallet refund has a fixed key, so a run racing the callback's own refund pays back once.
   */
  async #refundMissed(result: ReconcileResult): Promise<void> {
    const { rows } = await this.deps.db.query<{ id: string }>(
      `select id from sms_reminders_reminders
        where status in ('undelivered', 'failed') and capture_transaction_id is not null and reversal_transaction_id is null
        order by updated_at limit ${BATCH}`,
    );
    for (const row of rows) {
      try {
        await this.deps.reports.settle(row.id);
        result.refunded++;
      } catch (error) {
        result.errors++;
        this.deps.logger.error({ err: error, reminderId: row.id }, 'sms-reminders: refunding an undelivered text failed');
      }
    }
  }

  /**
   * Claims due rows by moving their next check forward in the same statement (SKIP LOCKED): another
   * host's run, or an overlapping one, does not fetch them again. A crash after the claim only delays
   * that text's check by one backoff step.
   */
  async #claim(): Promise<Due[]> {
    const now = this.deps.clock.now();
    // The exponent stops at 10 (2^10 minutes is past the 12 h cap): a row claimed again after a crash at its last check would overflow an integer.
    const { rows } = await this.deps.db.query<Due>(
      `with due as (
         select id from sms_reminders_reminders where status = 'sent' and check_due_at <= $1 and message_sid is not null
         order by check_due_at, id limit $2 for update skip locked
       )
       update sms_reminders_reminders r
          set checks = r.checks + 1,
              check_due_at = $1::timestamptz + make_interval(mins => least($3::int * power(2, least(r.checks + 1, 10))::int, $4::int))
         from due where r.id = due.id
       returning r.id, r.message_sid, r.checks`,
      [now, BATCH, this.deps.reconcileAfterMinutes, MAX_BACKOFF_MINUTES],
    );
    return rows;
  }

  async #check(row: Due, result: ReconcileResult): Promise<void> {
    result.checked++;
    const log = this.deps.logger;
    try {
      const state = await this.deps.provider().fetchStatus({ sid: row.message_sid });
      if (FINAL.has(state.status)) {
        const outcome = await this.deps.reports.apply({ messageSid: row.message_sid, status: state.status, errorCode: state.errorCode, source: 'fetch' });
        log.info({ reminderId: row.id, messageSid: row.message_sid, status: state.status, outcome }, 'sms-reminders: final status fetched (callback missing)');
        result.applied++;
        return;
      }
      log.warn({ reminderId: row.id, messageSid: row.message_sid, status: state.status, check: row.checks }, 'sms-reminders: message still not final');
    } catch (error) {
      result.errors++;
      log.error({ err: error, reminderId: row.id, messageSid: row.message_sid, check: row.checks }, 'sms-reminders: fetching a message status failed');
    }
    if (row.checks >= this.deps.maxChecks) {
      await this.deps.db.query(`update sms_reminders_reminders set check_due_at = null, updated_at = $2 where id = $1 and status = 'sent'`, [
        row.id,
        this.deps.clock.now(),
      ]);
      log.warn(
        { reminderId: row.id, messageSid: row.message_sid, checks: row.checks },
        'sms-reminders: no final status after the last check; the text stays sent',
      );
      result.gaveUp++;
    } else result.stillPending++;
  }
}
