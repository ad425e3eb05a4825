export {
  createLetterRenderer,
  letterCoverHtml,
  type LetterRenderer,
  type LetterRendererOptions,
  type LetterRendererPool,
  type RenderLetterInput,
  type RenderedLetter,
} from './letter-renderer.js';
export { LETTER_WINDOW_MM, MAX_LETTER_PAGES } from './letter-layout.js';
export { LETTER_LABELS, type LetterLocale } from './labels.js';
export { LetterAttachmentUnreadableError, LetterRenderFailedError, LetterTooLongError } from './letter-render.errors.js';
export { CHROMIUM_ARGS, launchChromium, type BrowserPoolStats } from './browser-pool.js';
export { escapeHtml } from './cover-html.js';
