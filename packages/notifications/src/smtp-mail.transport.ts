import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { MailTransport, OutgoingMail } from './mail-transport.js';

export interface SmtpOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465). false = plain, upgraded with STARTTLS when offered. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  /** Do not upgrade with STARTTLS even when the server offers it (local test servers). */
  ignoreTLS?: boolean;
  /** Milliseconds; defaults are shorter than nodemailer's so a dead server fails well within a delivery claim. */
  connectionTimeout?: number;
  greetingTimeout?: number;
  socketTimeout?: number;
}

/** Sends through an SMTP server with nodemailer: one connection per message, no pool to keep alive. */
export class SmtpMailTransport implements MailTransport {
  readonly #transporter: Transporter;

  constructor(options: SmtpOptions) {
    this.#transporter = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure ?? false,
      ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass } } : {}),
      ignoreTLS: options.ignoreTLS ?? false,
      connectionTimeout: options.connectionTimeout ?? 15_000,
      greetingTimeout: options.greetingTimeout ?? 15_000,
      socketTimeout: options.socketTimeout ?? 60_000,
    });
  }

  /** From flat host settings (environment or config file); auth only when a user is given. */
  static fromConfig(config: { host: string; port: number; secure?: boolean; user?: string; pass?: string }): SmtpMailTransport {
    return new SmtpMailTransport({
      host: config.host,
      port: config.port,
      secure: config.secure ?? config.port === 465,
      ...(config.user ? { auth: { user: config.user, pass: config.pass ?? '' } } : {}),
    });
  }

  async send(input: OutgoingMail): Promise<void> {
    await this.#transporter.sendMail({
      from: input.from,
      to: input.to,
      subject: input.subject,
      text: input.text,
      html: input.html,
      messageId: input.messageId,
      ...(input.headers ? { headers: input.headers } : {}),
      ...(input.attachments?.length
        ? { attachments: input.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })) }
        : {}),
    });
  }

  close(): void {
    this.#transporter.close();
  }
}
