import type { NotPayableReason, PaymentLinkPage } from '@tollgate/invoice-sync';

type Language = PaymentLinkPage['language'];

/** The payment link page's words, in the four languages customers get (S-7). */
const TEXT: Record<
  Language,
  {
    invoice: string;
    amountDue: string;
    total: string;
    dueOn: string;
    status: string;
    pay: string;
    statuses: Record<PaymentLinkPage['status'], string>;
    notPayable: Record<NotPayableReason, string>;
    returned: { succeeded: string; pending: string; failed: string; reversed: string };
    unknown: string;
    unavailable: string;
  }
> = {
  en: {
    invoice: 'Invoice',
    amountDue: 'Amount due',
    total: 'Invoice total',
    dueOn: 'Due date',
    status: 'Status',
    pay: 'Pay by card',
    statuses: { booked: 'Open', pending: 'Collection under way', paid: 'Paid', expired: 'Overdue' },
    notPayable: {
      paid: 'This invoice has already been paid. Thank you.',
      credit_note: 'This is a credit note: there is nothing to pay.',
      collection_pending: 'This invoice is being collected by direct debit: there is nothing to do.',
      payment_link_not_in_profile: 'This invoice cannot be paid by card here. Please use the payment details on the invoice.',
      currency: 'This invoice cannot be paid by card here. Please use the payment details on the invoice.',
      no_card_provider: 'Card payments are not available at the moment. Please use the payment details on the invoice.',
    },
    returned: {
      succeeded: 'Thank you: your payment has been received.',
      pending: 'Your payment has not been completed yet. If you have paid, it will show here shortly.',
      failed: 'The payment did not go through. You can try again.',
      reversed: 'The card payment was reversed. The invoice is open again.',
    },
    unknown: 'This payment link is not valid. Please check the link in your e-mail.',
    unavailable: 'The card payment could not be started. Please try again in a moment.',
  },
  nl: {
    invoice: 'Factuur',
    amountDue: 'Te betalen',
    total: 'Factuurtotaal',
    dueOn: 'Vervaldatum',
    status: 'Status',
    pay: 'Betalen met kaart',
    statuses: { booked: 'Open', pending: 'Domiciliëring loopt', paid: 'Betaald', expired: 'Vervallen' },
    notPayable: {
      paid: 'Deze factuur is al betaald. Dank u.',
      credit_note: 'Dit is een creditnota: er is niets te betalen.',
      collection_pending: 'Deze factuur wordt via domiciliëring geïnd: u hoeft niets te doen.',
      payment_link_not_in_profile: 'Deze factuur kan hier niet met een kaart betaald worden. Gebruik de betaalgegevens op de factuur.',
      currency: 'Deze factuur kan hier niet met een kaart betaald worden. Gebruik de betaalgegevens op de factuur.',
      no_card_provider: 'Kaartbetalingen zijn nu niet beschikbaar. Gebruik de betaalgegevens op de factuur.',
    },
    returned: {
      succeeded: 'Dank u: uw betaling is ontvangen.',
      pending: 'Uw betaling is nog niet afgerond. Als u betaald hebt, verschijnt dat hier zo meteen.',
      failed: 'De betaling is niet gelukt. U kunt het opnieuw proberen.',
      reversed: 'De kaartbetaling is teruggedraaid. De factuur staat weer open.',
    },
    unknown: 'Deze betaallink is niet geldig. Controleer de link in uw e-mail.',
    unavailable: 'De kaartbetaling kon niet starten. Probeer het zo meteen opnieuw.',
  },
  fr: {
    invoice: 'Facture',
    amountDue: 'Montant dû',
    total: 'Total de la facture',
    dueOn: 'Échéance',
    status: 'Statut',
    pay: 'Payer par carte',
    statuses: { booked: 'Ouverte', pending: 'Domiciliation en cours', paid: 'Payée', expired: 'Échue' },
    notPayable: {
      paid: 'Cette facture est déjà payée. Merci.',
      credit_note: 'Ceci est une note de crédit : il n’y a rien à payer.',
      collection_pending: 'Cette facture est encaissée par domiciliation : vous n’avez rien à faire.',
      payment_link_not_in_profile: 'Cette facture ne peut pas être payée par carte ici. Utilisez les coordonnées de paiement de la facture.',
      currency: 'Cette facture ne peut pas être payée par carte ici. Utilisez les coordonnées de paiement de la facture.',
      no_card_provider: 'Le paiement par carte n’est pas disponible pour le moment. Utilisez les coordonnées de paiement de la facture.',
    },
    returned: {
      succeeded: 'Merci : votre paiement a été reçu.',
      pending: 'Votre paiement n’est pas encore terminé. Si vous avez payé, il apparaîtra ici sous peu.',
      failed: 'Le paiement n’a pas abouti. Vous pouvez réessayer.',
      reversed: 'Le paiement par carte a été annulé. La facture est de nouveau ouverte.',
    },
    unknown: 'Ce lien de paiement n’est pas valable. Vérifiez le lien dans votre e-mail.',
    unavailable: 'Le paiement par carte n’a pas pu démarrer. Réessayez dans un instant.',
  },
  de: {
    invoice: 'Rechnung',
    amountDue: 'Offener Betrag',
    total: 'Rechnungsbetrag',
    dueOn: 'Fälligkeitsdatum',
    status: 'Status',
    pay: 'Mit Karte bezahlen',
    statuses: { booked: 'Offen', pending: 'Lastschrift läuft', paid: 'Bezahlt', expired: 'Überfällig' },
    notPayable: {
      paid: 'Diese Rechnung ist bereits bezahlt. Vielen Dank.',
      credit_note: 'Dies ist eine Gutschrift: Es ist nichts zu bezahlen.',
      collection_pending: 'Diese Rechnung wird per Lastschrift eingezogen: Sie müssen nichts tun.',
      payment_link_not_in_profile: 'Diese Rechnung kann hier nicht mit Karte bezahlt werden. Bitte nutzen Sie die Zahlungsangaben auf der Rechnung.',
      currency: 'Diese Rechnung kann hier nicht mit Karte bezahlt werden. Bitte nutzen Sie die Zahlungsangaben auf der Rechnung.',
      no_card_provider: 'Kartenzahlungen sind gerade nicht verfügbar. Bitte nutzen Sie die Zahlungsangaben auf der Rechnung.',
    },
    returned: {
      succeeded: 'Vielen Dank: Ihre Zahlung ist eingegangen.',
      pending: 'Ihre Zahlung ist noch nicht abgeschlossen. Wenn Sie bezahlt haben, erscheint das hier in Kürze.',
      failed: 'Die Zahlung ist nicht durchgegangen. Sie können es erneut versuchen.',
      reversed: 'Die Kartenzahlung wurde rückgängig gemacht. Die Rechnung ist wieder offen.',
    },
    unknown: 'Dieser Zahlungslink ist ungültig. Bitte prüfen Sie den Link in Ihrer E-Mail.',
    unavailable: 'Die Kartenzahlung konnte nicht gestartet werden. Bitte versuchen Sie es gleich noch einmal.',
  },
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function layout(input: { language: Language; title: string; body: string }): string {
  return `<!doctype html>
<html lang="${input.language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(input.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#222}dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem}dt{color:#666}dd{margin:0}button{font-size:1.1rem;padding:.6rem 1.2rem}.note{padding:.8rem;background:#f4f4f4;border-radius:.3rem}</style>
</head>
<body>
${input.body}
</body>
</html>
`;
}

function money(amount: string, currency: string, language: Language): string {
  const [whole, cents = '00'] = amount.split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, language === 'en' ? ',' : '.');
  const sep = language === 'en' ? '.' : ',';
  return `${currency === 'EUR' ? '€' : currency} ${grouped}${sep}${cents.padEnd(2, '0')}`;
}

