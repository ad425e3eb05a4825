import { z } from 'zod';

/** Response bodies, for the OpenAPI document (checked against real answers by the e2e test). */
export const credentialsView = z.object({
  configured: z.boolean(),
  ekp: z.string().nullable(),
  verifiedAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
