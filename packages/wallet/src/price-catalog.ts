import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, pgArray, type Database } from '@tollgate/db';
import { ConflictError, ValidationError } from '@tollgate/errors';
import { Money } from '@tollgate/money';
import type { Price } from '@tollgate/plugin-sdk';
import { inject, injectable } from 'tsyringe';
import { checkPlan, DEFAULT_PLAN } from './wallet-input.js';
import { WALLET_OPTIONS, type WalletOptions } from './wallet.service.js';

export type { Price };

const CHANNEL = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Prices per channel, unit, country and plan with effective dates (W-7, W-11): a charge uses the row
 * in force at the time of use. Rows are never edited; a new price is a new row from a date on.
 * Unit prices may have up to 6 decimals; charged amounts are rounded half-up to the cent.
 * A row belongs to a plan or to the default list (plan '*'): for a channel, a plan that has rows in
 * force uses only those, any other plan the default rows (the rule the wallet's charges apply).
 */
@injectable()
export class PriceCatalog {
  readonly #defaultPlan: string;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(WALLET_OPTIONS) options: WalletOptions = {},
  ) {
    this.#defaultPlan = options.defaultPlan ?? DEFAULT_PLAN;
  }

  async setPrice(input: {
    channel: string;
    unit: string;
    unitPrice: Money | string;
    country?: string;
    effectiveFrom?: Date;
    /** A plan id, or '*' (default): the default list. */
    plan?: string;
  }): Promise<Price> {
    if (!CHANNEL.test(input.channel))
      throw new ValidationError({ code: 'invalid_channel', message: `channel must be kebab-case, got ${JSON.stringify(input.channel)}` });
    if (!/^[a-z][a-z-]{0,31}$/.test(input.unit))
      throw new ValidationError({ code: 'invalid_unit', message: `unit must be a lower-case word such as "message", got ${JSON.stringify(input.unit)}` });
    const country = input.country ?? '*';
    if (country !== '*' && !/^[A-Z]{2}$/.test(country))
      throw new ValidationError({ code: 'invalid_country', message: `country must be an ISO 3166 alpha-2 code or "*", got ${JSON.stringify(country)}` });
    const plan = input.plan === undefined || input.plan === '*' ? '*' : checkPlan(input.plan);
    const unitPrice = typeof input.unitPrice === 'string' ? Money.of(input.unitPrice, 'EUR', { maxDecimals: 6 }) : input.unitPrice;
    if (unitPrice.isNegative()) throw new ValidationError({ code: 'invalid_amount', message: 'unitPrice cannot be negative' });
    const effectiveFrom = input.effectiveFrom ?? this.clock.now();
    const { rows } = await this.db.query<{ id: string }>(
      `insert into prices (channel, unit, country, plan, unit_price, effective_from, created_at) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (channel, country, plan, effective_from) do nothing returning id`,
      [input.channel, input.unit, country, plan, unitPrice.toString(), effectiveFrom, this.clock.now()],
    );
    if (!rows[0]) {
      const {
        rows: [same],
      } = await this.db.query<{ id: string; unit: string; unit_price: string }>(
        'select id, unit, unit_price from prices where channel = $1 and country = $2 and plan = $3 and effective_from = $4',
        [input.channel, country, plan, effectiveFrom],
      );
      // Seeding the same row twice is fine; a different price for the same moment is a conflict.
      if (same && same.unit === input.unit && Money.of(same.unit_price).equals(unitPrice))
        return { id: same.id, channel: input.channel, unit: input.unit, country, plan, unitPrice, effectiveFrom };
      throw new ConflictError({
        code: 'price_exists',
        message: `${input.channel} (${country}${plan === '*' ? '' : `, plan ${plan}`}) already has a different price from ${effectiveFrom.toISOString()}`,
      });
    }
    return { id: rows[0].id, channel: input.channel, unit: input.unit, country, plan, unitPrice, effectiveFrom };
  }

  /**
   * The price in force at `at` (default now) for a channel and country on a plan; undefined when
   * none. The plan is `plan`, else the wallet's plan of `accountId` (an account without a wallet:
   * the plan it would be opened on), else the default list alone ('*').
   */
  async priceAt(input: { channel: string; country?: string | null; at?: Date; plan?: string; accountId?: string }): Promise<Price | undefined> {
    const plan = input.plan === undefined || input.plan === '*' ? null : checkPlan(input.plan);
    const { rows } = await this.db.query<Record<string, unknown>>(
      `with chosen as (
         select coalesce($4::text, (select plan from wallets where account_id = $5), case when $5::text is null then '*' else $6::text end) as plan)
       select p.* from prices p, chosen c
        where p.channel = $1 and p.country in ($2, '*') and p.effective_from <= $3
          and p.plan = case when exists (select 1 from prices o where o.channel = $1 and o.plan = c.plan and o.effective_from <= $3) then c.plan else '*' end
        order by (p.country = '*'), p.effective_from desc limit 1`,
      [input.channel, input.country ?? '*', input.at ?? this.clock.now(), plan, input.accountId ?? null, this.#defaultPlan],
    );
    return rows[0] ? toPrice(rows[0]) : undefined;
  }

  /** Every row (history included), by channel, plan ('*' first), country and date; `plan` narrows to one plan's rows ('*': the default list). */
  async list(input: { channel?: string; plan?: string } = {}): Promise<Price[]> {
    const plan = input.plan === undefined || input.plan === '*' ? (input.plan ?? null) : checkPlan(input.plan);
    const { rows } = await this.db.query<Record<string, unknown>>(
      `select * from prices where ($1::text is null or channel = $1) and ($2::text is null or plan = $2)
        order by channel, plan <> '*', plan, country, effective_from`,
      [input.channel ?? null, plan],
    );
    return rows.map(toPrice);
  }

  /** Free units per calendar month for a channel (W-8); 0 removes the quota. */
  async setQuota(input: { channel: string; freeUnits: string }): Promise<void> {
    if (!CHANNEL.test(input.channel))
      throw new ValidationError({ code: 'invalid_channel', message: `channel must be kebab-case, got ${JSON.stringify(input.channel)}` });
    if (!/^\d{1,12}(\.\d{1,6})?$/.test(input.freeUnits))
      throw new ValidationError({ code: 'invalid_units', message: 'freeUnits must be a non-negative decimal string' });
    if (/^0+(\.0+)?$/.test(input.freeUnits)) {
      await this.db.query('delete from channel_quotas where channel = $1', [input.channel]);
      return;
    }
    await this.db.query(
      'insert into channel_quotas (channel, free_units) values ($1, $2) on conflict (channel) do update set free_units = excluded.free_units',
      [input.channel, input.freeUnits],
    );
  }

  /**
   * Replaces a channel's tags (issue 22): credit scoped to a tag pays for every channel that has it.
   * An empty list removes them. Tags are kebab-case like channel ids.
   */
  async setTags(input: { channel: string; tags: readonly string[] }): Promise<{ channel: string; tags: string[] }> {
    if (!CHANNEL.test(input.channel))
      throw new ValidationError({ code: 'invalid_channel', message: `channel must be kebab-case, got ${JSON.stringify(input.channel)}` });
    const bad = input.tags.filter((t) => typeof t !== 'string' || !CHANNEL.test(t));
    if (bad.length) throw new ValidationError({ code: 'invalid_tag', message: `tags must be kebab-case, got ${bad.map((t) => JSON.stringify(t)).join(', ')}` });
    const tags = [...new Set(input.tags)].sort();
    await this.db.transaction(async (tx) => {
      await tx.query('delete from channel_tags where channel = $1 and tag <> all($2::text[])', [input.channel, pgArray(tags)]);
      await tx.query('insert into channel_tags (channel, tag) select $1, t from unnest($2::text[]) t on conflict do nothing', [input.channel, pgArray(tags)]);
    });
    return { channel: input.channel, tags };
  }

  /** Every channel's tags, by channel. */
  async tags(): Promise<Array<{ channel: string; tags: string[] }>> {
    const { rows } = await this.db.query<{ channel: string; tags: string[] }>(
      'select channel, array_agg(tag order by tag) as tags from channel_tags group by channel order by channel',
    );
    return rows.map((r) => ({ channel: r.channel, tags: r.tags }));
  }

  async quotas(): Promise<Array<{ channel: string; freeUnits: string }>> {
    const { rows } = await this.db.query<{ channel: string; free_units: string }>('select channel, free_units from channel_quotas order by channel');
    return rows.map((r) => ({ channel: r.channel, freeUnits: r.free_units.replace(/\.?0+$/, '') }));
  }
}

function toPrice(r: Record<string, unknown>): Price {
  return {
    id: String(r.id),
    channel: r.channel as string,
    unit: r.unit as string,
    country: r.country as string,
    plan: r.plan as string,
    unitPrice: Money.of(r.unit_price as string),
    effectiveFrom: r.effective_from as Date,
  };
}
