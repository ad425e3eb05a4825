import type { Clock, Logger } from '@tollgate/plugin-sdk';
import { TeamleaderForbiddenError, TeamleaderValidationError, type TeamleaderClient } from '@tollgate/teamleader';
import type { TeamleaderConnectionsStore } from './teamleader-connections.store.js';

/**
 * Teamleader's "strict mode" (Settings > Preferences > Invoices: "Booked invoices and credit notes
 * can't be edited"). The integration needs it ON: then only the integration changes an invoice's
 * payment state. With it OFF, a user can change a booked invoice (mark it paid, edit it) in
 * Teamleader, and our registerPayment / removePayments may then be refused or disagree with what
 * the user did. No API reads the setting; its one visible effect is that `invoices.updateBooked`
 * is refused, so the probe is an empty `invoices.updateBooked` of one booked invoice: refused
 * (403, or 400 saying booked invoices cannot be edited) = on; accepted (an update that changes
 * nothing) = off; no booked invoice yet, or another error = unknown.
 */
export type StrictModeState = 'on' | 'off' | 'unknown';

export interface StrictModeView {
  state: StrictModeState;
  checkedAt: string | null;
  /** Why the state is what it is (the probed invoice, or the error that left it unknown). */
  detail: string | null;
  /** What it means for the write-back, in words a user can act on; null when strict mode is on. */
  warning: string | null;
}

export const STRICT_MODE_WARNINGS: Record<Exclude<StrictModeState, 'on'>, string> = {
  off:
    "Teamleader's strict mode is OFF: booked invoices can be edited and marked paid in Teamleader, so payments written back by Tollgate " +
    '(invoices.registerPayment / invoices.removePayments) may be refused or contradict changes made there. ' +
    'Turn it on in Teamleader: Settings > Preferences > Invoices > "Booked invoices and credit notes can\'t be edited" (administrator rights needed).',
  unknown:
    "Teamleader's strict mode could not be checked yet (it needs one booked invoice). Turn it on in Teamleader: Settings > Preferences > Invoices > " +
    '"Booked invoices and credit notes can\'t be edited", then check again (POST /v1/plugins/source-teamleader/connection/strict-mode-check).',
};

const LOCKED = /strict|can(?:no|')t be edited|not allowed to (?:edit|update)|booked/i;

export function strictModeView(input: { state: StrictModeState; checkedAt: string | null; detail: string | null }): StrictModeView {
  return { ...input, warning: input.state === 'on' ? null : STRICT_MODE_WARNINGS[input.state] };
}

/** Probes one connection and stores the outcome. Never throws for Teamleader's answers: those become `unknown`. */
export async function checkStrictMode(input: {
  client: TeamleaderClient;
  connections: TeamleaderConnectionsStore;
  connectionId: string;
  clock: Clock;
  logger?: Logger;
}): Promise<StrictModeView> {
  const { client, connectionId } = input;
  let state: StrictModeState;
  let detail: string;
  try {
    const invoiceId = await firstBookedInvoice({ client, connectionId });
    if (!invoiceId) {
      state = 'unknown';
      detail = 'no booked invoice to probe yet';
    } else {
      try {
        // Changes nothing: no field is given.
        await client.call({ connectionId, action: 'invoices.updateBooked', body: { id: invoiceId } });
        state = 'off';
        detail = `invoices.updateBooked of booked invoice ${invoiceId} was accepted`;
      } catch (error) {
        const locked =
          error instanceof TeamleaderForbiddenError ||
          (error instanceof TeamleaderValidationError && [error.message, ...error.titles].some((text) => LOCKED.test(text)));
        if (!locked) throw error;
        state = 'on';
        detail = `invoices.updateBooked of booked invoice ${invoiceId} was refused: ${error.message}`;
      }
    }
  } catch (error) {
    state = 'unknown';
    detail = `the check failed: ${(error as Error).message}`.slice(0, 500);
  }
  const checkedAt = input.clock.now().toISOString();
  await input.connections.setStrictMode({ id: connectionId, state, detail, checkedAt });
  if (state !== 'on') input.logger?.warn({ connectionId, strictMode: state, detail }, STRICT_MODE_WARNINGS[state]);
  return strictModeView({ state, checkedAt, detail });
}

async function firstBookedInvoice(input: { client: TeamleaderClient; connectionId: string }): Promise<string | null> {
  const answer = await input.client.call<{ data: Array<{ id: string }> }>({
    connectionId: input.connectionId,
    action: 'invoices.list',
    body: { filter: { status: ['outstanding', 'matched'] }, page: { size: 1, number: 1 } },
  });
  return answer.data[0]?.id ?? null;
}
