export {
  startCardSandbox,
  type CardSandbox,
  type CardSandboxControl,
  type CardSandboxInput,
  type CardSandboxState,
  type DeliveryReport,
  type SandboxRequest,
} from './card-sandbox.server.js';
export {
  SANDBOX_API_VERSION,
  type CancellationReason,
  type SandboxList,
  type SandboxCheckoutSession,
  type SandboxCustomer,
  type SandboxDispute,
  type SandboxEvent,
  type SandboxEventType,
  type SandboxPaymentIntent,
  type SandboxPaymentMethod,
  type StripeErrorBody,
} from './card-processor.js';
export { TEST_CARDS, type TestCard, type TestCardBehaviour, type TestCardFunding } from './test-cards.js';
export { ROUTES, type Route } from './routes.js';
export { METADATA_LIMITS, type ParamSpec, type ParamsSpec } from './params.js';
export { signWebhookPayload } from './webhook-signature.js';
