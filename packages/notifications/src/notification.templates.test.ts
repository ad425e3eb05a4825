import { describe, expect, it } from 'vitest';
import { InvalidNotificationDataError, UnknownTemplateError } from './notification.errors.js';
import { NOTIFICATION_LOCALES, NOTIFICATION_TEMPLATES, renderNotification, resolveLocale } from './notification.templates.js';

const SAMPLE: Record<string, Record<string, unknown>> = {
  low_balance: { accountName: 'Acme', available: '12.50', threshold: '1234.50' },
  depleted: { accountName: 'Acme' },
  refill_failed: { accountName: 'Acme', amount: '25.00', reason: 'card declined', autoRefillPaused: false },
  refill_limit_reached: { accountName: 'Acme', maxPerPeriod: '3', periodHours: '24', resumesAt: '2026-12-06 14:05 UTC' },
  payment_reversed: { accountName: 'Acme', amount: '50.00', reason: 'chargeback', owed: '7.25' },
  purchase_succeeded: { accountName: 'Acme', amount: '100.00', balance: '112.50' },
  wallet_alert: { accountName: 'Acme', alertName: '', kind: 'days_left', available: '9.00', threshold: '10.00', daysLeft: '4.5' },
  refund_processed: { accountName: 'Acme', credits: '40.00', fee: '2.00', payout: '38.00' },
  webhook_endpoint_disabled: { accountName: 'Acme', url: 'https://hooks.example.com/tollgate', failingSince: '2026-12-03 09:00 UTC' },
  import_summary: {
    accountName: 'Acme',
    source: 'Teamleader Focus',
    trigger: 'manual',
    status: 'completed',
    newCount: '12',
    updatedCount: '1',
    ignoredCount: '3',
    failedCount: '1',
    failures: 'Invoice 2026 / 7: unknown_profile:9999',
    flags: '',
  },
  invoice_invitation: {
    accountName: 'Acme',
    customerName: 'Bakkerij Peeters',
    invoiceNumber: '2026 / 17',
    amount: '121.00',
    dueOn: '2026-03-31',
    payUrl: 'https://pay.example.test/pay/pay_abc',
    directDebit: true,
    mandateReference: 'MND-1',
    iban: 'BE68539007547034',
    bic: 'GKCCBEBB',
    beneficiary: 'Acme NV',
    structuredReference: '+++000/0000/00101+++',
  },
};

