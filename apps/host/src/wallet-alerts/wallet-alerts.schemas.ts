import { ALERT_KINDS, DEFAULT_BURN_WINDOW_DAYS } from '@tollgate/wallet-alerts';
import { z } from 'zod';
import { amountInput, idempotencyKeyInput } from '../wallet/wallet.schemas.js';

/*
 * Wallet alerts (W-13) in and out. The amount is a decimal string like every wallet amount; a
 * percentage and a number of days are whole numbers.
 */

export const alertIdParam = z.string().regex(/^[1-9]\d{0,17}$/, 'must be a numeric alert id such as "42"');

const name = z.string().trim().min(1).max(100).nullable().describe('Your label for the alert, used in the e-mail subject');
const percent = z.number().int().min(1).max(100).describe('Whole percent of the last purchased top-up, 1 to 100');
const days = z.number().int().min(1).max(365).describe('Fires when fewer days than this are left at the burn rate, 1 to 365');
const burnWindowDays = z.number().int().min(1).max(90).describe('The burn rate is the spending over this many complete days, divided by them; 1 to 90');
const common = {
  name: name.optional(),
  enabled: z.boolean().optional().describe('Default true; a disabled alert is never checked'),
  idempotencyKey: idempotencyKeyInput.optional(),
};

export const createAlertBody = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('balance_below'), amount: amountInput.describe('Fires when the available balance drops below this'), ...common }),
  z.strictObject({ kind: z.literal('percent_of_last_top_up'), percent, ...common }),
  z.strictObject({ kind: z.literal('days_left'), days, burnWindowDays: burnWindowDays.default(DEFAULT_BURN_WINDOW_DAYS), ...common }),
]);

export const updateAlertBody = z
  .strictObject({
    name: name.optional(),
    enabled: z.boolean().optional(),
    amount: amountInput.optional(),
    percent: percent.optional(),
    days: days.optional(),
    burnWindowDays: burnWindowDays.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of name, enabled, amount, percent, days, burnWindowDays');

export const alertView = z.object({
  id: z.string(),
  kind: z.enum(ALERT_KINDS),
  name: z.string().nullable(),
  currency: z.literal('EUR'),
  amount: z.string().nullable().describe('balance_below: the amount'),
  percent: z.number().nullable().describe('percent_of_last_top_up: the percentage'),
  days: z.number().nullable().describe('days_left: the number of days'),
  burnWindowDays: z.number().nullable().describe('days_left: the burn window'),
  enabled: z.boolean(),
  state: z
    .enum(['armed', 'triggered'])
    .describe('armed: fires when its condition becomes true; triggered: fired, armed again once the condition no longer holds'),
  triggeredAt: z.string().nullable(),
  rearmedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  current: z.object({
    balance: z.string().describe('The available balance now'),
    threshold: z.string().nullable().describe('The balance under which it fires; null when there is none (no top-up yet, no spending)'),
    daysLeft: z.string().nullable().describe('days_left: days the balance lasts at the burn rate (one decimal); null when nothing is spent'),
    burnPerDay: z.string().nullable().describe('days_left: spending per day over the burn window'),
  }),
});
export const alertsList = z.object({ data: z.array(alertView) });
export const alertDeleted = z.object({ id: z.string(), deleted: z.literal(true) });
