import { z } from 'zod';

/*
 * The answers of the E-POSTBUSINESS API (OpenAPI v2.6.1 at api.epost.docuguide.com/swagger, see
 * README.md): only the fields this client reads are required; unknown fields are dropped.
 */

/** The API's Error object (also used for warnings and infos, e.g. HealthCheck's I501). */
export const messageSchema = z.object({
  level: z.string().min(1),
  code: z.string().min(1),
  description: z.string(),
  date: z.string().nullable().optional(),
});
export type EPostMessage = z.output<typeof messageSchema>;

export const loginResponseSchema = z.object({ token: z.string().min(1) });

export const letterIdentSchema = z.object({ letterID: z.number().int().positive(), fileName: z.string() });
export type LetterIdent = z.output<typeof letterIdentSchema>;

const date = z.string().nullable().optional();
const text = z.string().nullable().optional();

export const letterStatusSchema = z.object({
  letterID: z.number().int().positive(),
  fileName: z.string(),
  /** 1 accepted, 2 processed, 3 sent to the print centre, 4 printed and posted (reported by the print centre), 99 error (see errorList). */
  statusID: z.number().int(),
  statusDetails: text,
  createdDate: date,
  processedDate: date,
  printUploadDate: date,
  printFeedbackDate: date,
  testFlag: z.boolean().optional(),
  registeredLetter: text,
  registeredLetterID: text,
  registeredLetterStatus: text,
  registeredLetterStatusDate: date,
  noOfPages: z.number().int().optional(),
  custom1: text,
  zipCode: text,
  city: text,
  country: text,
  destinationAreaStatus: text,
  destinationAreaStatusDate: date,
  errorList: z.array(messageSchema).nullable().optional(),
});
export type EPostLetterStatus = z.output<typeof letterStatusSchema>;

/** The status IDs the API documents. */
export const LETTER_STATUS_IDS = { accepted: 1, processed: 2, inPrintCentre: 3, posted: 4, error: 99 } as const;
