import { inject, injectable } from 'tsyringe';
import { ConnectionService } from './connection.service.js';
import { InvoiceImporter, type HandledEvent } from './invoice-importer.js';
import type { SourceEvent } from './invoice-source.js';
import type { Connection } from './invoice-sync.types.js';

/**
 * What a source plugin tells the core (`coreServices.invoiceSync`): the OAuth part and the webhook
 * receiver live in the plugin, the connection's lifecycle and the import in the core.
 */
export interface InvoiceSyncSink {
  /** Consent given: links the account to the source account (a reconnect revives the old connection). */
  connected(input: { accountId: string; sourceId: string; sourceAccountId: string }): Promise<Connection>;
  /** The source refused our tokens: imports stop until the user consents again. */
  reconsentNeeded(input: { accountId: string; sourceId: string }): Promise<Connection | null>;
  /** The plugin forgot the account's credentials. Imported customers and invoices are kept. */
  disconnected(input: { accountId: string; sourceId: string }): Promise<Connection | null>;
  /** Verified webhook events. Each event id is handled once; `failed` ones should be reported again later. */
  report(input: { sourceId: string; events: readonly SourceEvent[] }): Promise<{ results: HandledEvent[] }>;
}

@injectable()
export class InvoiceSyncInbox implements InvoiceSyncSink {
  constructor(
    @inject(ConnectionService) private readonly connections: ConnectionService,
    @inject(InvoiceImporter) private readonly importer: InvoiceImporter,
  ) {}

  connected(input: { accountId: string; sourceId: string; sourceAccountId: string }): Promise<Connection> {
    return this.connections.create(input);
  }

  async reconsentNeeded(input: { accountId: string; sourceId: string }): Promise<Connection | null> {
    const live = await this.#live(input);
    return live ? this.connections.markReconsentNeeded({ id: live.id }) : null;
  }

  async disconnected(input: { accountId: string; sourceId: string }): Promise<Connection | null> {
    const live = await this.#live(input);
    return live ? this.connections.disconnect({ accountId: input.accountId, id: live.id }) : null;
  }

  report(input: { sourceId: string; events: readonly SourceEvent[] }): Promise<{ results: HandledEvent[] }> {
    return this.importer.handleEvents(input);
  }

  async #live(input: { accountId: string; sourceId: string }): Promise<Connection | null> {
    const list = await this.connections.list({ accountId: input.accountId });
    return list.find((c) => c.sourceId === input.sourceId) ?? null;
  }
}
