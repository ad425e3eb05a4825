// The contract lives in the SDK (exporter plugins implement it).
export type { AccountingExporter } from '@tollgate/plugin-sdk';