function day(iso: string, language: Language): string {
  const [y, m, d] = iso.split('-');
  return language === 'en' ? `${y}-${m}-${d}` : `${d}/${m}/${y}`;
}

/**
 * The payment link page: the invoice, what is due and its status; a pay button when the profile
 * allows the payment link and something is due; `outcome` after the payer came back from the card page.
 */
export function renderPayPage(input: { page: PaymentLinkPage; token: string; outcome?: 'returned'; error?: 'unavailable' }): string {
  const { page } = input;
  const t = TEXT[page.language];
  const attempt = page.attempt?.status;
  const returned =
    input.outcome === 'returned'
      ? page.status === 'paid'
        ? t.returned.succeeded
        : attempt === 'succeeded'
          ? t.returned.succeeded
          : attempt === 'reversed'
            ? t.returned.reversed
            : attempt === 'failed'
              ? t.returned.failed
              : t.returned.pending
      : null;
  const action = page.payable
    ? `<form method="post" action="/pay/${encodeURIComponent(input.token)}/card"><button type="submit">${escapeHtml(t.pay)} · ${escapeHtml(money(page.amountDue, page.currency, page.language))}</button></form>`
    : `<p class="note" data-reason="${page.notPayableReason}">${escapeHtml(t.notPayable[page.notPayableReason!])}</p>`;
  const body = `<h1>${escapeHtml(t.invoice)} ${escapeHtml(page.number)}</h1>
<p>${escapeHtml(page.customerName)}</p>
${returned ? `<p class="note" role="status" data-outcome="${attempt ?? page.status}">${escapeHtml(returned)}</p>` : ''}
${input.error ? `<p class="note" role="alert">${escapeHtml(t.unavailable)}</p>` : ''}
<dl>
<dt>${escapeHtml(t.amountDue)}</dt><dd data-field="amountDue">${escapeHtml(money(page.amountDue, page.currency, page.language))}</dd>
<dt>${escapeHtml(t.total)}</dt><dd>${escapeHtml(money(page.totalInclVat, page.currency, page.language))}</dd>
<dt>${escapeHtml(t.dueOn)}</dt><dd data-field="dueOn">${escapeHtml(day(page.dueOn, page.language))}</dd>
<dt>${escapeHtml(t.status)}</dt><dd data-field="status" data-status="${page.status}">${escapeHtml(t.statuses[page.status])}</dd>
</dl>
${action}`;
  return layout({ language: page.language, title: `${t.invoice} ${page.number}`, body });
}

/** An unknown (or malformed) token: the same page whatever was asked, so tokens cannot be probed. */
export function renderUnknownPage(input: { acceptLanguage?: string | undefined }): string {
  const wanted = (input.acceptLanguage ?? '').toLowerCase().slice(0, 2);
  const language: Language = wanted === 'nl' || wanted === 'fr' || wanted === 'de' ? wanted : 'en';
  return layout({ language, title: '404', body: `<h1>404</h1><p>${escapeHtml(TEXT[language].unknown)}</p>` });
}
