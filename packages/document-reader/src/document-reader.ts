import type { DocumentReader, DocumentReaderOptions } from './document-reader.types.js';

/** Contract placeholder: the reader lane (issue 16) replaces this file. */
export function createDocumentReader(_options: DocumentReaderOptions = {}): DocumentReader {
  throw new Error('createDocumentReader is not built yet');
}
