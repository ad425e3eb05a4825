import { defineMessages } from '../define-messages.js';

// Texts of the features screen(s); keys start with 'features.'.
export default defineMessages({
  en: { 'features.title': 'Paid features' },
  nl: { 'features.title': 'Betalende functies' },
  fr: { 'features.title': 'Fonctions payantes' },
  de: { 'features.title': 'Kostenpflichtige Funktionen' },
});
