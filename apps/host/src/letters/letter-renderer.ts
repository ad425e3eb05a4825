import { UnavailableError } from '@tollgate/errors';
import { createLetterRenderer } from '@tollgate/letter-render';
import type { LetterRenderer } from '@tollgate/letters';
import type { HostConfig } from '../config/host-config.js';

/**
 * The host's one letter renderer, made on first use (a host that never posts a letter never starts
 * Chromium) and closed on shutdown. Sized from config.letters.
 */
export class LazyLetterRenderer implements LetterRenderer {
  #renderer: LetterRenderer | undefined;
  #closed = false;

  constructor(private readonly create: () => LetterRenderer) {}

  render(input: Parameters<LetterRenderer['render']>[0]): ReturnType<LetterRenderer['render']> {
    if (this.#closed) return Promise.reject(new UnavailableError({ code: 'host_closing', message: 'The host is shutting down; try again.' }));
    this.#renderer ??= this.create();
    return this.#renderer.render(input);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#renderer?.close();
  }
}

/** The renderer the config asks for: Debian's Chromium (CHROMIUM_PATH) through @tollgate/letter-render, sized by config.letters. */
export function configuredLetterRenderer(config: HostConfig): LetterRenderer {
  return new LazyLetterRenderer(() =>
    createLetterRenderer({
      browsers: config.letters.browsers,
      pagesPerBrowser: config.letters.pagesPerBrowser,
      renderTimeoutMs: config.letters.renderTimeoutMs,
    }),
  );
}
