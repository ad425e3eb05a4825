import { defineMessages } from '../define-messages.js';

// Texts of the invoices screen(s); keys start with 'invoices.'.
export default defineMessages({
  en: { 'invoices.title': 'Invoices' },
  nl: { 'invoices.title': 'Facturen' },
  fr: { 'invoices.title': 'Factures' },
  de: { 'invoices.title': 'Rechnungen' },
});
