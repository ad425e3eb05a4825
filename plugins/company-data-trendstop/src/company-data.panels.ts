import { defineDashboardPanel, type DashboardPanel } from '@tollgate/plugin-sdk';
import { COMPANY_DATA_CHANNEL_ID } from './company-data.channel.js';

/* The plugin's screens on the web dashboard: data only, bound to its own routes (company-data.routes.ts). */

const status = { en: 'Status', nl: 'Status', fr: 'Statut', de: 'Status' };
const title = { en: 'Company data', nl: 'Bedrijfsgegevens', fr: 'Données d’entreprise', de: 'Firmendaten' };

export const companyDataPanels: DashboardPanel[] = [
  defineDashboardPanel({
    id: 'companies',
    placement: 'feature',
    channel: COMPANY_DATA_CHANNEL_ID,
    title,
    description: {
      en: 'Belgian companies and whether Trends Top data is available or bought for them.',
      nl: 'Belgische bedrijven en of er Trends Top-gegevens voor beschikbaar of gekocht zijn.',
      fr: 'Les entreprises belges et si leurs données Trends Top sont disponibles ou achetées.',
      de: 'Belgische Unternehmen und ob Trends-Top-Daten für sie verfügbar oder gekauft sind.',
    },
    table: {
      source: '/companies',
      empty: { en: 'No companies yet.', nl: 'Nog geen bedrijven.', fr: 'Aucune entreprise pour l’instant.', de: 'Noch keine Unternehmen.' },
      columns: [
        { key: 'name', label: { en: 'Name', nl: 'Naam', fr: 'Nom', de: 'Name' } },
        { key: 'enterpriseNumber', label: { en: 'Enterprise number', nl: 'Ondernemingsnummer', fr: 'Numéro d’entreprise', de: 'Unternehmensnummer' } },
        { key: 'data.status', label: { en: 'Data', nl: 'Gegevens', fr: 'Données', de: 'Daten' }, format: 'status' },
        { key: 'createdAt', label: { en: 'Added', nl: 'Toegevoegd', fr: 'Ajoutée', de: 'Hinzugefügt' }, format: 'datetime' },
      ],
    },
  }),
  defineDashboardPanel({
    id: 'users',
    placement: 'settings',
    channel: COMPANY_DATA_CHANNEL_ID,
    title: { en: 'Company data per user', nl: 'Bedrijfsgegevens per gebruiker', fr: 'Données d’entreprise par utilisateur', de: 'Firmendaten pro Benutzer' },
    description: {
      en: 'Who has company data switched on.',
      nl: 'Voor wie bedrijfsgegevens ingeschakeld zijn.',
      fr: 'Pour qui les données d’entreprise sont activées.',
      de: 'Für wen Firmendaten eingeschaltet sind.',
    },
    table: {
      source: '/users',
      columns: [
        { key: 'name', label: { en: 'User', nl: 'Gebruiker', fr: 'Utilisateur', de: 'Benutzer' } },
        { key: 'role', label: { en: 'Role', nl: 'Rol', fr: 'Rôle', de: 'Rolle' }, format: 'status' },
        { key: 'enabled', label: { en: 'Switched on', nl: 'Ingeschakeld', fr: 'Activé', de: 'Eingeschaltet' }, format: 'status' },
        { key: 'enabledAt', label: { en: 'Since', nl: 'Sinds', fr: 'Depuis', de: 'Seit' }, format: 'datetime' },
      ],
    },
  }),
  // Linking a key needs an admin (the route's default for a write); the key itself is never shown.
  defineDashboardPanel({
    id: 'subscription',
    placement: 'settings',
    channel: COMPANY_DATA_CHANNEL_ID,
    minRole: 'admin',
    title: { en: 'Own Trends Top subscription', nl: 'Eigen Trends Top-abonnement', fr: 'Propre abonnement Trends Top', de: 'Eigenes Trends-Top-Abonnement' },
    description: {
      en: 'With your own subscription with export rights, company data is paid by it instead of the wallet.',
      nl: 'Met een eigen abonnement met exportrechten worden bedrijfsgegevens daarmee betaald in plaats van uit de portefeuille.',
      fr: 'Avec votre propre abonnement avec droits d’exportation, les données d’entreprise sont payées par celui-ci plutôt que par le portefeuille.',
      de: 'Mit einem eigenen Abonnement mit Exportrechten werden Firmendaten darüber statt aus dem Guthaben bezahlt.',
    },
    form: {
      load: '/subscription',
      save: { method: 'PUT', path: '/subscription' },
      submitLabel: { en: 'Link', nl: 'Koppelen', fr: 'Associer', de: 'Verknüpfen' },
      fields: [
        { name: 'linked', type: 'boolean', readOnly: true, label: { en: 'Linked', nl: 'Gekoppeld', fr: 'Associé', de: 'Verknüpft' } },
        { name: 'formula', type: 'text', readOnly: true, label: { en: 'Formula', nl: 'Formule', fr: 'Formule', de: 'Formel' } },
        {
          name: 'exportRights',
          type: 'boolean',
          readOnly: true,
          label: { en: 'Export rights', nl: 'Exportrechten', fr: 'Droits d’exportation', de: 'Exportrechte' },
        },
        {
          name: 'apiKey',
          type: 'text',
          required: true,
          label: { en: 'Trends Top API key', nl: 'Trends Top-API-sleutel', fr: 'Clé API Trends Top', de: 'Trends-Top-API-Schlüssel' },
          help: {
            en: 'Stored encrypted and never shown again.',
            nl: 'Wordt versleuteld bewaard en nooit meer getoond.',
            fr: 'Conservée chiffrée et jamais réaffichée.',
            de: 'Wird verschlüsselt gespeichert und nie wieder angezeigt.',
          },
        },
      ],
    },
  }),
];
