import type { AddressInfo } from 'node:net';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** RCPT TO of the SMTP envelope. */
  envelopeTo: string[];
  parsed: Email;
  /** A header value by lower-case name. */
  header(name: string): string | undefined;
}

/**
 * A real SMTP server on 127.0.0.1 (port 0) that keeps what it receives, for tests. `rejectNext`
 * makes it answer the next messages with a 451; `stop()` / `start()` take it away and bring it
 * back on the same port.
 */
export class MailSink {
  readonly mails: ReceivedMail[] = [];
  rejectNext = 0;
  #server: SMTPServer | undefined;
  #port = 0;

  get port(): number {
    return this.#port;
  }

  /** `mail.smtp` for createTestHost's config: `config: { mail: { from, smtp: sink.smtp } }`. */
  get smtp(): { host: string; port: number; secure: boolean } {
    return { host: '127.0.0.1', port: this.#port, secure: false };
  }

  static async start(): Promise<MailSink> {
    const sink = new MailSink();
    await sink.start();
    return sink;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      disableReverseLookup: true,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (this.rejectNext > 0) {
            this.rejectNext -= 1;
            callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
            return;
          }
          const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
          // Recorded before the 250 reply, so a resolved send means the mail is in `mails`.
          PostalMime.parse(Buffer.concat(chunks)).then(
            (parsed) => {
              this.mails.push({ envelopeTo, parsed, header: (name) => parsed.headers.find((h) => h.key === name)?.value });
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.server.address() as AddressInfo).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
