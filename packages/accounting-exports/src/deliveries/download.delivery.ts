import type { ExportDelivery } from '../export-delivery.js';

/** Nothing to push: the stored files are the delivery, streamed as a ZIP on request (GET /runs/:id/download). */
export class DownloadDelivery implements ExportDelivery {
  readonly kind = 'download' as const;
  async deliver(input: Parameters<ExportDelivery['deliver']>[0]): Promise<void> {
    await input.delivered(input.files.map((f) => f.name));
  }
}
