// Figures for the README: seconds per page, throughput and peak memory (RSS) of the reader with 1
// and 2 OCR workers, per kind of document; and OCR recall on harder images. Each configuration runs
// in its own process, so its peak RSS is its own.
//   pnpm --filter @tollgate/document-reader build && pnpm exec node packages/document-reader/scripts/measure.ts [reads]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createDocumentReader } from '../dist/index.js';
import { receiptPng, scannedPdf, textPdf, tokenRecall } from '../test/receipt-documents.ts';

const KINDS = ['text-pdf', 'clean-png', 'scanned-pdf'];

async function document(kind: string): Promise<{ bytes: Buffer; contentType: 'application/pdf' | 'image/png' | 'image/jpeg' }> {
  const png = await receiptPng();
  if (kind === 'text-pdf') return { bytes: await textPdf(), contentType: 'application/pdf' };
  if (kind === 'scanned-pdf') return { bytes: await scannedPdf(), contentType: 'application/pdf' };
  if (kind === 'clean-png') return { bytes: png, contentType: 'image/png' };
  if (kind.startsWith('turned-')) return { bytes: await receiptPng({ degrees: Number(kind.slice(7)) }), contentType: 'image/png' };
  if (kind.startsWith('skew-')) return { bytes: await receiptPng({ degrees: Number(kind.slice(5)) }), contentType: 'image/png' };
  if (kind === 'low-contrast') return { bytes: await sharp(png).linear(0.25, 150).png().toBuffer(), contentType: 'image/png' };
  if (kind === 'blur') return { bytes: await sharp(png).blur(1.5).png().toBuffer(), contentType: 'image/png' };
  if (kind === 'noise-jpeg') {
    const { width, height } = await sharp(png).metadata();
    const noise = await sharp({
      create: { width: width!, height: height!, channels: 3, background: 'white', noise: { type: 'gaussian', mean: 220, sigma: 50 } },
    })
      .png()
      .toBuffer();
    return {
      bytes: await sharp(png)
        .composite([{ input: noise, blend: 'multiply' }])
        .jpeg({ quality: 60 })
        .toBuffer(),
      contentType: 'image/jpeg',
    };
  }
  // A phone photo's mild perspective, approximated by a shear and a slight turn.
  if (kind === 'perspective')
    return {
      bytes: await sharp(png).affine([1, 0.08, 0.04, 1], { background: 'white' }).rotate(3, { background: 'white' }).png().toBuffer(),
      contentType: 'image/png',
    };
  throw new Error(`unknown kind ${kind}`);
}

async function child(workers: number, kind: string, reads: number): Promise<void> {
  const reader = createDocumentReader({ workers });
  const doc = await document(kind);
  let started = performance.now();
  const first = await reader.read(doc);
  const firstMs = performance.now() - started;
  // Steady state: a round of `workers` parallel reads starts (and warms) every worker first.
  await Promise.all(Array.from({ length: workers }, () => reader.read(doc)));
  started = performance.now();
  for (let i = 0; i < reads; i += 1) await reader.read(doc);
  const sequentialMs = (performance.now() - started) / reads;
  started = performance.now();
  await Promise.all(Array.from({ length: reads * workers }, () => reader.read(doc)));
  const parallelPerSecond = (reads * workers) / ((performance.now() - started) / 1000);
  await reader.close();
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      kind,
      workers,
      firstReadS: +(firstMs / 1000).toFixed(2),
      secondsPerPage: +(sequentialMs / 1000).toFixed(2),
      pagesPerSecond: +parallelPerSecond.toFixed(2),
      peakRssMb: Math.round(rssMb),
      recall: +tokenRecall(first).toFixed(2),
      rotations: first.rotations,
    }),
  );
}

async function accuracy(kind: string): Promise<void> {
  const reader = createDocumentReader({ workers: 1 });
  const started = performance.now();
  const result = await reader.read(await document(kind));
  await reader.close();
  console.log(
    JSON.stringify({ kind, recall: +tokenRecall(result).toFixed(2), rotations: result.rotations, seconds: +((performance.now() - started) / 1000).toFixed(2) }),
  );
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'child') await child(Number(args[0]), args[1]!, Number(args[2]));
else if (mode === 'accuracy') await accuracy(args[0]!);
else {
  const reads = Number(mode ?? 3);
  const self = fileURLToPath(import.meta.url);
  for (const kind of KINDS)
    for (const workers of [1, 2])
      process.stdout.write(execFileSync(process.execPath, [self, 'child', String(workers), kind, String(reads)], { encoding: 'utf8' }));
  for (const kind of ['turned-180', 'turned-90', 'skew-5', 'skew-10', 'skew--10', 'perspective', 'low-contrast', 'blur', 'noise-jpeg'])
    process.stdout.write(execFileSync(process.execPath, [self, 'accuracy', kind], { encoding: 'utf8' }));
}
