import type { SpendChannel, SpendOutcome, SpendQuote } from '@tollgate/plugin-sdk';

export const VOICE_CHANNEL_ID = 'voice';

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
 * The 'voice' spend channel: a call holds `minutes` before it is dialled and is captured later
 * from the provider's status callback (deferred settlement). `execute` dials; see VoiceCallService.
 */
export class VoiceChannel implements SpendChannel<VoiceCallRequest, VoiceCallResult> {
  readonly id = VOICE_CHANNEL_ID;
  readonly label = 'Voice call';
  readonly unit = 'minute';
  readonly settlement = 'deferred' as const;
  readonly countries?: readonly string[];
  readonly #dial: (input: { callId: string }) => Promise<VoiceCallResult>;
  readonly #hangUpQuietly: (input: { callId: string; reason: string }) => Promise<void>;

  constructor(input: { countries?: readonly string[]; dial: (input: { callId: string }) => Promise<VoiceCallResult>; hangUpQuietly: (input: { callId: string; reason: string }) => Promise<void> }) {
    if (input.countries?.length) this.countries = input.countries;
    this.#dial = input.dial;
    this.#hangUpQuietly = input.hangUpQuietly;
  }

  async quote(input: { accountId: string; request: VoiceCallRequest }): Promise<SpendQuote> {
    const { request } = input;
    return { units: String(request.minutes), ...(request.country ? { country: request.country } : {}), description: `Call to ${request.display}` };
  }

  async execute(input: { accountId: string; request: VoiceCallRequest; idempotencyKey: string }): Promise<SpendOutcome<VoiceCallResult>> {
    return { result: await this.#dial({ callId: input.request.callId }) };
  }

  async compensate(input: { accountId: string; request: VoiceCallRequest; idempotencyKey: string; reason: string }): Promise<void> {
    await this.#hangUpQuietly({ callId: input.request.callId, reason: input.reason });
  }
}
