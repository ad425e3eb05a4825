import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, type Database } from '@tollgate/db';
import { ValidationError } from '@tollgate/errors';
import { electronicFormatIBAN, isValidBIC, isValidIBAN } from 'ibantools';
import { inject, injectable } from 'tsyringe';
import { InvalidBankAccountError } from './invoice-sync.errors.js';

/** The account's bank details shown to customers who pay by transfer (S-7). */
export interface CollectionSettings {
  /** Electronic format, no spaces: BE68539007547034. */
  iban: string | null;
  bic: string | null;
  /** The name on the account; null = the account's name. */
  beneficiary: string | null;
  updatedAt: Date | null;
}

const EMPTY: CollectionSettings = { iban: null, bic: null, beneficiary: null, updatedAt: null };

/** Per account: where customers transfer money to. Missing settings read as all null (never an error). */
@injectable()
export class CollectionSettingsService {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async get({ accountId }: { accountId: string }): Promise<CollectionSettings> {
    const { rows } = await this.db.query<{ iban: string | null; bic: string | null; beneficiary: string | null; updated_at: Date }>(
      'select iban, bic, beneficiary, updated_at from sync_collection_settings where account_id = $1',
      [accountId],
    );
    const row = rows[0];
    return row ? { iban: row.iban, bic: row.bic, beneficiary: row.beneficiary, updatedAt: row.updated_at } : { ...EMPTY };
  }

  /** Replaces the settings whole; each field may be null to clear it. The IBAN (mod-97) and BIC are checked. */
  async put(input: { accountId: string; iban: string | null; bic: string | null; beneficiary: string | null }): Promise<CollectionSettings> {
    const iban = input.iban === null ? null : electronicFormatIBAN(input.iban);
    if (input.iban !== null && (!iban || !isValidIBAN(iban))) throw new InvalidBankAccountError({ field: 'iban', value: input.iban });
    const bic = input.bic === null ? null : input.bic.replace(/\s+/g, '').toUpperCase();
    if (bic !== null && !isValidBIC(bic)) throw new InvalidBankAccountError({ field: 'bic', value: input.bic ?? '' });
    const beneficiary = input.beneficiary === null ? null : input.beneficiary.replace(/\s+/g, ' ').trim();
    if (beneficiary !== null && (beneficiary.length < 1 || beneficiary.length > 70)) {
      // SEPA credit transfers carry at most 70 characters of name.
      throw new ValidationError({ code: 'invalid_beneficiary', message: 'beneficiary must be 1 to 70 characters, or null.' });
    }
    const now = this.clock.now();
    await this.db.query(
      `insert into sync_collection_settings (account_id, iban, bic, beneficiary, updated_at) values ($1, $2, $3, $4, $5)
       on conflict (account_id) do update set iban = excluded.iban, bic = excluded.bic, beneficiary = excluded.beneficiary, updated_at = excluded.updated_at`,
      [input.accountId, iban, bic, beneficiary, now],
    );
    return { iban, bic, beneficiary, updatedAt: now };
  }
}
