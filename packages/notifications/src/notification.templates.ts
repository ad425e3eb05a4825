import { Money } from '@tollgate/money';
import { InvalidNotificationDataError, UnknownTemplateError } from './notification.errors.js';

export const NOTIFICATION_LOCALES = ['nl', 'fr', 'en', 'de'] as const;
export type NotificationLocale = (typeof NOTIFICATION_LOCALES)[number];

// 'lines': may be empty, keeps its line breaks (a list of reasons); 'count': a whole number as a string;
// 'optional': one line that may be empty (a part of the mail that does not apply); 'date': YYYY-MM-DD, written per locale.
type FieldKind = 'text' | 'money' | 'boolean' | 'lines' | 'count' | 'optional' | 'date';

// What each template needs; money is a decimal string ("12.50"), formatted per locale when rendered.
const FIELDS = {
  low_balance: { accountName: 'text', available: 'money', threshold: 'money' },
  depleted: { accountName: 'text' },
  refill_failed: { accountName: 'text', amount: 'money', reason: 'text', autoRefillPaused: 'boolean' },
  refill_limit_reached: { accountName: 'text', maxPerPeriod: 'count', periodHours: 'count', resumesAt: 'text' },
  payment_reversed: { accountName: 'text', amount: 'money', reason: 'text', owed: 'money' },
  purchase_succeeded: { accountName: 'text', amount: 'money', balance: 'money' },
  // W-13: an alert the account set fired; kind is balance_below, percent_of_last_top_up or days_left.
  wallet_alert: { accountName: 'text', alertName: 'optional', kind: 'text', available: 'money', threshold: 'money', daysLeft: 'optional' },
  refund_processed: { accountName: 'text', credits: 'money', fee: 'money', payout: 'money' },
  webhook_endpoint_disabled: { accountName: 'text', url: 'text', failingSince: 'text' },
  import_summary: {
    accountName: 'text',
    source: 'text',
    trigger: 'text',
    status: 'text',
    newCount: 'count',
    updatedCount: 'count',
    ignoredCount: 'count',
    failedCount: 'count',
    failures: 'lines',
    flags: 'lines',
  },
  // S-7: an imported invoice to its customer, the PDF attached, with the profile's payment options.
  invoice_invitation: {
    accountName: 'text',
    customerName: 'text',
    invoiceNumber: 'text',
    amount: 'money',
    dueOn: 'date',
    payUrl: 'optional',
    directDebit: 'boolean',
    mandateReference: 'optional',
    iban: 'optional',
    bic: 'optional',
    beneficiary: 'optional',
    structuredReference: 'optional',
  },
} as const satisfies Record<string, Record<string, FieldKind>>;

export type NotificationTemplate = keyof typeof FIELDS;
export const NOTIFICATION_TEMPLATES = Object.keys(FIELDS) as NotificationTemplate[];

/** The data each template takes, e.g. `NotificationData['low_balance']`. */
export type NotificationData = { [T in NotificationTemplate]: { [F in keyof (typeof FIELDS)[T]]: (typeof FIELDS)[T][F] extends 'boolean' ? boolean : string } };

export interface RenderedNotification {
  subject: string;
  text: string;
  html: string;
}

/** The language part of a locale we write in ('nl-BE' → 'nl'); anything else → 'en'. */
export function resolveLocale(locale: unknown): NotificationLocale {
  const language = typeof locale === 'string' ? locale.trim().toLowerCase().split(/[-_]/)[0] : undefined;
  return (NOTIFICATION_LOCALES as readonly string[]).includes(language ?? '') ? (language as NotificationLocale) : 'en';
}

export function isNotificationTemplate(template: unknown): template is NotificationTemplate {
  return typeof template === 'string' && Object.hasOwn(FIELDS, template);
}

/**
 * Checks a template's data and keeps only its fields (what the outbox stores).
 * Throws UnknownTemplateError / InvalidNotificationDataError.
 */
