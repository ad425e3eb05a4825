import { defineMessages } from '../define-messages.js';

// Texts of the history screen(s); keys start with 'history.'.
export default defineMessages({
  en: { 'history.title': 'History' },
  nl: { 'history.title': 'Geschiedenis' },
  fr: { 'history.title': 'Historique' },
  de: { 'history.title': 'Verlauf' },
});
