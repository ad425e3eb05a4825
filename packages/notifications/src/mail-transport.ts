/** One e-mail, ready to go. `messageId` is the full header value, angle brackets included. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers?: Record<string, string>;
  attachments?: MailAttachment[];
}

/** A file sent with a mail. */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** Where mails leave the process; resolves once the server accepted the message, throws otherwise. */
export interface MailTransport {
  send(input: OutgoingMail): Promise<void>;
}

/** tsyringe token for the MailTransport. */
export const MAIL_TRANSPORT = Symbol.for('tollgate.MailTransport');
