import { Writable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { DeliverableFile } from './export-delivery.js';

/**
 * Streams the files as one ZIP into `out`, each read from the file store only when its turn comes
 * (memory stays flat whatever the run's size). Resolves when the ZIP is written; `mtime` fixed so the
 * same run gives the same bytes.
 */
export function writeExportZip(input: { files: readonly DeliverableFile[]; out: Writable; mtime: Date }): Promise<void> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      zip.outputStream.unpipe(input.out);
      reject(error);
    };
    zip.on('error', fail);
    zip.outputStream.on('error', fail);
    input.out.on('error', fail);
    input.out.on('finish', () => {
      if (!failed) resolve();
    });
    for (const file of input.files) {
      zip.addReadStreamLazy(file.name, { mtime: input.mtime, size: file.size }, (cb) => {
        file.open().then(
          (stream) => cb(null, stream),
          (error: Error) => cb(error, undefined as never),
        );
      });
    }
    zip.end();
    zip.outputStream.pipe(input.out);
  });
}

/** The ZIP in memory, refusing past `maxBytes` (for e-mail). Null when it would be larger. */
export async function exportZipBuffer(input: { files: readonly DeliverableFile[]; mtime: Date; maxBytes: number }): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > input.maxBytes) tooLarge = true;
      else chunks.push(chunk);
      cb();
    },
  });
  await writeExportZip({ files: input.files, out, mtime: input.mtime });
  return tooLarge ? null : Buffer.concat(chunks);
}
