export { createDocumentReader } from './document-reader.js';
export { DocumentReadError, type DocumentReadErrorCode } from './document-reader.errors.js';
export {
  READABLE_TYPES,
  type Box,
  type DocumentReader,
  type DocumentReaderOptions,
  type DocumentReaderStats,
  type PooledDocumentReader,
  type ReadableType,
  type ReaderLanguage,
  type ReadLine,
  type ReadPage,
  type ReadResult,
  type ReadWord,
} from './document-reader.types.js';
