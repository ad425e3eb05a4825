import { ValidationError } from '@tollgate/errors';
import type { ChannelPrice, SpendChannel, SpendQuote } from './spend-channel.js';

/** What an export run asks an exporter's channel to price: the documents it exports (ids, or their count). */
export interface ExportChargeRequest {
  documentIds?: readonly string[];
  documents?: number;
  /** The run, for the history line. */
  runId?: string;
}

/**
 * The spend channel of an accounting exporter (API 2.6): one unit per exported document, captured when
 * the run delivered it (settlement 'immediate'). No `execute`: the export run holds for the run,
 * renders, delivers and captures only what was delivered; the exporter never moves money.
 */
export class ExportDocumentChannel implements SpendChannel<ExportChargeRequest> {
  readonly unit = 'document';
  readonly settlement = 'immediate' as const;
  readonly id: string;
  readonly label: string;
  readonly prices: readonly ChannelPrice[];

  constructor(input: { id: string; label: string; prices: readonly ChannelPrice[] }) {
    this.id = input.id;
    this.label = input.label;
    this.prices = input.prices;
  }

  quote(input: { accountId: string; request: ExportChargeRequest }): SpendQuote {
    const { request } = input;
    const count = request.documentIds?.length ?? request.documents ?? 0;
    if (!Number.isInteger(count) || count < 1) throw new ValidationError({ message: `${this.id}: an export is priced per document and needs at least one` });
    const run = request.runId ? ` (run ${request.runId})` : '';
    return {
      units: String(count),
      description: `${this.label}: ${count} document${count === 1 ? '' : 's'}${run}`,
      ...(request.runId ? { metadata: { runId: request.runId } } : {}),
    };
  }
}
