import type { DependencyContainer } from 'tsyringe';
import { LetterService } from './letter.service.js';
import { LETTER_RENDERER, LETTERS_OPTIONS, POSTAL_CARRIERS, type LetterRenderer, type LettersOptions, type PostalCarrierDirectory } from './letters.types.js';

/**
 * Registers the letter channel in a (child) container that already has DATABASE, JOB_QUEUE, CLOCK,
 * FILE_STORE, the wallet (registerWallet) and invoice sync (registerInvoiceSync).
 */
export function registerLetters(input: {
  container: DependencyContainer;
  carriers: PostalCarrierDirectory;
  renderer: LetterRenderer;
  options: LettersOptions;
}): void {
  input.container.register(POSTAL_CARRIERS, { useValue: input.carriers });
  input.container.register(LETTER_RENDERER, { useValue: input.renderer });
  input.container.register(LETTERS_OPTIONS, { useValue: input.options });
  input.container.registerSingleton(LetterService);
}
