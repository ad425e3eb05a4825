import type { ChannelPrice, SpendChannel, SpendOutcome, SpendQuote, SpendStepInput } from '@tollgate/plugin-sdk';

export const VOICE_CHANNEL_ID = 'voice';

/** The spend's key of one call: the runner derives its money moves from it (`voice:<callId>:hold|capture|release`). */
export const callSpendKey = (callId: string): string => `voice:${callId}`;

/** What the wallet's spend runner carries for one call: the row is written before the spend starts. */
export interface VoiceCallRequest {
  callId: string;
  /** Minutes to hold (what the wallet covers, at most holdMinutes). */
  minutes: number;
  country?: string;
  /** '+32 470 12 34 56' */
  display: string;
}

export interface VoiceCallResult {
  providerCallSid: string;
}

/**
 * The 'voice' spend channel: a call holds `minutes` before it is dialled (`execute`) and is
 * settled later from the provider's status callback with the minutes it lasted (deferred
 * settlement); `compensate` hangs up a call whose spend was abandoned. See VoiceCallsService.
 */
export class VoiceChannel implements SpendChannel<VoiceCallRequest, VoiceCallResult> {
  readonly id = VOICE_CHANNEL_ID;
  readonly label = 'Voice call';
  readonly unit = 'minute';
  readonly settlement = 'deferred' as const;
  readonly countries?: readonly string[];
  readonly prices: readonly ChannelPrice[];
  readonly #dial: (input: { callId: string }) => Promise<SpendOutcome<VoiceCallResult>>;
  readonly #hangUpQuietly: (input: { callId: string; reason: string }) => Promise<void>;

  constructor(input: {
    countries?: readonly string[];
    prices: readonly ChannelPrice[];
    dial: (input: { callId: string }) => Promise<SpendOutcome<VoiceCallResult>>;
    hangUpQuietly: (input: { callId: string; reason: string }) => Promise<void>;
  }) {
    if (input.countries?.length) this.countries = input.countries;
    this.prices = input.prices;
    this.#dial = input.dial;
    this.#hangUpQuietly = input.hangUpQuietly;
  }

  quote(input: { accountId: string; request: VoiceCallRequest }): SpendQuote {
    const { request } = input;
    return { units: String(request.minutes), ...(request.country ? { country: request.country } : {}), description: `Call to ${request.display}` };
  }

  execute(input: SpendStepInput<VoiceCallRequest>): Promise<SpendOutcome<VoiceCallResult>> {
    return this.#dial({ callId: input.request.callId });
  }

  async compensate(input: SpendStepInput<VoiceCallRequest> & { reason: string }): Promise<void> {
    await this.#hangUpQuietly({ callId: input.request.callId, reason: input.reason });
  }
}
