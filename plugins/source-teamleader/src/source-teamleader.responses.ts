import { z } from 'zod';

/* What the Teamleader routes answer (the `responses` of their defineRoute, for the OpenAPI document). */

export const connectStart = z.object({
  authorizeUrl: z.string().describe('Send the user here to consent'),
  expiresAt: z.string().describe('The consent must come back before this moment'),
});

export const teamleaderConnection = z.object({
  id: z.string().describe('The plugin’s connection id'),
  syncConnectionId: z.string().optional().describe('The invoice-sync connection (GET /v1/invoice-sync/connections/{id}); right after consent'),
  teamleaderAccountId: z.string().nullable(),
  status: z.enum(['connected', 'reconsent_needed']),
  reconsentReason: z.string().nullable(),
  connectedAt: z.string(),
  strictMode: z
    .object({
      state: z
        .enum(['on', 'off', 'unknown'])
        .describe("Teamleader's strict mode (booked invoices and credit notes can't be edited): the integration needs it on"),
      checkedAt: z.string().nullable(),
      detail: z.string().nullable().describe('The probe: which booked invoice, and what Teamleader answered'),
      warning: z.string().nullable().describe('What it means for the write-back, when strict mode is not on'),
    })
    .describe('Checked at connect and by POST /v1/plugins/source-teamleader/connection/strict-mode-check'),
});

export const consentResult = z.object({ connection: teamleaderConnection });
export const disconnected = z.object({ disconnected: z.literal(true), id: z.string() });
export const webhookReceipt = z.object({ received: z.number().int(), stored: z.number().int().describe('New events, handed to the import') });
