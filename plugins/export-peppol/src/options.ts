import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * Default validator threads: one per core but one, at most 2, at least 1. A document is CPU-bound
 * SaxonJS work; leaving a core free keeps the host's event loop (HTTP, the run's own writes)
 * responsive, and each thread holds its own copy of the rules (~150–230 MB), so more than 2 costs
 * memory for an export that is not latency-critical. On 1–2 cores this is 1.
 */
export function defaultValidationThreads(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(2, cores - 1));
}

/** Options of the export-peppol plugin (its entry in tollgate.config.json). */
export const exportPeppolOptions = z.strictObject({
  /**
   * Check every document against the EN 16931 and Peppol Schematron before it is exported (a
   * document with a fatal violation is refused with the rule and costs nothing). Turn off only to
   * export what an accounting program takes anyway, knowing a Peppol access point may refuse it.
   */
  validate: z.boolean().default(true),
  /**
   * Worker threads running the Schematron, documents validated at once (a document takes 0.05–0.5 s
   * of CPU). Default: min(2, cores − 1), at least 1 (see defaultValidationThreads).
   */
  validationThreads: z.number().int().min(1).max(16).default(defaultValidationThreads),
  /**
   * Also run the rules' warning asserts. Off by default: refusals depend only on fatal asserts, and
   * the fatal-only rule variant takes about a third less CPU per document. Warnings are never a refusal either way.
   */
  validationWarnings: z.boolean().default(false),
});

export type ExportPeppolOptions = z.output<typeof exportPeppolOptions>;
