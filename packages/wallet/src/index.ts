// The wallet domain (ledger, lots, holds, catalog, quotas) lands with the wallet issue; these are the
// contracts plugins implement, published now so the plugin SDK can offer them as extension points.
export type { SpendChannel, SpendOutcome, SpendQuote } from './spend-channel.js';
export type { PaymentEvent, PaymentMethodKind, PaymentProvider, PaymentStatus } from './payment-provider.js';