function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('renderNotification', () => {
  it('import_summary: counts, the reasons of what failed, flags, and a hint when the run was interrupted', () => {
    const en = renderNotification({ template: 'import_summary', locale: 'en', data: SAMPLE.import_summary });
    expect(en.subject).toBe('Teamleader Focus: manual import for Acme');
    expect(en.text).toContain('New: 12. Updated: 1. Ignored: 3. Failed: 1.');
    expect(en.text).toContain('Not imported:\nInvoice 2026 / 7: unknown_profile:9999');
    expect(en.text).not.toContain('Please check:');
    expect(en.text).not.toContain('interrupted');
    const nl = renderNotification({
      template: 'import_summary',
      locale: 'nl-BE',
      data: {
        ...SAMPLE.import_summary,
        trigger: 'sweep',
        status: 'interrupted',
        failedCount: '0',
        failures: '',
        flags: 'Subscription Support: payment term 0 days\n  \nSecond line',
      },
    });
    expect(nl.subject).toBe('Teamleader Focus: automatische import voor Acme');
    expect(nl.text).toContain('De import werd onderbroken');
    expect(nl.text).not.toContain('Niet geïmporteerd');
    expect(nl.text).toContain('Let op:\nSubscription Support: payment term 0 days\nSecond line');
    expect(nl.html).toContain('Let op:<br>Subscription Support: payment term 0 days<br>Second line');
    expect(refusal(() => renderNotification({ template: 'import_summary', locale: 'en', data: { ...SAMPLE.import_summary, newCount: '1.5' } }))).toBeInstanceOf(
      InvalidNotificationDataError,
    );
    expect(refusal(() => renderNotification({ template: 'import_summary', locale: 'en', data: { ...SAMPLE.import_summary, failures: 7 } }))).toBeInstanceOf(
      InvalidNotificationDataError,
    );
  });

  it('formats money the way each locale writes it', () => {
    const render = (locale: string) => renderNotification({ template: 'low_balance', locale, data: SAMPLE.low_balance });
    expect(render('nl').text).toContain('Het beschikbare saldo van Acme is nu € 12,50, lager dan uw waarschuwingsgrens van € 1.234,50.');
    expect(render('en').text).toContain('The available balance of Acme is now €12.50, below your alert level of €1,234.50.');
    expect(render('fr').text).toContain('Le solde disponible de Acme est maintenant de 12,50 €, sous votre seuil d’alerte de 1 234,50 €.');
    expect(render('de').text).toContain('Das verfügbare Guthaben von Acme beträgt jetzt 12,50 € und liegt damit unter Ihrer Warnschwelle von 1.234,50 €.');
  });

  it('writes subject, greeting and sign-off in the language of the locale', () => {
    const subjects = Object.fromEntries(
      NOTIFICATION_LOCALES.map((locale) => [locale, renderNotification({ template: 'depleted', locale, data: SAMPLE.depleted })]),
    );
    expect(subjects.nl!.subject).toBe('Tegoed op voor Acme');
    expect(subjects.fr!.subject).toBe('Crédit épuisé pour Acme');
    expect(subjects.en!.subject).toBe('Credit used up for Acme');
    expect(subjects.de!.subject).toBe('Guthaben aufgebraucht für Acme');
    expect(subjects.nl!.text.startsWith('Beste klant,\n\n')).toBe(true);
    expect(subjects.fr!.text).toContain('Cordialement,\nTollgate');
    expect(subjects.de!.html).toContain('<html lang="de">');
    expect(subjects.de!.html).toContain('<p>Mit freundlichen Grüßen<br>Tollgate</p>');
  });

  it('invoice_invitation: the payment options that apply, in each language, and nothing of the ones that do not', () => {
    const full = SAMPLE.invoice_invitation!;
    const expected = {
      nl: [
        'Factuur 2026 / 17 van Acme',
        '€ 121,00',
        '31-03-2026',
        'domiciliëring',
        'Online betalen: https://pay.example.test/pay/pay_abc',
        'Gestructureerde mededeling: +++000/0000/00101+++',
      ],
      fr: [
        'Facture 2026 / 17 de Acme',
        '121,00 €',
        '31/03/2026',
        'domiciliation',
        'Payer en ligne : https://pay.example.test/pay/pay_abc',
        'Communication structurée: +++000/0000/00101+++',
      ],
      en: [
        'Invoice 2026 / 17 from Acme',
        '€121.00',
        '31 March 2026',
        'direct debit',
        'Pay online: https://pay.example.test/pay/pay_abc',
        'Structured communication: +++000/0000/00101+++',
      ],
      de: [
        'Rechnung 2026 / 17 von Acme',
        '121,00 €',
        '31.03.2026',
        'Lastschrift',
        'Online bezahlen: https://pay.example.test/pay/pay_abc',
        'Strukturierte Mitteilung: +++000/0000/00101+++',
      ],
    };
    for (const locale of NOTIFICATION_LOCALES) {
      const out = renderNotification({ template: 'invoice_invitation', locale, data: full });
      expect(out.subject).toBe(expected[locale][0]);
      for (const part of expected[locale].slice(1)) expect(out.text).toContain(part);
      expect(out.text).toContain('BE68539007547034 (BIC GKCCBEBB)');
      expect(out.html).toContain('https://pay.example.test/pay/pay_abc');
    }
    const transferOnly = renderNotification({
      template: 'invoice_invitation',
      locale: 'en',
      data: { ...full, payUrl: '', directDebit: false, beneficiary: '' },
    });
    expect(transferOnly.text).not.toMatch(/direct debit|Pay online|mandate/);
    expect(transferOnly.text).toContain('Beneficiary: Acme');
    const linkOnly = renderNotification({
      template: 'invoice_invitation',
      locale: 'en',
      data: { ...full, directDebit: false, iban: '', structuredReference: '' },
    });
    expect(linkOnly.text).not.toMatch(/transfer|Structured|BE68/);
    expect(linkOnly.text).toContain('Pay online');
    expect(refusal(() => renderNotification({ template: 'invoice_invitation', locale: 'en', data: { ...full, dueOn: '31/03/2026' } }))).toBeInstanceOf(
      InvalidNotificationDataError,
    );
  });

  it('renders every template in every locale with all of its values', () => {
    for (const template of NOTIFICATION_TEMPLATES) {
      const texts = new Set<string>();
      for (const locale of NOTIFICATION_LOCALES) {
        const out = renderNotification({ template, locale, data: SAMPLE[template], productName: 'Acme Billing' });
        expect(out.subject).toContain('Acme');
        expect(out.text).not.toMatch(/undefined|null|NaN|\[object/);
        expect(out.text).toContain('Acme Billing');
        for (const [field, value] of Object.entries(SAMPLE[template]!)) {
          if (field === 'accountName' || field === 'reason') expect(out.text).toContain(value);
        }
        texts.add(out.text);
      }
      expect(texts.size).toBe(4);
    }
  });

  it('wallet_alert: names the alert (or what it watches), the balance and threshold, and the days left for a days-left alert', () => {
    const en = renderNotification({ template: 'wallet_alert', locale: 'en', data: SAMPLE.wallet_alert });
    expect(en.subject).toBe('Alert for Acme: days left');
    expect(en.text).toContain("The available balance of Acme is now €9.00, below this alert's threshold of €10.00.");
    expect(en.text).toContain('about 4.5 days');
    const nl = renderNotification({
      template: 'wallet_alert',
      locale: 'nl',
      data: { ...SAMPLE.wallet_alert, alertName: 'Bijna leeg', kind: 'balance_below', daysLeft: '' },
    });
    expect(nl.subject).toBe('Waarschuwing voor Acme: Bijna leeg');
    expect(nl.text).not.toContain('dagen');
    expect(renderNotification({ template: 'wallet_alert', locale: 'de', data: SAMPLE.wallet_alert }).text).toContain('noch etwa 4,5 Tage');
  });

  it('says whether automatic top-up is paused, and whether money is still owed', () => {
    const paused = renderNotification({ template: 'refill_failed', locale: 'en', data: { ...SAMPLE.refill_failed, autoRefillPaused: true } });
    const retrying = renderNotification({ template: 'refill_failed', locale: 'en', data: SAMPLE.refill_failed });
    expect(paused.text).toContain('Automatic top-up is paused.');
    expect(retrying.text).toContain('We will try again later.');
    expect(retrying.text).toContain('We could not top up €25.00 for Acme. Reason: card declined.');

    const owes = renderNotification({ template: 'payment_reversed', locale: 'nl', data: SAMPLE.payment_reversed });
    const settled = renderNotification({ template: 'payment_reversed', locale: 'nl', data: { ...SAMPLE.payment_reversed, owed: '0.00' } });
    expect(owes.text).toContain('Er staat nog € 7,25 open. Betalende functies zijn geblokkeerd');
    expect(settled.text).toContain('Er staat geen bedrag meer open.');
    expect(settled.text).not.toContain('geblokkeerd');
  });

  it('refill_limit_reached: says the limit and when automatic top-up resumes, in all four languages', () => {
    const en = renderNotification({ template: 'refill_limit_reached', locale: 'en', data: SAMPLE.refill_limit_reached });
    expect(en.subject).toBe('Automatic top-up paused for Acme');
    expect(en.text).toContain('limit of 3 top-ups per 24 hours');
    expect(en.text).toContain('It resumes by itself on 2026-12-06 14:05 UTC.');
    expect(renderNotification({ template: 'refill_limit_reached', locale: 'nl', data: SAMPLE.refill_limit_reached }).text).toContain('3 keer per 24 uur');
    expect(renderNotification({ template: 'refill_limit_reached', locale: 'fr', data: SAMPLE.refill_limit_reached }).subject).toBe(
      'Recharge automatique suspendue pour Acme',
    );
    expect(renderNotification({ template: 'refill_limit_reached', locale: 'de', data: SAMPLE.refill_limit_reached }).text).toContain(
      'am 2026-12-06 14:05 UTC automatisch fortgesetzt',
    );
  });

  it('falls back to English for locales it does not write, and reads regional tags', () => {
    expect(resolveLocale('nl-BE')).toBe('nl');
    expect(resolveLocale('FR_be')).toBe('fr');
    expect(resolveLocale('es')).toBe('en');
    expect(resolveLocale(undefined)).toBe('en');
    expect(renderNotification({ template: 'depleted', locale: 'es', data: SAMPLE.depleted }).subject).toBe('Credit used up for Acme');
    expect(renderNotification({ template: 'depleted', locale: 'de-AT', data: SAMPLE.depleted }).subject).toBe('Guthaben aufgebraucht für Acme');
  });

  it('escapes every value in the HTML, and keeps the plain text as written', () => {
    const name = `<script>alert("x")</script> & O'Brien`;
    const out = renderNotification({ template: 'refill_failed', locale: 'en', data: { ...SAMPLE.refill_failed, accountName: name, reason: '<b>expired</b>' } });
    expect(out.html).not.toContain('<script>');
    expect(out.html).not.toContain('<b>');
    expect(out.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; O&#39;Brien');
    expect(out.html).toContain('Reason: &lt;b&gt;expired&lt;/b&gt;.');
    expect(out.html).toContain(`<title>Automatic top-up failed for &lt;script&gt;`);
    expect(out.text).toContain(`for ${name}. Reason: <b>expired</b>.`);
    expect(out.html.match(/<p>/g)).toHaveLength(4);
  });

  it('keeps values on one line, so nothing can break the subject apart', () => {
    const out = renderNotification({ template: 'depleted', locale: 'en', data: { accountName: 'Acme\r\nBcc: x@evil.test' } });
    expect(out.subject).toBe('Credit used up for Acme Bcc: x@evil.test');
  });

  it('refuses an unknown template and missing or malformed data with typed errors', () => {
    const unknown = refusal(() => renderNotification({ template: 'welcome', locale: 'en', data: {} }));
    expect(unknown).toBeInstanceOf(UnknownTemplateError);
    expect(unknown).toMatchObject({ code: 'unknown_notification_template', status: 400 });
    expect(refusal(() => renderNotification({ template: 'toString', locale: 'en', data: {} }))).toBeInstanceOf(UnknownTemplateError);

    const missing = refusal(() => renderNotification({ template: 'low_balance', locale: 'en', data: { accountName: 'Acme', available: '1.00' } }));
    expect(missing).toBeInstanceOf(InvalidNotificationDataError);
    expect(missing).toMatchObject({ code: 'invalid_notification_data', status: 400, details: { template: 'low_balance', field: 'threshold' } });

    const float = refusal(() => renderNotification({ template: 'low_balance', locale: 'en', data: { ...SAMPLE.low_balance, available: 12.5 } }));
    expect(float).toMatchObject({ details: { field: 'available' } });
    const garbage = refusal(() =>
      renderNotification({ template: 'purchase_succeeded', locale: 'en', data: { ...SAMPLE.purchase_succeeded, amount: '12,50' } }),
    );
    expect(garbage).toMatchObject({ code: 'invalid_notification_data', details: { field: 'amount' } });
    const flag = refusal(() => renderNotification({ template: 'refill_failed', locale: 'en', data: { ...SAMPLE.refill_failed, autoRefillPaused: 'no' } }));
    expect(flag).toMatchObject({ details: { field: 'autoRefillPaused' } });
    expect(refusal(() => renderNotification({ template: 'depleted', locale: 'en', data: null }))).toBeInstanceOf(InvalidNotificationDataError);
    expect(refusal(() => renderNotification({ template: 'depleted', locale: 'en', data: { accountName: '  ' } }))).toBeInstanceOf(InvalidNotificationDataError);
  });
});
