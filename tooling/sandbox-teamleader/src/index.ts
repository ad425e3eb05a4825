export {
  SANDBOX_API_VERSION,
  startTeamleaderSandbox,
  type DeliveryReport,
  type PendingWebhook,
  type SandboxEvent,
  type SandboxRequest,
  type TeamleaderSandbox,
  type TeamleaderSandboxControl,
  type TeamleaderSandboxInput,
  type TeamleaderSandboxState,
  type WebhookPayload,
} from './teamleader-sandbox.server.js';
export { DEFAULT_CLIENT, type OAuthClient, type TokenResponse } from './teamleader-oauth.js';
export {
  SANDBOX_IDS,
  type PdfMode,
  type SeedCreditNoteInput,
  type SeedCustomFieldInput,
  type SeedDepartmentInput,
  type SeedInvoiceInput,
  type SeedLineInput,
  type SeedPartyInput,
  type SeedSubscriptionInput,
  type SelectValueForm,
  type TeamleaderEventType,
} from './teamleader-store.js';
export type { TeamleaderErrorItem } from './teamleader-values.js';
export { ACCOUNTING_EXAMPLE_IDS } from './teamleader-accounting-seeds.js';