export function checkNotificationData(input: { template: string; data: unknown }): Record<string, string | boolean> {
  if (!isNotificationTemplate(input.template)) throw new UnknownTemplateError({ template: input.template });
  const template = input.template;
  const data = input.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidNotificationDataError({ template, field: '', message: 'data must be an object' });
  }
  const out: Record<string, string | boolean> = {};
  for (const [field, kind] of Object.entries(FIELDS[template]) as [string, FieldKind][]) {
    const value: unknown = (data as Record<string, unknown>)[field];
    const refuse = (message: string) => new InvalidNotificationDataError({ template, field, message: `${field} ${message}` });
    if (value === undefined || value === null) throw refuse('is required');
    if (kind === 'boolean') {
      if (typeof value !== 'boolean') throw refuse('must be true or false');
    } else if (kind === 'lines') {
      if (typeof value !== 'string') throw refuse('must be a string');
      if (value.length > 5000) throw refuse('must be at most 5000 characters');
    } else if (kind === 'optional') {
      if (typeof value !== 'string') throw refuse('must be a string (empty when it does not apply)');
      if (value.length > 500) throw refuse('must be at most 500 characters');
    } else if (kind === 'date') {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
        throw refuse('must be a date such as "2026-03-31"');
    } else if (kind === 'count') {
      if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) throw refuse('must be a whole number as a string, such as "12"');
    } else if (typeof value !== 'string' || value.trim() === '') {
      throw refuse('must be a non-empty string');
    } else if (kind === 'text' && value.length > 500) {
      throw refuse('must be at most 500 characters');
    } else if (kind === 'money') {
      try {
        Money.of(value);
      } catch {
        throw refuse(`must be a decimal amount such as "12.50", got ${JSON.stringify(value)}`);
      }
    }
    out[field] = value;
  }
  return out;
}

interface Words {
  subject: string;
  paragraphs: string[];
}
type Fields = Record<string, string>;
type Flags = Record<string, boolean>;
type Writer = (f: Fields, flags: Flags) => Words;

const GREETING: Record<NotificationLocale, string> = { nl: 'Beste klant,', fr: 'Bonjour,', en: 'Hello,', de: 'Guten Tag,' };
const SIGN_OFF: Record<NotificationLocale, string> = {
  nl: 'Met vriendelijke groeten,',
  fr: 'Cordialement,',
  en: 'Kind regards,',
  de: 'Mit freundlichen Grüßen',
};

const TRIGGER_WORDS: Record<NotificationLocale, Record<string, string>> = {
  nl: { manual: 'handmatige import', sweep: 'automatische import', webhook: 'automatische import' },
  fr: { manual: 'import manuel', sweep: 'import automatique', webhook: 'import automatique' },
  en: { manual: 'manual import', sweep: 'automatic import', webhook: 'automatic import' },
  de: { manual: 'manueller Import', sweep: 'automatischer Import', webhook: 'automatischer Import' },
};

function importSummary(
  locale: NotificationLocale,
  w: {
    subject: (f: Fields, what: string) => string;
    counts: (f: Fields) => string;
    unfinished: string;
    failed: string;
    flagged: string;
  },
): Writer {
  return (f, flags) => {
    const what = TRIGGER_WORDS[locale][f.trigger ?? ''] ?? f.trigger ?? '';
    return {
      subject: w.subject(f, what),
      paragraphs: [
        w.counts(f),
        ...(flags.completed ? [] : [w.unfinished]),
        ...(flags.failed ? [`${w.failed}\n${f.failures}`] : []),
        ...(flags.flagged ? [`${w.flagged}\n${f.flags}`] : []),
      ],
    };
  };
}

