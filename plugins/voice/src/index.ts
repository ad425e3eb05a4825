// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, createVoicePlugin, resolveProvider, TWILIO_SANDBOX_DEFAULTS, voicePlugin } from './plugin.js';
export { voiceOptions, type VoiceOptions } from './options.js';
export {
  VoiceCallsService,
  STATUS_CALLBACK_PATH,
  type ReconcileResult,
  type Settlement,
  type VoiceCall,
  type VoiceCallsConfig,
} from './voice-calls.service.js';
export { callSpendKey, VOICE_CHANNEL_ID, VoiceChannel, type VoiceCallRequest, type VoiceCallResult } from './voice.channel.js';
export { TwilioVoiceClient, VoiceProviderError, type ProviderCall, type VoiceProvider } from './twilio-voice.client.js';
export { CALL_STATUSES, TERMINAL_STATUSES, canMove, isCallStatus, isTerminal, type CallStatus } from './call-status.js';
export { affordableMinutes, minutesFor, priceOfMinutes } from './call-minutes.js';
export { normalisePhoneNumber, type PhoneNumber } from './phone-number.js';
export { voiceMigrations } from './voice.migrations.js';
