export {
  SANDBOX_ACCOUNT_SID,
  SANDBOX_AUTH_TOKEN,
  startTwilioSandbox,
  type CallbackAttempt,
  type DeliveryReport,
  type LoseFinalCallbacks,
  type SharedKeySigning,
  type SandboxRequest,
  type TwilioSandbox,
  type TwilioSandboxControl,
  type TwilioSandboxInput,
  type TwilioSandboxState,
} from './twilio-sandbox.server.js';
export {
  API_VERSION,
  type CallEvent,
  type CallStatus,
  type MessageStatus,
  type SandboxCall,
  type SandboxCallback,
  type SandboxMessage,
  type TwilioErrorBody,
} from './twilio-provider.js';
export { TEST_NUMBERS } from './test-numbers.js';
export { countSegments, type SegmentCount, type SmsEncoding } from './sms-segments.js';
export { signTwilioRequest } from './twilio-signature.js';
