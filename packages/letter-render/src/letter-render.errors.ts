import { TollgateError } from '@tollgate/errors';

/** 400 `letter_too_long`: more pages than a letter may have (cover, html pages and attachments together). */
export class LetterTooLongError extends TollgateError {
  readonly pages: number;
  readonly maxPages: number;

  constructor(input: { pages: number; maxPages: number }) {
    super({
      code: 'letter_too_long',
      status: 400,
      message: `The letter would have ${input.pages} pages; at most ${input.maxPages} can be posted in one envelope.`,
      details: { pages: input.pages, maxPages: input.maxPages },
    });
    this.pages = input.pages;
    this.maxPages = input.maxPages;
  }
}

/** 422 `letter_attachment_unreadable`: an attachment is not a PDF that can be printed (broken, empty or encrypted). */
export class LetterAttachmentUnreadableError extends TollgateError {
  constructor(input: { index: number; reason: 'not_a_pdf' | 'no_pages' | 'encrypted'; cause?: unknown }) {
    const why = { not_a_pdf: 'is not a readable PDF', no_pages: 'has no pages', encrypted: 'is encrypted' }[input.reason];
    super({
      code: 'letter_attachment_unreadable',
      status: 422,
      message: `Attachment ${input.index + 1} ${why}.`,
      details: { attachment: input.index, reason: input.reason },
      cause: input.cause,
    });
  }
}

/** 502 `letter_render_failed`: Chromium failed twice (crashed, could not start) or the render took too long. */
export class LetterRenderFailedError extends TollgateError {
  readonly reason: 'timeout' | 'browser_failed' | 'closed';

  constructor(input: { reason: 'timeout' | 'browser_failed' | 'closed'; message: string; cause?: unknown }) {
    super({ code: 'letter_render_failed', status: 502, message: input.message, details: { reason: input.reason }, cause: input.cause });
    this.reason = input.reason;
  }
}
