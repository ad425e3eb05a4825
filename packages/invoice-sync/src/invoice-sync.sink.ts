import type { HandledEvent, InvoiceSyncSink } from '@tollgate/plugin-sdk';
import { inject, injectable } from 'tsyringe';
import { ConnectionService } from './connection.service.js';
import { InvoiceImporter } from './invoice-importer.js';
import type { SourceEvent } from './invoice-source.js';
import type { Connection } from './invoice-sync.types.js';

export type { InvoiceSyncSink };

/** What a source plugin tells the core (`coreServices.invoiceSync`); the contract is the SDK's InvoiceSyncSink. */
@injectable()
export class InvoiceSyncInbox implements InvoiceSyncSink {
  constructor(
    @inject(ConnectionService) private readonly connections: ConnectionService,
    @inject(InvoiceImporter) private readonly importer: InvoiceImporter,
  ) {}

  async connected(input: { accountId: string; sourceId: string; sourceAccountId: string }): Promise<Connection> {
    const connection = await this.connections.create(input);
    try {
      this.importer.events.emit('connected', connection);
    } catch {
      // A listener's failure is the host's to log; the connection is stored either way.
    }
    return connection;
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
