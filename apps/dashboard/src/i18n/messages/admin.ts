import { defineMessages } from '../define-messages.js';

// Texts of the admin screen(s); keys start with 'admin.'.
export default defineMessages({
  en: { 'admin.title': 'Platform admin' },
  nl: { 'admin.title': 'Platformbeheer' },
  fr: { 'admin.title': 'Administration de la plateforme' },
  de: { 'admin.title': 'Plattformverwaltung' },
});