/** A date as each language writes it: nl 31-03-2026, fr 31/03/2026, de 31.03.2026, en 31 March 2026. */
function writeDate(iso: string, locale: NotificationLocale): string {
  const [y, m, d] = iso.split('-');
  if (locale === 'nl') return `${d}-${m}-${y}`;
  if (locale === 'fr') return `${d}/${m}/${y}`;
  if (locale === 'de') return `${d}.${m}.${y}`;
  return new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

function invitation(w: {
  subject: (f: Fields) => string;
  intro: (f: Fields) => string;
  payLink: (f: Fields) => string;
  directDebit: (f: Fields) => string;
  transfer: string;
  account: string;
  beneficiary: string;
  reference: string;
}): Writer {
  return (f, flags) => ({
    subject: w.subject(f),
    paragraphs: [
      w.intro(f),
      ...(flags.directDebit ? [w.directDebit(f)] : []),
      ...(flags.payLink ? [w.payLink(f)] : []),
      ...(flags.transfer
        ? [
            [
              w.transfer,
              `${w.account}: ${f.iban}${f.bic ? ` (BIC ${f.bic})` : ''}`,
              `${w.beneficiary}: ${f.beneficiary || f.accountName}`,
              `${w.reference}: ${f.structuredReference}`,
            ].join('\n'),
          ]
        : []),
    ],
  });
}

/** An alert's words: which alert (its name, or what it watches) and why it fired. */
function walletAlert(w: {
  subject: (f: Fields, what: string) => string;
  what: (f: Fields) => string;
  balance: (f: Fields) => string;
  daysLeft: (f: Fields) => string;
  advice: string;
}): Writer {
  return (f) => {
    const what = f.alertName || w.what(f);
    return { subject: w.subject(f, what), paragraphs: [w.balance(f), ...(f.kind === 'days_left' && f.daysLeft ? [w.daysLeft(f)] : []), w.advice] };
  };
}

const ALERT_KIND_WORDS: Record<NotificationLocale, Record<string, string>> = {
  nl: { balance_below: 'saldo onder een bedrag', percent_of_last_top_up: 'saldo onder een deel van de laatste opwaardering', days_left: 'resterende dagen' },
  fr: { balance_below: 'solde sous un montant', percent_of_last_top_up: 'solde sous une part de la dernière recharge', days_left: 'jours restants' },
  en: { balance_below: 'balance below an amount', percent_of_last_top_up: 'balance below a share of the last top-up', days_left: 'days left' },
  de: {
    balance_below: 'Guthaben unter einem Betrag',
    percent_of_last_top_up: 'Guthaben unter einem Anteil der letzten Aufladung',
    days_left: 'verbleibende Tage',
  },
};

const TEXTS: Record<NotificationTemplate, Record<NotificationLocale, Writer>> = {
  wallet_alert: {
    nl: walletAlert({
      subject: (f, what) => `Waarschuwing voor ${f.accountName}: ${what}`,
      what: (f) => ALERT_KIND_WORDS.nl[f.kind!] ?? f.kind!,
      balance: (f) => `Het beschikbare saldo van ${f.accountName} is nu ${f.available}, lager dan de grens van deze waarschuwing (${f.threshold}).`,
      daysLeft: (f) => `Aan het huidige verbruik is dat nog ongeveer ${f.daysLeft!.replace('.', ',')} dagen.`,
      advice: 'Vul uw tegoed tijdig aan. U krijgt deze waarschuwing opnieuw nadat het saldo weer boven de grens is gekomen en er opnieuw onder zakt.',
    }),
    fr: walletAlert({
      subject: (f, what) => `Alerte pour ${f.accountName} : ${what}`,
      what: (f) => ALERT_KIND_WORDS.fr[f.kind!] ?? f.kind!,
      balance: (f) => `Le solde disponible de ${f.accountName} est maintenant de ${f.available}, sous le seuil de cette alerte (${f.threshold}).`,
      daysLeft: (f) => `Au rythme de consommation actuel, cela représente environ ${f.daysLeft!.replace('.', ',')} jours.`,
      advice: 'Rechargez votre portefeuille à temps. Vous recevrez à nouveau cette alerte si le solde remonte au-dessus du seuil puis repasse en dessous.',
    }),
    en: walletAlert({
      subject: (f, what) => `Alert for ${f.accountName}: ${what}`,
      what: (f) => ALERT_KIND_WORDS.en[f.kind!] ?? f.kind!,
      balance: (f) => `The available balance of ${f.accountName} is now ${f.available}, below this alert's threshold of ${f.threshold}.`,
      daysLeft: (f) => `At the current rate of spending that lasts about ${f.daysLeft} days.`,
      advice: 'Top up in time. You will get this alert again once the balance has gone back above the threshold and drops below it again.',
    }),
    de: walletAlert({
      subject: (f, what) => `Warnung für ${f.accountName}: ${what}`,
      what: (f) => ALERT_KIND_WORDS.de[f.kind!] ?? f.kind!,
      balance: (f) => `Das verfügbare Guthaben von ${f.accountName} beträgt jetzt ${f.available} und liegt unter der Schwelle dieser Warnung (${f.threshold}).`,
      daysLeft: (f) => `Beim aktuellen Verbrauch reicht das noch etwa ${f.daysLeft!.replace('.', ',')} Tage.`,
      advice:
        'Laden Sie Ihr Guthaben rechtzeitig auf. Sie erhalten diese Warnung erneut, sobald das Guthaben wieder über der Schwelle lag und erneut darunter fällt.',
    }),
  },
  invoice_invitation: {
    nl: invitation({
      subject: (f) => `Factuur ${f.invoiceNumber} van ${f.accountName}`,
      intro: (f) =>
        `In de bijlage vindt u factuur ${f.invoiceNumber} van ${f.accountName} voor ${f.customerName}: ${f.amount}, te betalen uiterlijk op ${f.dueOn}.`,
      directDebit: (f) =>
        `U hoeft niets te doen: het bedrag wordt via domiciliëring van uw rekening gedebiteerd${f.mandateReference ? ` (mandaat ${f.mandateReference})` : ''}.`,
      payLink: (f) => `Online betalen: ${f.payUrl}`,
      transfer: 'Of betaal met een overschrijving:',
      account: 'Rekening',
      beneficiary: 'Begunstigde',
      reference: 'Gestructureerde mededeling',
    }),
    fr: invitation({
      subject: (f) => `Facture ${f.invoiceNumber} de ${f.accountName}`,
      intro: (f) =>
        `Vous trouverez en pièce jointe la facture ${f.invoiceNumber} de ${f.accountName} pour ${f.customerName} : ${f.amount}, à payer au plus tard le ${f.dueOn}.`,
      directDebit: (f) =>
        `Vous n’avez rien à faire : le montant sera prélevé sur votre compte par domiciliation${f.mandateReference ? ` (mandat ${f.mandateReference})` : ''}.`,
      payLink: (f) => `Payer en ligne : ${f.payUrl}`,
      transfer: 'Ou payez par virement :',
      account: 'Compte',
      beneficiary: 'Bénéficiaire',
      reference: 'Communication structurée',
    }),
    en: invitation({
      subject: (f) => `Invoice ${f.invoiceNumber} from ${f.accountName}`,
      intro: (f) => `Please find attached invoice ${f.invoiceNumber} from ${f.accountName} to ${f.customerName}: ${f.amount}, due by ${f.dueOn}.`,
      directDebit: (f) =>
        `There is nothing you need to do: the amount will be collected from your account by direct debit${f.mandateReference ? ` (mandate ${f.mandateReference})` : ''}.`,
      payLink: (f) => `Pay online: ${f.payUrl}`,
      transfer: 'Or pay by bank transfer:',
      account: 'Account',
      beneficiary: 'Beneficiary',
      reference: 'Structured communication',
    }),
    de: invitation({
      subject: (f) => `Rechnung ${f.invoiceNumber} von ${f.accountName}`,
      intro: (f) => `Im Anhang finden Sie die Rechnung ${f.invoiceNumber} von ${f.accountName} an ${f.customerName}: ${f.amount}, zahlbar bis zum ${f.dueOn}.`,
      directDebit: (f) =>
        `Sie müssen nichts tun: Der Betrag wird per Lastschrift von Ihrem Konto eingezogen${f.mandateReference ? ` (Mandat ${f.mandateReference})` : ''}.`,
      payLink: (f) => `Online bezahlen: ${f.payUrl}`,
      transfer: 'Oder zahlen Sie per Überweisung:',
      account: 'Konto',
      beneficiary: 'Empfänger',
      reference: 'Strukturierte Mitteilung',
    }),
  },
  webhook_endpoint_disabled: {
    nl: (f) => ({
      subject: `Webhook uitgeschakeld voor ${f.accountName}`,
      paragraphs: [
        `Het webhook-adres ${f.url} van ${f.accountName} antwoordt sinds ${f.failingSince} niet meer met succes. We hebben het uitgeschakeld.`,
        'Herstel het adres en schakel het weer in; wat intussen niet afgeleverd werd, kunt u opnieuw laten versturen.',
      ],
    }),
    fr: (f) => ({
      subject: `Webhook désactivé pour ${f.accountName}`,
      paragraphs: [
        `L’adresse de webhook ${f.url} de ${f.accountName} échoue sans interruption depuis ${f.failingSince}. Nous l’avons désactivée.`,
        'Corrigez l’adresse et réactivez-la ; les événements non livrés entre-temps peuvent être renvoyés.',
      ],
    }),
    en: (f) => ({
      subject: `Webhook disabled for ${f.accountName}`,
      paragraphs: [
        `The webhook endpoint ${f.url} of ${f.accountName} has failed every delivery since ${f.failingSince}. We have disabled it.`,
        'Fix the endpoint and enable it again; events that were not delivered meanwhile can be sent again (replay).',
      ],
    }),
    de: (f) => ({
      subject: `Webhook deaktiviert für ${f.accountName}`,
      paragraphs: [
        `Der Webhook-Endpunkt ${f.url} von ${f.accountName} schlägt seit ${f.failingSince} bei jeder Zustellung fehl. Wir haben ihn deaktiviert.`,
        'Beheben Sie den Fehler und aktivieren Sie ihn wieder; nicht zugestellte Ereignisse können erneut gesendet werden.',
      ],
    }),
  },
  low_balance: {
    nl: (f) => ({
      subject: `Laag saldo voor ${f.accountName}`,
      paragraphs: [
        `Het beschikbare saldo van ${f.accountName} is nu ${f.available}, lager dan uw waarschuwingsgrens van ${f.threshold}.`,
        'Vul uw tegoed tijdig aan, zodat betalende functies zonder onderbreking blijven werken.',
      ],
    }),
    fr: (f) => ({
      subject: `Solde bas pour ${f.accountName}`,
      paragraphs: [
        `Le solde disponible de ${f.accountName} est maintenant de ${f.available}, sous votre seuil d’alerte de ${f.threshold}.`,
        'Rechargez votre portefeuille prochainement pour continuer à utiliser les fonctions payantes sans interruption.',
      ],
    }),
    en: (f) => ({
      subject: `Low balance for ${f.accountName}`,
      paragraphs: [
        `The available balance of ${f.accountName} is now ${f.available}, below your alert level of ${f.threshold}.`,
        'Please top up your wallet soon so that paid features keep working without interruption.',
      ],
    }),
    de: (f) => ({
      subject: `Niedriges Guthaben für ${f.accountName}`,
      paragraphs: [
        `Das verfügbare Guthaben von ${f.accountName} beträgt jetzt ${f.available} und liegt damit unter Ihrer Warnschwelle von ${f.threshold}.`,
        'Bitte laden Sie Ihr Guthaben bald auf, damit kostenpflichtige Funktionen ohne Unterbrechung weiterlaufen.',
      ],
    }),
  },
  depleted: {
    nl: (f) => ({
      subject: `Tegoed op voor ${f.accountName}`,
      paragraphs: [
        `Het tegoed van ${f.accountName} is opgebruikt. Betalende functies zijn gepauzeerd tot u het aanvult.`,
        'Vul uw tegoed aan om ze meteen weer te gebruiken.',
      ],
    }),
    fr: (f) => ({
      subject: `Crédit épuisé pour ${f.accountName}`,
      paragraphs: [
        `Le crédit de ${f.accountName} est épuisé. Les fonctions payantes sont suspendues jusqu’à votre prochaine recharge.`,
        'Rechargez votre portefeuille pour les réactiver immédiatement.',
      ],
    }),
    en: (f) => ({
      subject: `Credit used up for ${f.accountName}`,
      paragraphs: [
        `The credit of ${f.accountName} is used up. Paid features are paused until you top up.`,
        'Please top up your wallet to use them again right away.',
      ],
    }),
    de: (f) => ({
      subject: `Guthaben aufgebraucht für ${f.accountName}`,
      paragraphs: [
        `Das Guthaben von ${f.accountName} ist aufgebraucht. Kostenpflichtige Funktionen sind pausiert, bis Sie es wieder aufladen.`,
        'Bitte laden Sie Ihr Guthaben auf, um sie sofort wieder zu nutzen.',
      ],
    }),
  },
  refill_failed: {
    nl: (f, b) => ({
      subject: `Automatisch opladen mislukt voor ${f.accountName}`,
      paragraphs: [
        `We konden ${f.amount} niet opladen voor ${f.accountName}. Reden: ${f.reason}.`,
        b.autoRefillPaused
          ? 'Automatisch opladen is gepauzeerd. Werk uw betaalmethode bij en schakel het daarna opnieuw in.'
          : 'We proberen het later opnieuw. Controleer intussen of uw betaalmethode nog geldig is.',
      ],
    }),
    fr: (f, b) => ({
      subject: `Échec de la recharge automatique pour ${f.accountName}`,
      paragraphs: [
        `Nous n’avons pas pu recharger ${f.amount} pour ${f.accountName}. Motif : ${f.reason}.`,
        b.autoRefillPaused
          ? 'La recharge automatique est suspendue. Veuillez mettre à jour votre moyen de paiement, puis la réactiver.'
          : 'Nous réessaierons plus tard. Veuillez vérifier entre-temps que votre moyen de paiement est toujours valide.',
      ],
    }),
    en: (f, b) => ({
      subject: `Automatic top-up failed for ${f.accountName}`,
      paragraphs: [
        `We could not top up ${f.amount} for ${f.accountName}. Reason: ${f.reason}.`,
        b.autoRefillPaused
          ? 'Automatic top-up is paused. Please update your payment method, then turn it on again.'
          : 'We will try again later. In the meantime, please check that your payment method is still valid.',
      ],
    }),
    de: (f, b) => ({
      subject: `Automatische Aufladung fehlgeschlagen für ${f.accountName}`,
      paragraphs: [
        `Wir konnten ${f.amount} für ${f.accountName} nicht aufladen. Grund: ${f.reason}.`,
        b.autoRefillPaused
          ? 'Die automatische Aufladung ist pausiert. Bitte aktualisieren Sie Ihre Zahlungsmethode und schalten Sie sie danach wieder ein.'
          : 'Wir versuchen es später erneut. Bitte prüfen Sie in der Zwischenzeit, ob Ihre Zahlungsmethode noch gültig ist.',
      ],
    }),
  },
  refill_limit_reached: {
    nl: (f) => ({
      subject: `Automatisch opladen gepauzeerd voor ${f.accountName}`,
      paragraphs: [
        `Het tegoed van ${f.accountName} is opnieuw te laag, maar automatisch opladen heeft zijn limiet bereikt: ${f.maxPerPeriod} keer per ${f.periodHours} uur.`,
        `Het wordt automatisch hervat op ${f.resumesAt}. Wilt u niet wachten, laad dan nu zelf op of verhoog de limiet in de instellingen.`,
      ],
    }),
    fr: (f) => ({
      subject: `Recharge automatique suspendue pour ${f.accountName}`,
      paragraphs: [
        `Le crédit de ${f.accountName} est de nouveau trop bas, mais la recharge automatique a atteint sa limite : ${f.maxPerPeriod} fois par ${f.periodHours} heures.`,
        `Elle reprendra d’elle-même le ${f.resumesAt}. Pour ne pas attendre, rechargez maintenant ou augmentez la limite dans les paramètres.`,
      ],
    }),
    en: (f) => ({
      subject: `Automatic top-up paused for ${f.accountName}`,
      paragraphs: [
        `The credit of ${f.accountName} is low again, but automatic top-up has reached its limit of ${f.maxPerPeriod} top-ups per ${f.periodHours} hours.`,
        `It resumes by itself on ${f.resumesAt}. To avoid waiting, top up now or raise the limit in the settings.`,
      ],
    }),
    de: (f) => ({
      subject: `Automatische Aufladung pausiert für ${f.accountName}`,
      paragraphs: [
        `Das Guthaben von ${f.accountName} ist wieder zu niedrig, aber die automatische Aufladung hat ihr Limit erreicht: ${f.maxPerPeriod} Aufladungen pro ${f.periodHours} Stunden.`,
        `Sie wird am ${f.resumesAt} automatisch fortgesetzt. Wenn Sie nicht warten möchten, laden Sie jetzt selbst auf oder erhöhen Sie das Limit in den Einstellungen.`,
      ],
    }),
  },
  payment_reversed: {
    nl: (f, b) => ({
      subject: `Betaling teruggedraaid voor ${f.accountName}`,
      paragraphs: [
        `Een betaling van ${f.amount} voor ${f.accountName} werd teruggedraaid (reden: ${f.reason}). Het daarmee gekochte tegoed is ingetrokken.`,
        b.owes ? `Er staat nog ${f.owed} open. Betalende functies zijn geblokkeerd tot dit bedrag betaald is.` : 'Er staat geen bedrag meer open.',
      ],
    }),
    fr: (f, b) => ({
      subject: `Paiement annulé pour ${f.accountName}`,
      paragraphs: [
        `Un paiement de ${f.amount} pour ${f.accountName} a été annulé (motif : ${f.reason}). Le crédit acheté avec ce paiement a été retiré.`,
        b.owes ? `Il reste ${f.owed} à payer. Les fonctions payantes sont bloquées jusqu’au paiement de ce montant.` : 'Aucun montant ne reste dû.',
      ],
    }),
    en: (f, b) => ({
      subject: `Payment reversed for ${f.accountName}`,
      paragraphs: [
        `A payment of ${f.amount} for ${f.accountName} was reversed (reason: ${f.reason}). The credit it bought has been removed.`,
        b.owes ? `${f.owed} is still owed. Paid features are blocked until this amount is paid.` : 'Nothing is left to pay.',
      ],
    }),
    de: (f, b) => ({
      subject: `Zahlung zurückgebucht für ${f.accountName}`,
      paragraphs: [
        `Eine Zahlung von ${f.amount} für ${f.accountName} wurde zurückgebucht (Grund: ${f.reason}). Das damit gekaufte Guthaben wurde entfernt.`,
        b.owes ? `Es sind noch ${f.owed} offen. Kostenpflichtige Funktionen sind gesperrt, bis dieser Betrag bezahlt ist.` : 'Es ist kein Betrag mehr offen.',
      ],
    }),
  },
  purchase_succeeded: {
    nl: (f) => ({
      subject: `Opwaardering ontvangen voor ${f.accountName}`,
      paragraphs: [`Bedankt! ${f.amount} is toegevoegd aan het tegoed van ${f.accountName}. Het nieuwe saldo is ${f.balance}.`],
    }),
    fr: (f) => ({
      subject: `Recharge reçue pour ${f.accountName}`,
      paragraphs: [`Merci ! ${f.amount} a été ajouté au portefeuille de ${f.accountName}. Le nouveau solde est de ${f.balance}.`],
    }),
    en: (f) => ({
      subject: `Top-up received for ${f.accountName}`,
      paragraphs: [`Thank you! ${f.amount} has been added to the wallet of ${f.accountName}. The new balance is ${f.balance}.`],
    }),
    de: (f) => ({
      subject: `Aufladung erhalten für ${f.accountName}`,
      paragraphs: [`Vielen Dank! ${f.amount} wurde dem Guthaben von ${f.accountName} gutgeschrieben. Das neue Guthaben beträgt ${f.balance}.`],
    }),
  },
  refund_processed: {
    nl: (f) => ({
      subject: `Terugbetaling verwerkt voor ${f.accountName}`,
      paragraphs: [
        `We hebben het ongebruikte tegoed van ${f.accountName} terugbetaald: ${f.credits} tegoed, min ${f.fee} kosten. We storten u ${f.payout}.`,
        'Het kan enkele werkdagen duren voor het bedrag op uw rekening staat.',
      ],
    }),
    fr: (f) => ({
      subject: `Remboursement effectué pour ${f.accountName}`,
      paragraphs: [
        `Nous avons remboursé le crédit inutilisé de ${f.accountName} : ${f.credits} de crédit, moins ${f.fee} de frais. Nous vous versons ${f.payout}.`,
        'Le versement peut prendre quelques jours ouvrables.',
      ],
    }),
    en: (f) => ({
      subject: `Refund processed for ${f.accountName}`,
      paragraphs: [
        `We have refunded the unused credit of ${f.accountName}: ${f.credits} of credit, minus a fee of ${f.fee}. We are paying out ${f.payout} to you.`,
        'The payout may take a few business days to arrive.',
      ],
    }),
    de: (f) => ({
      subject: `Erstattung bearbeitet für ${f.accountName}`,
      paragraphs: [
        `Wir haben das ungenutzte Guthaben von ${f.accountName} erstattet: ${f.credits} Guthaben abzüglich ${f.fee} Gebühr. Wir zahlen Ihnen ${f.payout} aus.`,
        'Die Auszahlung kann einige Werktage dauern.',
      ],
    }),
  },
  import_summary: {
    nl: importSummary('nl', {
      subject: (f, what) => `${f.source}: ${what} voor ${f.accountName}`,
      counts: (f) => `Nieuw: ${f.newCount}. Bijgewerkt: ${f.updatedCount}. Genegeerd: ${f.ignoredCount}. Mislukt: ${f.failedCount}.`,
      unfinished: 'De import werd onderbroken; start ze opnieuw om verder te gaan waar ze stopte.',
      failed: 'Niet geïmporteerd:',
      flagged: 'Let op:',
    }),
    fr: importSummary('fr', {
      subject: (f, what) => `${f.source} : ${what} pour ${f.accountName}`,
      counts: (f) => `Nouvelles : ${f.newCount}. Mises à jour : ${f.updatedCount}. Ignorées : ${f.ignoredCount}. En échec : ${f.failedCount}.`,
      unfinished: 'L’import a été interrompu ; relancez-le pour reprendre là où il s’est arrêté.',
      failed: 'Non importées :',
      flagged: 'À vérifier :',
    }),
    en: importSummary('en', {
      subject: (f, what) => `${f.source}: ${what} for ${f.accountName}`,
      counts: (f) => `New: ${f.newCount}. Updated: ${f.updatedCount}. Ignored: ${f.ignoredCount}. Failed: ${f.failedCount}.`,
      unfinished: 'The import was interrupted; start it again to continue where it stopped.',
      failed: 'Not imported:',
      flagged: 'Please check:',
    }),
    de: importSummary('de', {
      subject: (f, what) => `${f.source}: ${what} für ${f.accountName}`,
      counts: (f) => `Neu: ${f.newCount}. Aktualisiert: ${f.updatedCount}. Ignoriert: ${f.ignoredCount}. Fehlgeschlagen: ${f.failedCount}.`,
      unfinished: 'Der Import wurde unterbrochen; starten Sie ihn erneut, um dort weiterzumachen, wo er aufgehört hat.',
      failed: 'Nicht importiert:',
      flagged: 'Bitte prüfen:',
    }),
  },
};

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * The subject, plain text and HTML of one notification, in its locale (unknown → English).
 * Pure; throws UnknownTemplateError or InvalidNotificationDataError.
 */
export function renderNotification(input: { template: string; locale: string; data: unknown; productName?: string }): RenderedNotification {
  const data = checkNotificationData(input);
  const template = input.template as NotificationTemplate;
  const locale = resolveLocale(input.locale);
  const fields: Fields = {};
  const flags: Flags = {};
  for (const [field, kind] of Object.entries(FIELDS[template]) as [string, FieldKind][]) {
    const value = data[field]!;
    if (kind === 'boolean') flags[field] = value === true;
    else if (kind === 'date') fields[field] = writeDate(value as string, locale);
    else if (kind === 'money') fields[field] = Money.of(value as string).format(locale);
    else if (kind === 'lines')
      fields[field] = (value as string)
        .split('\n')
        .map((l) => l.replace(/\s+/g, ' ').trim())
        .filter(Boolean)
        .join('\n');
    // One line: a value never breaks the text (or the subject header) apart.
    else fields[field] = (value as string).replace(/\s+/g, ' ').trim();
  }
  if (template === 'payment_reversed') flags.owes = Money.of(data.owed as string).isPositive();
  if (template === 'invoice_invitation') {
    flags.payLink = fields.payUrl !== '';
    flags.transfer = fields.iban !== '' && fields.structuredReference !== '';
  }
  if (template === 'import_summary') {
    flags.failed = fields.failures !== '';
    flags.flagged = fields.flags !== '';
    flags.completed = data.status === 'completed';
  }
  const words = TEXTS[template][locale](fields, flags);
  const productName = (input.productName ?? 'Tollgate').replace(/\s+/g, ' ').trim();
  const paragraphs = [GREETING[locale], ...words.paragraphs, `${SIGN_OFF[locale]}\n${productName}`];
  const html = [
    '<!doctype html>',
    `<html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(words.subject)}</title></head><body>`,
    ...paragraphs.map((p) => `<p>${p.split('\n').map(escapeHtml).join('<br>')}</p>`),
    '</body></html>',
  ].join('\n');
  return { subject: words.subject, text: `${paragraphs.join('\n\n')}\n`, html };
}
