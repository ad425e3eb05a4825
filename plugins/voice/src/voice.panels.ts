import { defineDashboardPanel, type DashboardPanel } from '@tollgate/plugin-sdk';
import { VOICE_CHANNEL_ID } from './voice.channel.js';

/* The plugin's screen on the web dashboard: data only, bound to its own routes (voice.routes.ts). */

export const voicePanels: DashboardPanel[] = [
  defineDashboardPanel({
    id: 'calls',
    placement: 'feature',
    channel: VOICE_CHANNEL_ID,
    title: { en: 'Calls', nl: 'Oproepen', fr: 'Appels', de: 'Anrufe' },
    description: {
      en: 'Outgoing calls, newest first, paid per started minute.',
      nl: 'Uitgaande oproepen, de nieuwste eerst, betaald per begonnen minuut.',
      fr: 'Les appels sortants, les plus récents d’abord, payés par minute entamée.',
      de: 'Ausgehende Anrufe, die neuesten zuerst, bezahlt pro angefangene Minute.',
    },
    table: {
      source: '/calls',
      empty: { en: 'No calls yet.', nl: 'Nog geen oproepen.', fr: 'Aucun appel pour l’instant.', de: 'Noch keine Anrufe.' },
      columns: [
        { key: 'to', label: { en: 'Number called', nl: 'Gebeld nummer', fr: 'Numéro appelé', de: 'Angerufene Nummer' } },
        { key: 'status', label: { en: 'Status', nl: 'Status', fr: 'Statut', de: 'Status' }, format: 'status' },
        { key: 'createdAt', label: { en: 'Started', nl: 'Gestart', fr: 'Commencé', de: 'Begonnen' }, format: 'datetime' },
        { key: 'minutesCharged', label: { en: 'Minutes charged', nl: 'Aangerekende minuten', fr: 'Minutes facturées', de: 'Berechnete Minuten' } },
        { key: 'amount', label: { en: 'Cost', nl: 'Kostprijs', fr: 'Coût', de: 'Kosten' }, format: 'money' },
      ],
    },
  }),
];
