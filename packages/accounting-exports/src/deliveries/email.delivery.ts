import type { MailTransport } from '@tollgate/notifications';
import { ExportDeliveryError } from '../accounting-exports.errors.js';
import type { ExportDelivery } from '../export-delivery.js';
import { exportZipBuffer } from '../export-zip.js';

export interface EmailDeliveryOptions {
  transport: () => MailTransport | null;
  from: string;
  /** The largest ZIP attached (default 10 MB): many mail servers refuse more. */
  maxBytes?: number;
  /** For the Message-ID. */
  domain?: string;
}

/**
 * The run's files as one ZIP attached to a mail to the accountant. A ZIP over the cap is not sent
 * (no link either: nothing of the books leaves by a URL): the run reports it undelivered with
 * `email_too_large`, and the files can be downloaded by the account or sent over SFTP.
 */
export class EmailDelivery implements ExportDelivery {
  readonly kind = 'email' as const;
  readonly #maxBytes: number;
  constructor(private readonly options: EmailDeliveryOptions) {
    this.#maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  }

  async deliver(input: Parameters<ExportDelivery['deliver']>[0]): Promise<void> {
    const transport = this.options.transport();
    if (!transport) throw new ExportDeliveryError({ code: 'mail_not_configured', message: 'This host has no SMTP server configured (mail.smtp).' });
    const to = (input.settings.to as string[] | undefined) ?? [];
    if (!to.length) throw new ExportDeliveryError({ code: 'mail_no_recipient', message: 'The target has no e-mail address.' });
    const zip = await exportZipBuffer({ files: input.files, mtime: new Date('2026-01-01T00:00:00Z'), maxBytes: this.#maxBytes });
    if (!zip)
      throw new ExportDeliveryError({
        code: 'email_too_large',
        message: `The export is larger than ${Math.round(this.#maxBytes / 1024 / 1024)} MB, too large for e-mail; download it or deliver it over SFTP instead.`,
      });
    const subject = (input.settings.subject as string | null | undefined) || `Accounting export ${input.targetName}`;
    const count = input.files.length;
    const text = `Attached: ${count} file${count === 1 ? '' : 's'} of the accounting export "${input.targetName}" (run ${input.runId}).\n`;
    try {
      await transport.send({
        from: this.options.from,
        to: to.join(', '),
        subject,
        text,
        html: `<p>${escapeHtml(text.trim())}</p>`,
        messageId: `<${input.runId}.${input.attempt}@${this.options.domain ?? 'tollgate.local'}>`,
        attachments: [{ filename: `${input.runId}.zip`, contentType: 'application/zip', content: zip }],
      });
    } catch (error) {
      throw new ExportDeliveryError({
        code: 'mail_failed',
        message: `The mail server refused the export: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
    await input.delivered(input.files.map((f) => f.name));
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
