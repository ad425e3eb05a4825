import { z } from 'zod';

/** Options of the export-peppol plugin (its entry in tollgate.config.json). */
export const exportPeppolOptions = z.strictObject({
  /**
   * Check every document against the EN 16931 and Peppol Schematron before it is exported (a
   * document with a fatal violation is refused with the rule and costs nothing). Turn off only to
   * export what an accounting program takes anyway, knowing a Peppol access point may refuse it.
   */
  validate: z.boolean().default(true),
  /**
   * Worker threads running the Schematron, documents validated at once (a document takes 0.1–1 s of
   * CPU). 1 keeps an export from taking more than one core of the host.
   */
  validationThreads: z.number().int().min(1).max(16).default(1),
});

export type ExportPeppolOptions = z.output<typeof exportPeppolOptions>;
