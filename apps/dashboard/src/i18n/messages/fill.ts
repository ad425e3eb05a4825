import { defineMessages } from '../define-messages.js';

// Texts of the fill screen(s); keys start with 'fill.'.
export default defineMessages({
  en: { 'fill.title': 'Fill your wallet' },
  nl: { 'fill.title': 'Portefeuille opladen' },
  fr: { 'fill.title': 'Recharger le portefeuille' },
  de: { 'fill.title': 'Guthaben aufladen' },
});
