import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpSink } from '../test/smtp-sink.js';
import { SmtpMailTransport } from './smtp-mail.transport.js';

const MAIL = {
  from: 'Tollgate <billing@tollgate.test>',
  to: 'ann@acme.test',
  subject: 'Crédit épuisé pour Acme',
  text: 'Bonjour,\n\nLe crédit est épuisé.\n',
  html: '<p>Bonjour,</p>',
  messageId: '<notification.7.abc@tollgate.test>',
  headers: { 'Auto-Submitted': 'auto-generated' },
};

describe('SmtpMailTransport', () => {
  let sink: SmtpSink;
  let transport: SmtpMailTransport;
  beforeAll(async () => {
    sink = await SmtpSink.start();
    transport = SmtpMailTransport.fromConfig({ host: '127.0.0.1', port: sink.port });
  });
  afterAll(async () => {
    transport?.close();
    await sink?.stop();
  });

  it('sends the message with its Message-ID, headers and both bodies', async () => {
    sink.mails.length = 0;
    await transport.send(MAIL);
    expect(sink.mails).toHaveLength(1);
    const [mail] = sink.mails;
    expect(mail!.envelopeTo).toEqual(['ann@acme.test']);
    expect(mail!.parsed).toMatchObject({ subject: MAIL.subject, messageId: MAIL.messageId });
    // MIME ends every part with a line break.
    expect(mail!.parsed.text?.trimEnd()).toBe(MAIL.text.trimEnd());
    expect(mail!.parsed.html?.trimEnd()).toBe(MAIL.html);
    expect(mail!.header('auto-submitted')).toBe('auto-generated');
  });

  it('throws with the SMTP reply when the server refuses the message', async () => {
    sink.rejectNext = 1;
    await expect(transport.send(MAIL)).rejects.toMatchObject({ responseCode: 451, message: expect.stringContaining('try again later') });
  });

  it('logs in with the configured user when one is given', async () => {
    const logins: { username: string | null | undefined; password: string | null | undefined }[] = [];
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      disableReverseLookup: true,
      logger: false,
      onAuth: (auth, _session, callback) => {
        logins.push({ username: auth.username, password: auth.password });
        if (auth.username === 'mailer' && auth.password === 's3cret') callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onData: (stream, _session, callback) => {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.server.address() as AddressInfo).port;
    try {
      const good = SmtpMailTransport.fromConfig({ host: '127.0.0.1', port, user: 'mailer', pass: 's3cret' });
      const bad = SmtpMailTransport.fromConfig({ host: '127.0.0.1', port, user: 'mailer', pass: 'wrong' });
      await good.send(MAIL);
      await expect(bad.send(MAIL)).rejects.toMatchObject({ code: 'EAUTH' });
      expect(logins).toEqual([
        { username: 'mailer', password: 's3cret' },
        { username: 'mailer', password: 'wrong' },
      ]);
      good.close();
      bad.close();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
