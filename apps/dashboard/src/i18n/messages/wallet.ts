import { defineMessages } from '../define-messages.js';

// Texts of the wallet screen(s); keys start with 'wallet.'.
export default defineMessages({
  en: { 'wallet.title': 'Wallet' },
  nl: { 'wallet.title': 'Portefeuille' },
  fr: { 'wallet.title': 'Portefeuille' },
  de: { 'wallet.title': 'Guthaben' },
});
