// The contract lives in the SDK (plugins implement it); the wallet's runner drives it.
export type { ChannelPrice, Reservation, SpendChannel, SpendInput, SpendOutcome, SpendQuote, SpendResult, SpendStepInput } from '@tollgate/plugin-sdk';
