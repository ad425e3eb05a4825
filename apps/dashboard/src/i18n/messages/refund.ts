import { defineMessages } from '../define-messages.js';

// Texts of the refund screen(s); keys start with 'refund.'.
export default defineMessages({
  en: { 'refund.title': 'Refund and referral' },
  nl: { 'refund.title': 'Terugbetaling en doorverwijzing' },
  fr: { 'refund.title': 'Remboursement et parrainage' },
  de: { 'refund.title': 'Erstattung und Empfehlung' },
});
