import { defineDashboardPanel, type DashboardPanel } from '@tollgate/plugin-sdk';
import { EXPENSE_SCAN_CHANNEL_ID } from './expense-scan.channel.js';

/* The plugin's screens on the web dashboard: data only, bound to its own routes (expense-scan.routes.ts). */

export const expenseScanPanels: DashboardPanel[] = [
  defineDashboardPanel({
    id: 'expenses',
    placement: 'feature',
    channel: EXPENSE_SCAN_CHANNEL_ID,
    title: { en: 'Expense scans', nl: 'Onkosten scannen', fr: 'Numérisation des dépenses', de: 'Belegscan' },
    description: {
      en: 'Uploaded receipts and invoices, newest first, with what each scan cost.',
      nl: 'Opgeladen kasbons en facturen, de nieuwste eerst, met wat elke scan kostte.',
      fr: 'Les tickets et factures téléversés, les plus récents d’abord, avec le coût de chaque numérisation.',
      de: 'Hochgeladene Quittungen und Rechnungen, die neuesten zuerst, mit den Kosten jedes Scans.',
    },
    table: {
      source: '/expenses',
      empty: {
        en: 'No expenses uploaded yet.',
        nl: 'Nog geen onkosten opgeladen.',
        fr: 'Aucune dépense téléversée pour l’instant.',
        de: 'Noch keine Belege hochgeladen.',
      },
      columns: [
        { key: 'file.filename', label: { en: 'File', nl: 'Bestand', fr: 'Fichier', de: 'Datei' } },
        { key: 'status', label: { en: 'Status', nl: 'Status', fr: 'Statut', de: 'Status' }, format: 'status' },
        { key: 'uploadedAt', label: { en: 'Uploaded', nl: 'Opgeladen', fr: 'Téléversé', de: 'Hochgeladen' }, format: 'datetime' },
        { key: 'scan.amount', label: { en: 'Scan cost', nl: 'Kostprijs scan', fr: 'Coût de la numérisation', de: 'Kosten des Scans' }, format: 'money' },
      ],
    },
  }),
  // An auto-scan spends a free scan or money: admins and owners change it, as the route says.
  defineDashboardPanel({
    id: 'settings',
    placement: 'settings',
    channel: EXPENSE_SCAN_CHANNEL_ID,
    minRole: 'admin',
    title: { en: 'Expense scans', nl: 'Onkosten scannen', fr: 'Numérisation des dépenses', de: 'Belegscan' },
    form: {
      load: '/settings',
      save: { method: 'PUT', path: '/settings' },
      submitLabel: { en: 'Save', nl: 'Opslaan', fr: 'Enregistrer', de: 'Speichern' },
      fields: [
        {
          name: 'autoScan',
          type: 'boolean',
          label: {
            en: 'Scan every upload automatically',
            nl: 'Elke upload automatisch scannen',
            fr: 'Numériser automatiquement chaque fichier téléversé',
            de: 'Jeden Upload automatisch scannen',
          },
          help: {
            en: 'Each scan uses a free scan of the month, then is paid from the wallet.',
            nl: 'Elke scan gebruikt een gratis scan van de maand en wordt daarna uit de portefeuille betaald.',
            fr: 'Chaque numérisation utilise une numérisation gratuite du mois, puis est payée depuis le portefeuille.',
            de: 'Jeder Scan verbraucht einen Gratis-Scan des Monats und wird danach aus dem Guthaben bezahlt.',
          },
        },
      ],
    },
  }),
];
