import { assertFileKey, type FileStore, type StoredFile } from '@tollgate/files';
import { ValidationError } from '@tollgate/errors';
import type { PluginFiles, PluginStoredFile } from '@tollgate/plugin-sdk';

/** Where a plugin's files live in the host's store: `plugins/<plugin id>/<its key>`. */
export function pluginFilePrefix(pluginId: string): string {
  return `plugins/${pluginId}/`;
}

/** 400 invalid_file_key: a plugin named a file with a key the store cannot take (or one that would leave its prefix). */
export class InvalidFileKeyError extends ValidationError {
  constructor(input: { key: unknown; reason: string }) {
    super({
      code: 'invalid_file_key',
      message: `Invalid file key ${JSON.stringify(input.key)}: ${input.reason}.`,
      details: { key: input.key, reason: input.reason },
    });
  }
}

/** Why a plugin's key is refused, in words: the store's own check says only "invalid". */
function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') throw new InvalidFileKeyError({ key, reason: 'a key is a non-empty string' });
  if (key.startsWith('/')) throw new InvalidFileKeyError({ key, reason: 'keys are relative paths, not absolute ones' });
  const parts = key.split('/');
  if (parts.some((p) => p === '..' || p === '.')) throw new InvalidFileKeyError({ key, reason: "'.' and '..' segments are not allowed" });
  if (parts.some((p) => p === '')) throw new InvalidFileKeyError({ key, reason: "empty segments ('a//b', a trailing '/') are not allowed" });
  try {
    assertFileKey(key);
  } catch {
    throw new InvalidFileKeyError({ key, reason: "segments take letters, digits, '.', '_' and '-' only, and a key may not end in .meta.json or .tmp" });
  }
  return key;
}

/**
 * coreServices.files for one plugin: the host's FileStore (local folder or S3) with every key under
 * `plugins/<plugin id>/`, so two plugins never reach each other's files. Keys go in and come back
 * out as the plugin named them.
 */
export function pluginFiles(input: { store: FileStore; pluginId: string }): PluginFiles {
  const { store } = input;
  const prefix = pluginFilePrefix(input.pluginId);
  const full = (key: unknown) => `${prefix}${checkKey(key)}`;
  const own = (file: StoredFile, key: string): PluginStoredFile => ({ key, size: file.size, sha256: file.sha256, contentType: file.contentType });
  return {
    async put({ key, body, contentType }) {
      return own(await store.put({ key: full(key), body, contentType }), key);
    },
    async read({ key }) {
      const found = await store.read({ key: full(key) });
      return found ? { file: own(found.file, key), body: found.body } : null;
    },
    async open({ key }) {
      const found = await store.open({ key: full(key) });
      return found ? { file: own(found.file, key), stream: found.stream } : null;
    },
    async stat({ key }) {
      const found = await store.stat({ key: full(key) });
      return found ? own(found, key) : null;
    },
    async delete({ key }) {
      await store.delete({ key: full(key) });
    },
  };
}
