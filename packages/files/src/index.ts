// Durable files (invoice PDFs, uploads, reports): the interface and its local-folder implementation.
export { FILE_STORE, type FileStore, type StoredFile } from './file-store.js';
export { assertFileKey } from './file-key.js';
export { LocalFileStore } from './local-file.store.js';
