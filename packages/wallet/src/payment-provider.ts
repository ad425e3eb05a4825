// The contract lives in the SDK (payment plugins implement it); the funding service drives it.
export type { PaymentEvent, PaymentEventSink, PaymentMethodKind, PaymentMethodSetup, PaymentProvider, PaymentStatus } from '@tollgate/plugin-sdk';
