import { ValidationError, type ChannelPrice, type SpendChannel, type SpendQuote } from '@tollgate/plugin-sdk';

/** What an export run asks the channel to price: the documents it exports (ids, or their count). */
export interface ExportChargeRequest {
  documentIds?: readonly string[];
  documents?: number;
  /** The run, for the history line. */
  runId?: string;
}

/**
 * The spend channel 'export-peppol-ubl': one unit per exported document, captured when the run
 * delivered it (settlement 'immediate'). No `execute`: the export run holds, renders, delivers and
 * captures only what was delivered; the exporter never moves money.
 */
export class PeppolExportChannel implements SpendChannel<ExportChargeRequest> {
  readonly id: string;
  readonly label = 'Accounting export: Peppol UBL';
  readonly unit = 'document';
  readonly settlement = 'immediate' as const;
  readonly prices: readonly ChannelPrice[];

  constructor(input: { id: string; prices: readonly ChannelPrice[] }) {
    this.id = input.id;
    this.prices = input.prices;
  }

  quote(input: { accountId: string; request: ExportChargeRequest }): SpendQuote {
    const { request } = input;
    const count = request.documentIds?.length ?? request.documents ?? 0;
    if (!Number.isInteger(count) || count < 1) throw new ValidationError({ message: `${this.id}: an export is priced per document and needs at least one` });
    return {
      units: String(count),
      description: `${this.label}: ${count} document${count === 1 ? '' : 's'}${request.runId ? ` (run ${request.runId})` : ''}`,
      ...(request.runId ? { metadata: { runId: request.runId } } : {}),
    };
  }
}
