export {
  MAX_BODY_BYTES,
  WebhookSandboxError,
  startWebhookSandbox,
  type Behaviour,
  type ReceivedWebhook,
  type WebhookSandbox,
  type WebhookSandboxInput,
} from './webhook-sandbox.server.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_HEADER,
  parseSignatureHeader,
  signWebhook,
  verifyWebhookSignature,
  type SignatureStatus,
} from './webhook-signature.js';
