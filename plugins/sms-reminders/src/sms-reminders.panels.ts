import { defineDashboardPanel, type DashboardPanel } from '@tollgate/plugin-sdk';
import { CHANNEL_ID } from './sms-reminder.channel.js';

/* The plugin's screens on the web dashboard: data only, bound to its own routes (sms-reminders.routes.ts). */

const status = { en: 'Status', nl: 'Status', fr: 'Statut', de: 'Status' };

export const smsRemindersPanels: DashboardPanel[] = [
  defineDashboardPanel({
    id: 'reminders',
    placement: 'feature',
    channel: CHANNEL_ID,
    title: { en: 'SMS reminders', nl: 'Sms-herinneringen', fr: 'Rappels par SMS', de: 'SMS-Erinnerungen' },
    description: {
      en: 'The texts that remind invitees of a meeting, with their status and cost.',
      nl: 'De sms’en die genodigden aan een afspraak herinneren, met hun status en kostprijs.',
      fr: 'Les SMS qui rappellent un rendez-vous aux invités, avec leur statut et leur coût.',
      de: 'Die SMS, die Eingeladene an einen Termin erinnern, mit Status und Kosten.',
    },
    table: {
      source: '/reminders',
      empty: { en: 'No reminders yet.', nl: 'Nog geen herinneringen.', fr: 'Aucun rappel pour l’instant.', de: 'Noch keine Erinnerungen.' },
      columns: [
        { key: 'to', label: { en: 'Recipient', nl: 'Ontvanger', fr: 'Destinataire', de: 'Empfänger' } },
        { key: 'status', label: status, format: 'status' },
        { key: 'sendAt', label: { en: 'Send time', nl: 'Verzendtijd', fr: 'Heure d’envoi', de: 'Versandzeit' }, format: 'datetime' },
        { key: 'amount', label: { en: 'Cost', nl: 'Kostprijs', fr: 'Coût', de: 'Kosten' }, format: 'money' },
        { key: 'reason', label: { en: 'Reason', nl: 'Reden', fr: 'Motif', de: 'Grund' }, format: 'status' },
      ],
    },
  }),
  defineDashboardPanel({
    id: 'meetings',
    placement: 'feature',
    channel: CHANNEL_ID,
    title: { en: 'Meetings', nl: 'Afspraken', fr: 'Rendez-vous', de: 'Termine' },
    description: {
      en: 'Meetings with invitees; those with the SMS box ticked get a reminder.',
      nl: 'Afspraken met genodigden; wie het sms-vakje aangevinkt heeft, krijgt een herinnering.',
      fr: 'Les rendez-vous et leurs invités ; ceux dont la case SMS est cochée reçoivent un rappel.',
      de: 'Termine mit Eingeladenen; wer das SMS-Kästchen angekreuzt hat, bekommt eine Erinnerung.',
    },
    table: {
      source: '/meetings',
      empty: { en: 'No meetings yet.', nl: 'Nog geen afspraken.', fr: 'Aucun rendez-vous pour l’instant.', de: 'Noch keine Termine.' },
      columns: [
        { key: 'title', label: { en: 'Title', nl: 'Titel', fr: 'Titre', de: 'Titel' } },
        { key: 'location', label: { en: 'Location', nl: 'Locatie', fr: 'Lieu', de: 'Ort' } },
        { key: 'startsAt', label: { en: 'Starts at', nl: 'Begint om', fr: 'Début', de: 'Beginn' }, format: 'datetime' },
        { key: 'status', label: status, format: 'status' },
      ],
    },
  }),
  // Read only: the send rule is the operator's configuration (plugin options), the same for every account.
  defineDashboardPanel({
    id: 'settings',
    placement: 'settings',
    channel: CHANNEL_ID,
    title: { en: 'SMS reminders', nl: 'Sms-herinneringen', fr: 'Rappels par SMS', de: 'SMS-Erinnerungen' },
    description: {
      en: 'When reminders go out and who sends them. Set by the platform for every account.',
      nl: 'Wanneer herinneringen vertrekken en wie ze verstuurt. Ingesteld door het platform, voor alle accounts.',
      fr: 'Quand les rappels partent et qui les envoie. Défini par la plateforme pour tous les comptes.',
      de: 'Wann Erinnerungen verschickt werden und von wem. Von der Plattform für alle Konten festgelegt.',
    },
    form: {
      load: '/settings',
      fields: [
        {
          name: 'daysBefore',
          type: 'number',
          readOnly: true,
          label: { en: 'Days before the meeting', nl: 'Dagen voor de afspraak', fr: 'Jours avant le rendez-vous', de: 'Tage vor dem Termin' },
          help: { en: '0 = on the day itself', nl: '0 = op de dag zelf', fr: '0 = le jour même', de: '0 = am selben Tag' },
        },
        {
          name: 'at',
          type: 'text',
          readOnly: true,
          label: {
            en: 'Send time (the meeting’s time zone)',
            nl: 'Verzendtijdstip (tijdzone van de afspraak)',
            fr: 'Heure d’envoi (fuseau horaire du rendez-vous)',
            de: 'Versandzeit (Zeitzone des Termins)',
          },
        },
        { name: 'from', type: 'text', readOnly: true, label: { en: 'Sender', nl: 'Afzender', fr: 'Expéditeur', de: 'Absender' } },
        {
          name: 'maxSegments',
          type: 'number',
          readOnly: true,
          label: {
            en: 'Longest text, in SMS parts',
            nl: 'Langste bericht, in sms-delen',
            fr: 'Message le plus long, en parties de SMS',
            de: 'Längste Nachricht, in SMS-Teilen',
          },
        },
        {
          name: 'defaultCountry',
          type: 'text',
          readOnly: true,
          label: {
            en: 'Country of numbers without a country code',
            nl: 'Land van nummers zonder landcode',
            fr: 'Pays des numéros sans indicatif',
            de: 'Land von Nummern ohne Ländervorwahl',
          },
        },
      ],
    },
  }),
];
